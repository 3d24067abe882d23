"""Article body HTML: the sanitizing allowlist, heading ids and the outline.

Every body (admin, importer, shell) goes through sanitize_body() on save, so
templates may mark the stored body safe and nothing else.
"""

import difflib
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
# How alike a reworded subheading must be to its old text to keep the old id when headings
# were also added or removed around it (difflib ratio, 0..1).
HEADING_SIMILARITY = 0.5

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


def carry_heading_ids(body, previous_body):
    """Return body with ids from previous_body put back on subheadings the editor left without one.

    A WYSIWYG editor may drop id attributes. Headings are matched in order
    (difflib over the heading texts): unchanged headings get their old id
    back, and a heading reworded in place inherits the id of the one it
    replaced, so links into the table of contents keep working. New headings
    stay without an id and get a fresh one from sanitize_body().
    """
    if not body or not previous_body:
        return body
    old = [
        (match.group(1), match.group(2), text_of(match.group(3)))
        for match in HEADING_RE.finditer(previous_body)
    ]
    old = [heading for heading in old if heading[1]]
    matches = list(HEADING_RE.finditer(body))
    if not old or not matches:
        return body
    used = {heading_slug(match.group(2)) for match in matches if match.group(2)}
    new = [(match.group(1), match.group(2), text_of(match.group(3))) for match in matches]
    chosen = {}

    def claim(new_index, old_index):
        tag, anchor, _text = old[old_index]
        if new[new_index][1] or new_index in chosen or anchor in used or tag != new[new_index][0]:
            return
        chosen[new_index] = anchor
        used.add(anchor)

    opcodes = difflib.SequenceMatcher(
        None, [text.casefold() for _tag, _id, text in old], [text.casefold() for _tag, _id, text in new]
    ).get_opcodes()
    for operation, i1, i2, j1, j2 in opcodes:
        if operation == "equal":
            for offset in range(i2 - i1):
                claim(j1 + offset, i1 + offset)
        elif operation == "replace":
            if i2 - i1 == j2 - j1:
                # Reworded in place: same position, same count.
                for offset in range(i2 - i1):
                    claim(j1 + offset, i1 + offset)
            else:
                # Rewording plus insertions or deletions: pair the most similar texts.
                pairs = sorted(
                    (
                        (
                            difflib.SequenceMatcher(None, old[i][2].casefold(), new[j][2].casefold()).ratio(),
                            i,
                            j,
                        )
                        for i in range(i1, i2)
                        for j in range(j1, j2)
                    ),
                    reverse=True,
                )
                taken_old = set()
                for ratio, i, j in pairs:
                    if ratio >= HEADING_SIMILARITY and i not in taken_old and j not in chosen:
                        before = len(chosen)
                        claim(j, i)
                        if len(chosen) > before:
                            taken_old.add(i)
    if not chosen:
        return body
    pieces, last = [], 0
    for index, match in enumerate(matches):
        if index in chosen:
            tag, inner = match.group(1), match.group(3)
            pieces.append(body[last : match.start()])
            pieces.append(f'<{tag} id="{chosen[index]}">{inner}</{tag}>')
            last = match.end()
    pieces.append(body[last:])
    return "".join(pieces)


def normalize_headings(value):
    """Return value sanitized far enough that HEADING_RE sees editor output (<h2 class=...>) as headings."""
    if not value:
        return ""
    return nh3.clean(value, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=ALLOWED_URL_SCHEMES)


IMG_RE = re.compile(r"<img\b([^>]*)>")
ATTR_RE = re.compile(r'([a-zA-Z-]+)="([^"]*)"')


def responsive_images(body, renditions_by_src, *, sizes="(min-width: 1100px) 720px, 100vw"):
    """Return body with srcset, sizes, width, height and lazy loading on library images.

    renditions_by_src maps an <img src> to the image's renditions (see
    images.renditions_create). The body is already sanitized; only attributes
    built from our own rendition data are added, escaped.
    """
    from .images import srcset  # html.py stays importable without storage set up

    def rewrite(match):
        attributes = dict(ATTR_RE.findall(match.group(1)))
        renditions = renditions_by_src.get(html.unescape(attributes.get("src", "")))
        extra = {"loading": "lazy", "decoding": "async"}
        if renditions:
            entries = renditions.get("fallback") or []
            if entries:
                extra["srcset"] = srcset(entries)
                extra["sizes"] = sizes
            attributes.setdefault("width", str(renditions["width"]))
            attributes.setdefault("height", str(renditions["height"]))
        attributes.update(extra)
        rendered = " ".join(
            f'{name}="{html.escape(html.unescape(value))}"' for name, value in attributes.items()
        )
        return f"<img {rendered}>"

    return IMG_RE.sub(rewrite, body or "")


def image_sources(body):
    """Return the src of every <img> in body."""
    return [
        html.unescape(dict(ATTR_RE.findall(match.group(1))).get("src", ""))
        for match in IMG_RE.finditer(body or "")
    ]
