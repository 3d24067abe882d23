"""A WordPress export (WXR) imported: posts, pages, terms, authors, media and every old address (issue 14).

Two streaming passes over the file, so a 500 MB export runs in bounded memory:

1. survey (articles.importers.wordpress reads, this keeps the little that
   links need: authors, terms, attachments' metadata, each post's planned
   address). A malformed file stops here, with nothing written.
2. import, in batches: the batch's media are fetched first, outside any
   transaction and a few at a time; then one transaction writes its images,
   articles, credits, tags, ledger rows (ImportedItem) and old addresses, and
   invalidates the public pages once. An interrupted run leaves whole batches
   only, and the ledger makes the next run finish the job without duplicates.

Pages (a few, parents first) follow, then the renditions of the new images.
The mapping rules are in articles.importers.wordpress_mapping.
"""

import hashlib
import html
import re
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import NamedTuple
from urllib.parse import urlsplit

import reversion
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

import pagecache
from pagecache.warming import warming_deferred
from redirects.models import Redirect
from redirects.paths import normalize_path
from redirects.services import redirects_record

from ..embeds import embed_refs
from ..html import sanitize_body
from ..images import ALLOWED_FORMATS, check_image_upload
from ..importers.wordpress import WPAuthor, WPItem, WPTerm, WXRError, WXRReader
from ..importers.wordpress_content import Attachment, convert_content, original_image_url
from ..importers.wordpress_mapping import (
    author_nicename,
    category_path,
    guest_author_login,
    local_offset,
    local_time,
    moment,
    old_slug_paths,
    permalink_path,
    plain,
    post_status,
    primary_category,
    rss_date_gmt,
    seo_fields,
    wp_slug,
)
from ..importers.wordpress_media import MediaError, uploads_path
from ..models import (
    Article,
    ArticleOldSlug,
    Author,
    Credit,
    Embed,
    ImportedItem,
    InlineImage,
    Page,
    Section,
    TaggedArticle,
    validate_section_slug,
)
from ..precomputed import backfill_links, backfill_links_shared, neighbour_table, process_pool, vacuum
from ..tasks import library_image_renditions, renditions_current
from .imports import author_get_or_create

Kind = ImportedItem.Kind
# Part of every item's checksum: a change to the mapping makes the next run update what it maps.
MAPPING_VERSION = "1"
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".gif", ".webp"})
IMG_TAG_RE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
SRC_RE = re.compile(r'\bsrc="([^"]*)"')
ALT_RE = re.compile(r'\balt="([^"]*)"')
PROGRESS_EVERY = 0.5  # seconds between progress reports


class WordPressImportError(ValueError):
    """The export or an option cannot be used; the message says which and why. Nothing was written."""


@dataclass
class WordPressImportOptions:
    media: object = None  # a wordpress_media.MediaSource, or None: images keep their old addresses
    section_map: dict = field(default_factory=dict)  # category slug -> section slug
    default_section: str = ""  # for posts without a category (and WordPress's "uncategorized")
    author_map: dict = field(default_factory=dict)  # login -> author name
    permalink_structure: str = ""  # e.g. "/%year%/%monthnum%/%day%/%postname%/"
    since: datetime | None = None  # only items modified since (aware)
    overwrite: bool = False  # also rewrite what editors changed here since the last import
    dry_run: bool = False
    renditions: bool = True  # make the new images' renditions at the end
    jobs: int = 1  # processes for the links and renditions at the end (PostgreSQL)
    batch_size: int = 100
    by: AbstractBaseUser | None = None


@dataclass
class ImportReport:
    """What a run did (or, dry, would do), for the command and the admin."""

    site: str = ""
    dry_run: bool = False
    counts: Counter = field(default_factory=Counter)  # (type, action) -> n
    media: Counter = field(default_factory=Counter)  # fetched, reused, missing, not fetched
    redirects: Counter = field(default_factory=Counter)  # created, updated, unchanged, conflicts
    warnings: list = field(default_factory=list)  # (label, message), label like "post 123"
    comments: int = 0
    skipped_types: Counter = field(default_factory=Counter)  # post types not imported
    disappeared: dict = field(default_factory=dict)  # type -> [WordPress IDs]
    renditions: int = 0
    seconds: float = 0.0
    interrupted: bool = False

    TYPES = ("post", "page", "attachment", "category", "tag", "author")
    ACTIONS = ("created", "updated", "unchanged", "conflict", "skipped")

    def count(self, kind, action, n=1):
        self.counts[(kind, action)] += n

    def warn(self, label, message):
        self.warnings.append((label, message))

    def table(self):
        """Return [(type, {action: n})] for the types that had anything."""
        rows = []
        for kind in self.TYPES:
            numbers = {action: self.counts[(kind, action)] for action in self.ACTIONS}
            if any(numbers.values()):
                rows.append((kind, numbers))
        return rows

    def as_dict(self):
        return {
            "site": self.site,
            "dry_run": self.dry_run,
            "interrupted": self.interrupted,
            "counts": {kind: numbers for kind, numbers in self.table()},
            "media": dict(self.media),
            "redirects": dict(self.redirects),
            "comments_not_imported": self.comments,
            "types_not_imported": dict(self.skipped_types),
            "no_longer_in_export": self.disappeared,
            "renditions": self.renditions,
            "warnings": [{"item": label, "message": message} for label, message in self.warnings],
            "seconds": round(self.seconds, 1),
        }

    def lines(self):
        """Return the report as the command prints it."""
        title = "Dry run (nothing written)" if self.dry_run else "Imported"
        out = [f"{title}: {self.site}" + (" — INTERRUPTED, run again to finish" if self.interrupted else "")]
        out.append(f"  {'':12}" + "".join(f"{action:>11}" for action in self.ACTIONS))
        for kind, numbers in self.table():
            out.append(f"  {kind:12}" + "".join(f"{numbers[action]:>11}" for action in self.ACTIONS))
        media = ", ".join(
            f"{self.media[key]} {key}"
            for key in ("fetched", "reused", "missing", "to fetch")
            if self.media[key]
        )
        if media or not self.media["not fetched"]:
            out.append(f"  media: {media or 'none'}")
        if self.media["not fetched"]:
            out.append(
                f"  media: {self.media['not fetched']} images keep their old addresses "
                "(no --media-dir or --media-base-url given)"
            )
        redirects = ", ".join(
            f"{self.redirects[key]} {key}"
            for key in ("created", "updated", "unchanged")
            if self.redirects[key]
        )
        out.append(
            f"  redirects: {redirects or 'none'}"
            + (
                f" ({self.redirects['conflicts']} addresses already taken)"
                if self.redirects["conflicts"]
                else ""
            )
        )
        if self.renditions:
            out.append(f"  renditions made for {self.renditions} images")
        if self.comments:
            out.append(f"  comments: {self.comments} not imported (the portal has no comments)")
        for post_type, n in sorted(self.skipped_types.items()):
            out.append(f"  not imported: {n} items of type “{post_type}”")
        for kind, ids in sorted(self.disappeared.items()):
            shown = ", ".join(ids[:20]) + (" …" if len(ids) > 20 else "")
            out.append(f"  no longer in the export ({kind}, kept here): {len(ids)}: {shown}")
        if self.warnings:
            out.append(f"  warnings ({len(self.warnings)}):")
            out.extend(f"    {label}: {message}" for label, message in self.warnings)
        out.append(f"  time: {self.seconds:.1f} s")
        return out


class PostPlan(NamedTuple):
    """What the survey keeps of a post or page: enough to plan its address and link to it."""

    post_type: str
    status: str | None  # the portal's, None if not imported
    slug: str
    link: str
    published: datetime | None
    parent: int | None
    category: str  # primary category slug (posts)
    creator: str


@dataclass
class Survey:
    """The first pass: everything but the bodies."""

    reader_site: object = None
    source: str = ""
    hosts: set = field(default_factory=set)
    authors: dict = field(default_factory=dict)  # login -> WPAuthor
    categories: dict = field(default_factory=dict)  # slug -> WPTerm
    tags: dict = field(default_factory=dict)  # slug -> WPTerm
    guest_terms: dict = field(default_factory=dict)  # slug -> WPTerm (Co-Authors Plus)
    guest_profiles: dict = field(default_factory=dict)  # login -> (display name, bio)
    attachments: dict = field(default_factory=dict)  # id -> Attachment (+ description in .extra)
    attachment_meta: dict = field(default_factory=dict)  # id -> (title, description, link)
    attachment_parents: dict = field(default_factory=dict)  # id -> the post or page it was uploaded to
    attached: dict = field(default_factory=dict)  # post id -> [(menu_order, attachment id)]
    posts: dict = field(default_factory=dict)  # id -> PostPlan (posts and pages)
    links: dict = field(default_factory=dict)  # normalized old path -> id
    offset: object = None
    offset_assumed: bool = False  # no post_date_gmt anywhere: the portal's zone was taken
    totals: Counter = field(default_factory=Counter)
    addresses: dict = field(default_factory=dict)  # id -> new address (posts and pages)


ProgressCallback = Callable[[str, int, int], None]
# Articles per batch when storing their links ("Baca juga", previous and next) after the import.
LINKS_BATCH_SIZE = 200


def import_wordpress(
    source, *, options: WordPressImportOptions | None = None, progress: ProgressCallback | None = None
) -> ImportReport:
    """Import a WordPress export (a path or a binary file object that can be read twice); return the report.

    Raises WordPressImportError before writing anything when the file or the
    options cannot be used. Interrupted (Ctrl-C), it returns the report so far,
    with interrupted set: running it again finishes the job.
    """
    options = options or WordPressImportOptions()
    started = time.monotonic()
    _check_options(options)
    survey = _survey(source, progress)
    report = ImportReport(site=survey.source, dry_run=options.dry_run)
    if survey.offset_assumed and survey.totals["post"] + survey.totals["page"]:
        hours = survey.offset.total_seconds() / 3600
        report.warn("export", f"no post_date_gmt in the export: its dates were read as UTC{hours:+g}")
    importer = _Importer(survey, options, report, progress)
    try:
        if options.dry_run:
            # Everything is done, then undone: the counts are exactly those of a real run.
            with transaction.atomic():
                importer.run(source)
                transaction.set_rollback(True)
        else:
            # Each batch invalidates the pages it changed; they are rendered again once, at the end.
            with warming_deferred():
                importer.run(source)
    except KeyboardInterrupt:
        # Ctrl-C: the batch being written was rolled back, the ones before it stand.
        report.interrupted = True
    finally:
        report.seconds = time.monotonic() - started
    return report


def _check_options(options):
    missing = [
        slug for slug in options.section_map.values() if not Section.objects.filter(slug=slug).exists()
    ]
    if options.default_section and not Section.objects.filter(slug=options.default_section).exists():
        missing.append(options.default_section)
    if missing:
        available = ", ".join(Section.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"
        raise WordPressImportError(
            f"No section with the slug {', '.join(f'“{slug}”' for slug in missing)}; available: {available}."
        )
    if options.batch_size < 1:
        raise WordPressImportError("The batch size must be at least 1.")


def _rewind(source):
    if hasattr(source, "seek"):
        source.seek(0)
    return source


def _site_key(site):
    url = site.base_blog_url or site.link or site.base_site_url
    parts = urlsplit(url.strip())
    return (parts.netloc + parts.path).lower().rstrip("/") or "wordpress"


def _survey(source, progress):
    reader = WXRReader(_rewind(source))
    survey = Survey()
    offsets = []
    last = 0.0
    try:
        site = reader.site
        survey.reader_site = site
        survey.source = _site_key(site)
        for url in (site.link, site.base_site_url, site.base_blog_url):
            host = (urlsplit(url).hostname or "").lower()
            if host:
                survey.hosts.update({host, host.removeprefix("www."), f"www.{host.removeprefix('www.')}"})
        for record in reader.records():
            if isinstance(record, WPAuthor):
                if record.login:
                    survey.authors[record.login] = record
            elif isinstance(record, WPTerm):
                table = {"category": survey.categories, "post_tag": survey.tags, "author": survey.guest_terms}
                if record.kind in table and record.slug:
                    table[record.kind][record.slug] = record
            elif isinstance(record, WPItem):
                _survey_item(survey, record, offsets)
            now = time.monotonic()
            if progress and now - last > PROGRESS_EVERY:
                last = now
                progress("reading", reader.counts["item"], 0)
    except WXRError as error:
        raise WordPressImportError(f"The export cannot be read: {error}") from error
    survey.offset = local_offset(offsets)
    if survey.offset is None:
        # No item has both dates: site-local dates are read in the portal's own time zone.
        survey.offset = timezone.localtime().utcoffset()
        survey.offset_assumed = True
    return survey


def _survey_item(survey, item, offsets):
    post_type = item.post_type
    survey.totals[post_type] += 1
    if item.post_id is None:
        return
    if len(offsets) < 200 and item.post_date:
        if gmt := item.post_date_gmt or rss_date_gmt(item.pub_date):
            offsets.append((item.post_date, gmt))
    if post_type == "attachment":
        url = item.attachment_url or item.guid
        survey.attachments[item.post_id] = Attachment(
            id=item.post_id,
            url=url,
            alt=plain(item.meta("_wp_attachment_image_alt")),
            caption=plain(item.excerpt),
        )
        survey.attachment_meta[item.post_id] = (plain(item.title), plain(item.content), item.link)
        if item.post_parent:
            survey.attachment_parents[item.post_id] = item.post_parent
            survey.attached.setdefault(item.post_parent, []).append((item.menu_order, item.post_id))
    elif post_type == "guest-author":
        login = item.meta("cap-user_login") or item.post_name.removeprefix("cap-")
        survey.guest_profiles[login] = (
            plain(item.meta("cap-display_name")) or plain(item.title),
            plain(item.meta("cap-description")),
        )
    elif post_type in ("post", "page"):
        status, _why = post_status(item)
        published = moment(item.post_date_gmt, item.post_date, None)
        survey.posts[item.post_id] = PostPlan(
            post_type=post_type,
            status=status,
            slug=wp_slug(item.post_name) or wp_slug(plain(item.title)),  # WordPress's own fallback
            link=item.link,
            published=published,
            parent=item.post_parent,
            category=primary_category(item, survey.categories) if post_type == "post" else "",
            creator=item.creator,
        )
        for address in (item.link, item.guid):
            key = normalize_path(address) if address else ""
            if key and key != "/":
                survey.links.setdefault(key, item.post_id)
        survey.links.setdefault(f"/?{'page_id' if post_type == 'page' else 'p'}={item.post_id}", item.post_id)


def _checksum(*parts):
    digest = hashlib.sha256(MAPPING_VERSION.encode())
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()


class _Importer:
    def __init__(self, survey, options, report, progress):
        self.survey = survey
        self.options = options
        self.report = report
        self.progress = progress
        self.source = survey.source
        self.ledger = {}  # (kind, key) -> ImportedItem
        self.sections = {}  # category slug -> Section
        self.category_tags = {}  # category slug -> tag name, for categories kept as tags
        self.tags = {}  # tag slug -> Tag
        self.authors = {}  # login -> Author
        self.images = {}  # uploads path -> InlineImage (this run and before)
        self.images_by_hash = {}  # sha256 -> InlineImage
        self.new_images = []  # pks whose renditions are to be made
        self.unhomed_attachments = []  # ids of attachments whose file was not imported
        self.written = []  # articles created or updated
        self.batches = 0  # committed
        self.seen = {Kind.POST: set(), Kind.PAGE: set()}
        self.options_key = _checksum(
            sorted(options.section_map.items()),
            options.default_section,
            sorted(options.author_map.items()),
            options.permalink_structure,
        )
        self.done = 0
        self.total = survey.totals["post"] + survey.totals["attachment"] + survey.totals["page"]
        self.last_progress = 0.0
        self.started = time.monotonic()

    # --- the run ------------------------------------------------------------------------------

    def run(self, source):
        for row in ImportedItem.objects.filter(source=self.source).iterator(chunk_size=5000):
            self.ledger[(row.kind, row.key)] = row
        self._load_images()
        with self._writing():
            self._terms_import()
            self._authors_import()
        self._plan_addresses()
        pages = []
        batch = []
        for record in WXRReader(_rewind(source)).records():
            if not isinstance(record, WPItem):
                continue
            self.report.comments += record.comment_count
            if record.post_type == "page":
                pages.append(record)
            elif record.post_type in ("post", "attachment"):
                batch.append(record)
                if len(batch) >= self.options.batch_size:
                    self._batch_import(batch)
                    batch = []
            elif record.post_type != "guest-author":
                self.report.skipped_types[record.post_type] += 1
        if batch:
            self._batch_import(batch)
        if pages:
            pages.sort(key=self._page_depth)
            for start in range(0, len(pages), self.options.batch_size):
                self._batch_import(pages[start : start + self.options.batch_size])
        with self._writing():
            self._terms_redirects()
        self._report_disappeared()
        if not self.options.dry_run:
            self._links_refresh()
            if self.options.renditions:
                self._renditions_make()
        self._progress("done", force=True)

    @contextmanager
    def _writing(self):
        """One batch: a transaction, one revision, and one invalidation of the public pages on commit."""
        with transaction.atomic(), reversion.create_revision():
            yield
            if self.options.by is not None:
                reversion.set_user(self.options.by)
            reversion.set_comment(f"Imported from WordPress ({self.source}).")
            if not self.options.dry_run:
                pagecache.public_pages_changed()

    def _progress(self, phase, *, force=False, committed=False):
        if self.progress is None:
            return
        now = time.monotonic()
        if committed and not self.options.dry_run:
            # Each committed batch is news for a log: what an interrupted run keeps.
            self.progress("committed", self.batches, self.done)
        if force or now - self.last_progress >= PROGRESS_EVERY:
            self.last_progress = now
            self.progress(phase, self.done, self.total)

    # --- ledger -------------------------------------------------------------------------------

    def _ledger_get(self, kind, key):
        return self.ledger.get((kind, str(key)))

    def _ledger_set(self, kind, key, obj, *, modified="", checksum="", version=0):
        row = self.ledger.get((kind, str(key)))
        if row is None:
            row = ImportedItem(source=self.source, kind=kind, key=str(key))
            self.ledger[(kind, str(key))] = row
        row.object_id = obj.pk
        row.modified = modified or ""
        row.checksum = checksum
        row.version = version
        row.save()
        return row

    # --- terms and people ---------------------------------------------------------------------

    def _terms_import(self):
        categories = self.survey.categories
        for slug in sorted(categories, key=lambda slug: len(category_path(slug, categories))):
            self._category_import(categories[slug])
        for term in self.survey.tags.values():
            self._tag_import(term)

    def _category_import(self, term):
        options = self.options
        mapped = options.section_map.get(term.slug)
        if mapped is None and term.slug == "uncategorized" and options.default_section:
            mapped = options.default_section
        parent = self.sections.get(term.parent) if term.parent else None
        row = self._ledger_get(Kind.CATEGORY, term.slug)
        name, description = html.unescape(term.name)[:80] or term.slug, plain(term.description)
        checksum = _checksum(name, term.parent, description, mapped)
        action = "unchanged"
        section = None
        if mapped:
            section = Section.objects.get(slug=mapped)
        elif row is not None:
            section = Section.objects.filter(pk=row.object_id).first()
            if section is not None and row.checksum != checksum and section.name != name:
                section.name, section.description = name, description or section.description
                section.save(update_fields=["name", "description"])
                action = "updated"
        if section is None and parent is not None and parent.parent_id is not None:
            # Sections nest two levels deep: a third-level category joins its parent, and stays a tag.
            section = parent
            self.category_tags[term.slug] = name
        if section is None:
            # A section of the same slug is the same subject: the archive joins it.
            section = Section.objects.filter(slug=wp_slug(term.slug)).first()
        if section is None:
            section = Section.objects.create(
                name=name, slug=self._section_slug(term.slug), parent=parent, description=description
            )
            action = "created"
        self.sections[term.slug] = section
        if row is None or row.object_id != section.pk or row.checksum != checksum:
            self._ledger_set(Kind.CATEGORY, term.slug, section, checksum=checksum)
        self.report.count("category", action)

    def _section_slug(self, wp_value):
        max_length = Section._meta.get_field("slug").max_length
        base = wp_slug(wp_value)[:max_length].strip("-") or "rubrik"
        try:
            validate_section_slug(base)
        except ValidationError:
            base = f"rubrik-{base}"[:max_length]
        slug, n = base, 2
        while Section.objects.filter(slug=slug).exists():
            suffix = f"-{n}"
            slug, n = f"{base[: max_length - len(suffix)]}{suffix}", n + 1
        return slug

    def _tag_import(self, term):
        name = html.unescape(term.name).strip()[:100] or term.slug
        row = self._ledger_get(Kind.TAG, term.slug)
        tag = Tag.objects.filter(pk=row.object_id).first() if row is not None else None
        action = "unchanged"
        if tag is None:
            tag = (
                Tag.objects.filter(slug=wp_slug(term.slug)).first()
                or Tag.objects.filter(name__iexact=name).first()
            )
        if tag is None:
            tag = Tag.objects.create(name=name, slug=self._tag_slug(term.slug, name))
            action = "created"
        if row is None or row.object_id != tag.pk:
            self._ledger_set(Kind.TAG, term.slug, tag, checksum=_checksum(name))
        self.tags[term.slug] = tag
        self.report.count("tag", action)

    def _tag_slug(self, wp_value, name):
        base = wp_slug(wp_value) or wp_slug(name) or f"tag-{_checksum(name)[:8]}"
        slug, n = base[:100], 2
        while Tag.objects.filter(slug=slug).exists():
            slug, n = f"{base[:95]}-{n}", n + 1
        return slug

    def _tag_named(self, name):
        """Return the tag with this name (any case), creating it: categories kept as tags."""
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            tag = Tag(name=name[:100], slug=self._tag_slug(name, name))
            tag.save()
        return tag

    def _authors_import(self):
        people = {}
        for login, author in self.survey.authors.items():
            name = self.options.author_map.get(login) or plain(author.display_name)
            name = name or " ".join(filter(None, (author.first_name, author.last_name))) or login
            people[login] = (name, "", author.id)
        for term in self.survey.guest_terms.values():
            login = guest_author_login(term)
            if login in people:
                continue
            display, bio = self.survey.guest_profiles.get(login, ("", ""))
            name = self.options.author_map.get(login) or display or html.unescape(term.name)
            people[login] = (name, bio, None)
        for login, (display, bio) in self.survey.guest_profiles.items():
            people.setdefault(login, (self.options.author_map.get(login) or display or login, bio, None))
        for login, (name, bio, _author_id) in people.items():
            self._author_import(login, name[:120], bio)

    def _author_import(self, login, name, bio):
        row = self._ledger_get(Kind.AUTHOR, login)
        author = Author.objects.filter(pk=row.object_id).first() if row is not None else None
        checksum = _checksum(name, bio)
        action = "unchanged"
        if author is None:
            known = Author.objects.filter(name__iexact=name).exists()
            author = author_get_or_create(name=name)
            if not known:
                action = "created"
                if bio:
                    author.bio = bio
                    author.save(update_fields=["bio"])
        elif row.checksum != checksum:
            author.name, author.bio = name, bio or author.bio
            author.save(update_fields=["name", "bio"])
            action = "updated"
        if row is None or row.checksum != checksum or row.object_id != author.pk:
            self._ledger_set(Kind.AUTHOR, login, author, checksum=checksum)
        self.authors[login] = author
        self.report.count("author", action)

    def _author_for(self, login):
        if not login:
            return None
        author = self.authors.get(login)
        if author is None:
            # A dc:creator without a wp:author block (WXR 1.0 exports have none).
            author = author_get_or_create(name=self.options.author_map.get(login) or login)
            self.authors[login] = author
        return author

    # --- addresses ----------------------------------------------------------------------------

    def _plan_addresses(self):
        """Give every post and page its address here before any is written, so links between them work."""
        survey = self.survey
        taken = set()
        mine = {}  # post id -> existing object, from the ledger
        article_ids = {
            row.object_id: int(key) for (kind, key), row in self.ledger.items() if kind == Kind.POST
        }
        ids = list(article_ids)
        for start in range(0, len(ids), 2000):
            for article in Article.objects.filter(pk__in=ids[start : start + 2000]).select_related("section"):
                mine[article_ids[article.pk]] = article
        page_ids = {row.object_id: int(key) for (kind, key), row in self.ledger.items() if kind == Kind.PAGE}
        pages = {page_ids[page.pk]: page for page in Page.objects.filter(pk__in=list(page_ids))}
        self.existing_articles, self.existing_pages = mine, pages
        slugs = {}
        candidates = {}
        for post_id, plan in survey.posts.items():
            if post_id in mine or post_id in pages or plan.status is None:
                continue
            base = plan.slug or wp_slug(f"{'halaman' if plan.post_type == 'page' else 'artikel'}-{post_id}")
            candidates[post_id] = base[: (120 if plan.post_type == "page" else 200)].strip("-")
        for model, post_type in ((Article, "post"), (Page, "page")):
            wanted = [
                slug for post_id, slug in candidates.items() if survey.posts[post_id].post_type == post_type
            ]
            for start in range(0, len(wanted), 2000):
                taken.update(
                    (post_type, slug)
                    for slug in model.objects.filter(slug__in=wanted[start : start + 2000]).values_list(
                        "slug", flat=True
                    )
                )
        for post_id, base in candidates.items():
            post_type = survey.posts[post_id].post_type
            slug = base
            if (post_type, slug) in taken:
                # The WordPress ID keeps the fallback the same on every run.
                suffix = f"-{post_id}"
                slug = f"{base[: (120 if post_type == 'page' else 200) - len(suffix)]}{suffix}"
            taken.add((post_type, slug))
            slugs[post_id] = slug
        self.slugs = slugs
        for post_id, plan in survey.posts.items():
            if plan.status is None:
                continue
            if post_id in mine:
                article = mine[post_id]
                survey.addresses[post_id] = article.get_absolute_url() if article.is_published() else None
            elif post_id in pages:
                survey.addresses[post_id] = pages[post_id].get_absolute_url()
            elif plan.post_type == "post":
                if (
                    plan.status == Article.Status.PUBLISHED
                    and plan.published
                    and plan.published <= timezone.now()
                ):
                    section = self._section_for_plan(plan)
                    article = Article(section=section, slug=slugs[post_id], published_at=plan.published)
                    survey.addresses[post_id] = article.get_absolute_url()
                else:
                    survey.addresses[post_id] = None
            else:
                path = self._page_path(post_id)
                survey.addresses[post_id] = reverse("articles:page", kwargs={"path": path}) if path else None

    def _page_path(self, post_id):
        slugs, seen = [], set()
        while post_id and post_id not in seen:
            seen.add(post_id)
            plan = self.survey.posts.get(post_id)
            if plan is None or plan.post_type != "page":
                break
            existing = self.existing_pages.get(post_id)
            slug = existing.slug if existing is not None else self.slugs.get(post_id)
            if not slug:
                return ""
            slugs.append(slug)
            post_id = plan.parent
        return "/".join(reversed(slugs))

    def _page_depth(self, item):
        depth, post_id, seen = 0, item.post_parent, set()
        while post_id and post_id not in seen:
            seen.add(post_id)
            depth += 1
            plan = self.survey.posts.get(post_id)
            post_id = plan.parent if plan else None
        return depth

    def _section_for_plan(self, plan):
        section = self.sections.get(plan.category) if plan.category else None
        return section or self._default_section()

    def _default_section(self):
        if not hasattr(self, "_fallback_section"):
            slug = self.options.default_section
            section = Section.objects.filter(slug=slug).first() if slug else None
            if section is None:
                section = self.sections.get("uncategorized")
            if section is None:
                section = Section.objects.filter(slug="arsip").first()
            if section is None:
                section = Section.objects.create(name="Arsip", slug="arsip")
            self._fallback_section = section
        return self._fallback_section

    def _link_map(self, url):
        """Return the address here for a link to the old site ("" to keep it as it is)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("", "http", "https") or (host and host not in self.survey.hosts):
            return None
        if not host and not parts.path.startswith("/"):
            return None
        if "/wp-content/uploads/" in parts.path:
            # A link to a file: the library's copy of an image, else the old media host's address.
            path = self._uploads_path(url)
            image = self.images.get(path) if path else None
            return image.image.url if image is not None else None
        post_id = self.survey.links.get(normalize_path(url))
        if post_id is not None:
            address = self.survey.addresses.get(post_id)
            if address:
                return address + (f"#{parts.fragment}" if parts.fragment else "")
        # Another address of the old site: relative, so it reaches the redirects after the DNS switch.
        relative = parts.path or "/"
        if parts.query:
            relative += f"?{parts.query}"
        if parts.fragment:
            relative += f"#{parts.fragment}"
        return relative if host else None

    # --- batches ------------------------------------------------------------------------------

    def _batch_import(self, items):
        work = []
        wanted_media = {}  # uploads path -> (url, attachment id or None)
        for item in items:
            self.done += 1
            if item.post_type == "attachment":
                entry = self._attachment_plan(item)
                if entry is not None:
                    wanted_media.setdefault(entry[0], entry[1:])
                    work.append(("attachment", item, None))
                continue
            decided = self._post_decide(item)
            if decided is None:
                continue
            converted = convert_content(
                item.content,
                attachment=self.survey.attachments.get,
                link_map=self._link_map,
                attached_ids=self._attached_images(item.post_id),
            )
            work.append((item.post_type, item, converted))
            featured = item.meta("_thumbnail_id").strip()
            attachment_ids = [*converted.attachment_ids]
            if featured.isdigit():
                attachment_ids.append(int(featured))
            for group in converted.gallery_ids:
                attachment_ids.extend(group)
            for attachment_id in dict.fromkeys(attachment_ids):
                attachment = self.survey.attachments.get(attachment_id)
                if attachment is not None:
                    path = self._uploads_path(attachment.url)
                    if path:
                        wanted_media.setdefault(path, (attachment.url, attachment_id))
            for url in converted.image_urls:
                path = self._uploads_path(url)
                if path:
                    wanted_media.setdefault(path, (url, None))
        if not work:
            self._progress("importing")
            return
        fetched = self._media_fetch(wanted_media)
        with self._writing():
            self._media_store(wanted_media, fetched)
            for kind, item, converted in work:
                if kind == "attachment":
                    self._attachment_import(item)
                elif kind == "post":
                    self.written.append(self._article_write(item, converted).pk)
                else:
                    self._page_write(item, converted)
        self.batches += 1
        self._progress("importing", committed=True)

    def _uploads_path(self, url):
        if not url:
            return None
        path = uploads_path(original_image_url(url), self.survey_base_urls)
        if path is None or PurePosixPath(path).suffix.lower() not in IMAGE_EXTENSIONS:
            return None
        return path

    @property
    def survey_base_urls(self):
        if not hasattr(self, "_base_urls"):
            site = self.survey.reader_site
            hosts = sorted(self.survey.hosts)
            self._base_urls = [url for url in (site.link, site.base_site_url, site.base_blog_url) if url] + [
                f"https://{host}/" for host in hosts
            ]
        return self._base_urls

    # --- media --------------------------------------------------------------------------------

    def _load_images(self):
        """Know the files earlier runs stored: by their uploads path and by their content."""
        files = [
            (key.removeprefix("file:"), row)
            for (kind, key), row in self.ledger.items()
            if kind == Kind.ATTACHMENT and key.startswith("file:")
        ]
        pks = sorted({row.object_id for _path, row in files})
        found = {}
        for start in range(0, len(pks), 2000):
            found.update(InlineImage.objects.in_bulk(pks[start : start + 2000]))
        for path, row in files:
            image = found.get(row.object_id)
            if image is not None:
                self.images[path] = image
                if row.checksum:
                    self.images_by_hash[row.checksum] = image

    def _attachment_plan(self, item):
        """Return (uploads path, url, id) for an image attachment, or None (counted as skipped)."""
        url = item.attachment_url or item.guid
        path = self._uploads_path(url)
        if path is None:
            self.report.count("attachment", "skipped")
            self.unhomed_attachments.append(item.post_id)
            if url:
                self.report.warn(
                    f"attachment {item.post_id}", f"not an image of the site, not imported: {url}"
                )
            return None
        return path, url, item.post_id

    def _media_fetch(self, wanted):
        """Fetch the files not stored yet, outside any transaction: {path: MediaFile or MediaError}."""
        missing = {path: url for path, (url, _id) in wanted.items() if path not in self.images}
        if not missing:
            return {}
        if self.options.media is None:
            self.report.media["not fetched"] += len(missing)
            return {}
        if self.options.dry_run:
            self.report.media["to fetch"] += len(missing)
            return {}
        by_url = {url: path for path, url in missing.items()}
        results = {}
        for url, result in self.options.media.fetch_many(list(by_url)):
            results[by_url[url]] = result
        return results

    def _media_store(self, wanted, fetched):
        for path, result in fetched.items():
            url, attachment_id = wanted[path]
            label = f"attachment {attachment_id}" if attachment_id else f"image {url}"
            if isinstance(result, MediaError):
                self.report.media["missing"] += 1
                self.report.warn(label, f"missing: {result}")
                continue
            image = self._image_store(path, result.data, label)
            if image is not None:
                self.images[path] = image

    def _image_store(self, path, data, label):
        digest = hashlib.sha256(data).hexdigest()
        image = self.images_by_hash.get(digest)
        if image is None:
            row = ImportedItem.objects.filter(
                source=self.source, kind=Kind.ATTACHMENT, checksum=digest
            ).first()
            if row is not None:
                image = InlineImage.objects.filter(pk=row.object_id).first()
        if image is not None:
            # The same file under two names (or two attachments): stored once.
            self.report.media["reused"] += 1
            self._ledger_set(Kind.ATTACHMENT, f"file:{path}", image, checksum=digest)
            return image
        upload = ContentFile(data, name=PurePosixPath(path).name)
        try:
            image_format = check_image_upload(upload)
        except ValidationError as error:
            self.report.media["missing"] += 1
            self.report.warn(label, f"refused: {' '.join(error.messages)}")
            return None
        folder = PurePosixPath(path).parent
        folder = str(folder) if re.fullmatch(r"\d{4}/\d{2}", str(folder)) else f"{timezone.now():%Y/%m}"
        stem = re.sub(r"[^a-z0-9-]+", "-", PurePosixPath(path).stem.lower()).strip("-")[:40] or "gambar"
        # Named by content: a run interrupted after storing the file finds it again, not a copy.
        name = f"library/{folder}/{stem}-{digest[:12]}.{ALLOWED_FORMATS[image_format]}"
        if not default_storage.exists(name):
            name = default_storage.save(name, upload)
        image = InlineImage(image=name, uploaded_by=self.options.by)
        image.width, image.height = image.image.width, image.image.height
        image.save()
        self.images_by_hash[digest] = image
        self.new_images.append(image.pk)
        self.report.media["fetched"] += 1
        self._ledger_set(Kind.ATTACHMENT, f"file:{path}", image, checksum=digest)
        return image

    def _attachment_image(self, attachment_id):
        attachment = self.survey.attachments.get(attachment_id)
        if attachment is None:
            return None, None
        path = self._uploads_path(attachment.url)
        return attachment, (self.images.get(path) if path else None)

    def _attached_images(self, post_id):
        """Return the ids of the images uploaded to a post, in WordPress's gallery order."""
        ids = []
        for _order, attachment_id in sorted(self.survey.attached.get(post_id, ())):
            attachment = self.survey.attachments.get(attachment_id)
            if attachment is not None and self._uploads_path(attachment.url) is not None:
                ids.append(attachment_id)
        return ids

    def _attachment_import(self, item):
        attachment, image = self._attachment_image(item.post_id)
        if image is None:
            self.report.count("attachment", "skipped")
            self.unhomed_attachments.append(item.post_id)
            return
        title, description, link = self.survey.attachment_meta.get(item.post_id, ("", "", ""))
        checksum = _checksum(attachment.alt, attachment.caption, description, image.pk)
        row = self._ledger_get(Kind.ATTACHMENT, item.post_id)
        if row is not None and row.checksum == checksum and row.object_id == image.pk:
            self.report.count("attachment", "unchanged")
            return
        changed = False
        for field_name, value in (
            ("alt_text", attachment.alt[:250]),
            ("caption", attachment.caption[:300]),
            ("description", description),
        ):
            # An editor's text in the library wins over an empty one from the export.
            if value and getattr(image, field_name) != value:
                setattr(image, field_name, value)
                changed = True
        if changed:
            image.save()
        self._ledger_set(Kind.ATTACHMENT, item.post_id, image, checksum=checksum)
        self.report.count("attachment", "updated" if row is not None else "created")
        addresses = [attachment.url, f"/?attachment_id={item.post_id}"]
        if link and link != attachment.url:
            addresses.append(link)
        self._redirects(addresses, image)

    # --- posts --------------------------------------------------------------------------------

    def _post_decide(self, item):
        """Return "create" or "update" for a post or page to write, or None (counted) to leave it."""
        kind = Kind.POST if item.post_type == "post" else Kind.PAGE
        report_kind = item.post_type
        label = f"{item.post_type} {item.post_id}"
        if item.post_id is None:
            self.report.count(report_kind, "skipped")
            self.report.warn(label, "no wp:post_id, not imported")
            return None
        self.seen[kind].add(str(item.post_id))
        status, why = post_status(item)
        if item.post_type == "page" and status not in (None, Article.Status.PUBLISHED):
            status, why = (
                None,
                f"status “{item.status}”: static pages here have no drafts, only published ones",
            )
        if status is None:
            self.report.count(report_kind, "skipped")
            self.report.warn(label, why)
            return None
        modified = item.post_modified_gmt or item.post_modified or ""
        if self.options.since is not None:
            when = moment(item.post_modified_gmt, item.post_modified, self.survey.offset) or moment(
                item.post_date_gmt, item.post_date, self.survey.offset
            )
            if when is not None and when < self.options.since:
                self.report.count(report_kind, "skipped")
                return None
        item_checksum = self._item_checksum(item)
        row = self._ledger_get(kind, item.post_id)
        if row is None:
            return "create"
        if row.checksum == item_checksum:
            self.report.count(report_kind, "unchanged")
            return None
        if modified and row.modified and modified < row.modified:
            self.report.count(report_kind, "skipped")
            self.report.warn(label, f"older ({modified}) than what was imported ({row.modified}); left alone")
            return None
        existing = (self.existing_articles if kind == Kind.POST else self.existing_pages).get(item.post_id)
        if existing is None and not self.options.overwrite:
            self.report.count(report_kind, "conflict")
            self.report.warn(
                label, "deleted here since it was imported; left alone (--overwrite brings it back)"
            )
            return None
        if existing is not None and self._edited_here(kind, existing, row) and not self.options.overwrite:
            self.report.count(report_kind, "conflict")
            self.report.warn(
                label,
                f"changed here since it was imported ({self._object_label(existing)}); "
                "left alone (--overwrite replaces it with the export's)",
            )
            return None
        return "update"

    def _edited_here(self, kind, existing, row):
        if kind == Kind.POST:
            current = Article.objects.filter(pk=existing.pk).values_list("version", flat=True).first()
            return current is not None and current != row.version
        current = Page.objects.filter(pk=existing.pk).values_list("modified_at", flat=True).first()
        return current is not None and current > row.imported_at

    def _object_label(self, obj):
        return obj.get_absolute_url() if isinstance(obj, Page) else f"article {obj.pk}"

    def _item_checksum(self, item):
        return _checksum(
            self.options_key,
            item.title,
            item.content,
            item.excerpt,
            item.status,
            item.password,
            item.post_date,
            item.post_date_gmt,
            item.post_modified_gmt,
            item.post_name,
            item.post_parent,
            item.is_sticky,
            item.creator,
            item.link,
            sorted(item.categories),
            sorted((key, values) for key, values in item.postmeta.items() if not key.startswith("_edit_")),
        )

    def _body_images(self, body, label):
        """Point the body's images at the library's copies (and give them the library's alt text)."""

        def replace(match):
            tag = match.group(0)
            source = SRC_RE.search(tag)
            if source is None:
                return tag
            path = self._uploads_path(html.unescape(source.group(1)))
            image = self.images.get(path) if path else None
            if image is None:
                return tag
            tag = tag.replace(source.group(0), f'src="{html.escape(image.image.url)}"', 1)
            alt = ALT_RE.search(tag)
            if image.alt_text and (alt is None or not alt.group(1).strip()):
                text = f'alt="{html.escape(image.alt_text)}"'
                tag = tag.replace(alt.group(0), text, 1) if alt else tag.replace("<img", f"<img {text}", 1)
            return tag

        return IMG_TAG_RE.sub(replace, body)

    def _article_write(self, item, converted):
        label = f"post {item.post_id}"
        existing = self.existing_articles.get(item.post_id)
        action = "update" if existing is not None else "create"
        article = (
            Article.objects.select_for_update().filter(pk=existing.pk).first()
            if existing is not None
            else None
        )
        if article is None:
            action = "create"
            article = Article(
                slug=self.slugs.get(item.post_id) or f"artikel-{item.post_id}", created_by=self.options.by
            )
        for warning in converted.warnings:
            self.report.warn(label, warning)
        status, _why = post_status(item)
        plan = self.survey.posts[item.post_id]
        title = plain(item.title)
        if not title:
            title = "Tanpa judul"
            self.report.warn(label, "no title in the export; “Tanpa judul” given")
        if len(title) > 200:
            self.report.warn(label, "title longer than 200 characters, shortened")
        article.headline = title[:200]
        article.dek = plain(item.excerpt)
        article.body = self._body_images(converted.html, label)
        article.section = self._section_for_plan(plan)
        seo_title, seo_description = seo_fields(
            item, site_title=plain(self.survey.reader_site.title), title=title
        )
        article.seo_title = seo_title[: Article._meta.get_field("seo_title").max_length]
        article.seo_description = seo_description[: Article._meta.get_field("seo_description").max_length]
        article.is_pinned = item.is_sticky
        published = moment(item.post_date_gmt, item.post_date, self.survey.offset)
        modified = moment(item.post_modified_gmt, item.post_modified, self.survey.offset)
        previous_status = article.status if article.pk else None
        if status == Article.Status.PUBLISHED:
            if published is None:
                self.report.warn(label, "published without a date; given the time of the import")
            article.status = status
            article.published_at = published or timezone.now()
            if article.first_published_at is None or article.first_published_at > article.published_at:
                article.first_published_at = article.published_at
            article.updated_at = modified if modified and modified > article.published_at else None
        else:
            if (
                previous_status in (Article.Status.PUBLISHED, Article.Status.WITHDRAWN)
                and article.was_public()
            ):
                # Readers saw it: WordPress took it down, so it is unpublished here, not a draft again.
                article.status = Article.Status.UNPUBLISHED
            else:
                article.status = status
                article.first_published_at = None
            article.published_at = None
            article.updated_at = None
        self._lead_image_apply(article, item, label)
        if article.pk:
            article.version += 1
            article.last_edited_by = self.options.by
        article.save()
        self._credits_write(article, item)
        self._tags_write(article, item)
        old_slugs = [wp_slug(value) for value in item.postmeta.get("_wp_old_slug", [])]
        old_slugs = [slug for slug in dict.fromkeys(old_slugs) if slug and slug != article.slug]
        for slug in old_slugs:
            if not Article.objects.filter(slug=slug).exists():
                ArticleOldSlug.objects.get_or_create(slug=slug, defaults={"article": article})
        self._embeds_register(article.body)
        self.existing_articles[item.post_id] = article
        self._ledger_set(
            Kind.POST,
            item.post_id,
            article,
            modified=item.post_modified_gmt or item.post_modified or "",
            checksum=self._item_checksum(item),
            version=article.version,
        )
        self.report.count("post", "created" if action == "create" else "updated")
        self._redirects(self._post_addresses(item, plan, old_slugs), article)
        return article

    def _lead_image_apply(self, article, item, label):
        featured = item.meta("_thumbnail_id").strip()
        if not featured.isdigit():
            return
        attachment, image = self._attachment_image(int(featured))
        if image is None:
            if attachment is None:
                self.report.warn(label, f"featured image {featured} is not in the export")
            elif self.options.media is not None:
                self.report.warn(label, f"featured image {featured} could not be had ({attachment.url})")
            return
        alt = attachment.alt or image.alt_text
        if not alt:
            self.report.warn(label, f"featured image {featured} has no alt text; describe it in the admin")
        if article.lead_image.name != image.image.name:
            article.lead_image = image.image.name
            # The library's renditions are the lead image's too (same file, same focal point).
            article.lead_image_renditions = image.renditions or {}
        article.lead_image_alt = alt[:250]
        article.lead_image_caption = (attachment.caption or image.caption)[:300]
        article.lead_image_focal_x, article.lead_image_focal_y = image.focal_x, image.focal_y

    def _credits_write(self, article, item):
        logins = [item.creator] if item.creator else []
        for domain, nicename, name in item.categories:
            if domain == "author":
                term = self.survey.guest_terms.get(nicename)
                logins.append(guest_author_login(term) if term else nicename.removeprefix("cap-") or name)
        authors = []
        for login in dict.fromkeys(logins):
            author = self._author_for(login)
            if author is not None and author not in authors:
                authors.append(author)
        Credit.objects.filter(article=article).delete()
        Credit.objects.bulk_create(
            Credit(article=article, author=author, role=Credit.Role.WRITER, position=position)
            for position, author in enumerate(authors)
        )

    def _tags_write(self, article, item):
        primary = self.survey.posts[item.post_id].category
        tags = {}
        for domain, nicename, name in item.categories:
            tag = None
            if domain == "post_tag":
                tag = self.tags.get(nicename) or self._tag_named(html.unescape(name) or nicename)
                self.tags.setdefault(nicename, tag)
            elif domain == "category" and nicename != primary and nicename != "uncategorized":
                # The other categories stay findable as tags.
                term = self.survey.categories.get(nicename)
                tag = self._tag_named(html.unescape(term.name if term else name) or nicename)
            elif domain == "category" and nicename in self.category_tags:
                tag = self._tag_named(self.category_tags[nicename])
            if tag is not None:
                tags[tag.pk] = tag
        TaggedArticle.objects.filter(content_object=article).delete()
        TaggedArticle.objects.bulk_create(
            TaggedArticle(content_object=article, tag=tag) for tag in tags.values()
        )

    def _embeds_register(self, body):
        """Make the Embed rows of the body's embeds without asking their providers (no network here)."""
        for ref in embed_refs(sanitize_body(body)):
            Embed.objects.get_or_create(url=ref.url, defaults={"provider": ref.provider.key})

    def _post_addresses(self, item, plan, old_slugs):
        addresses = [item.link, f"/?p={item.post_id}"]
        if item.guid and "?p=" in item.guid:
            addresses.append(item.guid)
        slug = wp_slug(item.post_name)
        addresses.extend(old_slug_paths(item.link, slug=item.post_name, old_slugs=old_slugs))
        structure = self.options.permalink_structure
        if structure:
            published = moment(item.post_date_gmt, item.post_date, self.survey.offset)
            if published is not None:
                local = local_time(published, self.survey.offset)
                category = (
                    "/".join(category_path(plan.category, self.survey.categories)) if plan.category else ""
                )
                for name in dict.fromkeys([slug, *old_slugs]):
                    if name:
                        addresses.append(
                            permalink_path(
                                structure,
                                post_id=item.post_id,
                                slug=name,
                                published=local,
                                category=category,
                                author=author_nicename(item.creator),
                            )
                        )
        return addresses

    def _page_write(self, item, converted):
        label = f"page {item.post_id}"
        for warning in converted.warnings:
            self.report.warn(label, warning)
        page = self.existing_pages.get(item.post_id)
        page = Page.objects.filter(pk=page.pk).first() if page is not None else None
        action = "updated" if page is not None else "created"
        if page is None:
            page = Page(slug=self.slugs.get(item.post_id) or f"halaman-{item.post_id}", is_in_footer=False)
        page.title = (plain(item.title) or "Tanpa judul")[:120]
        page.body = self._body_images(converted.html, label)
        page.position = min(max(item.menu_order, 0), 32767)
        parent = None
        if item.post_parent:
            row = self._ledger_get(Kind.PAGE, item.post_parent)
            parent = Page.objects.filter(pk=row.object_id).first() if row is not None else None
        page.parent = parent if parent is not None and parent.pk != page.pk else None
        page.save()
        self.existing_pages[item.post_id] = page
        row = self._ledger_set(
            Kind.PAGE,
            item.post_id,
            page,
            modified=item.post_modified_gmt or item.post_modified or "",
            checksum=self._item_checksum(item),
        )
        # The page's own save stamped modified_at; the ledger is written after it, so it is not "edited here".
        self.report.count("page", action)
        addresses = [item.link, f"/?page_id={item.post_id}"]
        wp_path = self._wp_page_path(item)
        if wp_path:
            addresses.append(f"/{wp_path}/")
        self._redirects(addresses, page)
        return row

    def _wp_page_path(self, item):
        slugs, post_id, seen = [item.post_name], item.post_parent, set()
        while post_id and post_id not in seen:
            seen.add(post_id)
            plan = self.survey.posts.get(post_id)
            if plan is None:
                break
            slugs.append(plan.slug)
            post_id = plan.parent
        return "/".join(reversed([slug for slug in slugs if slug]))

    # --- terms' addresses, at the end of the first batch ----------------------------------------

    def _redirects(self, addresses, target):
        if self.options.dry_run:
            self.report.redirects["created"] += len(
                {normalize_path(address) for address in addresses if address}
            )
            return
        counts = redirects_record(self.source, [(address, target) for address in addresses if address])
        for key in ("created", "updated", "unchanged"):
            self.report.redirects[key] += counts.get(key, 0)
        self.report.redirects["conflicts"] += len(counts.get("conflicts", ()))

    def _terms_redirects(self):
        categories = self.survey.categories
        for slug, section in self.sections.items():
            term = categories[slug]
            addresses = {f"/category/{'/'.join(category_path(slug, categories))}/", f"/category/{slug}/"}
            if term.term_id:
                addresses.add(f"/?cat={term.term_id}")
            self._redirects(sorted(addresses), section)
        for slug, tag in self.tags.items():
            self._redirects([f"/tag/{slug}/", f"/?tag={slug}"], tag)
        for login, author in self.authors.items():
            addresses = [f"/author/{author_nicename(login)}/"]
            person = self.survey.authors.get(login)
            if person is not None and person.id:
                addresses.append(f"/?author={person.id}")
            self._redirects(addresses, author)
        self._attachment_pages_redirects()

    def _attachment_pages_redirects(self):
        """Lead the pages of attachments whose file stayed behind to the post they belong to."""
        parents = {}
        for attachment_id in self.unhomed_attachments:
            parent = self.survey.attachment_parents.get(attachment_id)
            plan = self.survey.posts.get(parent)
            if plan is None:
                continue
            kind = Kind.POST if plan.post_type == "post" else Kind.PAGE
            row = self._ledger_get(kind, parent)
            if row is not None and row.object_id:
                parents.setdefault((kind, row.object_id), []).append(attachment_id)
        models = {Kind.POST: Article, Kind.PAGE: Page}
        for kind, model in models.items():
            pks = [pk for (each, pk) in parents if each == kind]
            for target in model.objects.filter(pk__in=pks):
                for attachment_id in parents[(kind, target.pk)]:
                    link = self.survey.attachment_meta.get(attachment_id, ("", "", ""))[2]
                    self._redirects([link, f"/?attachment_id={attachment_id}"], target)

    # --- the end ------------------------------------------------------------------------------

    def _report_disappeared(self):
        for kind, name in ((Kind.POST, "post"), (Kind.PAGE, "page")):
            gone = sorted(
                (key for (row_kind, key) in self.ledger if row_kind == kind and key not in self.seen[kind]),
                key=lambda key: int(key) if key.isdigit() else 0,
            )
            if gone:
                self.report.disappeared[name] = gone

    def _links_refresh(self):
        """Store the links (older/newer, related) of the written articles and of their neighbours."""
        if not self.written:
            return
        neighbours = neighbour_table()
        stale = set(self.written)
        for pk in self.written:
            stale.update(other for other in neighbours.get(pk, ()) if other)
        stale = sorted(stale)
        for start in range(0, len(stale), 2000):
            Article.objects.filter(pk__in=stale[start : start + 2000]).update(links=None)
        # Thousands of rows arrived since the planner last looked: ranking "Baca juga" on its
        # stale statistics took more than twice as long (124 against 52 ms an article at 10,000).
        vacuum([Article, TaggedArticle, Redirect, ImportedItem, InlineImage])
        self.total = Article.objects.published().filter(links__isnull=True).count()
        self.done = 0
        self._progress("links", force=True)  # the phase's clock starts here, for its rate
        jobs = self._jobs()
        if jobs == 1:
            backfill_links(LINKS_BATCH_SIZE, progress=self._links_progress)
        else:
            # Ranking "Baca juga" is most of an import's time: shared among processes, as
            # `manage.py precompute_articles --jobs` does.
            connection.close()  # the children open their own
            self.done = backfill_links_shared(LINKS_BATCH_SIZE, jobs)
            self._progress("links")

    def _jobs(self):
        """Return how many processes may share the work at the end: options.jobs, or 1 where they cannot.

        SQLite has one writer (processes would wait on each other's locks), and
        in a transaction (a caller's, a test's) other processes would not see the rows.
        """
        if connection.vendor == "sqlite" or connection.in_atomic_block:
            return 1
        return max(1, self.options.jobs)

    def _links_progress(self, message):
        # backfill_links reports after each batch of LINKS_BATCH_SIZE articles.
        self.done = min(self.total, self.done + LINKS_BATCH_SIZE)
        self._progress("links")

    def _renditions_make(self):
        pending = [
            pk
            for pk, name, renditions, focal_x, focal_y in InlineImage.objects.filter(
                pk__in=self.new_images
            ).values_list("pk", "image", "renditions", "focal_x", "focal_y")
            if not renditions_current(renditions, name, (focal_x, focal_y))
        ]
        if not pending:
            return
        self.total, self.done = len(pending), 0
        self._progress("renditions", force=True)
        jobs = self._jobs()
        if jobs == 1:
            for pk in pending:
                self.report.renditions += image_renditions(pk)
                self.done += 1
                self._progress("renditions")
        else:
            connection.close()  # the children open their own
            with process_pool(jobs) as pool:
                for made in pool.map(image_renditions, pending, chunksize=4):
                    self.report.renditions += made
                    self.done += 1
                    self._progress("renditions")
        pagecache.invalidate_public_pages()


def image_renditions(pk):
    """Make a library image's renditions and give them to the articles leading with it; 1 if made."""
    made = library_image_renditions.call(pk)
    image = InlineImage.objects.filter(pk=pk).values("image", "renditions", "focal_x", "focal_y").first()
    if image and image["renditions"]:
        Article.objects.filter(
            lead_image=image["image"],
            lead_image_focal_x=image["focal_x"],
            lead_image_focal_y=image["focal_y"],
        ).update(lead_image_renditions=image["renditions"])
    return int(bool(made))
