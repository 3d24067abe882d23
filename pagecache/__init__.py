"""The public page cache: whole anonymous pages and the pieces they are built from.

It knows nothing of articles: the content app tells it what changed
(public_pages_changed) and when the next scheduled change falls due
(register_next_change). See core.py.
"""

from .core import (
    cached_fragment,
    content_generation,
    fragment_seconds,
    invalidate_public_pages,
    public_pages_changed,
    register_next_change,
)

__all__ = [
    "cached_fragment",
    "content_generation",
    "fragment_seconds",
    "invalidate_public_pages",
    "public_pages_changed",
    "register_next_change",
]
