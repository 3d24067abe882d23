"""The per-process tier: each process's hottest pages and fragments, kept in its own memory.

A copy is kept with the generation and clock it was made at, the tags it shows
and an expiry time; callers judge it (pagecache/tags.py) with the Reading they
hold a guarantee for (a subscription vouching for it, or the shared file just
read) before they use it.
"""

import pickle
import sys
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
    """A bounded mapping shared by a process's threads: the least recently used entry goes first.

    Bounded by entries (capacity) and, when given, by bytes (max_bytes, with
    size(value) measuring each entry): a long tail of big pages must not grow
    a worker past its memory budget however few entries it holds.
    """

    def __init__(self, capacity, max_bytes=None, size=None):
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.size = size
        self.entries = OrderedDict()
        self.bytes = 0
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
            self._remove(key)
            self.entries[key] = value
            if self.size is not None:
                self.bytes += self.size(value)
            budget = self.max_bytes() if self.max_bytes is not None else None
            while len(self.entries) > self.capacity() or (
                budget is not None and self.bytes > budget and len(self.entries) > 1
            ):
                self._remove(next(iter(self.entries)))

    def discard(self, key):
        with self.lock:
            self._remove(key)

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.bytes = 0

    def _remove(self, key):
        value = self.entries.pop(key, None)
        if value is not None and self.size is not None:
            self.bytes -= self.size(value)


class LocalCopies(LeastRecentlyUsed):
    """The hottest cached pages (or fragments) of this process, least recently used out first.

    Values are kept pickled, so every reader gets its own copy to change
    (immutable ones as they are).
    """

    def __init__(self, capacity, stale_seconds=lambda: 0, max_bytes=None):
        super().__init__(capacity, max_bytes, size=copy_size)
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


def copy_size(copy):
    return sys.getsizeof(copy.blob)


def megabytes(share):
    """Return a function giving share of PAGE_CACHE_LOCAL_MEGABYTES, in bytes."""
    return lambda: int(share * settings.PAGE_CACHE_LOCAL_MEGABYTES * 1024 * 1024)


# Half of the per-process budget for whole pages, a quarter for fragments (the rest is for
# the served forms, pagecache/middleware.py ASSEMBLED).
LOCAL_PAGES = LocalCopies(
    lambda: settings.PAGE_CACHE_LOCAL_ENTRIES,
    lambda: settings.PAGE_CACHE_STALE_IF_ERROR_SECONDS,
    max_bytes=megabytes(0.5),
)
# Fragments are small (an article card, a section tree, four related links): room for many more.
LOCAL_FRAGMENTS = LocalCopies(lambda: 16 * settings.PAGE_CACHE_LOCAL_ENTRIES, max_bytes=megabytes(0.25))
