"""Article body HTML: the sanitizing allowlist, heading ids and the outline.

Every body (admin, importer, shell) goes through sanitize_body() on save, so
templates may mark the stored body safe and nothing else.
"""

import html
import math
import re

import nh3
from django.utils.text import slugify

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "a", "ul", "ol", "li", "blockquote", "q", "cite", "figure", "figcaption", "img",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "hr", "abbr", "code", "pre",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "title"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "abbr": {"title"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}

# Ids the page itself uses; a heading must not take them.
RESERVED_IDS = frozenset(
    {
        "konten",
        "navigasi",
        "daftar-isi",
        "ralat",
        "cari",
        "main",
        "content",
        "baca-juga",
        "terpopuler",
        "site-search-q",
    }
)
WORDS_PER_MINUTE = 200

HEADING_RE = re.compile(r"<(h[234])(?: id=\"([^\"]*)\")?>(.*?)</\1>", re.DOTALL)
TAG_RE = re.compile(r"<[^>]+>")
BLOCK_END_RE = re.compile(r"</(?:p|h[1-6]|li|blockquote|figcaption|caption|td|th|pre)>|<br\s*/?>")


def sanitize_body(value):
    """Return value reduced to the allowlist, with stable unique ids on subheadings."""
    if not value:
        return ""
    cleaned = nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return assign_heading_ids(cleaned.strip())


def text_of(fragment):
    return html.unescape(TAG_RE.sub("", fragment)).strip()


def heading_slug(text):
    slug = slugify(text)[:80].strip("-")
    return slug or "bagian"


def assign_heading_ids(body):
    """Give each h2/h3/h4 a readable, unique id, keeping ids it already has.

    Keeping an existing id is what makes anchors stable: editing a heading's
    text does not move links into the table of contents.
    """
    taken = set(RESERVED_IDS)
    matches = list(HEADING_RE.finditer(body))
    # Existing ids are claimed first, so a new heading never steals one.
    kept = {}
    for match in matches:
        existing = heading_slug(match.group(2)) if match.group(2) else ""
        if existing and existing not in taken:
            taken.add(existing)
            kept[match.start()] = existing

    def unique(base):
        candidate, n = base, 2
        while candidate in taken:
            candidate = f"{base}-{n}"
            n += 1
        taken.add(candidate)
        return candidate

    pieces, last = [], 0
    for match in matches:
        tag, inner = match.group(1), match.group(3)
        anchor = kept.get(match.start()) or unique(heading_slug(text_of(inner)))
        pieces.append(body[last : match.start()])
        pieces.append(f'<{tag} id="{anchor}">{inner}</{tag}>')
        last = match.end()
    pieces.append(body[last:])
    return "".join(pieces)


def article_outline(body):
    """Return [(level, id, text)] for the body's h2 and h3 subheadings."""
    return [
        (int(match.group(1)[1]), match.group(2), text_of(match.group(3)))
        for match in HEADING_RE.finditer(body or "")
        if match.group(1) in ("h2", "h3") and match.group(2)
    ]


def plain_text(body):
    """Return the body as one line of text; block boundaries become spaces."""
    spaced = BLOCK_END_RE.sub(" ", body or "")
    return " ".join(html.unescape(TAG_RE.sub("", spaced)).split())


def word_count(body):
    return len(plain_text(body).split())


def reading_minutes(words):
    return max(1, math.ceil(words / WORDS_PER_MINUTE))
