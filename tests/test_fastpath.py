"""Repeated hits answered before Django (pagecache/fastpath.py), through the real WSGI entry point."""

import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.signals import request_started
from django.utils import timezone

from articles import services
from newsportal.wsgi import application
from pagecache import invalidate_tags
from pagecache.fastpath import ANSWERS, remembered
from pagecache.generation import WATCHER, FakeStore, generation_store, using_store
from pagecache.local import LOCAL_FRAGMENTS, LOCAL_PAGES
from pagecache.middleware import ASSEMBLED

from .factories import make_article
from .servers import wait_until

# Every request goes through Django's handler, which closes the connection after it.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def vouched_cache(settings):
    settings.PAGE_CACHE_SECONDS = 600
    settings.PAGE_CACHE_LOCAL_ENTRIES = 16
    settings.PAGE_CACHE_WARM = False  # no renders in other threads while a test counts them
    for tier in (ANSWERS, LOCAL_PAGES, LOCAL_FRAGMENTS, ASSEMBLED):
        tier.clear()
    cache.clear()
    with using_store(FakeStore()) as store:
        assert wait_until(lambda: WATCHER.current() is not None)
        yield store
    ANSWERS.clear()


@pytest.fixture
def through_django():
    """The requests that reached Django's handler, as a list of paths."""
    seen = []

    def started(sender, environ, **kwargs):
        seen.append(environ["PATH_INFO"])

    request_started.connect(started)
    yield seen
    request_started.disconnect(started)


def heard_everything():
    """Wait until this process's watcher has applied every change announced so far (an article saved)."""
    store = generation_store()
    assert wait_until(lambda: WATCHER.current() == store.get(), message="the watcher to hear every change")


def get(path, *, method="GET", query="", **headers):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }
    started = {}

    def start_response(status, response_headers, exc_info=None):
        started["status"], started["headers"] = status, dict(response_headers)

    body = b"".join(application(environ, start_response))
    return started["status"], started["headers"], body


def test_a_repeated_hit_is_answered_before_django(through_django):
    article = make_article(headline="Dibaca Berulang")
    path = article.get_absolute_url()
    heard_everything()
    assert get(path)[1]["X-Cache"] == "MISS"
    status, headers, body = get(path)
    assert headers["X-Cache"] == "HIT" and through_django == [path, path]
    assert get(path) == (status, headers, body)  # the same answer...
    assert through_django == [path, path]  # ...without Django
    assert b"Dibaca Berulang" in body
    # Each encoding is its own answer.
    get(path, accept_encoding="gzip")
    _status, gzip_headers, gzipped = get(path, accept_encoding="gzip")
    assert gzip_headers["Content-Encoding"] == "gzip" and gzipped != body
    assert through_django == [path, path, path]


def test_any_change_sends_the_next_request_through_django(through_django):
    article = make_article(headline="Sebelum Diubah")
    path = article.get_absolute_url()
    heard_everything()
    get(path), get(path)
    invalidate_tags(["article:0"])  # a change elsewhere: this page is still fresh
    assert wait_until(lambda: not WATCHER.behind())  # its announcement heard
    assert get(path)[1]["X-Cache"] == "HIT" and through_django.count(path) == 3
    get(path)
    assert through_django.count(path) == 3  # remembered again
    article.headline = "Sesudah Diubah"
    services.article_save(article=article, by=None)
    _status, headers, body = get(path)
    assert b"Sesudah Diubah" in body and b"Sebelum Diubah" not in body
    assert through_django.count(path) == 4


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"if_modified_since": "Mon, 01 Jan 2024 00:00:00 GMT"},
        {"surrogate_capability": 'varnish="ESI/1.0"'},
        {"cookie": "sessionid=abc"},
        {"query": "utm_source=x"},
        {"method": "HEAD"},
    ],
    ids=["since", "esi", "session", "query", "head"],
)
def test_requests_django_must_answer_never_get_a_remembered_answer(through_django, request_kwargs, settings):
    article = make_article(headline="Selalu Lewat Django")
    path = article.get_absolute_url()
    heard_everything()
    get(path), get(path)
    before = len(through_django)
    get(path, **request_kwargs)
    get(path, **request_kwargs)
    assert len(through_django) == before + 2


def test_a_poll_naming_the_remembered_etag_is_answered_304_before_django(through_django):
    article = make_article(headline="Dipantau Terus")
    path = article.get_absolute_url()
    heard_everything()
    get(path), get(path)
    status, headers, _body = get(path, accept_encoding="gzip")
    status, headers, _body = get(path, accept_encoding="gzip")
    seen = len(through_django)
    for asked in (headers["ETag"], headers["ETag"].removeprefix("W/"), f'"other", {headers["ETag"]}', "*"):
        status, not_modified, body = get(path, accept_encoding="gzip", if_none_match=asked)
        assert status == "304 Not Modified" and body == b"", asked
        assert (
            not_modified["ETag"] == headers["ETag"]
            and not_modified["Cache-Control"] == headers["Cache-Control"]
        )
        assert "Content-Length" not in not_modified and "X-Cache" not in not_modified
    # Another ETag (an older copy's): the whole answer, still without Django.
    status, _headers, body = get(path, accept_encoding="gzip", if_none_match='"older"')
    assert status.startswith("200") and body
    # With If-None-Match, If-Modified-Since is ignored (RFC 9110): still answered here.
    status, _headers, _body = get(
        path,
        accept_encoding="gzip",
        if_none_match=headers["ETag"],
        if_modified_since="Mon, 01 Jan 2024 00:00:00 GMT",
    )
    assert status == "304 Not Modified"
    assert len(through_django) == seen


def test_a_hit_django_turned_304_is_remembered_whole(through_django):
    article = make_article(headline="Belum Diingat")
    path = article.get_absolute_url()
    heard_everything()
    _status, headers, _body = get(path)
    status, _headers, body = get(path, if_none_match=headers["ETag"])  # a HIT turned 304 by Django
    assert status.startswith("304") and body == b""
    seen = len(through_django)
    status, remembered_headers, body = get(path)  # the whole page, not the 304, and without Django
    assert status.startswith("200") and b"Belum Diingat" in body and len(through_django) == seen
    assert remembered_headers["ETag"] == headers["ETag"] and remembered_headers["X-Cache"] == "HIT"
    assert get(path, if_none_match=headers["ETag"])[0].startswith("304") and len(through_django) == seen


def test_an_answer_lasts_no_longer_than_the_page_or_the_next_scheduled_publication(monkeypatch):
    due = timezone.now() + timedelta(minutes=30)
    make_article(headline="Terjadwal", published_at=due)
    article = make_article(headline="Halaman Dengan Jadwal")
    path = article.get_absolute_url()
    heard_everything()
    get(path), get(path)
    ((key, answer),) = ANSWERS.entries.items()
    assert answer.until <= due.timestamp()
    assert remembered(key) is answer
    monkeypatch.setattr("pagecache.fastpath.time.time", lambda: answer.until)
    assert remembered(key) is None


def test_a_watcher_that_is_behind_vouches_for_no_answer(through_django):
    article = make_article(headline="Pengawas Tertinggal")
    path = article.get_absolute_url()
    heard_everything()
    get(path), get(path)
    WATCHER.applying = True  # an announcement is being applied: memory is not current
    try:
        get(path)
    finally:
        WATCHER.applying = False
    assert through_django.count(path) == 3


def test_a_query_its_view_reads_is_remembered_but_not_one_the_cache_rewrote(through_django):
    make_article(headline="Di Indeks Hari Ini")
    heard_everything()
    query = f"date={timezone.localdate():%Y-%m-%d}"
    assert get("/indeks/", query=query)[1]["X-Cache"] == "MISS"
    status, headers, body = get("/indeks/", query=query)
    assert headers["X-Cache"] == "HIT" and b"Di Indeks Hari Ini" in body
    assert get("/indeks/", query=query) == (status, headers, body)
    assert through_django == ["/indeks/", "/indeks/"]  # the third without Django
    # A click id per reader: the same page, served from the cache, but never remembered.
    for click in ("a1", "b2", "b2"):
        assert get("/indeks/", query=f"{query}&fbclid={click}")[1]["X-Cache"] == "HIT"
    assert through_django == ["/indeks/"] * 5
