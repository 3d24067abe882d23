"""When cached copies go stale by themselves: at the next scheduled change, the content app says when."""

import time

from django.core.cache import cache

from .generation import current_reading
from .local import LOCAL_FRAGMENTS

# Shared pieces of pages (related articles, the section tree, most read, ...) are kept at most
# this long; "Terpopuler" moves with reads, not edits, so this bounds how late it may be.
FRAGMENT_SECONDS = 300

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
    generation, local = current_reading(request)
    key = f"fragment:{generation}:next-publication"
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
