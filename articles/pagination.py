"""Pagination that stays cheap on page 500 of a 100,000-article archive.

Two costs grow with the archive in Django's stock Paginator: COUNT(*) on every
request, and OFFSET over whole rows (bodies included) on deep pages. Here the
count is shared through the cache until the content changes (the page-cache
generation, see the pagecache app), and a page first picks its primary keys with
OFFSET over the index alone, then loads just those rows.
"""

import hashlib
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.functional import cached_property

from pagecache import cached_fragment

NOW_SLACK = timedelta(minutes=1)


def cached_count(queryset):
    """Return queryset.count(), shared by every app server until the public content changes."""
    if settings.PAGE_CACHE_SECONDS <= 0:
        return queryset.count()
    try:
        sql, params = queryset.values("pk").query.sql_with_params()
    except EmptyResultSet:  # e.g. a search with no candidates: nothing to count
        return 0
    # published() compares with "now", different on every request; the cached count expires
    # at the next scheduled publication anyway, so "now" is left out of the key.
    now = timezone.now()
    params = ["now" if is_now(value, now) else value for value in params]
    digest = hashlib.sha256(f"{sql}|{params!r}".encode("utf-8", "surrogatepass")).hexdigest()
    # Untagged: every article entering or leaving a listing touches list:all, which it is kept under.
    return cached_fragment(None, f"count:{digest}", queryset.count)


def is_now(value, now):
    """Whether a query parameter is "now" (a datetime, or SQLite's string of one in UTC)."""
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-":
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return False
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
    return isinstance(value, datetime) and abs(value - now) < NOW_SLACK


class IndexOnlyPaginator(Paginator):
    """A Paginator whose deep pages skip index entries rather than whole rows."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        # Ids first: the database skips `bottom` index entries, not `bottom` whole rows.
        ids = list(self.object_list.prefetch_related(None).values_list("pk", flat=True)[bottom:top])
        rows = list(self.object_list.filter(pk__in=ids)) if ids else []
        return self._get_page(rows, number, self)


class ArchivePaginator(IndexOnlyPaginator):
    """For public listings: index-only OFFSET, and a count shared until the content changes."""

    @cached_property
    def count(self):
        return cached_count(self.object_list)
