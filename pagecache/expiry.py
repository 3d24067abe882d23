"""Changes that happen by themselves: scheduled publications falling due.

The content app says how to find the next scheduled change and which tags
the changes due in a span of time touch (register_next_change). When that
moment passes, the first process to notice (its watcher thread, about once a
second, or a request) invalidates exactly those tags, as if an editor had
published then; the page cache and a CDN in front learn of it like of any
other change. Nothing expires wholesale at a scheduled time.
"""

import logging
import time

from django.core.cache import cache

from .generation import WATCHER, current_reading, invalidate_tags
from .local import LOCAL_FRAGMENTS
from .tags import Freshness, checked_as_of, freshness

logger = logging.getLogger(__name__)

# Shared pieces of pages (related articles, the section tree, most read, ...) are kept at most
# this long; "Terpopuler" moves with reads, not edits, so this bounds how late it may be.
FRAGMENT_SECONDS = 300
# Scheduling, rescheduling or unscheduling an article moves this tag (the content app does it).
SCHEDULE_TAG = "schedule"
DONE_KEY = "pages:schedule-done"
LOCK_KEY = "pages:schedule-lock"

# next_change() -> the next moment (an aware datetime) public content changes by itself, or None;
# due_tags(since, until) -> the tags of what became public in (since, until] (Unix times).
_next_change = None
_due_tags = None


def register_next_change(next_change, due_tags=None):
    """Tell the cache how to find the next scheduled change and what it touches (called once)."""
    global _next_change, _due_tags
    _next_change, _due_tags = next_change, due_tags


def next_publication_timestamp(request=None):
    """Return when the next scheduled change falls due (a Unix time), or 0 if none is scheduled.

    Kept until the schedule changes (SCHEDULE_TAG) or that moment passes.
    """
    reading = current_reading(request)
    generation = reading.generation
    key = f"fragment:{generation}:next-publication"
    now = time.time()
    if reading.local and (copy := LOCAL_FRAGMENTS.lookup(key)) is not None:
        if now < copy.expires and freshness(reading, generation, copy.as_of, copy.tags) is Freshness.FRESH:
            return copy.value()
    entry = None
    if generation is not None:
        try:
            entry = cache.get(key)
        except Exception:
            entry = None
    if entry is not None and freshness(reading, generation, entry[0], (SCHEDULE_TAG,)) is Freshness.FRESH:
        as_of, timestamp = checked_as_of(reading, entry[0]), entry[1]
    else:
        as_of = reading.clock
        try:
            upcoming = _next_change() if _next_change is not None else None
        except Exception:  # the database is away: nothing known to fall due, nothing kept
            logger.warning("Could not read the next scheduled change", exc_info=True)
            return 0
        timestamp = upcoming.timestamp() if upcoming else 0
        if generation is not None:
            try:
                cache.set(key, (as_of, timestamp), timeout=None)
            except Exception:
                pass
    if reading.local:
        # A due moment stays "due" locally for a second, until the change is published.
        expires = timestamp if timestamp > now else now + 1 if timestamp else now + FRAGMENT_SECONDS
        LOCAL_FRAGMENTS.put(key, generation, as_of, (SCHEDULE_TAG,), expires, timestamp)
    return timestamp


def publish_due_changes(request=None):
    """Invalidate what scheduled publications that fell due touch; return True if this call did it.

    Cheap when nothing is due (a look at the cached next moment). One process
    does the work (a lock in the shared cache); the others find the schedule
    moved on.
    """
    timestamp = next_publication_timestamp(request)
    now = time.time()
    if not timestamp or timestamp > now or _due_tags is None:
        return False
    try:
        if not cache.add(LOCK_KEY, 1, timeout=30):
            return False
    except Exception:
        return False
    try:
        # From the last check on (another server's, perhaps), and at least from this moment.
        since = min(cache.get(DONE_KEY) or timestamp, timestamp) - 1
        tags = set(_due_tags(since, now))
        invalidate_tags(tags | {SCHEDULE_TAG})
        cache.set(DONE_KEY, now, timeout=None)
    except Exception:
        logger.exception("Could not publish the scheduled changes due")
        return False
    finally:
        try:
            cache.delete(LOCK_KEY)
        except Exception:
            pass
    if request is not None and hasattr(request, "page_generation"):
        del request.page_generation  # read the store again: the clock moved
    return True


def seconds_until_stale(longest, request=None):
    """Return how long something computed now stays true: longest, or less if an article is due.

    For fragments whose queries compare with "now" (lists of the newest
    articles); whole pages are invalidated by publish_due_changes() instead.
    """
    upcoming = next_publication_timestamp(request)
    if not upcoming:
        return longest
    return max(0, min(longest, int(upcoming - time.time())))


WATCHER.tick_callbacks.append(publish_due_changes)
