"""PostgreSQL full-text search: the stored, GIN-indexed search_vector, ranked with a recency boost."""

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection as default_connection
from django.db.models import F, FloatField, Func, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat

from ..models import Article
from .query import SNIPPET_WORDS, START_SEL, STOP_SEL, positive_query, websearch_query

# Ranking: ts_rank weights for D, C, B, A (body C, summary/tags B, headline A).
RANK_WEIGHTS = [0.1, 0.2, 0.4, 1.0]
# Recency boost: score = rank * (1 + RECENCY_WEIGHT / (1 + age / RECENCY_DAYS)).
# Brand-new articles count double, a 30-day-old one 1.5 times, a year-old one
# about 1.08 times: relevance decides, recency breaks near-ties.
RECENCY_WEIGHT = 1.0
RECENCY_DAYS = 30.0
# A common word matches most of the archive; relevance is ranked among this many newest
# matches (news readers want recent stories), and the result count stops there.
SEARCH_CANDIDATES = 500


def uses_postgres_search(connection=None):
    return (connection or default_connection).vendor == "postgresql"


def search_config():
    return settings.ARTICLES_SEARCH_CONFIG


class AgeInDays(Func):
    """The age of a timestamp in days (never negative), as a float."""

    template = "GREATEST(EXTRACT(EPOCH FROM (CURRENT_TIMESTAMP - %(expressions)s)) / 86400.0, 0)"
    output_field = FloatField()


def postgres_query(query):
    """Return a SearchQuery for a reader's or editor's query, rewritten so it always parses."""
    return SearchQuery(websearch_query(query), search_type="websearch", config=search_config())


def postgres_search(articles, query):
    search_query = postgres_query(query)
    rank_query = postgres_query(positive_query(query) or query)
    rank = SearchRank(F("search_vector"), rank_query, weights=RANK_WEIGHTS)
    boost = Value(1.0) + Value(RECENCY_WEIGHT) / (
        Value(1.0) + AgeInDays("published_at") / Value(RECENCY_DAYS)
    )
    # Ranking reads every match's document: bound it to the newest SEARCH_CANDIDATES
    # matches, which an index walk finds in milliseconds even for a word in every article.
    # Fetched once here, so counting and paging don't repeat the search.
    newest = list(
        articles.filter(search_vector=search_query)
        .order_by("-published_at", "-pk")
        .values_list("pk", flat=True)[:SEARCH_CANDIDATES]
    )
    # One array parameter, not a thousand: cheaper to build, send and plan, on every page.
    candidates = RawSQL("SELECT unnest(%s::bigint[])", (newest,))
    return (
        Article.objects.filter(pk__in=candidates)
        .annotate(score=rank * boost)
        .order_by("-score", "-published_at", "-pk")
    )


def postgres_highlights(ids, query):
    search_query = postgres_query(query)
    # Tags out, text in: ts_headline works on the plain text of summary and body.
    text = Func(
        Concat(F("dek"), Value(" "), F("body"), output_field=TextField()),
        Value("<[^>]*>"),
        Value(" "),
        Value("g"),
        function="regexp_replace",
        output_field=TextField(),
    )
    text = Func(text, Value(START_SEL + STOP_SEL), Value(""), function="translate", output_field=TextField())
    rows = Article.objects.filter(pk__in=ids).annotate(
        headline_marked=SearchHeadline(
            Func(
                F("headline"),
                Value(START_SEL + STOP_SEL),
                Value(""),
                function="translate",
                output_field=TextField(),
            ),
            search_query,
            config=search_config(),
            start_sel=START_SEL,
            stop_sel=STOP_SEL,
            highlight_all=True,
        ),
        snippet_marked=SearchHeadline(
            text,
            search_query,
            config=search_config(),
            start_sel=START_SEL,
            stop_sel=STOP_SEL,
            max_words=SNIPPET_WORDS,
            min_words=12,
            max_fragments=2,
            fragment_delimiter=" … ",
        ),
    )
    return {
        pk: (headline, snippet)
        for pk, headline, snippet in rows.values_list("pk", "headline_marked", "snippet_marked")
    }
