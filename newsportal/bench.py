"""make bench: the production stack (gunicorn + PostgreSQL + Redis) under wrk, page type by page type.

Run as `python -m newsportal.bench` (the Makefile does). It prepares a benchmark
database with the 100,000-article archive once (bench_data), starts gunicorn
with the checked-in config, and drives load with wrk from a second process on
127.0.0.1. For every URL type it prints requests/s, p50/p99 latency, queries per
request and bytes, cold (every request misses the page cache) and warm, next to
one static CSS file served by WhiteNoise through the same gunicorn.
"""

import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_PORT", "8590"))
BASE = f"http://{HOST}:{PORT}"
DURATION = os.environ.get("BENCH_DURATION", "8s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
THREADS = 2
ARTICLES = int(os.environ.get("BENCH_ARTICLES", "100000"))
# Its own database, never DATABASE_URL: the archive replaces whatever articles it finds.
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsportal_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
EDITOR_PASSWORD = "bench-editor-password"

# Every request gets a unique query string, so it misses the page cache: the cold figure.
COLD_LUA = """
local counter = 0
request = function()
  counter = counter + 1
  local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
  return wrk.format(nil, wrk.path .. sep .. "_bench=" .. counter .. "-" .. math.random(1, 1e9))
end
"""


def env():
    return {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "ALLOWED_HOSTS": HOST,
        "HTTPS": "0",
        "DEBUG": "0",
        "PORT": str(PORT),
        "QUERY_COUNT_HEADER": "1",
        "GUNICORN_ACCESS_LOG": "/dev/null",
    }


def manage(*args, capture=False):
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env(), check=True, text=True, capture_output=capture
    )
    return result.stdout if capture else None


def prepare_database():
    parts = urllib.parse.urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    exists = subprocess.run(
        ["psql", "-h", parts.hostname, "-U", parts.username or "postgres", "-Atc",
         f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(
            ["createdb", "-h", parts.hostname, "-U", parts.username or "postgres", name], check=True
        )
    manage("migrate", "--noinput", "-v", "0")
    count = int(
        manage(
            "shell", "-c", "from articles.models import Article; print(Article.objects.count())", capture=True
        )
        .strip()
        .splitlines()[-1]
    )
    if count < ARTICLES:
        print(f"Generating {ARTICLES:,} articles (once; reused by later runs)...", flush=True)
        manage("bench_data", "--replace", "--articles", str(ARTICLES))
    manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import Group, User\n"
        "u, _ = User.objects.get_or_create(username='bench-editor', defaults={'is_staff': True})\n"
        f"u.set_password('{EDITOR_PASSWORD}'); u.save(); u.groups.add(Group.objects.get(name='Editor'))",
    )
    manage("collectstatic", "--noinput", "-v", "0")


def start_gunicorn():
    process = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "--config", "newsportal/gunicorn.conf.py"],
        cwd=ROOT,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{BASE}/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start:\n" + process.stderr.read().decode())


def fetch(path, opener=None):
    opener = opener or urllib.request.build_opener()
    with opener.open(BASE + path, timeout=30) as response:
        body = response.read()
        return body, response.headers


def admin_session():
    """Log in as an editor and return the session cookie header for wrk."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    body, _headers = fetch("/admin/login/", opener)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    data = urllib.parse.urlencode(
        {
            "username": "bench-editor",
            "password": EDITOR_PASSWORD,
            "csrfmiddlewaretoken": token,
            "next": "/admin/",
        }
    ).encode()
    request = urllib.request.Request(
        BASE + "/admin/login/", data=data, headers={"Referer": BASE + "/admin/login/"}
    )
    opener.open(request, timeout=30).read()
    cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)
    if "sessionid" not in cookies:
        raise SystemExit("Could not log in to the admin as bench-editor.")
    return cookies


def first_link(path, pattern):
    body, _ = fetch(path)
    match = re.search(pattern, body.decode())
    if not match:
        raise SystemExit(f"No link matching {pattern!r} on {path}")
    return match.group(1)


def discover_urls():
    article = first_link("/", r'href="(/[\w-]+/\d{4}/\d{2}/\d{2}/[\w-]+/)"')
    section = "/nasional/"  # bench_data always creates it, with thousands of articles below it
    tag = first_link(article, r'href="(/tag/[\w-]+/)"')
    author = first_link(article, r'href="(/penulis/[\w-]+/)"')
    sitemap_index, _ = fetch("/sitemap.xml")
    sitemap_pages = re.findall(r"<loc>https?://[^/]+(/[^<]+)</loc>", sitemap_index.decode())
    article_sitemap = next(
        (loc for loc in sitemap_pages if "article" in loc or "berita" in loc), sitemap_pages[0]
    )
    return {
        "home": "/",
        "section p1": section,
        "section p500": f"{section}?page=500",
        "article": article,
        "tag": tag,
        "author": author,
        "index by day": f"/indeks/?date={date.today():%Y-%m-%d}",
        "search common": "/cari/?q=pemerintah",
        "search rare": "/cari/?q=vulkanologi",
        "rss feed": "/feed/",
        "sitemap page": article_sitemap.replace("&amp;", "&"),
    }


def wrk(path, *, cold=False, cookie=None, duration=DURATION):
    args = ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", duration, "--latency"]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    script = None
    if cold:
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script.write(COLD_LUA)
        script.close()
        args += ["-s", script.name]
    output = subprocess.run(args + [BASE + path], capture_output=True, text=True, check=True).stdout
    if script:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rps,
        "p50": latency(output, "50%"),
        "p99": latency(output, "99%"),
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


def latency(output, percentile):
    value, unit = re.search(rf"{re.escape(percentile)}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def page_facts(path, cookie=None):
    request = urllib.request.Request(BASE + path + ("&" if "?" in path else "?") + "_facts=1")
    if cookie:
        request.add_header("Cookie", cookie)
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
        return len(body), response.headers.get("X-Query-Count", "-")


def flush_cache():
    manage("shell", "-c", "from django.core.cache import cache; cache.clear()")


def worker_memory(master_pid):
    """Return the peak resident memory (MB) of each gunicorn worker."""
    children = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
    return peaks


def main():
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    prepare_database()
    server = start_gunicorn()
    try:
        run(server)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def run(server):
    urls = discover_urls()
    cookie = admin_session()
    static_path = first_link("/", r'href="(/static/css/[^"]+\.css)"')
    print(
        f"\nnewsportal bench: {ARTICLES:,} articles, gunicorn {CONNECTIONS} connections, {DURATION} per run\n"
    )
    flush_cache()
    for path in [*urls.values(), static_path]:  # warm up code paths and connections
        fetch(path)
    static = wrk(static_path)
    rows = [("static css (ceiling)", static, static, *page_facts(static_path))]
    for name, path in urls.items():
        flush_cache()
        cold = wrk(path, cold=True)
        warm = wrk(path)
        rows.append((name, cold, warm, *page_facts(path)))
    admin_path = "/admin/articles/article/"
    admin = wrk(admin_path, cookie=cookie)
    rows.append(("admin article list", admin, admin, *page_facts(admin_path, cookie)))

    header = f"{'page':22} {'cold r/s':>9} {'p50':>7} {'p99':>7} {'warm r/s':>9} {'p50':>7} {'p99':>7} "
    header += f"{'warm/static':>11} {'cold/static':>11} {'queries':>7} {'bytes':>8} {'non-2xx':>7}"
    print(header)
    print("-" * len(header))
    for name, cold, warm, size, queries in rows:
        print(
            f"{name:22} {cold['rps']:9.0f} {cold['p50']:6.1f}ms {cold['p99']:6.1f}ms "
            f"{warm['rps']:9.0f} {warm['p50']:6.1f}ms {warm['p99']:6.1f}ms "
            f"{warm['rps'] / static['rps']:10.0%} {cold['rps'] / static['rps']:10.0%} "
            f"{queries:>7} {size:8,} {cold['errors'] + warm['errors']:7}"
        )
    memory = worker_memory(server.pid)
    print(f"\npeak memory per gunicorn worker: {', '.join(f'{mb:.0f} MB' for mb in memory)}")


if __name__ == "__main__":
    main()
