"""Search on SQLite (the embedded default): case-insensitive "contains" with the same syntax, no stemming."""

import re

from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.html import escape

from ..html import plain_text
from ..models import TaggedArticle
from .query import SNIPPET_WORDS, START_SEL, STOP_SEL, parse_query


def _term_q(term):
    in_tags = TaggedArticle.objects.filter(tag__name__icontains=term).values("content_object_id")
    return (
        Q(headline__icontains=term)
        | Q(kicker__icontains=term)
        | Q(dek__icontains=term)
        | Q(body__icontains=term)
        | Q(pk__in=in_tags)
    )


def fallback_search(articles, query):
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


def mark_terms(text, terms):
    terms = sorted({term for term in terms if term}, key=len, reverse=True)
    if not terms or not text:
        return text or ""
    # Whole words: "serang" marks all of "serangan", as PostgreSQL's stemmed highlights do.
    pattern = re.compile(r"\w*(?:" + "|".join(re.escape(term) for term in terms) + r")\w*", re.IGNORECASE)
    return pattern.sub(lambda match: f"{START_SEL}{match.group(0)}{STOP_SEL}", text)


def fallback_snippet(article, terms):
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
    return mark_terms(snippet.replace("&", "&amp;"), terms)
