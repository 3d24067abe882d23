"""Faults that hang rather than fail: the circuit breakers, stale pages during an outage, database timeouts.

The live versions (a real gunicorn, Redis and PostgreSQL that stop answering)
are in tests/test_resilience_live.py.
"""

import logging
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
import time_machine
from django.core.cache import caches
from django.db import OperationalError, connection

from articles.models import ArticleQuerySet
from newsportal.middleware import DATABASE_BREAKER, is_connection_error
from pagecache import invalidate_public_pages
from pagecache.backends import ResilientRedisCache
from pagecache.breaker import CircuitBreaker, RedisUnavailable
from pagecache.generation import FakeStore, FileStore, read_generation, using_store
from pagecache.local import LOCAL_PAGES

from .factories import make_article
from .servers import ROOT

# --- The breaker ----------------------------------------------------------------------------


def test_breaker_opens_on_the_first_failure_and_lets_one_trial_through_after_the_cool_down():
    cool_down = [60]
    breaker = CircuitBreaker(lambda: cool_down[0])
    assert breaker.allow()
    breaker.failed("get", TimeoutError("no answer"))
    assert not breaker.allow() and breaker.is_open
    cool_down[0] = 0  # the cool-down is over
    assert breaker.allow()  # the one half-open trial
    assert not breaker.allow()  # everyone else still skips while it runs
    breaker.succeeded()
    assert breaker.allow() and breaker.allow() and not breaker.is_open


def test_breaker_logs_once_per_outage(caplog):
    breaker = CircuitBreaker(0)
    with caplog.at_level(logging.WARNING, logger="pagecache.breaker"):
        for _ in range(5):
            breaker.failed("get", TimeoutError("no answer"))
        breaker.succeeded()
        breaker.failed("get", TimeoutError("no answer again"))
    assert [r.getMessage().split(";")[0] for r in caplog.records] == [
        "Redis unavailable during get",
        "Redis answers again after 5 failed attempt(s)",
        "Redis unavailable during get",
    ]


def test_breaker_raises_without_calling_while_open_and_keeps_bad_commands_apart():
    breaker = CircuitBreaker(60)
    calls = []
    with pytest.raises(ValueError):  # not an outage: the breaker stays closed
        breaker.call("get", lambda: calls.append(1) or int("x"))
    assert not breaker.is_open
    with pytest.raises(ConnectionError):
        breaker.call("get", lambda: calls.append(2) or (_ for _ in ()).throw(ConnectionError("down")))
    with pytest.raises(RedisUnavailable):
        breaker.call("get", lambda: calls.append(3))
    assert calls == [1, 2]


class CountingStore(FakeStore):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.attempts = 0

    def check(self):
        self.attempts += 1
        super().check()


def test_a_store_behind_the_breaker_is_asked_once_per_cool_down():
    store = CountingStore(breaker=CircuitBreaker(60))
    store.is_down = True
    assert [read_generation(store) for _ in range(10)] == [None] * 10
    assert store.attempts == 1
    store.is_down = False
    assert read_generation(store) is None  # still cooling down: not asked
    store.breaker.cool_down = 0
    assert read_generation(store) == store.value and store.attempts == 2


def test_bumps_are_attempted_even_while_the_breaker_is_open():
    # A skipped bump would leave copies from before an edit valid once the store answers.
    store = CountingStore(breaker=CircuitBreaker(60))
    store.breaker.failed("generation read", TimeoutError("no answer"))
    with using_store(store):
        assert invalidate_public_pages() == store.value
    assert not store.breaker.is_open


class HungServer:
    """Accepts connections on 127.0.0.1 and never answers, like a hung Redis."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                self.held.append(self.listener.accept()[0])
            except OSError:
                return

    def close(self):
        self.listener.close()
        for sock in self.held:
            sock.close()


def test_a_hung_redis_costs_the_cache_one_timeout_not_one_per_call(settings):
    server = HungServer()
    breaker = CircuitBreaker(60)
    hung = ResilientRedisCache(
        f"redis://127.0.0.1:{server.port}/0",
        {"OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}},
    )
    try:
        from pagecache import backends

        original, backends.REDIS_BREAKER = backends.REDIS_BREAKER, breaker
        started = time.monotonic()
        for _ in range(8):
            assert hung.get("page") is None
            hung.set("page", "copy")
            assert hung.get_many(["a", "b"]) == {}
            with pytest.raises(ValueError):
                hung.incr("reads")
        elapsed = time.monotonic() - started
    finally:
        backends.REDIS_BREAKER = original
        server.close()
    assert breaker.is_open
    assert elapsed < 1.0, elapsed  # one 0.25 s timeout, then nothing waits


# --- Stale pages while the database is down -------------------------------------------------


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60
    settings.PAGE_CACHE_STALE_IF_ERROR_SECONDS = 3600
    settings.DB_COOL_DOWN_SECONDS = 0  # every request tries the database (the breaker is tested below)


def database_down(monkeypatch):
    def published(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(ArticleQuerySet, "published", published)


@pytest.mark.django_db
def test_an_expired_page_is_served_stale_only_while_the_database_is_down(client, page_cache, monkeypatch):
    make_article(headline="Berita Tersimpan")
    start = time.time()
    with using_store(FakeStore()), time_machine.travel(start, tick=False) as clock:
        assert client.get("/")["X-Cache"] == "MISS"
        assert "stale-if-error=3600" in client.get("/")["Cache-Control"]
        clock.shift(61)  # expired: the database is fine, so it is rendered again
        assert client.get("/")["X-Cache"] == "MISS"
        clock.shift(61)
        with monkeypatch.context() as patch:
            database_down(patch)
            response = client.get("/")
            assert response.status_code == 200 and response["X-Cache"] == "STALE"
            assert b"Berita Tersimpan" in response.content
            assert response["Cache-Control"] == "no-cache"
            assert client.get("/cari/?q=belum").status_code == 503  # never cached
            clock.shift(3600)  # past PAGE_CACHE_STALE_IF_ERROR_SECONDS
            assert client.get("/").status_code == 503
        assert client.get("/")["X-Cache"] == "MISS"


@pytest.mark.django_db
def test_a_copy_from_before_a_change_is_never_served_stale(client, page_cache, monkeypatch):
    # The change may have been an unpublish: only copies of the current generation stand in.
    article = make_article(headline="Segera Ditarik")
    with using_store(FakeStore()):
        assert client.get(article.get_absolute_url()).status_code == 200
        assert client.get("/")["X-Cache"] == "MISS"
        type(article).objects.filter(pk=article.pk).update(status="unpublished")
        invalidate_public_pages()
        database_down(monkeypatch)
        response = client.get("/")
        assert response.status_code == 503 and b"Segera Ditarik" not in response.content


@pytest.mark.django_db
def test_the_process_tier_keeps_expired_pages_for_outages_too(
    client, page_cache, settings, tmp_path, monkeypatch
):
    settings.PAGE_CACHE_LOCAL_ENTRIES = 8
    LOCAL_PAGES.clear()
    make_article(headline="Berita Di Memori")
    start = time.time()
    try:
        with using_store(FileStore(tmp_path / "gen")), time_machine.travel(start, tick=False) as clock:
            client.get("/")
            caches["default"].clear()  # only this process's own copy is left
            clock.shift(120)
            database_down(monkeypatch)
            response = client.get("/")
            assert response["X-Cache"] == "STALE" and b"Berita Di Memori" in response.content
    finally:
        LOCAL_PAGES.clear()


# --- Database timeouts ------------------------------------------------------------------


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's"
)


@needs_postgresql
@pytest.mark.django_db
def test_a_statement_timeout_is_a_503_not_a_500(client, monkeypatch):
    def slow(self):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 50")
            cursor.execute("SELECT pg_sleep(2)")

    monkeypatch.setattr(ArticleQuerySet, "published", slow)
    started = time.monotonic()
    response = client.get("/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert time.monotonic() - started < 1.5


@needs_postgresql
def test_a_connect_timeout_counts_as_the_database_being_unavailable():
    import psycopg

    server = HungServer()
    try:
        with pytest.raises(psycopg.OperationalError) as raised:
            psycopg.connect(f"postgresql://postgres@127.0.0.1:{server.port}/x", connect_timeout=2)
    finally:
        server.close()
    error = OperationalError(str(raised.value))
    error.__cause__ = raised.value
    assert is_connection_error(error)


@pytest.mark.django_db
def test_after_one_outage_readers_get_503_at_once_until_the_cool_down_ends(client, settings, monkeypatch):
    settings.DB_COOL_DOWN_SECONDS = 60
    with monkeypatch.context() as patch:
        database_down(patch)
        assert client.get("/").status_code == 503
    # The database is back, but this process does not ask it until the cool-down ends.
    assert client.get("/").status_code == 503
    assert client.get("/healthz").status_code == 200
    settings.DB_COOL_DOWN_SECONDS = 0
    assert client.get("/").status_code == 200
    assert not DATABASE_BREAKER.is_open


SHOW_TIMEOUT = (
    "from django.db import connection; c = connection.cursor(); "
    "c.execute('SHOW statement_timeout'); print(c.fetchone()[0])"
)


@needs_postgresql
@pytest.mark.parametrize(
    ("entry", "expected"),
    [("import newsportal.wsgi", "3s"), ("import django; django.setup()", "0")],
    ids=["web-server", "command"],
)
@pytest.mark.django_db
def test_only_web_processes_get_the_statement_timeout(entry, expected):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsportal.settings",
        "NEWSPORTAL_ENV_FILE": "",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    env.pop("NEWSPORTAL_WEB_PROCESS", None)
    env.pop("DB_STATEMENT_TIMEOUT_MS", None)
    result = subprocess.run(
        [sys.executable, "-c", f"{entry}; {SHOW_TIMEOUT}"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stdout.strip() == expected, result.stderr[-2000:]


def pool_exhausted():
    from psycopg_pool import PoolTimeout

    error = OperationalError("couldn't get a connection after 5.00 sec")
    error.__cause__ = PoolTimeout("couldn't get a connection after 5.00 sec")
    return error


def test_every_pooled_connection_busy_is_load_not_an_outage(rf):
    from newsportal.middleware import DatabaseUnavailableMiddleware

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    response = middleware.process_exception(rf.get("/"), pool_exhausted())
    assert response.status_code == 503  # this reader waited too long, and is told so
    assert not DATABASE_BREAKER.is_open  # the others keep being answered


def test_a_busy_pool_during_an_outage_keeps_the_breaker_open(rf):
    from newsportal.middleware import DatabaseUnavailableMiddleware

    DATABASE_BREAKER.failed("/", OperationalError("connection refused"))
    opened_at = DATABASE_BREAKER.opened_at
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    assert middleware.process_exception(rf.get("/"), pool_exhausted()).status_code == 503
    assert DATABASE_BREAKER.is_open and DATABASE_BREAKER.opened_at >= opened_at
