"""Highlighted headlines and snippets for a page of search results, safe to put in HTML."""

import html
import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

from .fallback import fallback_snippet, mark_terms
from .postgres import postgres_highlights, uses_postgres_search
from .query import SPACE_RE, START_SEL, STOP_SEL, clean_query, parse_query


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
            parts.append(escape(SPACE_RE.sub(" ", html.unescape(piece))))
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
        marked = postgres_highlights([article.pk for article in articles], query)
        for article in articles:
            headline, snippet = marked.get(article.pk, (article.headline, ""))
            article.headline_html = mark_highlights(headline)
            article.snippet_html = mark_highlights(snippet)
    else:
        terms = parse_query(query).terms
        for article in articles:
            article.headline_html = mark_highlights(mark_terms(article.headline, terms))
            article.snippet_html = mark_highlights(fallback_snippet(article, terms))
    return articles
