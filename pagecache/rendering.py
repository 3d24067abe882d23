"""One render of a page at a time: while it runs, other requests for the page get its previous copy.

A claim is held in this process (other requests here) and in the shared cache
(other processes and servers) for at most PAGE_CACHE_RENDER_LOCK_SECONDS, so
a render that dies cannot keep readers on a stale copy for longer.
"""

import threading

from django.conf import settings
from django.core.cache import cache

# Keys this process is rendering now (the shared lock spares the other processes).
_rendering = set()
_rendering_lock = threading.Lock()


def claim(key):
    """Return True if this request may render key's successor (no other request is doing it)."""
    with _rendering_lock:
        if key in _rendering:
            return False
        _rendering.add(key)
    try:
        if cache.add(f"rendering:{key}", 1, timeout=settings.PAGE_CACHE_RENDER_LOCK_SECONDS):
            return True
    except Exception:
        return True  # without the shared cache, render: nothing better can be offered
    with _rendering_lock:
        _rendering.discard(key)
    return False


def release(key):
    with _rendering_lock:
        _rendering.discard(key)
    try:
        cache.delete(f"rendering:{key}")
    except Exception:
        pass
