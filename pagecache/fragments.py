"""Pieces of public pages that are the same for every reader, cached per content generation."""

import logging
import time

from django.conf import settings
from django.core.cache import cache

from .expiry import FRAGMENT_SECONDS, seconds_until_stale
from .generation import current_reading
from .local import LOCAL_FRAGMENTS

logger = logging.getLogger(__name__)


def fragment_seconds(request=None):
    """Return how long a page fragment rendered now may be cached (0: caching is off)."""
    if settings.PAGE_CACHE_SECONDS <= 0 or current_reading(request).generation is None:
        return 0
    return seconds_until_stale(FRAGMENT_SECONDS, request)


def cached_fragment(request, name, compute, *, shared=True):
    """Return compute(), kept until the public content changes.

    For the parts of public pages that are the same for every reader: keyed by
    the content generation (bumped on every change) and expiring at the next
    scheduled publication, exactly like whole cached pages. Each process keeps
    its own copy while the generation is vouched for (pub/sub, or the shared
    file read this request); shared=False skips the shared cache altogether,
    for small and numerous pieces (article cards) where a round trip costs
    more than rendering them again.
    """
    if settings.PAGE_CACHE_SECONDS <= 0:  # caching switched off (as in most tests)
        return compute()
    generation, local = current_reading(request)
    if generation is None or not (shared or local):
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
