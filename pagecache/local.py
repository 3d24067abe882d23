"""The per-process tier: each process's hottest pages and fragments, kept in its own memory.

A copy is stored with the generation it was made in and an expiry time, and is
returned only for that same generation: callers pass the generation they hold
a guarantee for (a subscription vouching for it, or the shared file just read).
"""

import pickle
import threading
import time
from collections import OrderedDict

from django.conf import settings


class LocalCopies:
    """The hottest cached pages (or fragments) of this process, least recently used out first.

    Values are kept pickled, so every reader gets its own copy to change.
    """

    def __init__(self, capacity, stale_seconds=lambda: 0):
        self.capacity = capacity
        # Expired copies are kept this much longer, for stale() only (stale-if-error).
        self.stale_seconds = stale_seconds
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def __len__(self):
        return len(self.entries)

    def get(self, key, generation):
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry[0] != generation or time.time() >= entry[1]:
                if entry[0] != generation or time.time() >= entry[1] + self.stale_seconds():
                    del self.entries[key]
                return None
            self.entries.move_to_end(key)
        return pickle.loads(entry[2])

    def stale(self, key, generation):
        """Return the copy for this generation even if it expired, up to stale_seconds later."""
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry[0] != generation or time.time() >= entry[1] + self.stale_seconds():
                return None
        return pickle.loads(entry[2])

    def put(self, key, generation, expires, value):
        if generation is None:  # an unknown generation vouches for nothing
            return
        blob = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        with self.lock:
            self.entries[key] = (generation, expires, blob)
            self.entries.move_to_end(key)
            while len(self.entries) > self.capacity():
                self.entries.popitem(last=False)

    def clear(self):
        with self.lock:
            self.entries.clear()


LOCAL_PAGES = LocalCopies(
    lambda: settings.PAGE_CACHE_LOCAL_ENTRIES, lambda: settings.PAGE_CACHE_STALE_IF_ERROR_SECONDS
)
# Fragments are small (an article card, a section tree, four related links): room for many more.
LOCAL_FRAGMENTS = LocalCopies(lambda: 16 * settings.PAGE_CACHE_LOCAL_ENTRIES)
