"""Full-text search over published articles, for /cari/.

On PostgreSQL every article carries a stored ``search_vector`` (GIN-indexed):
headline weighted A, kicker, tags and summary B, body C, in the text-search
configuration ``settings.ARTICLES_SEARCH_CONFIG`` ("indonesian" by default,
which stems "menyerang", "serangan" and "diserang" to "serang"). Readers
type web-search syntax ("exact phrase", OR, -exclude), results are ranked by
ts_rank with a bounded recency boost and highlighted with ts_headline.

One mechanism keeps the vector current, so no write path can forget it:
PostgreSQL triggers (installed by migration 0003_discovery_search and kept
in step with the setting after every ``migrate``) recompute it when an
article's text changes, when a tag is added to or removed from an article
and when a tag is renamed. That covers the admin, the importer, bulk
``QuerySet.update()`` and raw SQL alike. ``manage.py search_reindex``
rebuilds every vector by hand.

On SQLite (the embedded default) the same page searches with a simple
case-insensitive "contains" over headline, kicker, summary, body and tag
names, understanding the same syntax, without stemming.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from .fallback import fallback_search
from .highlight import highlight_results, mark_highlights
from .postgres import postgres_query, postgres_search, search_config, uses_postgres_search
from .query import MAX_QUERY_LENGTH, clean_query, parse_query, positive_query, websearch_query
from .triggers import install_search_triggers, installed_search_config, sync_search_config

__all__ = [
    "MAX_QUERY_LENGTH",
    "clean_query",
    "highlight_results",
    "install_search_triggers",
    "installed_search_config",
    "mark_highlights",
    "parse_query",
    "positive_query",
    "postgres_query",
    "search_articles",
    "search_config",
    "sync_search_config",
    "uses_postgres_search",
    "websearch_query",
]


def search_articles(articles, *, query, section=None, start=None, end=None):
    """Return the articles matching query, best first; articles is already published()-filtered.

    section limits the search to a section and its descendants; start and end
    (dates, inclusive) to a range of publication days in the site's time zone.
    """
    query = clean_query(query)
    if section is not None:
        articles = articles.in_section(section)
    if start is not None:
        articles = articles.filter(published_at__gte=_day_start(start))
    if end is not None:
        articles = articles.filter(published_at__lt=_day_start(end + timedelta(days=1)))
    if not query:
        return articles.none()
    if uses_postgres_search():
        return postgres_search(articles, query)
    return fallback_search(articles, query)


def _day_start(day: date):
    return timezone.make_aware(datetime.combine(day, time.min))
