"""Whole anonymous public pages, served from the cache before sessions, locale and auth run.

A page is stored once, uncompressed, with the tags it shows and the clock it
was rendered at (pagecache/tags.py), and its chrome placeholders unfilled
(pagecache/chrome.py). Serving it fills the placeholders, compresses the
result and remembers that per process until a part changes, so a hot page
costs a dictionary lookup and a long-tail one a substitution and a gzip.

Under Redis, pages marked keep_stored (an article's) are kept in the
database too (pagecache/stored.py, inside the database's guard), judged the
same way: an archive page nobody asked for in hours costs one query, not a
render. A copy found there is kept in this process, not sent to Redis.

When a copy went softly stale (something it shows changed), one request
renders its successor while the others get the copy for at most
PAGE_CACHE_RENDER_LOCK_SECONDS; a copy gone hard (an article taken down or
corrected) is never served again.
"""

import hashlib
import logging
import time
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponsePermanentRedirect
from django.middleware.gzip import GZipMiddleware
from django.utils.http import escape_leading_slashes, http_date

from . import chrome, fastpath, stored
from .expiry import next_publication_timestamp, publish_due_changes
from .generation import current_reading
from .keys import (
    accepts_gzip,
    canonical_query,
    forget_reader_cookies,
    has_session,
    set_query,
    split_query,
    view_query_parameters,
)
from .local import LOCAL_PAGES, LeastRecentlyUsed, megabytes
from .rendering import claim, release
from .tags import (
    ALL,
    Freshness,
    changed_during,
    checked_as_of,
    freshness,
    kept_seconds,
    kept_under,
    page_tags,
)

logger = logging.getLogger(__name__)

# Paths that are never cached: staff tools, previews and per-reader endpoints.
UNCACHED_PREFIXES = ("/admin/", "/pratinjau/", "/api/", "/healthz", "/readyz", "/i18n/")
# Not 404: random URLs from bots would crowd real pages out of the cache.
CACHED_STATUSES = {200, 301, 410}
# The response headers that carry a page's tags to a CDN: Fastly's and Varnish xkey's
# (space-separated) and Cloudflare's (comma-separated).
TAG_HEADERS = (("Surrogate-Key", " "), ("xkey", " "), ("Cache-Tag", ","))
# Conditional headers are answered here, for the assembled page, never by the view.
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")


class PageCopy(NamedTuple):
    """A page as the shared cache keeps it."""

    generation: int
    as_of: int
    tags: frozenset
    expires: float
    response: object


def cache_control_header(seconds=None):
    seconds = settings.PAGE_CACHE_SECONDS if seconds is None else seconds
    # Browsers revalidate every time (news changes); a CDN may keep the page (and is told
    # when it changes, pagecache/cdn.py), and serve it while the site answers errors.
    revalidate = min(settings.PAGE_CACHE_RENDER_LOCK_SECONDS, seconds)
    header = f"public, max-age=0, s-maxage={seconds}, stale-while-revalidate={revalidate}"
    if settings.PAGE_CACHE_STALE_IF_ERROR_SECONDS > 0:
        header += f", stale-if-error={settings.PAGE_CACHE_STALE_IF_ERROR_SECONDS}"
    return header


# Each process's served forms of its hottest pages: chrome filled in, compressed, with an ETag.
ASSEMBLED = LeastRecentlyUsed(
    lambda: max(settings.PAGE_CACHE_LOCAL_ENTRIES, 16), megabytes(0.25), size=lambda ready: len(ready[0])
)


class PublicPageCacheMiddleware:
    """Serve anonymous GET/HEAD requests for public pages from the cache.

    First from this process's memory when the store is vouched for, then from
    Django's cache (Redis, shared by every app server), each copy judged by its
    generation, its tags and its expiry. While the store cannot be read, every
    request is rendered and nothing is stored.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.gzip = GZipMiddleware(get_response)

    def __call__(self, request):
        if not self.is_cacheable_request(request):
            response = self.get_response(request)
            self.mark_private(response)
            return self.filled(request, response)
        # Pages are stored uncompressed: the views never see the reader's encoding.
        request.page_encoding = (
            "gzip" if accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", "")) else "identity"
        )
        request.META["HTTP_ACCEPT_ENCODING"] = "identity"
        try:
            return self.answer(request)
        finally:
            request.META["HTTP_ACCEPT_ENCODING"] = request.page_encoding  # for GZipMiddleware outside

    def answer(self, request):
        """Return the response to a cacheable request: from the cache, stale, or rendered and stored."""
        if (response := self.normalise(request)) is not None:
            return response
        publish_due_changes(request)
        reading = current_reading(request)
        if reading.generation is None:  # nothing cached can be trusted, and nothing stored would be found
            return self.uncached(request)
        key = self.key_for(request)
        if request.META.get(stored.RENDER_AFRESH):  # store_pages: render and keep, whatever is cached
            stored.plan(request, key, lookup=False)
            return self.render(request, key, reading, None)
        now = time.time()
        stale = None
        if reading.local and (copy := LOCAL_PAGES.lookup(key)) is not None:
            verdict = freshness(reading, copy.generation, copy.as_of, copy.tags)
            if verdict is Freshness.FRESH and now < copy.expires:
                return self.serve(request, key, copy, copy.value(), "HIT")
            if verdict is not Freshness.GONE:
                stale = (copy, None)
            else:
                LOCAL_PAGES.discard(key)
        try:
            entry = cache.get(key)
        except Exception:  # without the cache, render every request
            logger.warning("Page cache unavailable; rendering uncached", exc_info=True)
            return self.uncached(request)
        if isinstance(entry, PageCopy):
            verdict = freshness(reading, entry.generation, entry.as_of, entry.tags)
            if verdict is Freshness.FRESH and now < entry.expires:
                if reading.local:
                    as_of = checked_as_of(reading, entry.as_of)
                    LOCAL_PAGES.put(key, entry.generation, as_of, entry.tags, entry.expires, entry.response)
                return self.serve(request, key, entry, entry.response, "HIT")
            if verdict is not Freshness.GONE and (stale is None or entry.as_of > stale[0].as_of):
                stale = (entry, entry.response)
        else:
            entry = None
        # Nowhere else: the database's copy is looked for on the way to the view (stored.py).
        stored.plan(request, key, lookup=stale is None)
        claimed = False
        if stale is not None:
            claimed = claim(key)
            if not claimed:  # another request renders the successor: serve this one meanwhile
                copy, response = stale
                return self.serve(request, key, copy, response or copy.value(), "STALE", revalidating=True)
        try:
            return self.render(request, key, reading, stale)
        finally:
            if claimed:
                release(key)

    def render(self, request, key, reading, stale):
        saved = {name: request.META.pop(name) for name in CONDITIONAL_HEADERS if name in request.META}
        response = self.get_response(request)
        request.META.update(saved)
        if getattr(response, "database_unavailable", False):
            return self.serve_stale(request, key, stale) or response
        if not self.is_cacheable_response(response):
            self.mark_private(response)
            return self.filled(request, response)
        self.prepare(request, response)
        tags = kept_under(page_tags(request))
        seconds = kept_seconds(response)
        if request.META.get(stored.RENDER_AFRESH):
            # store_pages: kept for readers to come in the database only (an archive would fill
            # Redis, and this process's memory, with pages nobody asked for).
            return response
        if (found := getattr(response, "stored_copy", None)) is not None:  # found in the database
            copy = PageCopy(found.generation, found.as_of, found.tags, time.time() + seconds, response)
            if getattr(response, "stored_stale", False):  # another request renders its successor
                return self.serve(request, key, copy, response, "STALE", revalidating=True)
            # In this process only: another finds it in the database as cheaply as in Redis, and
            # an archive read once would fill Redis (sending it there cost a seventh of the time).
            if reading.local:
                as_of = checked_as_of(reading, copy.as_of)
                LOCAL_PAGES.put(key, copy.generation, as_of, copy.tags, copy.expires, response)
            return self.serve(request, key, copy, response, "STORED")
        copy = PageCopy(reading.generation, reading.clock, tags, time.time() + seconds, response)
        self.keep(key, reading, copy, seconds)
        response = self.serve(request, key, copy, response, "MISS", fresh=True)
        if changed_during(reading, tags):
            response["Cache-Control"] = "no-cache"  # a CDN must not keep what an editor just changed
        return response

    @staticmethod
    def keep(key, reading, copy, seconds):
        """Put copy in the shared cache (and this process's, while the store is vouched for)."""
        try:
            # Kept past its freshness, for serve_stale() while the database is down.
            cache.set(key, copy, seconds + settings.PAGE_CACHE_STALE_IF_ERROR_SECONDS)
        except Exception:
            logger.warning("Could not store page in cache", exc_info=True)
        if reading.local:
            LOCAL_PAGES.put(key, copy.generation, copy.as_of, copy.tags, copy.expires, copy.response)

    def uncached(self, request):
        return self.filled(request, self.get_response(request))

    def serve(self, request, key, copy, response, status, *, revalidating=False, fresh=False):
        """Return the stored response with its chrome filled in, compressed if accepted, tags and ETag set.

        The filled and compressed body is remembered per process under what it
        was made of (the copy, the parts' current HTML, the encoding), so only
        the parts are looked up again for a page served before.
        """
        esi = chrome.wants_esi(request)
        body = response.content
        if esi:
            filled_parts, tags = (), copy.tags
        else:
            request.page_tags = set()  # the chrome parts' tags, gathered while they are looked up
            filled_parts = chrome.parts(request, body)
            tags = copy.tags | page_tags(request)
        identity = (key, copy.generation, copy.as_of, copy.expires, request.page_encoding, esi, filled_parts)
        ready = None if fresh else ASSEMBLED.get(identity)
        if ready is None:
            response.content = chrome.esi_includes(body) if esi else chrome.fill(body, filled_parts)
            if not (getattr(response, "etag_from_view", False) and not filled_parts and not esi):
                # Of what is served, chrome included: a 304 must not hide a changed sidebar.
                response["ETag"] = f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
            response = self.compressed(request, response)
            ready = (response.content, response["ETag"], response.get("Content-Encoding"))
            ASSEMBLED.put(identity, ready)
        else:
            response.content, response["ETag"], encoding = ready
            if encoding:
                response["Content-Encoding"] = encoding
        response["Content-Length"] = str(len(response.content))
        for header, separator in TAG_HEADERS:
            response[header] = separator.join([ALL, *sorted(tags)])
        if esi:
            response["Surrogate-Control"] = 'content="ESI/1.0"'
        response["X-Cache"] = status
        if revalidating:
            response["Cache-Control"] = "no-cache"  # a CDN must not keep the previous copy as if fresh
        elif status in ("HIT", "STORED") and not esi:
            until = min(copy.expires, getattr(request, "fragments_expire", copy.expires))
            if due := next_publication_timestamp(request):  # then the watcher publishes it
                until = min(until, due)
            fastpath.may_remember(request, response, current_reading(request), until)
        return response

    def serve_stale(self, request, key, stale):
        """Return an expired copy of a page the database cannot render now, or None (stale-if-error)."""
        if stale is None:
            return None
        copy, response = stale
        if time.time() >= copy.expires + settings.PAGE_CACHE_STALE_IF_ERROR_SECONDS:
            return None
        response = self.serve(request, key, copy, response or copy.value(), "STALE")
        # Not fresh: a CDN must not keep it as if it were.
        response["Cache-Control"] = "no-cache"
        return response

    @staticmethod
    def filled(request, response):
        """Fill the chrome of a response that is not cached (caching off, staff, a 404).

        GZipMiddleware, outside this one, compresses it afterwards.
        """
        if not response.streaming and "text/html" in response.get("Content-Type", ""):
            filled_parts = chrome.parts(request, response.content)
            if filled_parts:
                response.content = chrome.fill(response.content, filled_parts)
                if response.has_header("Content-Length"):  # CommonMiddleware measured the unfilled page
                    response["Content-Length"] = str(len(response.content))
        return response

    def compressed(self, request, response):
        """Return a served page through GZipMiddleware, for the encoding the reader accepts.

        Done here, not by GZipMiddleware outside, so the compressed form is
        remembered with the rest (ASSEMBLED); that one then leaves it alone.
        """
        request.META["HTTP_ACCEPT_ENCODING"] = request.page_encoding
        return self.gzip.process_response(request, response)

    @staticmethod
    def is_cacheable_request(request):
        return (
            settings.PAGE_CACHE_SECONDS > 0
            and request.method in ("GET", "HEAD")
            and not request.path.startswith(UNCACHED_PREFIXES)
            and not has_session(request)
        )

    def normalise(self, request):
        """Bring an anonymous request to the form its copy is kept under; return a response if it needs one.

        Only what the key holds may reach the view: the query parameters it
        reads (tracking ones are dropped, any other is answered with a 301 to
        the address without it).
        """
        forget_reader_cookies(request)
        if not request.META.get("QUERY_STRING"):
            return None
        allowed = view_query_parameters(request)
        if allowed is None:  # no view here: a 404 or a slash redirect, never stored under its query
            response = self.get_response(request)
            self.mark_private(response)
            return self.filled(request, response)
        query, unknown = split_query(request.META["QUERY_STRING"], allowed)
        if unknown:
            response = HttpResponsePermanentRedirect(
                escape_leading_slashes(request.path) + (f"?{query}" if query else "")
            )
            response["Cache-Control"] = cache_control_header()
            return response
        set_query(request, query)
        return None

    @staticmethod
    def key_for(request):
        """Return the key of a normalised request's copy (see normalise and pagecache.keys)."""
        query = canonical_query(request)
        address = f"{request.path}?{query}" if query else request.path
        digest = hashlib.sha256(address.encode("utf-8", "surrogatepass")).hexdigest()
        return f"page:{request.method}:{request.scheme}:{request.get_host()}:{digest}"

    @staticmethod
    def is_cacheable_response(response):
        return (
            response.status_code in CACHED_STATUSES
            and not response.streaming
            and not response.cookies
            and "Cache-Control" not in response
            and not getattr(response, "is_preview", False)
        )

    @staticmethod
    def prepare(request, response):
        # A view may let a CDN keep its page for less than the cache here, which changes tell
        # at once: a live coverage, whose readers poll (articles/live.py).
        seconds = kept_seconds(response)
        response["Cache-Control"] = cache_control_header(
            min(seconds, getattr(response, "cdn_seconds", seconds))
        )
        response["Last-Modified"] = http_date()
        # The language is in the URL and anonymous pages ignore cookies: only the
        # encoding varies (LocaleMiddleware would add Accept-Language, splitting CDN caches).
        response["Vary"] = "Accept-Encoding"

    @staticmethod
    def mark_private(response):
        if "Cache-Control" not in response:
            response["Cache-Control"] = "private, no-cache"
