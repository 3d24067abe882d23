"""Whole anonymous public pages, served from the cache before sessions, locale and auth run."""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponsePermanentRedirect
from django.utils.http import escape_leading_slashes, http_date

from .expiry import seconds_until_stale
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
from .local import LOCAL_PAGES

logger = logging.getLogger(__name__)

# Paths that are never cached: staff tools, previews and per-reader endpoints.
UNCACHED_PREFIXES = ("/admin/", "/pratinjau/", "/api/", "/healthz", "/readyz", "/i18n/")
# Not 404: random URLs from bots would crowd real pages out of the cache.
CACHED_STATUSES = {200, 301, 410}


def cache_control_header():
    seconds = settings.PAGE_CACHE_SECONDS
    # Browsers revalidate every time (news changes); a CDN may keep the page briefly, and
    # serve it while the site answers errors, as the site does itself (serve_stale()).
    header = f"public, max-age=0, s-maxage={seconds}, stale-while-revalidate={seconds}"
    if settings.PAGE_CACHE_STALE_IF_ERROR_SECONDS > 0:
        header += f", stale-if-error={settings.PAGE_CACHE_STALE_IF_ERROR_SECONDS}"
    return header


def is_stale_usable(entry, generation):
    """Return True if a shared-cache entry may stand in for a page that cannot be rendered.

    Only a copy of the current generation: nothing was published, changed or taken
    down since it was rendered, so serving it reveals nothing readers could no
    longer see; it merely expired (by time, or at a scheduled publication).
    """
    return (
        entry is not None
        and entry[0] == generation
        and time.time() < entry[1] + settings.PAGE_CACHE_STALE_IF_ERROR_SECONDS
    )


class PublicPageCacheMiddleware:
    """Serve anonymous GET/HEAD requests for public pages from the cache.

    A page is served only if it was stored under the current content generation:
    first from this process's memory when the generation is vouched for, then
    from Django's cache (Redis, shared by every app server). While the generation
    cannot be read, every request is rendered and nothing is stored.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.is_cacheable_request(request):
            response = self.get_response(request)
            self.mark_private(response)
            return response
        if (response := self.normalise(request)) is not None:
            return response
        generation, local = current_reading(request)
        if generation is None:  # nothing cached can be trusted, and nothing stored would be found
            return self.get_response(request)
        key = self.key_for(request)
        if local and (response := LOCAL_PAGES.get(key, generation)) is not None:
            response["X-Cache"] = "HIT"
            return response
        try:
            entry = cache.get(key)
        except Exception:  # without the cache, render every request
            logger.warning("Page cache unavailable; rendering uncached", exc_info=True)
            return self.get_response(request)
        if entry is not None and entry[0] == generation and time.time() < entry[1]:
            if local:
                LOCAL_PAGES.put(key, generation, entry[1], entry[2])
            response = entry[2]
            response["X-Cache"] = "HIT"
            return response
        response = self.get_response(request)
        if getattr(response, "database_unavailable", False):
            return self.serve_stale(key, generation, local, entry) or response
        if self.is_cacheable_response(response):
            self.prepare(response)
            expires = self.expiry(request)
            try:
                # Kept past its freshness, for serve_stale() while the database is down.
                timeout = settings.PAGE_CACHE_SECONDS + settings.PAGE_CACHE_STALE_IF_ERROR_SECONDS
                cache.set(key, (generation, expires, response), timeout)
            except Exception:
                logger.warning("Could not store page in cache", exc_info=True)
            if local:
                LOCAL_PAGES.put(key, generation, expires, response)
            response["X-Cache"] = "MISS"
        else:
            self.mark_private(response)
        return response

    @staticmethod
    def serve_stale(key, generation, local, entry):
        """Return the expired copy of a page the database cannot render now, or None (stale-if-error)."""
        stale = LOCAL_PAGES.stale(key, generation) if local else None
        if stale is None and is_stale_usable(entry, generation):
            stale = entry[2]
        if stale is None:
            return None
        stale["X-Cache"] = "STALE"
        # Not fresh: a CDN must not keep it as if it were.
        stale["Cache-Control"] = "no-cache"
        return stale

    @staticmethod
    def expiry(request):
        """Return when a page rendered now goes stale: at the latest, the next scheduled publication."""
        return time.time() + seconds_until_stale(settings.PAGE_CACHE_SECONDS, request)

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
        the address without it), and "gzip" or "identity" for GZipMiddleware.
        """
        forget_reader_cookies(request)
        encoding = "gzip" if accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", "")) else "identity"
        request.META["HTTP_ACCEPT_ENCODING"] = encoding
        if not request.META.get("QUERY_STRING"):
            return None
        allowed = view_query_parameters(request)
        if allowed is None:  # no view here: a 404 or a slash redirect, never stored under its query
            response = self.get_response(request)
            self.mark_private(response)
            return response
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
        encoding = request.META["HTTP_ACCEPT_ENCODING"]
        query = canonical_query(request)
        address = f"{request.path}?{query}" if query else request.path
        digest = hashlib.sha256(address.encode("utf-8", "surrogatepass")).hexdigest()
        return f"page:{request.method}:{request.scheme}:{encoding}:{request.get_host()}:{digest}"

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
        # Cache tags for the caches in front (pagecache.cdn); only the global one for now.
        response["xkey"] = response["Surrogate-Key"] = response["Cache-Tag"] = "all"

    @staticmethod
    def mark_private(response):
        if "Cache-Control" not in response:
            response["Cache-Control"] = "private, no-cache"
