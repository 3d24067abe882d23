"""Cache tags: what a cached copy shows, so that a change invalidates exactly the copies showing it.

While a page renders, the content app names what it shows (tag_page: the
article, its section, the listings it belongs to...). The copy is stored with
those tags and the clock it was rendered at ("as of", read before rendering
began). A change moves the clock and writes the new value into the tags it
touches (generation.invalidate_tags), so a copy is current while none of its
tags moved past its as-of: a render that began before a change, even one that
finishes after it, is never taken for current.

A copy whose tags moved is stale. Softly (an edit elsewhere, a new article on
the home page): it may stand in for a few seconds while one request renders
its successor. Hard (an article unpublished, withdrawn or corrected): never.
"""

import enum

from django.conf import settings

from .generation import WATCHER, generation_store

# Every cached response carries this tag too, for a CDN: invalidate_public_pages() purges it.
ALL = "all"


class Freshness(enum.Enum):
    FRESH = "fresh"
    STALE = "stale"  # soft: may be served while its successor renders
    GONE = "gone"  # hard, or of another generation: never served again


def tag_page(request, *tags):
    """Record that the response being rendered for request shows tags."""
    if request is None:
        return
    try:
        request.page_tags.update(tags)
    except AttributeError:
        request.page_tags = set(tags)


def page_tags(request):
    """Return the tags recorded for request's response so far."""
    return getattr(request, "page_tags", set())


def kept_under(tags):
    """Return the tags a copy is judged by: those it named, or PAGE_CACHE_UNTAGGED_TAGS if none.

    A copy that named nothing it shows goes stale with every listing and the chrome (the safe default).
    """
    return frozenset(tags) or frozenset(settings.PAGE_CACHE_UNTAGGED_TAGS)


def kept_seconds(response):
    """Return how long a rendered page is kept: its view's page_cache_seconds, or PAGE_CACHE_SECONDS."""
    return getattr(response, "page_cache_seconds", settings.PAGE_CACHE_SECONDS)


def checked_as_of(reading, as_of):
    """Return the as-of a copy found FRESH under reading may be kept with in this process.

    The check saw no tag of the copy move past its as-of up to now, after the
    reading was taken: the copy is as good as one rendered at the reading's
    clock. Kept with that, this process's announcements can vouch for it from
    then on, instead of asking the store again at every use.
    """
    return max(as_of, reading.clock)


def freshness(reading, generation, as_of, tags):
    """Return the Freshness of a copy made in generation as of a clock value, showing tags.

    The tag versions come from this process's announcements where they can tell
    (a copy made since the subscription), otherwise from the store (one round
    trip). A store that cannot answer makes the copy GONE: rendered again.
    """
    if reading.generation is None or generation != reading.generation:
        return Freshness.GONE
    if not tags:
        return Freshness.FRESH
    versions = WATCHER.known_versions(tags, as_of) if reading.local else None
    if versions is None:
        store = generation_store()
        if not store.keeps_tags:
            return Freshness.FRESH  # its targeted changes bump the generation, checked above
        try:
            versions = store.tag_versions(tags)
        except Exception:
            return Freshness.GONE
    verdict = Freshness.FRESH
    for version in versions.values():
        if version.hard > as_of:
            return Freshness.GONE
        if version.version > as_of:
            verdict = Freshness.STALE
    return verdict


def changed_during(reading, tags):
    """Return True if any of tags moved after reading was taken: a render that began before a change.

    The copy is stored as of the reading (so it is already stale here), but a
    cache in front would keep it as current: its purge may have come and gone
    while the page rendered. Asked of memory unless the watcher is behind.
    """
    local = reading.local and not WATCHER.behind()
    verdict = freshness(reading._replace(local=local), reading.generation, reading.clock, tags)
    return verdict is not Freshness.FRESH
