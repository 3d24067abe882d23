"""The public page cache: anonymous pages rendered once, shared by every app server.

Every cached page is stored with the content generation it was rendered in.
Any change readers could see (publish, edit, unpublish, withdraw, a section or
static page edited) bumps the generation in the shared cache (Redis in
production), so every app server stops serving the old pages at once. A page
also stops being served at the next scheduled publish time (or after
PAGE_CACHE_SECONDS, whichever comes first): a scheduled article appears on
cached pages the moment it goes live, without a cron job.

Each app server process also keeps its hottest pages in memory (a small LRU),
so a warm page costs no round trip to Redis. It trusts those copies only while
a Redis pub/sub subscription vouches for the current generation: every bump is
published, and each process re-reads the generation the moment it hears of
one. When the subscription is down, pages come from Redis as before.
"""

import hashlib
import logging
import os
import pickle
import secrets
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
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
    generation = WATCHER.current()
    try:
        if generation is None:
            generation = cache.get(GENERATION_KEY, 0)
    except Exception:  # no shared cache: nothing cached to invalidate either
        generation = None
    if request is not None:
        request.content_generation = generation
    return generation


# Returns the next moment (an aware datetime) when public content changes by itself, or None.
_next_change = None


def register_next_change(source):
    """Tell the cache how to find the next scheduled change (the content app calls this once)."""
    global _next_change
    _next_change = source


def next_publication_timestamp(request=None):
    """Return when the next scheduled change falls due (a Unix time), or 0 if none is scheduled.

    Scheduling a change changes the content generation, so the answer is kept
    per generation until that moment passes.
    """
    generation = content_generation(request)
    key = f"fragment:{generation}:next-publication"
    local = WATCHER.current() is not None
    # A local copy expires at the moment it names, so one that is found still holds.
    if local and (timestamp := LOCAL_FRAGMENTS.get(key, generation)) is not None:
        return timestamp
    try:
        timestamp = cache.get(key) if generation is not None else None
    except Exception:
        timestamp = None
    if timestamp is None or 0 < timestamp <= time.time():
        upcoming = _next_change() if _next_change is not None else None
        timestamp = upcoming.timestamp() if upcoming else 0
        if generation is not None:
            try:
                cache.set(key, timestamp, timeout=None)
            except Exception:
                pass
    if local:
        LOCAL_FRAGMENTS.put(key, generation, timestamp or time.time() + FRAGMENT_SECONDS, timestamp)
    return timestamp


def seconds_until_stale(longest, request=None):
    """Return how long something rendered now stays true: longest, or less if an article is due."""
    upcoming = next_publication_timestamp(request)
    if not upcoming:
        return longest
    return max(0, min(longest, int(upcoming - time.time())))


def fragment_seconds(request=None):
    """Return how long a page fragment rendered now may be cached (0: caching is off)."""
    if settings.PAGE_CACHE_SECONDS <= 0 or content_generation(request) is None:
        return 0
    return seconds_until_stale(FRAGMENT_SECONDS, request)


def cached_fragment(request, name, compute, *, shared=True):
    """Return compute(), kept until the public content changes.

    For the parts of public pages that are the same for every reader: keyed by
    the content generation (bumped on every change) and expiring at the next
    scheduled publication, exactly like whole cached pages. Each process keeps
    its own copy while the pub/sub subscription vouches for the generation;
    shared=False skips Redis altogether, for small and numerous pieces (article
    cards) where a round trip costs more than rendering them again.
    """
    if settings.PAGE_CACHE_SECONDS <= 0:  # caching switched off (as in most tests)
        return compute()
    local = WATCHER.current() is not None  # this process may keep its own copy
    generation = content_generation(request) if shared or local else None
    if generation is None:
        return compute()
    key = f"fragment:{generation}:{name}"
    if local and (value := LOCAL_FRAGMENTS.get(key, generation)) is not None:
        return value
    value = None
    if shared:
        try:
            value = cache.get(key)
        except Exception:
            return compute()
    timeout = seconds_until_stale(FRAGMENT_SECONDS, request)
    if value is None:
        value = compute()
        if shared and timeout > 1:
            try:
                cache.set(key, value, timeout)
            except Exception:
                logger.warning("Could not store %s in cache", name, exc_info=True)
    if local and timeout > 1:
        LOCAL_FRAGMENTS.put(key, generation, time.time() + timeout, value)
    return value


def public_pages_changed():
    """Invalidate every cached public page, on every app server, after the transaction commits."""
    transaction.on_commit(_bump_generation)


def invalidate_public_pages():
    """Invalidate every cached public page and fragment on every app server, now."""
    _bump_generation()


def _bump_generation():
    try:
        if WATCHER.enabled():
            WATCHER.bump()
            return
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            cache.set(GENERATION_KEY, _fresh_generation(), timeout=None)
    except Exception:  # a cache outage must not fail the editor's save
        logger.exception("Could not invalidate the page cache")


def _fresh_generation():
    # Random, not 1: after Redis lost the key, numbering must not repeat a value that
    # pages kept in some server's memory were tagged with.
    return secrets.randbelow(2**48) + 1


class GenerationWatcher:
    """This process's view of the content generation, kept current by Redis pub/sub.

    `current()` returns the generation while the subscription is up and None
    otherwise (then callers ask Redis). A background thread per process
    subscribes first and only then reads the generation, so no bump can fall
    in between; every message makes it read the generation again, so the value
    is Redis's own, never one pieced together from messages.
    """

    def __init__(self):
        self.generation = None
        self.pid = None
        self.lock = threading.Lock()

    @staticmethod
    def enabled():
        return bool(settings.REDIS_URL) and settings.PAGE_CACHE_LOCAL_ENTRIES > 0

    def key(self):
        return cache.make_key(GENERATION_KEY)

    def client(self):
        import redis

        return redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=2, health_check_interval=1
        )

    def current(self):
        if not self.enabled():
            return None
        if self.pid != os.getpid():  # first use in this (forked) worker process
            self.start()
        return self.generation

    def start(self):
        with self.lock:
            if self.pid == os.getpid():
                return
            self.pid, self.generation = os.getpid(), None
            threading.Thread(target=self.listen, name="page-generation", daemon=True).start()

    def read(self, client):
        key = self.key()
        client.set(key, _fresh_generation(), nx=True)
        return int(client.get(key))

    def listen(self):
        while True:
            try:
                client = self.client()
                with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    pubsub.subscribe(self.key())
                    self.generation = self.read(client)
                    while True:
                        if pubsub.get_message(timeout=1.0) is not None:
                            self.generation = self.read(client)
            except Exception:  # Redis gone: stop trusting memory, retry
                self.generation = None
                LOCAL_PAGES.clear()
                LOCAL_FRAGMENTS.clear()
                time.sleep(1)

    def bump(self):
        client = self.client()
        key = self.key()
        client.set(key, _fresh_generation(), nx=True)
        generation = client.incr(key)
        client.publish(key, generation)
        if self.pid == os.getpid() and self.generation is not None:
            self.generation = generation  # this process knows at once, without the round trip


class LocalCopies:
    """The hottest cached pages (or fragments) of this process, least recently used out first.

    Values are kept pickled, so every reader gets its own copy to change.
    """

    def __init__(self, capacity):
        self.capacity = capacity
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, generation):
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry[0] != generation or time.time() >= entry[1]:
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
        return pickle.loads(entry[2])

    def put(self, key, generation, expires, value):
        blob = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        with self.lock:
            self.entries[key] = (generation, expires, blob)
            self.entries.move_to_end(key)
            while len(self.entries) > self.capacity():
                self.entries.popitem(last=False)

    def clear(self):
        with self.lock:
            self.entries.clear()


WATCHER = GenerationWatcher()
LOCAL_PAGES = LocalCopies(lambda: settings.PAGE_CACHE_LOCAL_ENTRIES)
# Fragments are small (an article card, a section tree, four related links): room for many more.
LOCAL_FRAGMENTS = LocalCopies(lambda: 16 * settings.PAGE_CACHE_LOCAL_ENTRIES)


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
        watched = WATCHER.current()
        if watched is not None:
            response = LOCAL_PAGES.get(key, watched)
            if response is not None:  # this process's copy, of the current generation
                response["X-Cache"] = "HIT"
                return response
        try:
            if watched is None:
                found = cache.get_many([GENERATION_KEY, key])
                generation = found.get(GENERATION_KEY, 0)
            else:
                found, generation = {key: cache.get(key)}, watched
        except Exception:  # without the cache, render every request
            logger.warning("Page cache unavailable; rendering uncached", exc_info=True)
            return self.get_response(request)
        request.content_generation = generation
        entry = found.get(key)
        if entry is not None and entry[0] == generation and time.time() < entry[1]:
            if watched is not None:
                LOCAL_PAGES.put(key, generation, entry[1], entry[2])
            response = entry[2]
            response["X-Cache"] = "HIT"
            return response
        response = self.get_response(request)
        if self.is_cacheable_response(response):
            self.prepare(response)
            expires = self.expiry(request)
            try:
                cache.set(key, (generation, expires, response), settings.PAGE_CACHE_SECONDS)
            except Exception:
                logger.warning("Could not store page in cache", exc_info=True)
            if watched is not None:
                LOCAL_PAGES.put(key, generation, expires, response)
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
