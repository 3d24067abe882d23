"""WordPress eXtended RSS (WXR 1.0, 1.1, 1.2) exports, read as plain dataclasses.

Pure parsing, no database (issue 14): the writing lives elsewhere. The export is
streamed with defusedxml, so a 500 MB file is read in bounded memory: every
finished author, term and item is turned into a record and dropped from the tree.
A DTD, an entity declaration (billion laughs) or an external entity is refused
with WXRError, as is any file that is not well-formed XML or not a WordPress export.

Streaming means an error can come after many records were yielded. A caller that
writes must either collect everything first or call validate_wxr() for a full
pass before the writing pass, so that a malformed file writes nothing:

    site = validate_wxr(path)          # raises WXRError, writes nothing
    reader = WXRReader(path)
    for record in reader.records():    # WPAuthor, WPTerm, WPItem in document order
        ...

Namespaces are matched by local name and family, not exact URI: WordPress has
written http:// and https:// spellings and /export/1.0/ to /1.2/ over the years.
"""

import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from xml.etree.ElementTree import TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError, iterparse

WP_NAMESPACE_RE = re.compile(r"^https?://wordpress\.org/export/\d+\.\d+/$")
EXCERPT_NAMESPACE_RE = re.compile(r"^https?://wordpress\.org/export/\d+\.\d+/excerpt/$")
CONTENT_NAMESPACE_RE = re.compile(r"^https?://purl\.org/rss/1\.0/modules/content/$")
DC_NAMESPACE_RE = re.compile(r"^https?://purl\.org/dc/elements/1\.1/$")

# WordPress writes this for "no date" (drafts never published, missing GMT dates).
ZERO_DATE = "0000-00-00 00:00:00"
# The channel children that are records; everything before the first one is the site header.
RECORD_TAGS = frozenset({"wp:author", "wp:category", "wp:tag", "wp:term", "item"})


class WXRError(ValueError):
    """The file is not a well-formed, safe WordPress export; the message says where and why."""


@dataclass(frozen=True)
class Site:
    title: str
    link: str
    base_site_url: str
    base_blog_url: str
    language: str
    wxr_version: str


@dataclass(frozen=True)
class WPAuthor:
    id: int | None
    login: str
    email: str
    display_name: str
    first_name: str
    last_name: str


@dataclass(frozen=True)
class WPTerm:
    # WordPress's taxonomy name: "category", "post_tag", or wp:term_taxonomy for other
    # taxonomies ("author" for Co-Authors Plus guest authors, "post_format", "nav_menu", ...).
    kind: str
    term_id: int | None
    slug: str
    name: str
    parent: str  # the parent term's slug, "" for a top-level term
    description: str


@dataclass(frozen=True)
class WPItem:
    post_id: int | None
    post_type: str  # "post", "page", "attachment", "nav_menu_item", custom types
    title: str
    link: str
    guid: str
    creator: str  # dc:creator, the author's login
    content: str  # content:encoded, verbatim (Gutenberg block comments and all)
    excerpt: str  # excerpt:encoded, verbatim
    # Dates as exported ("2024-03-01 08:15:00"; site-local unless _gmt); None for 0000-00-00.
    post_date: str | None
    post_date_gmt: str | None
    post_modified: str | None
    post_modified_gmt: str | None
    status: str  # "publish", "draft", "pending", "private", "future", "trash", "inherit"
    post_parent: int | None  # None for 0 (no parent)
    menu_order: int
    post_name: str  # the slug
    is_sticky: bool
    password: str
    attachment_url: str
    # (domain, nicename, name) per <category>: domain "category", "post_tag", "author", ...
    categories: list[tuple[str, str, str]] = field(default_factory=list)
    # meta_key -> values in document order (_thumbnail_id, _wp_old_slug, _yoast_wpseo_title, ...).
    postmeta: dict[str, list[str]] = field(default_factory=dict)
    comment_count: int = 0  # comments are counted, not imported
    pub_date: str = ""  # the RSS pubDate, which WordPress writes in GMT ("Fri, 01 Mar 2024 01:00:00 +0000")

    def meta(self, key, default=""):
        """Return the first value of a postmeta key, or default."""
        values = self.postmeta.get(key)
        return values[0] if values else default


@lru_cache(maxsize=256)
def qualified_name(tag):
    """Return "wp:post_id" for "{http://wordpress.org/export/1.2/}post_id", "item" for "item"."""
    if not tag.startswith("{"):
        return tag
    uri, _, local = tag[1:].partition("}")
    for prefix, pattern in (
        ("wp", WP_NAMESPACE_RE),
        ("excerpt", EXCERPT_NAMESPACE_RE),
        ("content", CONTENT_NAMESPACE_RE),
        ("dc", DC_NAMESPACE_RE),
    ):
        if pattern.match(uri):
            return f"{prefix}:{local}"
    return tag


def parse_wxr(source) -> Iterator[WPAuthor | WPTerm | WPItem]:
    """Yield the export's records in document order; see WXRReader."""
    return WXRReader(source).records()


def validate_wxr(source) -> Site:
    """Read the whole export once, without keeping anything; return its Site or raise WXRError.

    For callers that must write nothing from a malformed file: validate, then read again.
    """
    reader = WXRReader(source)
    for _record in reader.records():
        pass
    return reader.site


class WXRReader:
    """One streaming pass over a WXR export: a path or a binary file object.

    .site is the channel header (title, link, wxr_version, ...); reading it parses
    only up to the first record. .records() is a single-pass generator of WPAuthor,
    WPTerm and WPItem in document order (real exports put authors and terms first).
    .counts counts what has been yielded so far by kind ("author", "term", "item",
    and "item:<post_type>"). Any problem raises WXRError, possibly after records
    were yielded: see the module docstring.
    """

    def __init__(self, source):
        self.source = source
        self.counts = Counter()
        self._site = None
        self._started = False
        self._events = self._parse()

    @property
    def site(self) -> Site:
        while self._site is None:
            # Before the first record the generator yields only the site header.
            next(self._events)
        return self._site

    def records(self) -> Iterator[WPAuthor | WPTerm | WPItem]:
        if self._started:
            raise RuntimeError("WXRReader.records() is a single pass; create a new reader to read again.")
        self._started = True
        for event in self._events:
            if not isinstance(event, Site):
                yield event

    def _parse(self):
        if isinstance(self.source, (str, os.PathLike)):
            with open(self.source, "rb") as file:
                yield from self._parse_file(file)
        else:
            yield from self._parse_file(self.source)

    def _parse_file(self, file):
        parser = DefusedXMLParser(
            target=TreeBuilder(), forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        header = {}
        stack = []
        comments = 0
        try:
            for event, elem in iterparse(file, events=("start", "end"), parser=parser):
                if event == "start":
                    stack.append(elem)
                    depth = len(stack)
                    if depth == 1 and elem.tag != "rss":
                        raise WXRError(
                            f"Not a WordPress export: the root element is <{elem.tag}>, not <rss>."
                        )
                    if depth == 3 and self._site is None and qualified_name(elem.tag) in RECORD_TAGS:
                        self._site = make_site(header)
                        yield self._site
                    if depth == 3 and elem.tag == "item":
                        comments = 0
                    continue

                depth = len(stack)
                stack.pop()
                if depth == 4 and stack[-1].tag == "item" and qualified_name(elem.tag) == "wp:comment":
                    comments += 1
                    stack[-1].remove(elem)  # a post with 10,000 comments stays small
                elif depth == 3 and stack[-1].tag == "channel":
                    name = qualified_name(elem.tag)
                    record = None
                    if name in RECORD_TAGS:
                        record = make_record(name, elem, comments)
                    elif self._site is None and name not in header:
                        header[name] = (elem.text or "").strip()
                    elem.clear()
                    stack[-1].remove(elem)
                    if record is not None:
                        self.counts[type(record).__name__.removeprefix("WP").lower()] += 1
                        if isinstance(record, WPItem):
                            self.counts[f"item:{record.post_type}"] += 1
                        yield record
                elif depth == 2 and elem.tag == "channel" and self._site is None:
                    # An export with no authors, terms or items still has a header.
                    self._site = make_site(header)
                    yield self._site
        except ParseError as error:
            line, column = error.position
            raise WXRError(f"line {line}, column {column + 1}: {xml_error_text(error)}") from error
        except DefusedXmlException as error:
            expat = parser.parser
            raise WXRError(
                f"line {expat.CurrentLineNumber}, column {expat.CurrentColumnNumber + 1}: "
                f"{refusal_text(error)}; WordPress exports have none, so the file is refused."
            ) from error
        if self._site is None:
            raise WXRError("Not a WordPress export: there is no <channel> in the <rss> element.")


def xml_error_text(error):
    # "mismatched tag: line 12, column 4" -> "mismatched tag"
    return str(error).rsplit(": line ", 1)[0]


def refusal_text(error):
    name = type(error).__name__
    if name == "DTDForbidden":
        return "the file has a DTD (<!DOCTYPE>)"
    if name == "EntitiesForbidden":
        return "the file declares entities"
    if name == "ExternalReferenceForbidden":
        return "the file refers to an external entity"
    return "the file uses an XML feature that is not allowed"


def make_site(header):
    version = header.get("wp:wxr_version", "")
    if not version:
        raise WXRError(
            "Not a WordPress export: the channel has no wp:wxr_version "
            "(an ordinary RSS feed, or an export from another system)."
        )
    if not re.fullmatch(r"1\.\d+", version):
        raise WXRError(f"Unsupported WXR version {version!r}: this importer reads WXR 1.x.")
    return Site(
        title=header.get("title", ""),
        link=header.get("link", ""),
        base_site_url=header.get("wp:base_site_url", ""),
        base_blog_url=header.get("wp:base_blog_url", ""),
        language=header.get("language", ""),
        wxr_version=version,
    )


def make_record(name, elem, comments):
    if name == "item":
        return make_item(elem, comments)
    fields = child_texts(elem)
    if name == "wp:author":
        return WPAuthor(
            id=to_int(fields.get("wp:author_id")),
            login=fields.get("wp:author_login", ""),
            email=fields.get("wp:author_email", ""),
            display_name=fields.get("wp:author_display_name", ""),
            first_name=fields.get("wp:author_first_name", ""),
            last_name=fields.get("wp:author_last_name", ""),
        )
    if name == "wp:category":
        return WPTerm(
            kind="category",
            term_id=to_int(fields.get("wp:term_id")),
            slug=fields.get("wp:category_nicename", ""),
            name=fields.get("wp:cat_name", ""),
            parent=fields.get("wp:category_parent", ""),
            description=fields.get("wp:category_description", ""),
        )
    if name == "wp:tag":
        return WPTerm(
            kind="post_tag",
            term_id=to_int(fields.get("wp:term_id")),
            slug=fields.get("wp:tag_slug", ""),
            name=fields.get("wp:tag_name", ""),
            parent="",
            description=fields.get("wp:tag_description", ""),
        )
    return WPTerm(
        kind=fields.get("wp:term_taxonomy", ""),
        term_id=to_int(fields.get("wp:term_id")),
        slug=fields.get("wp:term_slug", ""),
        name=fields.get("wp:term_name", ""),
        parent=fields.get("wp:term_parent", ""),
        description=fields.get("wp:term_description", ""),
    )


def child_texts(elem):
    """Return {qualified name: stripped text} for the element's children (the first of each)."""
    texts = {}
    for child in elem:
        texts.setdefault(qualified_name(child.tag), (child.text or "").strip())
    return texts


def make_item(elem, comments):
    fields = {}
    categories = []
    postmeta = {}
    for child in elem:
        name = qualified_name(child.tag)
        if name == "category":
            categories.append(
                (child.get("domain", ""), child.get("nicename", ""), (child.text or "").strip())
            )
        elif name == "wp:postmeta":
            meta = {qualified_name(part.tag): part.text or "" for part in child}
            key = meta.get("wp:meta_key", "").strip()
            if key:
                postmeta.setdefault(key, []).append(meta.get("wp:meta_value", ""))
        elif name not in fields:
            fields[name] = child.text or ""

    def text(name):
        return fields.get(name, "").strip()

    return WPItem(
        post_id=to_int(text("wp:post_id")) or id_in_address(text("guid")) or id_in_address(text("link")),
        post_type=text("wp:post_type") or "post",
        title=text("title"),
        link=text("link"),
        guid=text("guid"),
        creator=text("dc:creator"),
        content=fields.get("content:encoded", ""),
        excerpt=fields.get("excerpt:encoded", ""),
        post_date=to_date(text("wp:post_date")),
        post_date_gmt=to_date(text("wp:post_date_gmt")),
        post_modified=to_date(text("wp:post_modified")),
        post_modified_gmt=to_date(text("wp:post_modified_gmt")),
        status=text("wp:status"),
        post_parent=to_int(text("wp:post_parent")) or None,
        menu_order=to_int(text("wp:menu_order")) or 0,
        post_name=text("wp:post_name"),
        is_sticky=text("wp:is_sticky") == "1",
        password=text("wp:post_password"),
        attachment_url=text("wp:attachment_url"),
        categories=categories,
        postmeta=postmeta,
        comment_count=comments,
        pub_date=text("pubDate"),
    )


# WordPress's own guid of a post ("https://situs.example/?p=123"), its plain permalink too.
ID_IN_ADDRESS_RE = re.compile(r"[?&](?:p|page_id|attachment_id)=([0-9]{1,18})(?:&|#|$)")


def id_in_address(address):
    """Return the post id in "…/?p=123" (a hand-made export may have no wp:post_id), or None."""
    found = ID_IN_ADDRESS_RE.search(address or "")
    return int(found.group(1)) if found else None


def to_int(value):
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() else None


def to_date(value):
    return None if not value or value == ZERO_DATE else value
