"""Repeated hits answered before Django: the same answer again while nothing has changed since.

A cached page served through Django still pays for the handler, the
middleware above the cache, the chrome parts' lookups and the headers: about
a millisecond, several times a static file. So when the page cache serves a
fresh copy (HIT or STORED) to a plain anonymous GET (no date to compare, no
ESI or range headers, no session cookie, a query only of parameters its view
reads, as the page cache keeps it), this process remembers the exact answer (status,
headers, body) under what that request was (host, scheme, path, query,
encoding), with the generation and clock the request was
vouched for under and the moment the answer stops being fresh (its page's
expiry, or the earliest of its chrome parts'). The WSGI entry
(newsportal/wsgi.py) answers the next identical request with it, while this
process's watcher vouches (pagecache/generation.py) that the generation and
the clock are still those: any change anywhere moves the clock, and the next
request goes through Django again (and is remembered afresh). A watcher behind
or disconnected vouches for nothing, and every request goes through Django.
A request whose If-None-Match names the remembered answer's ETag gets its 304
here too (not_modified): a reader's poll that finds nothing new.
"""

import time
from typing import NamedTuple

from django.conf import settings
from django.utils.http import parse_etags

from .generation import WATCHER
from .keys import accepts_gzip
from .local import LeastRecentlyUsed, megabytes

# A request carrying any of these is answered by Django (ESI, byte ranges).
ANSWERED_BY_DJANGO = ("HTTP_SURROGATE_CAPABILITY", "HTTP_RANGE")
# What a 304 carries of the full answer: what Django's ConditionalGetMiddleware keeps.
NOT_MODIFIED_HEADERS = frozenset(
    {"cache-control", "content-location", "date", "etag", "expires", "last-modified", "vary"}
)


class Answer(NamedTuple):
    vouched: tuple  # (generation, clock)
    until: float
    status: str
    headers: tuple
    body: bytes


# The request's META key holding the response the page cache marked (may_remember).
SERVED = "pagecache.served"

ANSWERS = LeastRecentlyUsed(
    lambda: max(settings.PAGE_CACHE_LOCAL_ENTRIES, 16), megabytes(0.1), size=lambda answer: len(answer.body)
)


class RequestKey(NamedTuple):
    """What an answer is remembered under: everything of the request its answer depends on."""

    host: str
    forwarded_host: str
    scheme: str
    proxy_scheme: str
    script_name: str
    path: str
    query: str
    gzip: bool


def request_key(environ):
    """Return what an answer for this request is remembered under, or None if Django must answer it."""
    if environ.get("REQUEST_METHOD") != "GET":
        return None
    if any(name in environ for name in ANSWERED_BY_DJANGO):
        return None
    if "HTTP_IF_MODIFIED_SINCE" in environ and "HTTP_IF_NONE_MATCH" not in environ:
        return None  # a date to compare: Django's (with If-None-Match, the date is ignored)
    if settings.SESSION_COOKIE_NAME in environ.get("HTTP_COOKIE", ""):
        return None  # perhaps a signed-in editor: Django decides
    proxy = settings.SECURE_PROXY_SSL_HEADER
    return RequestKey(
        environ.get("HTTP_HOST"),
        environ.get("HTTP_X_FORWARDED_HOST"),
        environ.get("wsgi.url_scheme"),
        environ.get(proxy[0]) if proxy else None,
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")),
    )


def vouched_state():
    state = WATCHER.current() if settings.PAGE_CACHE_SECONDS > 0 else None
    return None if state is None else (state.generation, state.clock)


def remembered(key):
    """Return the Answer remembered under key while it is still current, else None."""
    answer = ANSWERS.get(key)
    if answer is None:
        return None
    if time.time() >= answer.until or vouched_state() != answer.vouched:
        ANSWERS.discard(key)
        return None
    return answer


def not_modified(answer, environ):
    """Return the headers of a 304 if the request's If-None-Match names the answer's ETag, else None.

    A poll of a page that has not changed (a live coverage's readers, every few
    seconds) is answered here instead of by Django's ConditionalGetMiddleware,
    with the same weak comparison (RFC 9110, 13.1.2) and the same headers.
    """
    asked = environ.get("HTTP_IF_NONE_MATCH")
    if not asked:
        return None
    headers = [(name, value) for name, value in answer.headers if name.lower() in NOT_MODIFIED_HEADERS]
    etag = next((value for name, value in headers if name.lower() == "etag"), None)
    if etag is None:
        return None
    tags = parse_etags(asked)
    if "*" in tags or etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in tags}:
        return headers
    return None


def may_remember(request, response, reading, until):
    """Mark a response the page cache served fresh under reading as one to remember until `until`.

    It is kept on the request too: when Django answers the request with a 304
    (a poll whose ETag matched), the answer remembered is still the whole one.
    """
    if reading.local and reading.generation is not None:
        response.remember_until = (until, (reading.generation, reading.clock))
        request.META[SERVED] = response


def remember(key, response, status, headers, environ):
    """Remember Django's answer to the request under key, if the page cache marked it so.

    Not if the page cache rewrote its query (environ is the request's META): one
    address of many for the same page (tracking parameters, a click id per reader)
    would crowd out the pages asked for again and again.
    """
    if status.startswith("304") and (served := environ.get(SERVED)) is not None:
        # Django's ConditionalGetMiddleware turned the page cache's answer into a 304: remember that.
        response, status, headers = served, f"{served.status_code} {served.reason_phrase}", served.items()
    marked = getattr(response, "remember_until", None)
    if (
        marked is None
        or response.streaming
        or getattr(response, "cookies", None)
        or not status.startswith("200")
    ):
        return
    if environ.get("QUERY_STRING", "") != key.query:
        return
    until, vouched = marked
    if time.time() < until and vouched_state() == vouched:
        ANSWERS.put(key, Answer(vouched, until, status, tuple(headers), response.content))
