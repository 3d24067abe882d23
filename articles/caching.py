"""The public page cache: anonymous pages rendered once, shared by every app server.

Every cached page is stored with the content generation it was rendered in.
Any change readers could see (publish, edit, unpublish, withdraw, a section or
static page edited) bumps the generation in the shared cache (Redis in
production), so every app server stops serving the old pages at once. A page
also stops being served at the next scheduled publish time (or after
PAGE_CACHE_SECONDS, whichever comes first): a scheduled article appears on
cached pages the moment it goes live, without a cron job.
"""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils.http import http_date

logger = logging.getLogger(__name__)

GENERATION_KEY = "pages:generation"
# Paths that are never cached: staff tools, previews and per-reader endpoints.
UNCACHED_PREFIXES = ("/admin/", "/pratinjau/", "/api/", "/healthz", "/readyz", "/i18n/")
# Not 404: random URLs from bots would crowd real pages out of the cache.
CACHED_STATUSES = {200, 301, 410}


# Shared pieces of pages (related articles, the section tree, most read, ...) are kept at most
# this long; "Terpopuler" moves with reads, not edits, so this bounds how late it may be.
FRAGMENT_SECONDS = 300


def content_generation(request=None):
    """Return the current content generation: it changes whenever readers could see a change.

    The page cache reads it once per request and leaves it on the request.
    """
    if request is not None and hasattr(request, "content_generation"):
        return request.content_generation
    try:
        generation = cache.get(GENERATION_KEY, 0)
    except Exception:  # noqa: BLE001 -- no shared cache: nothing cached to invalidate either
        generation = None
    if request is not None:
        request.content_generation = generation
    return generation


def next_publication_timestamp(request=None):
    """Return when the next scheduled article goes live (a Unix time), or 0 if none is scheduled.

    Scheduling an article changes the content generation, so the answer is kept
    per generation until that moment passes.
    """
    from .models import Article

    generation = content_generation(request)
    key = f"fragment:{generation}:next-publication"
    try:
        timestamp = cache.get(key) if generation is not None else None
    except Exception:  # noqa: BLE001
        timestamp = None
    if timestamp is None or 0 < timestamp <= time.time():
        upcoming = Article.objects.next_scheduled_at()
        timestamp = upcoming.timestamp() if upcoming else 0
        if generation is not None:
            try:
                cache.set(key, timestamp, timeout=None)
            except Exception:  # noqa: BLE001
                pass
    return timestamp


def seconds_until_stale(longest, request=None):
    """Return how long something rendered now stays true: longest, or less if an article is due."""
    upcoming = next_publication_timestamp(request)
    if not upcoming:
        return longest
    return max(0, min(longest, int(upcoming - time.time())))


def fragment_seconds(request=None):
    """Return how long a page fragment rendered now may be cached (0: caching is off)."""
    if settings.PAGE_CACHE_SECONDS <= 0:
        return 0
    return seconds_until_stale(FRAGMENT_SECONDS, request)


def cached_fragment(request, name, compute):
    """Return compute(), shared by every app server until the public content changes.

    For the parts of public pages that cost queries but are the same for every
    reader: keyed by the content generation (bumped on every change) and expiring
    at the next scheduled publication, exactly like whole cached pages.
    """
    if settings.PAGE_CACHE_SECONDS <= 0:  # caching switched off (as in most tests)
        return compute()
    generation = content_generation(request)
    if generation is None:
        return compute()
    key = f"fragment:{generation}:{name}"
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001
        return compute()
    if value is None:
        value = compute()
        timeout = seconds_until_stale(FRAGMENT_SECONDS, request)
        if timeout > 1:
            try:
                cache.set(key, value, timeout)
            except Exception:  # noqa: BLE001
                logger.warning("Could not store %s in cache", name, exc_info=True)
    return value


def public_pages_changed():
    """Invalidate every cached public page, on every app server, after the transaction commits."""
    transaction.on_commit(_bump_generation)


def _bump_generation():
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            cache.set(GENERATION_KEY, 1, timeout=None)
    except Exception:  # noqa: BLE001 -- a cache outage must not fail the editor's save
        logger.exception("Could not invalidate the page cache")


def cache_control_header():
    seconds = settings.PAGE_CACHE_SECONDS
    # Browsers revalidate every time (news changes); a CDN may keep the page briefly.
    return f"public, max-age=0, s-maxage={seconds}, stale-while-revalidate={seconds}"


class PublicPageCacheMiddleware:
    """Serve anonymous GET/HEAD requests for public pages from the shared cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.is_cacheable_request(request):
            response = self.get_response(request)
            self.mark_private(response)
            return response
        key = self.key_for(request)
        try:
            found = cache.get_many([GENERATION_KEY, key])
        except Exception:  # noqa: BLE001 -- without the cache, render every request
            logger.warning("Page cache unavailable; rendering uncached", exc_info=True)
            return self.get_response(request)
        generation = request.content_generation = found.get(GENERATION_KEY, 0)
        entry = found.get(key)
        if entry is not None and entry[0] == generation and time.time() < entry[1]:
            response = entry[2]
            response["X-Cache"] = "HIT"
            return response
        response = self.get_response(request)
        if self.is_cacheable_response(response):
            self.prepare(response)
            try:
                cache.set(key, (generation, self.expiry(request), response), settings.PAGE_CACHE_SECONDS)
            except Exception:  # noqa: BLE001
                logger.warning("Could not store page in cache", exc_info=True)
            response["X-Cache"] = "MISS"
        else:
            self.mark_private(response)
        return response

    @staticmethod
    def expiry(request):
        """Return when a page rendered now goes stale: at the latest, the next scheduled publication."""
        return time.time() + seconds_until_stale(settings.PAGE_CACHE_SECONDS, request)

    @staticmethod
    def is_cacheable_request(request):
        return (
            settings.PAGE_CACHE_SECONDS > 0
            and request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(UNCACHED_PREFIXES)
        )

    @staticmethod
    def key_for(request):
        encoding = "gzip" if "gzip" in request.headers.get("Accept-Encoding", "") else "identity"
        digest = hashlib.sha256(request.get_full_path().encode("utf-8", "surrogatepass")).hexdigest()
        return f"page:{request.method}:{encoding}:{request.get_host()}:{digest}"

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
    def prepare(response):
        response["Cache-Control"] = cache_control_header()
        response["Last-Modified"] = http_date()
        if not response.has_header("ETag"):
            response["ETag"] = f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
        # The language is in the URL and anonymous pages ignore cookies: only the
        # encoding varies (LocaleMiddleware would add Accept-Language, splitting CDN caches).
        response["Vary"] = "Accept-Encoding"

    @staticmethod
    def mark_private(response):
        if "Cache-Control" not in response:
            response["Cache-Control"] = "private, no-cache"


class QueryCountHeaderMiddleware:
    """Report the SQL queries a request ran in X-Query-Count (benchmarks only: QUERY_COUNT_HEADER=1)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response
