"""The public page cache: whole anonymous pages and the pieces they are built from.

It knows nothing of articles: the content app tells it what changed
(public_pages_changed), when the next scheduled change falls due
(register_next_change) and which query parameters each view reads
(query_parameters).

- generation.py: the content generation, its stores (Redis, a shared file,
  a fake for tests) and the pub/sub watcher;
- local.py: the per-process tier;
- fragments.py: cached pieces of pages;
- expiry.py: the next scheduled change;
- keys.py: what a page's copy is kept under (scheme, encoding, query, cookies);
- middleware.py: whole pages;
- backends.py: the Redis cache that misses instead of failing.
"""

from .expiry import register_next_change
from .fragments import cached_fragment, fragment_seconds
from .generation import content_generation, invalidate_public_pages, public_pages_changed
from .keys import query_parameters

__all__ = [
    "cached_fragment",
    "content_generation",
    "fragment_seconds",
    "invalidate_public_pages",
    "public_pages_changed",
    "query_parameters",
    "register_next_change",
]
