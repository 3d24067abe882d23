"""Import of plain-text articles (SPEC 5, "Import"): parsed first, then written all or none."""

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

import reversion
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pagecache import public_pages_changed

from ..html import article_outline, sanitize_body
from ..importers import ImportFileError, ParsedArticle, decode_article_file, parse_article
from ..models import Article, Author, Credit, Section, headline_slug
from .editorial import _article_write, _require_publisher, article_record_publication

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
    slug = headline_slug(headline)[:max_length].strip("-")
    return slug or f"artikel-{_short_hash(headline)}"


def author_get_or_create(*, name: str) -> Author:
    """Return the author with this name (any case), creating one with a unique slug if there is none."""
    author = Author.objects.filter(name__iexact=name).order_by("pk").first()
    if author is None:
        max_length = Author._meta.get_field("slug").max_length
        base = headline_slug(name)[:max_length].strip("-") or f"penulis-{_short_hash(name)}"
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
