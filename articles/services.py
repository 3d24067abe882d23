"""Actions with side effects on articles. Admin, commands and the importer call these.

Every write runs in one transaction and one revision (django-reversion), so
each save keeps a version with who made it and why, and takes the optimistic
lock: a save based on an older version number is refused with ArticleConflict.
"""

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

import reversion
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from reversion.models import Version

from .caching import public_pages_changed
from .html import carry_heading_ids, normalize_headings
from .images import renditions_create
from .importers import ImportFileError, ParsedArticle, decode_article_file, parse_article
from .models import (
    Article,
    ArticleOldSlug,
    ArticleReadCount,
    Author,
    Credit,
    InlineImage,
    Section,
    new_preview_nonce,
)

PUBLISH_PERMISSION = "articles.publish_article"
# The article fields a restored version brings back; status and publication times stay as they are.
RESTORABLE_FIELDS = (
    "kicker", "headline", "dek", "body", "lead_image", "lead_image_alt", "lead_image_caption",
    "lead_image_credit", "seo_title", "seo_description", "canonical_url", "show_toc", "is_advertorial",
)  # fmt: skip


class ArticleConflict(Exception):
    """Someone else saved the article after this edit started; nothing was written."""

    def __init__(self, article: Article, *, expected_version: int | None):
        self.article = article
        self.expected_version = expected_version
        super().__init__(f"article {article.pk} changed since version {expected_version}")


class WorkflowError(ValueError):
    """The article's state does not allow this step; the message says why."""


def article_record_publication(*, article: Article) -> Article:
    """Stamp first publication once; later publications keep the first date.

    A first publication still in the future (scheduled, never yet seen)
    follows the publish time when the article is rescheduled.
    """
    if article.status == Article.Status.PUBLISHED:
        if article.published_at is None:
            article.published_at = timezone.now()
        if article.first_published_at is None or (
            article.first_published_at > timezone.now() and article.published_at != article.first_published_at
        ):
            article.first_published_at = article.published_at
    return article


def _require_publisher(by):
    # None is the system itself: commands, the importer, data migrations.
    if by is not None and not by.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(_("Only editors may publish, schedule, unpublish or withdraw articles."))


def _was_public(article):
    return article.first_published_at is not None and article.first_published_at <= timezone.now()


def _article_write(*, article, by, expected_version, comment, mark_as_update=False):
    """Save article as one new version; the heart of every service below."""
    with transaction.atomic(), reversion.create_revision():
        previous = None
        if article.pk:
            previous = (
                Article.objects.select_for_update()
                .filter(pk=article.pk)
                .values("version", "slug", "body", "first_published_at")
                .first()
            )
        if previous is not None:
            base = previous["version"] if expected_version is None else expected_version
            # A conditional UPDATE is atomic on every database, SQLite included.
            if not Article.objects.filter(pk=article.pk, version=base).update(version=base + 1):
                raise ArticleConflict(article, expected_version=expected_version)
            article.version = base + 1
            article.body = carry_heading_ids(normalize_headings(article.body), previous["body"])
            first_published = previous["first_published_at"]
            if previous["slug"] != article.slug and first_published and first_published <= timezone.now():
                # Readers and search engines know the old address: keep it answering.
                ArticleOldSlug.objects.update_or_create(slug=previous["slug"], defaults={"article": article})
        elif by is not None and article.created_by_id is None:
            article.created_by = by
        article_record_publication(article=article)
        if mark_as_update and article.status == Article.Status.PUBLISHED and _was_public(article):
            article.updated_at = timezone.now()
        if by is not None:
            article.last_edited_by = by
        article.save()
        # The live slug always wins over an old one another article gave up.
        ArticleOldSlug.objects.filter(slug=article.slug).delete()
        image_name = article.lead_image.name if article.lead_image else ""
        if image_name != article.lead_image_renditions.get("source", ""):
            article.lead_image_renditions = renditions_create(image_name) if image_name else {}
            article.save(update_fields=["lead_image_renditions"])
        if by is not None:
            reversion.set_user(by)
        if comment:
            reversion.set_comment(comment)
        public_pages_changed()
    return article


def article_save(
    *,
    article: Article,
    by: AbstractBaseUser | None = None,
    expected_version: int | None = None,
    mark_as_update: bool = False,
    comment: str = "",
) -> Article:
    """Save an edit; with mark_as_update on a published article, readers see "Diperbarui"."""
    return _article_write(
        article=article,
        by=by,
        expected_version=expected_version,
        comment=comment or _("Saved."),
        mark_as_update=mark_as_update,
    )


def article_submit(
    *, article: Article, by: AbstractBaseUser | None, expected_version: int | None = None
) -> Article:
    """Send a draft to the editors for review ("Kirim ke redaksi")."""
    if article.status != Article.Status.DRAFT:
        raise WorkflowError(_("Only a draft can be sent to the editors."))
    if by is not None and not (by.has_perm(PUBLISH_PERMISSION) or article.is_owned_by(by) or not article.pk):
        raise PermissionDenied(_("Writers may only send their own drafts."))
    article.status = Article.Status.REVIEW
    return _article_write(
        article=article, by=by, expected_version=expected_version, comment=_("Sent to the editors.")
    )


def article_return(
    *, article: Article, by: AbstractBaseUser | None, expected_version: int | None = None
) -> Article:
    """Give an article in review back to its writer as a draft."""
    _require_publisher(by)
    if article.status != Article.Status.REVIEW:
        raise WorkflowError(_("Only an article in review can be returned to its writer."))
    article.status = Article.Status.DRAFT
    return _article_write(
        article=article, by=by, expected_version=expected_version, comment=_("Returned to the writer.")
    )


def article_publish(
    *,
    article: Article,
    by: AbstractBaseUser | None,
    expected_version: int | None = None,
    mark_as_update: bool = False,
) -> Article:
    """Publish now ("Terbitkan"): a missing or future publish time becomes now; a past one is kept."""
    _require_publisher(by)
    if article.is_published():
        raise WorkflowError(_("The article is already published."))
    now = timezone.now()
    if article.published_at is None or article.published_at > now:
        article.published_at = now
    article.status = Article.Status.PUBLISHED
    article.withdrawn_reason = ""
    return _article_write(
        article=article,
        by=by,
        expected_version=expected_version,
        comment=_("Published."),
        mark_as_update=mark_as_update,
    )


def article_schedule(
    *,
    article: Article,
    by: AbstractBaseUser | None,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Article:
    """Schedule publication ("Jadwalkan"): readers see the article from `at` on, with no cron job."""
    _require_publisher(by)
    at = at or article.published_at
    if at is None or at <= timezone.now():
        raise WorkflowError(_("Choose a publish time in the future to schedule the article."))
    if article.is_published():
        raise WorkflowError(_("The article is already live; unpublish it first to schedule it again."))
    article.published_at = at
    article.status = Article.Status.PUBLISHED
    article.withdrawn_reason = ""
    local = timezone.localtime(at)
    return _article_write(
        article=article,
        by=by,
        expected_version=expected_version,
        comment=_("Scheduled for %(time)s.") % {"time": f"{local:%Y-%m-%d %H:%M}"},
    )


def article_unpublish(
    *, article: Article, by: AbstractBaseUser | None, expected_version: int | None = None
) -> Article:
    """Take a published or scheduled article off the site ("Tarik"); its publish time is kept."""
    _require_publisher(by)
    if article.status != Article.Status.PUBLISHED:
        raise WorkflowError(_("Only a published or scheduled article can be unpublished."))
    article.status = Article.Status.UNPUBLISHED
    return _article_write(
        article=article, by=by, expected_version=expected_version, comment=_("Unpublished.")
    )


def article_withdraw(
    *,
    article: Article,
    by: AbstractBaseUser | None,
    reason: str | None = None,
    expected_version: int | None = None,
) -> Article:
    """Withdraw a published article ("Cabut"): its address answers 410 with the reason."""
    _require_publisher(by)
    reason = (reason if reason is not None else article.withdrawn_reason).strip()
    if not reason:
        raise WorkflowError(_("Tell readers why the article was withdrawn."))
    if not _was_public(article):
        raise WorkflowError(_("Only an article readers have seen can be withdrawn; unpublish it instead."))
    article.status = Article.Status.WITHDRAWN
    article.withdrawn_reason = reason
    return _article_write(
        article=article,
        by=by,
        expected_version=expected_version,
        comment=_("Withdrawn: %(reason)s") % {"reason": reason},
    )


def article_set_featured(*, article: Article, by: AbstractBaseUser | None, featured: bool = True) -> Article:
    _require_publisher(by)
    article.is_featured = featured
    return _article_write(
        article=article,
        by=by,
        expected_version=None,
        comment=_("Featured.") if featured else _("No longer featured."),
    )


def article_mark_updated(*, article: Article, by: AbstractBaseUser | None) -> Article:
    """Move the reader-visible "Diperbarui" time to now (e.g. a correction was added)."""
    if article.status == Article.Status.PUBLISHED and _was_public(article):
        article.updated_at = timezone.now()
        with transaction.atomic(), reversion.create_revision():
            article.save(update_fields=["updated_at"])
            if by is not None:
                reversion.set_user(by)
            public_pages_changed()
    return article


@transaction.atomic
def article_preview_revoke(*, article: Article, by: AbstractBaseUser | None) -> Article:
    """Invalidate every shared preview link given out for this article so far."""
    article.preview_nonce = new_preview_nonce()
    Article.objects.filter(pk=article.pk).update(preview_nonce=article.preview_nonce)
    return article


def article_restore_version(
    *, article: Article, version: Version, by: AbstractBaseUser | None, expected_version: int | None = None
) -> Article:
    """Bring back the text of an old version as a new version; nothing in between is lost."""
    if int(version.object_id) != article.pk or version.content_type.model_class() is not Article:
        raise WorkflowError(_("That version belongs to another article."))
    fields = version.field_dict
    for name in RESTORABLE_FIELDS:
        if name in fields:
            setattr(article, name, fields[name])
    when = timezone.localtime(version.revision.date_created)
    return _article_write(
        article=article,
        by=by,
        expected_version=expected_version,
        comment=_("Restored the version of %(time)s.") % {"time": f"{when:%Y-%m-%d %H:%M}"},
    )


@transaction.atomic
def inline_image_save(*, image: InlineImage, by: AbstractBaseUser | None = None) -> InlineImage:
    """Store a library image (its upload already checked) and make its renditions once."""
    if image.uploaded_by_id is None and by is not None:
        image.uploaded_by = by
    image.save()
    if image.renditions.get("source") != image.image.name:
        image.renditions = renditions_create(image.image.name)
        image.width = image.renditions.get("width", 0)
        image.height = image.renditions.get("height", 0)
        image.save(update_fields=["renditions", "width", "height"])
    return image


# --- Import of plain-text articles (SPEC 5, "Import") ----------------------------

IMPORT_STATUSES = (Article.Status.DRAFT, Article.Status.REVIEW, Article.Status.PUBLISHED)


@dataclass(frozen=True)
class ImportResult:
    path: str
    article: Article
    action: str  # "created", "updated" or "unchanged"
    stripped_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class _PendingImport:
    path: str
    parsed: ParsedArticle
    slug: str
    checksum: str


def import_article_files(
    paths: Iterable[str | os.PathLike],
    *,
    section: Section,
    tags: Iterable[str] = (),
    authors: Iterable[str] = (),
    status: str | None = None,
    publish_at: datetime | None = None,
    by: AbstractBaseUser | None = None,
    stdout: TextIO | None = None,
) -> list[ImportResult]:
    """Import plain-text article files, all or none; raise ImportFileError naming the first bad file.

    See import_article_data(); this reads the files first.
    """
    files = [(path, _read_article_file(path)) for path in dict.fromkeys(os.fspath(path) for path in paths)]
    return import_article_data(
        files,
        section=section,
        tags=tags,
        authors=authors,
        status=status,
        publish_at=publish_at,
        by=by,
        stdout=stdout,
    )


def import_article_data(
    files: Iterable[tuple[str, bytes]],
    *,
    section: Section,
    tags: Iterable[str] = (),
    authors: Iterable[str] = (),
    status: str | None = None,
    publish_at: datetime | None = None,
    by: AbstractBaseUser | None = None,
    stdout: TextIO | None = None,
) -> list[ImportResult]:
    """Import plain-text articles given as (name, bytes), all or none; raise ImportFileError on a bad one.

    Every file is read and parsed before anything is written, then one
    transaction writes them all, as one revision. An unchanged file (same
    checksum) changes nothing. authors replace the files' writer and reporter
    credits. status None makes new articles drafts and leaves re-imported
    ones as they are; no tags leaves a re-imported article's tags alone. A
    naive publish_at is in the site's time zone. Publishing needs `by` to be
    an editor (None is the command line).
    """
    if status is not None and status not in IMPORT_STATUSES:
        raise ValueError(f"status must be one of {', '.join(IMPORT_STATUSES)}, not {status!r}")
    if status == Article.Status.PUBLISHED:
        _require_publisher(by)
    if publish_at is not None and timezone.is_naive(publish_at):
        publish_at = timezone.make_aware(publish_at)
    tag_names = list({name.casefold(): name for name in (tag.strip() for tag in tags) if name}.values())
    author_names = [name for name in (author.strip() for author in authors) if name]

    pending = _pending_imports(files)
    authors_by_name = {}
    try:
        with transaction.atomic(), reversion.create_revision():
            results = [
                _article_import(
                    item=item,
                    section=section,
                    tag_names=tag_names,
                    author_names=author_names,
                    status=status,
                    publish_at=publish_at,
                    authors_by_name=authors_by_name,
                    by=by,
                )
                for item in pending
            ]
            if by is not None:
                reversion.set_user(by)
            reversion.set_comment(
                _("Imported from %(files)s.")
                % {"files": ", ".join(os.path.basename(item.path) for item in pending)}
            )
            public_pages_changed()
    except IntegrityError as error:
        # Another import or an editor took the same slug between our check and our write.
        raise ImportFileError(
            _("The import met a concurrent change and nothing was imported; run it again. (%(error)s)")
            % {"error": error}
        ) from error

    if stdout is not None:
        for result in results:
            article = result.article
            stdout.write(f"{result.action}: {article.headline} -> {article.get_absolute_url()}\n")
    return results


@dataclass(frozen=True)
class ImportPreview:
    """What importing one file would do, shown to the editor before anything is saved."""

    name: str
    parsed: ParsedArticle | None = None
    slug: str = ""
    action: str = ""  # "created", "updated", "unchanged" or "" with an error
    existing: Article | None = None
    error: str = ""

    @property
    def subheadings(self):
        from .html import article_outline, sanitize_body

        return [text for _level, _id, text in article_outline(sanitize_body(self.parsed.body_html))]


def import_article_preview(files: Iterable[tuple[str, bytes]]) -> list[ImportPreview]:
    """Return, per file, the parsed result and what importing it would do; writes nothing."""
    previews, seen = [], {}
    for name, data in files:
        try:
            parsed = parse_article(decode_article_file(data, name=name), name=name)
        except ImportFileError as error:
            previews.append(ImportPreview(name=name, error=str(error)))
            continue
        slug = article_import_slug(headline=parsed.headline)
        checksum = hashlib.sha256(data).hexdigest()
        existing = Article.objects.filter(slug=slug).first()
        error, action = "", "created"
        if slug in seen:
            error = _("Same slug “%(slug)s” as %(other)s; import them separately.") % {
                "slug": slug,
                "other": seen[slug],
            }
        elif existing is None:
            existing = Article.objects.filter(import_checksum=checksum).first()
            action = "unchanged" if existing else "created"
        elif existing.import_checksum == checksum:
            action = "unchanged"
        elif not existing.import_checksum:
            error = _(
                "The slug “%(slug)s” belongs to an article that was not imported (“%(headline)s”). "
                "Change that article's slug or this file's headline."
            ) % {"slug": slug, "headline": existing.headline}
        else:
            action = "updated"
        seen.setdefault(slug, name)
        previews.append(
            ImportPreview(
                name=name,
                parsed=parsed,
                slug=slug,
                action="" if error else action,
                existing=existing,
                error=error,
            )
        )
    return previews


def _pending_imports(files):
    pending, path_for_slug = [], {}
    for path, data in files:
        parsed = parse_article(decode_article_file(data, name=path), name=path)
        slug = article_import_slug(headline=parsed.headline)
        if slug in path_for_slug:
            raise ImportFileError(
                _("%(name)s: same slug “%(slug)s” as %(other)s; import them separately.")
                % {"name": path, "slug": slug, "other": path_for_slug[slug]}
            )
        path_for_slug[slug] = path
        pending.append(_PendingImport(path, parsed, slug, hashlib.sha256(data).hexdigest()))
    return pending


def article_import_slug(*, headline: str) -> str:
    """Return the slug for an imported headline; a headline with no Latin letters gets a stable one."""
    max_length = Article._meta.get_field("slug").max_length
    slug = slugify(headline)[:max_length].strip("-")
    return slug or f"artikel-{_short_hash(headline)}"


def author_get_or_create(*, name: str) -> Author:
    """Return the author with this name (any case), creating one with a unique slug if there is none."""
    author = Author.objects.filter(name__iexact=name).order_by("pk").first()
    if author is None:
        max_length = Author._meta.get_field("slug").max_length
        base = slugify(name)[:max_length].strip("-") or f"penulis-{_short_hash(name)}"
        slug, n = base, 2
        while Author.objects.filter(slug=slug).exists():
            suffix = f"-{n}"
            slug, n = f"{base[: max_length - len(suffix)]}{suffix}", n + 1
        author = Author.objects.create(name=name, slug=slug)
    return author


def _short_hash(text):
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def _read_article_file(path):
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        problem = _("no such file")
    except IsADirectoryError:
        problem = _("this is a directory, not a file")
    except OSError as error:
        problem = _("the file cannot be read (%(error)s)") % {"error": error.strerror or error}
    raise ImportFileError(f"{path}: {problem}.")


def _article_import(*, item, section, tag_names, author_names, status, publish_at, authors_by_name, by):
    article = Article.objects.select_for_update().filter(slug=item.slug).first()
    if article is None:
        # The same file imported before, whose slug an editor has since changed.
        article = Article.objects.filter(import_checksum=item.checksum).first()
        if article is not None:
            return ImportResult(item.path, article, "unchanged", tuple(item.parsed.stripped_lines))
    elif article.import_checksum == item.checksum:
        return ImportResult(item.path, article, "unchanged", tuple(item.parsed.stripped_lines))
    elif not article.import_checksum:
        raise ImportFileError(
            _(
                "%(name)s: the slug “%(slug)s” belongs to an article that was not imported "
                "(“%(headline)s”); nothing was imported. Change that article's slug or this file's headline."
            )
            % {"name": item.path, "slug": item.slug, "headline": article.headline}
        )

    action = "created" if article is None else "updated"
    if article is None:
        article = Article(slug=item.slug, status=status or Article.Status.DRAFT)
    was_visible = article.is_published()
    article.headline = item.parsed.headline
    article.body = item.parsed.body_html
    article.section = section
    article.import_checksum = item.checksum
    if status is not None:
        article.status = status
    if publish_at is not None:
        article.published_at = publish_at
    article_record_publication(article=article)
    if was_visible and article.is_published():
        # Readers saw the old text: the page says "Diperbarui".
        article.updated_at = timezone.now()
    _article_write(article=article, by=by, expected_version=None, comment="")

    def author(name):
        if name.casefold() not in authors_by_name:
            authors_by_name[name.casefold()] = author_get_or_create(name=name)
        return authors_by_name[name.casefold()]

    file_credits = item.parsed.credits
    if author_names:
        byline = [(Credit.Role.WRITER, name) for name in author_names]
    else:
        byline = [(role, name) for role, name in file_credits if role in Credit.BYLINE_ROLES]
    others = [(role, name) for role, name in file_credits if role not in Credit.BYLINE_ROLES]
    article.credits.all().delete()
    credited = set()
    for role, name in byline + others:
        person = author(name)
        if (role, person.pk) not in credited:
            credited.add((role, person.pk))
            Credit.objects.create(article=article, author=person, role=role, position=len(credited) - 1)
    if tag_names or action == "created":
        article.tags.set(tag_names)
    return ImportResult(item.path, article, action, tuple(item.parsed.stripped_lines))


# --- Reads, for "Terpopuler" (SPEC 4) ---------------------------------------------------


def article_count_read(*, article_id: int, at: datetime | None = None) -> None:
    """Add one read to the article's counter for the current clock hour.

    An atomic UPDATE ... SET count = count + 1 in the shared database: no count
    is lost between concurrent readers or app servers. The first read of an
    hour creates the row; when two readers race to create it, the unique
    constraint stops the second, which then increments the row the first made.
    """
    hour = (at or timezone.now()).replace(minute=0, second=0, microsecond=0)
    counters = ArticleReadCount.objects.filter(article_id=article_id, hour_at=hour)
    if counters.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            ArticleReadCount.objects.create(article_id=article_id, hour_at=hour, count=1)
    except IntegrityError:
        counters.update(count=F("count") + 1)


def read_counts_prune(*, older_than: timedelta) -> int:
    """Delete hourly read counters older than older_than; return how many rows went."""
    deleted, _by_model = ArticleReadCount.objects.filter(hour_at__lt=timezone.now() - older_than).delete()
    return deleted
