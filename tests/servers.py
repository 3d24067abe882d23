"""Helpers for the live tests that run the site in real gunicorn processes."""

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis
from redis.exceptions import RedisError

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)
# The live tests that run a throw-away PostgreSQL cluster and redis-server next to gunicorn.
NEEDS_POSTGRES_AND_REDIS = [
    pytest.mark.live,
    pytest.mark.slow,
    pytest.mark.skipif(
        PG_BIN is None or not shutil.which("redis-server"),
        reason="needs PostgreSQL server binaries and redis-server",
    ),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def wait_until(condition, *, seconds=15.0, message="condition"):
    """Poll condition() until it returns something true; fail if the deadline passes first."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds}s waiting for {message} (last: {value!r})")
        time.sleep(0.05)


def answers(url):
    try:
        urllib.request.urlopen(url, timeout=1)
        return True
    except OSError:
        return False


def start_gunicorn(env, *args, log=subprocess.DEVNULL):
    """Start gunicorn with the project's config; return once it answers /healthz.

    Its log goes to a file, never to a pipe nobody reads: a full pipe blocks the workers.
    """
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [gunicorn, "--config", "newsportal/gunicorn.conf.py", *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        wait_until(
            lambda: server.poll() is not None or answers(f"http://127.0.0.1:{env['PORT']}/healthz"),
            seconds=30,
            message="gunicorn to answer",
        )
    except AssertionError:
        server.kill()
        raise
    assert server.poll() is None, f"gunicorn exited with {server.returncode}"
    return server


def manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )


# The demo's renditions, kept from the first throw-away site of this test run for the next ones.
# They are named by their picture's content (articles/images.py), which the demo draws the same
# every time, so a later site finds them made and loads the demo in seconds, not half a minute.
DEMO_RENDITIONS = Path(tempfile.gettempdir()) / f"newsportal-test-renditions-{os.getpid()}"
atexit.register(shutil.rmtree, DEMO_RENDITIONS, ignore_errors=True)


def link_or_copy(source, target):
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)


def load_demo_site(env):
    """Prepare a throw-away site as `make run` does: migrate, collect static files, load the demo."""
    manage(env, "migrate", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    renditions = Path(env.get("MEDIA_ROOT") or Path(env["VAR_DIR"]) / "media") / "renditions"
    if DEMO_RENDITIONS.is_dir() and not renditions.exists():
        shutil.copytree(DEMO_RENDITIONS, renditions, copy_function=link_or_copy)
    manage(env, "load_demo", "--force", "-v", "0")
    if not DEMO_RENDITIONS.exists() and renditions.is_dir():
        shutil.copytree(renditions, DEMO_RENDITIONS, copy_function=link_or_copy)


def stop(server):
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def as_postgres(args, **kwargs):
    # PostgreSQL refuses to run as root; CI runs as root.
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(prefix + [str(arg) for arg in args], check=True, capture_output=True, **kwargs)


class Cluster:
    def __init__(self, directory):
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()

    def init(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        as_postgres([PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync"])

    def start(self):
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        as_postgres(
            [PG_BIN / "pg_ctl", "-D", self.data, "-o", options, "-l", self.directory / "log", "-w", "start"]
        )

    def stop(self):
        as_postgres([PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"])

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


def start_redis(port):
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_connect_timeout=0.5)
    wait_until(lambda: answers_ping(client), message="redis-server to answer")
    return server


def answers_ping(client):
    try:
        return client.ping()
    except RedisError:
        return False


def server_env(base, *, database_url, redis_url=None, **settings):
    """Return the environment of a throw-away site in base: production settings, its own port and var/.

    settings add or override variables (values made strings); a developer's .env never applies.
    """
    env = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": database_url,
        "SECRET_KEY": "live-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "HTTPS": "0",
        "PORT": str(free_port()),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": "/dev/null",
        "VAR_DIR": str(base / "var"),
        "NEWSPORTAL_ENV_FILE": "",  # a developer's .env (DEBUG, MEDIA_ROOT...) stays out
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update({name: str(value) for name, value in settings.items()})
    return env


def throwaway_cluster(prefix):
    """Return (folder, running Cluster) for a throw-away site; the folder is world-readable.

    Not pytest's tmp_path: its parents are private to root, and PostgreSQL runs as postgres.
    """
    base = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(base, 0o755)
    cluster = Cluster(base / "pg")
    cluster.init()
    cluster.start()
    return base, cluster


def stop_cluster(cluster):
    try:
        cluster.stop()
    except subprocess.CalledProcessError:  # already down (a test stopped it)
        pass


def stop_redis(server):
    server.kill()
    server.wait()


class LiveSite:
    """A throw-away site for live tests: its own PostgreSQL cluster, redis-server and gunicorn servers.

    A context manager: whatever it started (and whatever was handed to
    stop_later) is stopped in reverse order when the block ends, however it
    ends, and its folder removed.
    """

    def __init__(self, prefix, *, with_redis=True):
        self.prefix = prefix
        self.with_redis = with_redis
        self.started = contextlib.ExitStack()
        self.redis_port = self.env = None

    def __enter__(self):
        started = self.started.__enter__()
        try:
            self.base, self.cluster = throwaway_cluster(self.prefix)
            started.callback(shutil.rmtree, self.base, ignore_errors=True)
            started.callback(stop_cluster, self.cluster)
            if self.with_redis:
                self.redis_port = free_port()
                self.redis_server = start_redis(self.redis_port)
                started.callback(lambda: stop_redis(self.redis_server))  # the one running at the end
            self.log = started.enter_context(open(self.base / "gunicorn.log", "wb"))
        except BaseException:
            started.close()
            raise
        return self

    def __exit__(self, *exc):
        return self.started.__exit__(*exc)

    @property
    def redis_url(self):
        return f"redis://127.0.0.1:{self.redis_port}/0" if self.redis_port else None

    def environment(self, *, redis_url=None, **settings):
        """Return (and keep) the servers' environment, on this site's database and Redis."""
        self.env = server_env(
            self.base, database_url=self.cluster.url, redis_url=redis_url or self.redis_url, **settings
        )
        return self.env

    def serve(self, **overrides):
        """Start a gunicorn server with the environment (and overrides), stopped at the end."""
        server = start_gunicorn(
            {**self.env, **{name: str(value) for name, value in overrides.items()}}, log=self.log
        )
        self.started.callback(stop, server)
        return server

    def stop_later(self, function, *args, **kwargs):
        self.started.callback(function, *args, **kwargs)


def settings_value(env, expression):
    """Return str() of expression (over `settings`) as a fresh process with env (and no .env) sees it."""
    base = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "newsportal.settings",
        "NEWSPORTAL_ENV_FILE": "",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "a.example",
    }
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()
