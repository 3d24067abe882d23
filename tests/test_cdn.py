"""pagecache.cdn.purge against real HTTP servers on 127.0.0.1: what is sent, and what a dead cache costs."""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import pagecache
from pagecache import cdn

from .servers import free_port, wait_until


class Cache(ThreadingHTTPServer):
    """Records every request; answers like newsportal/varnish.vcl, or not at all when told to hang."""

    daemon_threads = True

    def __init__(self, *, hang=False):
        self.requests, self.hang, self.release = [], hang, threading.Event()
        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def close(self):
        self.release.set()
        self.shutdown()
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    def do_PURGE(self):
        self.server.requests.append((self.command, self.path, dict(self.headers)))
        if self.server.hang:
            self.server.release.wait(10)
            return
        self.send_response(200)
        self.send_header("X-Purged", "3")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def caches():
    made = []

    def make(**kwargs):
        made.append(Cache(**kwargs))
        return made[-1]

    yield make
    for cache in made:
        cache.close()


def test_no_urls_sends_nothing(settings):
    settings.PAGE_CACHE_PURGE_URLS = []
    assert cdn.purge(["all"], hard=True) == {}


def test_hard_and_soft_purges_name_their_tags_to_every_cache_and_repeat(settings, caches, monkeypatch):
    monkeypatch.setattr(cdn, "REPEAT_AFTER", 0.05)
    first, second = caches(), caches()
    settings.PAGE_CACHE_PURGE_URLS = [first.url, second.url + "/"]
    assert cdn.purge(["list:all", "article:7", "list:all"], hard=True) == {first.url: 3, second.url + "/": 3}
    cdn.purge(["chrome"], hard=False)
    wait_until(lambda: len(first.requests) == 4 and len(second.requests) == 4, seconds=3, message="repeats")
    for cache in (first, second):
        assert {(method, path) for method, path, _ in cache.requests} == {("PURGE", "/")}
        hard = [headers for _, _, headers in cache.requests if "xkey-purge" in headers]
        soft = [headers for _, _, headers in cache.requests if "xkey-softpurge" in headers]
        assert [headers["xkey-purge"] for headers in hard] == ["article:7 list:all"] * 2
        assert [headers["xkey-softpurge"] for headers in soft] == ["chrome"] * 2


def test_a_dead_or_hanging_cache_is_logged_and_costs_the_save_at_most_the_timeout(
    settings, caches, monkeypatch, caplog
):
    monkeypatch.setattr(cdn, "REPEAT_AFTER", 0)
    monkeypatch.setattr(cdn, "TIMEOUT", 0.5)
    hanging, alive = caches(hang=True), caches()
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", free_port()))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}"
    settings.PAGE_CACHE_PURGE_URLS = [hanging.url, dead, alive.url]
    started = time.monotonic()
    results = cdn.purge(["all"], hard=True)
    assert time.monotonic() - started < 1.0  # the URLs are purged together, bounded as a whole
    assert results == {hanging.url: None, dead: None, alive.url: 3}
    assert "timed out" in caplog.text and "failed" in caplog.text


def test_invalidating_every_page_purges_the_tag_all(settings, caches, monkeypatch):
    monkeypatch.setattr(cdn, "REPEAT_AFTER", 0)
    cache = caches()
    settings.PAGE_CACHE_PURGE_URLS = [cache.url]
    pagecache.invalidate_public_pages()
    assert [headers.get("xkey-purge") for _, _, headers in cache.requests] == ["all"]
