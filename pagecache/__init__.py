"""The public page cache: whole anonymous pages and the pieces they are built from.

It knows nothing of articles: the content app says what each page shows
(tag_page) and what each change touches (pages_changed, invalidate_tags),
when the next scheduled change falls due and what it touches
(register_next_change), which query parameters each view reads
(query_parameters) and which parts of pages are filled in per request
(register_chrome, chrome_placeholder).

- generation.py: the generation, the tag clock, their stores (Redis, a shared
  file, a fake for tests) and the pub/sub watcher;
- tags.py: cache tags, and judging a copy by them;
- local.py: the per-process tier;
- fragments.py: cached pieces of pages;
- chrome.py: placeholders filled per request (or by a CDN's ESI);
- expiry.py: scheduled changes falling due;
- keys.py: what a page's copy is kept under (scheme, query, cookies);
- middleware.py: whole pages, stale-while-rendering;
- rendering.py: the render lock (one render of a page at a time);
- warming.py: pages rendered again in the background after a change;
- stored.py (with models.py): pages kept in the database, for the
  archive's long tail (import it from pagecache.stored: it needs the models);
- cdn.py: purging a CDN or Varnish in front;
- backends.py: the Redis cache that misses instead of failing.
"""

from . import cdn as cdn  # connects purging to every change
from .chrome import placeholder as chrome_placeholder
from .chrome import register_chrome
from .expiry import SCHEDULE_TAG, register_next_change
from .fragments import cached_fragment
from .generation import (
    content_generation,
    invalidate_public_pages,
    invalidate_tags,
    pages_changed,
    public_pages_changed,
)
from .keys import query_parameters
from .tags import tag_page
from .warming import register_warmer

__all__ = [
    "SCHEDULE_TAG",
    "cached_fragment",
    "chrome_placeholder",
    "content_generation",
    "invalidate_public_pages",
    "invalidate_tags",
    "pages_changed",
    "public_pages_changed",
    "query_parameters",
    "register_chrome",
    "register_next_change",
    "register_warmer",
    "tag_page",
]
