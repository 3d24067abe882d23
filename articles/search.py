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

import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.exceptions import ImproperlyConfigured
from django.db import connection as default_connection
from django.db.models import Case, F, FloatField, Func, IntegerField, Q, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .html import plain_text
from .models import Article, TaggedArticle

# Longer queries are cut: nobody types more, and it bounds the work per request.
MAX_QUERY_LENGTH = 200
# Private-use characters mark highlights inside text that is escaped afterwards,
# so nothing in an article can inject markup through a search snippet.
START_SEL, STOP_SEL = "\ue000", "\ue001"
# Ranking: ts_rank weights for D, C, B, A (body C, summary/tags B, headline A).
RANK_WEIGHTS = [0.1, 0.2, 0.4, 1.0]
# Recency boost: score = rank * (1 + RECENCY_WEIGHT / (1 + age / RECENCY_DAYS)).
# Brand-new articles count double, a 30-day-old one 1.5 times, a year-old one
# about 1.08 times: relevance decides, recency breaks near-ties.
RECENCY_WEIGHT = 1.0
RECENCY_DAYS = 30.0
SNIPPET_WORDS = 30
# A common word matches most of the archive; relevance is ranked among this many newest
# matches (news readers want recent stories), and the result count stops there.
SEARCH_CANDIDATES = 500

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ue000\ue001]")
_SPACE_RE = re.compile(r"\s+")
_TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def clean_query(value):
    """Return a reader's query made safe to search with: no NUL or control characters, one line, capped."""
    if not value:
        return ""
    # Lone surrogates cannot be encoded for the database; replace them.
    value = value.encode("utf-8", "replace").decode("utf-8")
    value = unicodedata.normalize("NFC", _CONTROL_RE.sub(" ", value))
    return _SPACE_RE.sub(" ", value).strip()[:MAX_QUERY_LENGTH].strip()


@dataclass(frozen=True)
class ParsedQuery:
    """A web-search query as groups of alternatives (OR) of required terms, plus excluded terms."""

    groups: list = field(default_factory=list)  # [[term, ...], ...]: any group, all terms in it
    excluded: list = field(default_factory=list)

    @property
    def terms(self):
        return [term for group in self.groups for term in group]


def parse_query(query):
    """Parse websearch syntax the way PostgreSQL's websearch_to_tsquery reads it (for the SQLite fallback)."""
    groups, excluded, current = [], [], []
    for match in _TOKEN_RE.finditer(query):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if phrase is not None:
            term = phrase.strip()
        elif word.upper() == "OR":
            if current:
                groups.append(current)
            current = []
            continue
        elif word.startswith("-") and len(word) > 1:
            negated, term = "-", word[1:]
        else:
            term = word
        term = term.strip("\"'.,;:!?()[]{}")
        if not term:
            continue
        (excluded if negated else current).append(term)
    if current:
        groups.append(current)
    return ParsedQuery(groups=groups, excluded=excluded)


def uses_postgres_search(connection=None):
    return (connection or default_connection).vendor == "postgresql"


def search_config():
    return settings.ARTICLES_SEARCH_CONFIG


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
        return _postgres_search(articles, query)
    return _fallback_search(articles, query)


def _day_start(day: date):
    return timezone.make_aware(datetime.combine(day, time.min))


class AgeInDays(Func):
    """The age of a timestamp in days (never negative), as a float."""

    template = "GREATEST(EXTRACT(EPOCH FROM (CURRENT_TIMESTAMP - %(expressions)s)) / 86400.0, 0)"
    output_field = FloatField()


def _postgres_query(query):
    return SearchQuery(query, search_type="websearch", config=search_config())


def positive_query(query):
    """Return query without its -exclusions, in websearch syntax.

    ts_rank scores a query with a negation (a & !b) as 0, so ranking uses
    the wanted words only; matching still uses the whole query.
    """
    groups = parse_query(query).groups
    return " OR ".join(
        " ".join(f'"{term}"' if " " in term else term for term in (term.replace('"', "") for term in group))
        for group in groups
    )


def _postgres_search(articles, query):
    search_query = _postgres_query(query)
    rank_query = _postgres_query(positive_query(query) or query)
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


def _term_q(term):
    in_tags = TaggedArticle.objects.filter(tag__name__icontains=term).values("content_object_id")
    return (
        Q(headline__icontains=term)
        | Q(kicker__icontains=term)
        | Q(dek__icontains=term)
        | Q(body__icontains=term)
        | Q(pk__in=in_tags)
    )


def _fallback_search(articles, query):
    parsed = parse_query(query)
    if not parsed.groups:
        return articles.none()
    matches = Q()
    for group in parsed.groups:
        group_q = Q()
        for term in group:
            group_q &= _term_q(term)
        matches |= group_q
    for term in parsed.excluded:
        matches &= ~_term_q(term)
    in_headline = Q()
    for term in parsed.terms:
        in_headline |= Q(headline__icontains=term)
    in_summary = Q()
    for term in parsed.terms:
        in_summary |= Q(dek__icontains=term) | Q(kicker__icontains=term)
    return (
        articles.filter(matches)
        .annotate(
            score=Case(
                When(in_headline, then=Value(3)),
                When(in_summary, then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("-score", "-published_at", "-pk")
    )


# --- Highlighted snippets ------------------------------------------------------------


def mark_highlights(text):
    """Return text HTML-escaped, with the START_SEL/STOP_SEL spans turned into <mark> elements.

    Everything the database or the article supplies is escaped; only the
    marks are markup, and they always come out balanced.
    """
    parts, inside = [], False
    for piece in re.split(f"([{START_SEL}{STOP_SEL}])", text or ""):
        if piece == START_SEL:
            if not inside:
                parts.append("<mark>")
                inside = True
        elif piece == STOP_SEL:
            if inside:
                parts.append("</mark>")
                inside = False
        elif piece:
            # The body is stored as HTML: its text carries entities (&amp;), decoded first.
            parts.append(escape(_SPACE_RE.sub(" ", html.unescape(piece))))
    if inside:
        parts.append("</mark>")
    return mark_safe("".join(parts).strip())


def highlight_results(articles, *, query):
    """Give each article headline_html and snippet_html with the query's words marked.

    Runs one query on PostgreSQL (ts_headline over this page only), none on SQLite.
    """
    articles = list(articles)
    query = clean_query(query)
    if not articles or not query:
        return articles
    if uses_postgres_search():
        marked = _postgres_highlights([article.pk for article in articles], query)
        for article in articles:
            headline, snippet = marked.get(article.pk, (article.headline, ""))
            article.headline_html = mark_highlights(headline)
            article.snippet_html = mark_highlights(snippet)
    else:
        terms = parse_query(query).terms
        for article in articles:
            article.headline_html = mark_highlights(_mark_terms(article.headline, terms))
            article.snippet_html = mark_highlights(_fallback_snippet(article, terms))
    return articles


def _postgres_highlights(ids, query):
    search_query = _postgres_query(query)
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


def _mark_terms(text, terms):
    terms = sorted({term for term in terms if term}, key=len, reverse=True)
    if not terms or not text:
        return text or ""
    # Whole words: "serang" marks all of "serangan", as PostgreSQL's stemmed highlights do.
    pattern = re.compile(r"\w*(?:" + "|".join(re.escape(term) for term in terms) + r")\w*", re.IGNORECASE)
    return pattern.sub(lambda match: f"{START_SEL}{match.group(0)}{STOP_SEL}", text)


def _fallback_snippet(article, terms):
    text = (
        plain_text(f"<p>{escape(article.dek)}</p>{article.body}").replace(START_SEL, "").replace(STOP_SEL, "")
    )
    words = text.split()
    if not words:
        return ""
    folded = [word.casefold() for word in words]
    first = next(
        (index for index, word in enumerate(folded) if any(term.casefold() in word for term in terms)),
        0,
    )
    begin = max(0, first - SNIPPET_WORDS // 3)
    window = words[begin : begin + SNIPPET_WORDS]
    snippet = " ".join(window)
    if begin > 0:
        snippet = "… " + snippet
    if begin + SNIPPET_WORDS < len(words):
        snippet += " …"
    # plain_text() decoded entities already; re-escape & so mark_highlights' unescape is a no-op.
    return _mark_terms(snippet.replace("&", "&amp;"), terms)


# --- PostgreSQL: the triggers that keep search_vector current ---------------------------

_CONFIG_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]*$")

TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION articles_search_document(
    article_id bigint, kicker text, headline text, dek text, body text
) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT
        setweight(to_tsvector(articles_search_config(), coalesce(headline, '')), 'A')
        || setweight(to_tsvector(articles_search_config(), coalesce(kicker, '') || ' ' || coalesce((
            SELECT string_agg(tag.name, ' ')
            FROM articles_taggedarticle tagged
            JOIN taggit_tag tag ON tag.id = tagged.tag_id
            WHERE tagged.content_object_id = article_id
        ), '')), 'B')
        || setweight(to_tsvector(articles_search_config(), coalesce(dek, '')), 'B')
        -- The default parser skips HTML tags and entities, so the stored body needs no stripping.
        || setweight(to_tsvector(articles_search_config(), coalesce(body, '')), 'C')
$$;

CREATE OR REPLACE FUNCTION articles_article_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := articles_search_document(NEW.id, NEW.kicker, NEW.headline, NEW.dek, NEW.body);
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS articles_article_search ON articles_article;
CREATE TRIGGER articles_article_search
    BEFORE INSERT OR UPDATE OF kicker, headline, dek, body ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_update();

CREATE OR REPLACE FUNCTION articles_article_search_reindex(article_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE articles_article article
    SET search_vector = articles_search_document(
        article.id, article.kicker, article.headline, article.dek, article.body)
    WHERE article.id = ANY(article_ids)
$$;

CREATE OR REPLACE FUNCTION articles_taggedarticle_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM articles_article_search_reindex(ARRAY[NEW.content_object_id]);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM articles_article_search_reindex(ARRAY[OLD.content_object_id]);
    ELSE
        PERFORM articles_article_search_reindex(ARRAY[OLD.content_object_id, NEW.content_object_id]);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS articles_taggedarticle_search ON articles_taggedarticle;
CREATE TRIGGER articles_taggedarticle_search
    AFTER INSERT OR UPDATE OR DELETE ON articles_taggedarticle
    FOR EACH ROW EXECUTE FUNCTION articles_taggedarticle_search_update();

CREATE OR REPLACE FUNCTION articles_tag_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM articles_article_search_reindex(ARRAY(
        SELECT content_object_id FROM articles_taggedarticle WHERE tag_id = NEW.id));
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS articles_tag_search ON taggit_tag;
CREATE TRIGGER articles_tag_search
    AFTER UPDATE OF name ON taggit_tag
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION articles_tag_search_update();
"""

DROP_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS articles_tag_search ON taggit_tag;
DROP TRIGGER IF EXISTS articles_taggedarticle_search ON articles_taggedarticle;
DROP TRIGGER IF EXISTS articles_article_search ON articles_article;
DROP FUNCTION IF EXISTS articles_tag_search_update();
DROP FUNCTION IF EXISTS articles_taggedarticle_search_update();
DROP FUNCTION IF EXISTS articles_article_search_reindex(bigint[]);
DROP FUNCTION IF EXISTS articles_article_search_update();
DROP FUNCTION IF EXISTS articles_search_document(bigint, text, text, text, text);
DROP FUNCTION IF EXISTS articles_search_config();
"""


def _set_config_sql(cursor, config):
    if not _CONFIG_NAME_RE.match(config):
        raise ImproperlyConfigured(
            f"ARTICLES_SEARCH_CONFIG {config!r} is not a text-search configuration name."
        )
    cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = %s", [config])
    if cursor.fetchone() is None:
        raise ImproperlyConfigured(
            f"ARTICLES_SEARCH_CONFIG {config!r} is not installed in PostgreSQL "
            "(see SELECT cfgname FROM pg_ts_config)."
        )
    # The name is checked against the pattern and pg_ts_config above, so quoting it inline is safe.
    cursor.execute(
        "CREATE OR REPLACE FUNCTION articles_search_config() RETURNS regconfig "
        f"LANGUAGE sql IMMUTABLE AS $$ SELECT '{config}'::regconfig $$"
    )


def install_search_triggers(connection, *, config=None):
    """Create (or replace) the search functions and triggers, then index every article."""
    with connection.cursor() as cursor:
        _set_config_sql(cursor, config or search_config())
        cursor.execute(TRIGGER_SQL)
        cursor.execute(
            "UPDATE articles_article SET search_vector = "
            "articles_search_document(id, kicker, headline, dek, body)"
        )


def drop_search_triggers(connection):
    with connection.cursor() as cursor:
        cursor.execute(DROP_TRIGGER_SQL)


def installed_search_config(connection):
    """Return the configuration the triggers index with, or None before they exist."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_proc WHERE proname = 'articles_search_config'")
        if cursor.fetchone() is None:
            return None
        cursor.execute("SELECT cfgname FROM pg_ts_config WHERE oid = articles_search_config()")
        return cursor.fetchone()[0]


def sync_search_config(connection):
    """Reinstall and reindex when ARTICLES_SEARCH_CONFIG differs from what the triggers use.

    Runs after every migrate, so changing the setting and deploying (which
    migrates) can never leave stored vectors and queries stemmed differently.
    Return True when it reindexed.
    """
    if not uses_postgres_search(connection):
        return False
    installed = installed_search_config(connection)
    if installed is None or installed == search_config():
        return False
    install_search_triggers(connection)
    return True
