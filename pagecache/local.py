"""The per-process tier: each process's hottest pages and fragments, kept in its own memory.

A copy is kept with the generation and clock it was made at, the tags it shows
and an expiry time; callers judge it (pagecache/tags.py) with the Reading they
hold a guarantee for (a subscription vouching for it, or the shared file just
read) before they use it.
"""

import pickle
import threading
import time
from collections import OrderedDict
from typing import NamedTuple

from django.conf import settings

# Values nobody can change in place are kept as they are: no pickling for a part's HTML.
IMMUTABLE = (str, bytes, int, float, type(None))


class Copy(NamedTuple):
    generation: int
    as_of: int
    tags: frozenset
    expires: float
    blob: object  # pickled bytes, or the value itself when immutable
    pickled: bool = True

    def value(self):
        return pickle.loads(self.blob) if self.pickled else self.blob


class LeastRecentlyUsed:
    """A bounded mapping shared by a process's threads: the least recently used entry goes first."""

    def __init__(self, capacity):
        self.capacity = capacity
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def __len__(self):
        return len(self.entries)

    def get(self, key):
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def put(self, key, value):
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.capacity():
                self.entries.popitem(last=False)

    def discard(self, key):
        with self.lock:
            self.entries.pop(key, None)

    def clear(self):
        with self.lock:
            self.entries.clear()


class LocalCopies(LeastRecentlyUsed):
    """The hottest cached pages (or fragments) of this process, least recently used out first.

    Values are kept pickled, so every reader gets its own copy to change
    (immutable ones as they are).
    """

    def __init__(self, capacity, stale_seconds=lambda: 0):
        super().__init__(capacity)
        # Expired copies are kept this much longer, for stale-serving (while a successor renders,
        # or while the database is down).
        self.stale_seconds = stale_seconds

    def lookup(self, key):
        """Return the Copy kept under key (perhaps expired, up to stale_seconds), or None."""
        copy = self.get(key)
        if copy is not None and time.time() >= copy.expires + self.stale_seconds():
            self.discard(key)
            return None
        return copy

    def put(self, key, generation, as_of, tags, expires, value):
        if generation is None:  # an unknown generation vouches for nothing
            return
        if type(value) in IMMUTABLE or isinstance(value, str):  # a SafeString too
            copy = Copy(generation, as_of, frozenset(tags), expires, value, pickled=False)
        else:
            copy = Copy(
                generation, as_of, frozenset(tags), expires, pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
            )
        super().put(key, copy)


LOCAL_PAGES = LocalCopies(
    lambda: settings.PAGE_CACHE_LOCAL_ENTRIES, lambda: settings.PAGE_CACHE_STALE_IF_ERROR_SECONDS
)
# Fragments are small (an article card, a section tree, four related links): room for many more.
LOCAL_FRAGMENTS = LocalCopies(lambda: 16 * settings.PAGE_CACHE_LOCAL_ENTRIES)
