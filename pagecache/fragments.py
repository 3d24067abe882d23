"""Pieces of public pages that are the same for every reader, cached until what they show changes."""

import logging
import time

from django.conf import settings
from django.core.cache import cache

from .expiry import FRAGMENT_SECONDS, seconds_until_stale
from .generation import current_reading
from .local import LOCAL_FRAGMENTS
from .tags import Freshness, checked_as_of, freshness, kept_under, tag_page

logger = logging.getLogger(__name__)


def cached_fragment(request, name, compute, *, tags=(), shared=True, seconds=FRAGMENT_SECONDS):
    """Return compute(), kept until what it shows changes.

    For the parts of public pages that are the same for every reader. tags
    names what the value shows (or is a function of the value returning them),
    exactly like a whole page's tags; the page using the fragment is tagged
    with them too, so the page goes stale with it. A fragment also expires
    after `seconds` and at the next scheduled publication. Each process keeps
    its own copy while the store is vouched for (pub/sub, or the shared file);
    shared=False skips the shared cache altogether, for small and numerous
    pieces (article cards) where a round trip costs more than rendering them.

    A fragment that names nothing is kept under PAGE_CACHE_UNTAGGED_TAGS (every
    listing and the chrome) rather than until the next full invalidation; the
    page using it is not tagged with those, or every page would go stale with
    every publication.
    """
    if settings.PAGE_CACHE_SECONDS <= 0:  # caching switched off (as in most tests)
        value = compute()
        tag_page(request, *(tags(value) if callable(tags) else tags))
        return value
    reading = current_reading(request)
    generation = reading.generation
    if generation is None or not (shared or reading.local):
        value = compute()
        tag_page(request, *(tags(value) if callable(tags) else tags))
        return value
    key = f"fragment:{generation}:{name}"
    now = time.time()
    if reading.local and (copy := LOCAL_FRAGMENTS.lookup(key)) is not None:
        if (
            now < copy.expires
            and freshness(reading, copy.generation, copy.as_of, kept_under(copy.tags)) is Freshness.FRESH
        ):
            tag_page(request, *copy.tags)
            note_expiry(request, copy.expires)
            return copy.value()
    if shared:
        try:
            entry = cache.get(key)
        except Exception:
            entry = None
        if entry is not None:
            as_of, entry_tags, expires, value = entry
            if (
                now < expires
                and freshness(reading, generation, as_of, kept_under(entry_tags)) is Freshness.FRESH
            ):
                if reading.local:
                    LOCAL_FRAGMENTS.put(
                        key, generation, checked_as_of(reading, as_of), entry_tags, expires, value
                    )
                tag_page(request, *entry_tags)
                note_expiry(request, expires)
                return value
    as_of = reading.clock  # read when the request began: a change during compute() makes this stale
    value = compute()
    value_tags = frozenset(tags(value) if callable(tags) else tags)
    tag_page(request, *value_tags)
    timeout = seconds_until_stale(seconds, request)
    note_expiry(request, now + timeout)
    if timeout > 1:
        expires = now + timeout
        if shared:
            try:
                cache.set(key, (as_of, value_tags, expires, value), timeout)
            except Exception:
                logger.warning("Could not store %s in cache", name, exc_info=True)
        if reading.local:
            LOCAL_FRAGMENTS.put(key, generation, as_of, value_tags, expires, value)
    return value


def note_expiry(request, expires):
    """Record on request the earliest expiry of the fragments it used (pagecache/fastpath.py)."""
    if request is not None:
        request.fragments_expire = min(expires, getattr(request, "fragments_expire", expires))
