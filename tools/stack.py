"""The production stack on this machine, for make bench and make loadtest.

gunicorn with the checked-in config, DEBUG off, on its own PostgreSQL database
and Redis database, always bound to 127.0.0.1; and the editor both tools run
against it, publishing through the admin over HTTP.
"""

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"


class Stack:
    def __init__(self, *, database_url, redis_url, port):
        self.database_url = database_url
        self.redis_url = redis_url
        self.port = port
        self.base = f"http://{HOST}:{port}"
        self.server = None

    def env(self, **extra):
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "SECRET_KEY": "local-stack-secret-key-not-for-production-0123456789",
            "ALLOWED_HOSTS": HOST,
            "HTTPS": "0",
            "DEBUG": "0",
            "PORT": str(self.port),
            "GUNICORN_ACCESS_LOG": "/dev/null",
            # make bench's cold runs send a new ?_bench= each time, to miss the page cache.
            "PAGE_CACHE_KEY_PARAMETERS": "_bench",
            # A developer's .env never reaches the benchmark stack.
            "NEWSPORTAL_ENV_FILE": "",
            **extra,
        }

    def manage(self, *args, capture=False):
        return self.run("manage", *args, capture=capture)

    def run(self, module, *args, capture=False):
        """Run `python -m module args` (manage.py or a tool) against this stack."""
        result = subprocess.run(
            [PYTHON, "-m", module, *args],
            cwd=ROOT,
            env=self.env(),
            check=True,
            text=True,
            capture_output=capture,
        )
        return result.stdout.strip().splitlines()[-1] if capture else None

    def shell_lines(self, code):
        """Run Python code in `manage.py shell`; return every line it printed."""
        result = subprocess.run(
            [PYTHON, "-m", "manage", "shell", "-c", code],
            cwd=ROOT,
            env=self.env(),
            check=True,
            text=True,
            capture_output=True,
        )
        return result.stdout.splitlines()

    def create_database(self):
        parts = urllib.parse.urlsplit(self.database_url)
        name, user = parts.path.lstrip("/"), parts.username or "postgres"
        query = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"
        found = subprocess.run(
            ["psql", "-h", parts.hostname, "-U", user, "-Atc", query],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not found:
            subprocess.run(["createdb", "-h", parts.hostname, "-U", user, name], check=True)
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("collectstatic", "--noinput", "-v", "0")

    def ensure_editor(self, username, password):
        self.manage(
            "shell",
            "-c",
            "from django.contrib.auth.models import Group, User\n"
            f"u, _ = User.objects.get_or_create(username='{username}', defaults={{'is_staff': True}})\n"
            f"u.set_password('{password}'); u.save(); u.groups.add(Group.objects.get(name='Editor'))",
        )

    def start(self, **extra_env):
        self.server = subprocess.Popen(
            [str(Path(PYTHON).parent / "gunicorn"), "--config", "newsportal/gunicorn.conf.py"],
            cwd=ROOT,
            env=self.env(**extra_env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        self.server.kill()
        raise SystemExit("gunicorn did not start:\n" + self.server.stderr.read().decode())

    def stop(self):
        if self.server:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                # Workers stuck on slow requests: don't leave them running.
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait(timeout=30)

    def worker_peak_memory_mb(self):
        children = subprocess.run(
            ["pgrep", "-P", str(self.server.pid)], capture_output=True, text=True
        ).stdout
        peaks = []
        for pid in children.split():
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
        return peaks

    def get(self, path, opener=None):
        opener = opener or urllib.request.build_opener()
        with opener.open(self.base + path, timeout=30) as response:
            return response.read().decode(), response.headers

    def login(self, username, password):
        """Log in to the admin; return a Browser holding the session."""
        browser = Browser(self)
        page = browser.get("/admin/login/")
        form = parse_form(page)
        fields = {**form, "username": username, "password": password, "next": "/admin/"}
        browser.post("/admin/login/", fields)
        if "sessionid" not in browser.cookie_header():
            raise SystemExit(f"Could not log in to the admin as {username}.")
        return browser

    def invisible(self, slugs):
        """Return the slugs readers cannot see now: neither on the home page nor answering 200."""
        home, _ = self.get("/")
        code = (
            "from articles.models import Article\n"
            f"for slug in {slugs!r}:\n"
            "    article = Article.objects.published().filter(slug=slug).first()\n"
            "    print('article', slug, article.get_absolute_url() if article else '-')"
        )
        urls = dict(line.split()[1:] for line in self.shell_lines(code) if line.startswith("article "))
        missing = []
        for slug in slugs:
            if f"/{slug}/" in home:
                continue
            try:
                if urls.get(slug, "-") == "-":
                    raise urllib.error.URLError("not published")
                self.get(urls[slug])
            except urllib.error.URLError:
                missing.append(slug)
        return missing


class Editor(threading.Thread):
    """An editor at work in the admin, over HTTP: publish a new article (and edit one) on a schedule.

    The first save comes first_after seconds after start, then one every `every` seconds
    (from the start, so slow saves under load do not stretch the schedule).
    """

    BODY = "<h2>Bagian satu</h2><p>Paragraf pertama.</p><h2>Bagian dua</h2><p>Paragraf kedua.</p>"

    def __init__(self, stack, login, *, section_id, every, first_after=0.0, edit=True, slug="uji-beban"):
        super().__init__(daemon=True)
        self.stack, self.section_id, self.every, self.first_after = stack, section_id, every, first_after
        self.with_edits, self.slug_prefix = edit, slug
        self.stop = threading.Event()
        self.browser = stack.login(*login)
        self.published, self.edits, self.failures = [], 0, []

    def run(self):
        started, n = time.monotonic(), 0
        while not self.stop.wait(max(0.0, started + self.first_after + n * self.every - time.monotonic())):
            n += 1
            try:
                self.publish(n)
                if self.with_edits:
                    self.edit(n)
            except (OSError, urllib.error.URLError) as error:
                self.failures.append(f"request failed: {error}")

    def finish(self):
        self.stop.set()
        if self.ident is not None:  # started
            self.join(timeout=60)

    def publish(self, n):
        form = parse_form(self.browser.get("/admin/articles/article/add/"))
        headline = f"Uji beban nomor {n} pada {time.strftime('%H.%M.%S')}"
        slug = f"{self.slug_prefix}-{n}-{int(time.time())}"
        form.update(
            {
                "headline": headline,
                "slug": slug,
                "dek": "Artikel uji beban.",
                "body": self.BODY,
                "section": self.section_id,
                "_publish": "Terbitkan",
            }
        )
        status, body = self.browser.post("/admin/articles/article/add/", form)
        if status != 302:
            errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', body, re.S)
            self.failures.append(f"publish {slug}: HTTP {status} {errors[:2]}")
        else:
            self.published.append(slug)

    def edit(self, n):
        if not self.published:
            return
        listing = self.browser.get("/admin/articles/article/?q=uji+beban")
        change = re.search(r'href="(/admin/articles/article/\d+/change/)[^"]*"', listing).group(1)
        form = parse_form(self.browser.get(change))
        form["dek"] = f"Artikel uji beban, disunting {n} kali."
        form["_save"] = "Simpan"
        status, body = self.browser.post(change, form)
        if status == 302:
            self.edits += 1
        else:
            self.failures.append(f"edit {change}: HTTP {status}")


class Browser:
    """A tiny cookie-keeping HTTP client that submits forms the way a browser does."""

    def __init__(self, stack):
        self.stack = stack
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def get(self, path):
        with self.opener.open(self.stack.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path, fields):
        data = urllib.parse.urlencode(fields, doseq=True).encode()
        request = urllib.request.Request(
            self.stack.base + path, data=data, headers={"Referer": self.stack.base + path}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def cookie_header(self):
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp

    http_error_301 = http_error_303 = http_error_307 = http_error_302


class FormParser(HTMLParser):
    """Collect the fields of each POST form, with the values a browser would submit."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.fields, self.in_form, self.textarea, self.select = [], [], False, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post":
            self.in_form, self.fields = True, []
        if not self.in_form or "name" not in attrs and tag not in ("option",):
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((attrs["name"], attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]
        elif tag == "select":
            self.select = [attrs["name"], None, None]
        elif tag == "option" and self.select is not None:
            if self.select[2] is None:
                self.select[2] = attrs.get("value", "")
            if "selected" in attrs:
                self.select[1] = attrs.get("value", "")

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea is not None:
            self.fields.append(tuple(self.textarea))
            self.textarea = None
        elif tag == "select" and self.select is not None:
            name, selected, _first = self.select
            if selected is not None:
                self.fields.append((name, selected))
            self.select = None
        elif tag == "form" and self.in_form:
            self.in_form = False
            self.forms.append(self.fields)


def parse_form(html):
    """Return the fields of the page's main POST form (the one with most fields, not e.g. "log out")."""
    parser = FormParser()
    parser.feed(html)
    fields = {}
    for name, value in max(parser.forms, key=len, default=[]):
        fields.setdefault(name, []).append(value)
    return {name: values if len(values) > 1 else values[0] for name, values in fields.items()}
