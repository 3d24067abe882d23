"""Actions with side effects on articles. Admin, commands and the importer call these."""

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .importers import ImportFileError, ParsedArticle, decode_article_file, parse_article
from .models import Article, ArticleReadCount, Author, Credit, Section


def article_record_publication(*, article: Article) -> Article:
    """Stamp first publication once; later publications keep the first date."""
    if article.status == Article.Status.PUBLISHED:
        if article.published_at is None:
            article.published_at = timezone.now()
        if article.first_published_at is None:
            article.first_published_at = article.published_at
    return article


@transaction.atomic
def article_save(*, article: Article) -> Article:
    article_record_publication(article=article)
    article.save()
    return article


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
    stdout: TextIO | None = None,
) -> list[ImportResult]:
    """Import plain-text article files, all or none; raise ImportFileError naming the first bad file.

    Every file is read and parsed before anything is written, then one
    transaction writes them all. An unchanged file (same checksum) changes
    nothing. authors replace the files' writer and reporter credits. status
    None makes new articles drafts and leaves re-imported ones as they are;
    no tags leaves a re-imported article's tags alone. A naive publish_at is
    in the site's time zone.
    """
    if status is not None and status not in IMPORT_STATUSES:
        raise ValueError(f"status must be one of {', '.join(IMPORT_STATUSES)}, not {status!r}")
    if publish_at is not None and timezone.is_naive(publish_at):
        publish_at = timezone.make_aware(publish_at)
    tag_names = list({name.casefold(): name for name in (tag.strip() for tag in tags) if name}.values())
    author_names = [name for name in (author.strip() for author in authors) if name]

    pending, path_for_slug = [], {}
    for path in dict.fromkeys(os.fspath(path) for path in paths):
        data = _read_article_file(path)
        parsed = parse_article(decode_article_file(data, name=path), name=path)
        slug = article_import_slug(headline=parsed.headline)
        if slug in path_for_slug:
            raise ImportFileError(
                _("%(name)s: same slug “%(slug)s” as %(other)s; import them separately.")
                % {"name": path, "slug": slug, "other": path_for_slug[slug]}
            )
        path_for_slug[slug] = path
        pending.append(_PendingImport(path, parsed, slug, hashlib.sha256(data).hexdigest()))

    authors_by_name = {}
    try:
        with transaction.atomic():
            results = [
                _article_import(
                    item=item,
                    section=section,
                    tag_names=tag_names,
                    author_names=author_names,
                    status=status,
                    publish_at=publish_at,
                    authors_by_name=authors_by_name,
                )
                for item in pending
            ]
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


def _article_import(*, item, section, tag_names, author_names, status, publish_at, authors_by_name):
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
    article.save()

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
