"""Import of plain-text articles (SPEC 5, "Import"): parsed first, then written all or none."""

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

import reversion
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pagecache import public_pages_changed

from ..html import article_outline, sanitize_body
from ..importers import ImportFileError, ParsedArticle, decode_article_file, parse_article
from ..models import Article, Author, Credit, Section, headline_slug
from .editorial import (
    PUBLISH_PERMISSION,
    _article_write,
    _require_publisher,
    article_publish,
    article_record_publication,
    article_return,
    article_save,
    article_schedule,
    article_submit,
)

IMPORT_STATUSES = (Article.Status.DRAFT, Article.Status.REVIEW, Article.Status.PUBLISHED)
# Option names in results, as the admin's import form labels them.
OPTION_LABELS = {
    "section": gettext_lazy("section"),
    "tags": gettext_lazy("tags"),
    "authors": gettext_lazy("authors"),
    "status": gettext_lazy("status"),
    "publish_at": gettext_lazy("publish time"),
}


class _OptionLabels:
    @property
    def applied_labels(self):
        return [str(OPTION_LABELS[option]) for option in self.applied]

    @property
    def not_applied_labels(self):
        return [(str(OPTION_LABELS[option]), reason) for option, reason in self.not_applied]


@dataclass(frozen=True)
class ImportResult(_OptionLabels):
    path: str
    article: Article
    # "created", "updated", "options" (the file is unchanged but options were applied) or "unchanged".
    action: str
    stripped_lines: tuple[str, ...] = ()
    # For an unchanged file: the options applied ("section", "tags", "authors", "status",
    # "publish_at") and those that were not, with the reason: ((option, reason), ...).
    applied: tuple[str, ...] = ()
    not_applied: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        """Return the action as the command prints it, e.g. "updated (options: status, tags)"."""
        if self.action == "options":
            return f"updated (options: {', '.join(self.applied)})"
        return self.action


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
    transaction writes them all, as one revision. authors replace the files'
    writer and reporter credits. status None makes new articles drafts and
    leaves re-imported ones as they are; no tags leaves a re-imported
    article's tags alone. A naive publish_at is in the site's time zone.
    Publishing needs `by` to be an editor (None is the command line).

    An unchanged file (same checksum) keeps its text, but the options given
    are still applied to its article through the editorial workflow
    (action "options"): the section moves, tags and authors replace, status
    published publishes or schedules it, draft and review submit or return
    it. Options a workflow step cannot honour (e.g. status draft on a live
    article) are left alone and listed in the result's not_applied.
    """
    options = _import_options(
        section=section, tags=tags, authors=authors, status=status, publish_at=publish_at, by=by
    )
    pending = _pending_imports(files)
    authors_by_name = {}
    try:
        with transaction.atomic(), reversion.create_revision():
            results = [
                _article_import(item=item, authors_by_name=authors_by_name, **options) for item in pending
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
            stdout.write(f"{result.label}: {article.headline} -> {article.get_absolute_url()}\n")
            for option, reason in result.not_applied:
                stdout.write(f"  {result.path}: {option} not applied: {reason}\n")
    return results


@dataclass(frozen=True)
class ImportPreview(_OptionLabels):
    """What importing one file would do, shown to the editor before anything is saved."""

    name: str
    parsed: ParsedArticle | None = None
    slug: str = ""
    action: str = ""  # "created", "updated", "options", "unchanged" or "" with an error
    existing: Article | None = None
    error: str = ""
    # For an unchanged file, as in ImportResult.
    applied: tuple[str, ...] = ()
    not_applied: tuple[tuple[str, str], ...] = ()

    @property
    def subheadings(self):
        return [text for _level, _id, text in article_outline(sanitize_body(self.parsed.body_html))]


def import_article_preview(
    files: Iterable[tuple[str, bytes]],
    *,
    section: Section | None = None,
    tags: Iterable[str] = (),
    authors: Iterable[str] = (),
    status: str | None = None,
    publish_at: datetime | None = None,
    by: AbstractBaseUser | None = None,
) -> list[ImportPreview]:
    """Return, per file, the parsed result and what importing it with these options would do.

    Writes nothing; takes the options import_article_data() takes.
    """
    options = _import_options(
        section=section, tags=tags, authors=authors, status=status, publish_at=publish_at, by=by
    )
    previews, seen = [], {}
    for name, data in files:
        try:
            parsed = parse_article(decode_article_file(data, name=name), name=name)
        except ImportFileError as error:
            previews.append(ImportPreview(name=name, error=str(error)))
            continue
        slug = article_import_slug(headline=parsed.headline)
        checksum = hashlib.sha256(data).hexdigest()
        existing = _article_for_slug(Article.objects.all(), headline=parsed.headline, slug=slug)
        error, action, applied, not_applied = "", "created", (), ()
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
        if not error and action == "unchanged":
            plan = _options_plan(existing, **options)
            applied, not_applied = tuple(plan.applied), tuple(plan.not_applied)
            action = "options" if applied else "unchanged"
        seen.setdefault(slug, name)
        previews.append(
            ImportPreview(
                name=name,
                parsed=parsed,
                slug=slug,
                action="" if error else action,
                existing=existing,
                error=error,
                applied=applied,
                not_applied=not_applied,
            )
        )
    return previews


def _import_options(*, section, tags, authors, status, publish_at, by):
    """Return the options checked and normalized, as keyword arguments for _article_import()."""
    if status is not None and status not in IMPORT_STATUSES:
        raise ValueError(f"status must be one of {', '.join(IMPORT_STATUSES)}, not {status!r}")
    if status == Article.Status.PUBLISHED:
        _require_publisher(by)
    if publish_at is not None and timezone.is_naive(publish_at):
        publish_at = timezone.make_aware(publish_at)
    return {
        "section": section,
        "tag_names": list({name.casefold(): name for name in (tag.strip() for tag in tags) if name}.values()),
        "author_names": [name for name in (author.strip() for author in authors) if name],
        "status": status,
        "publish_at": publish_at,
        "by": by,
    }


def _article_for_slug(articles, *, headline, slug):
    """Return the article with this import slug, or an imported one under its pre-headline_slug() slug."""
    legacy = slugify(headline)[: Article._meta.get_field("slug").max_length].strip("-")
    article = articles.filter(slug=slug).first()
    if article is None and legacy and legacy != slug:
        article = articles.filter(slug=legacy).exclude(import_checksum="").first()
    return article


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
    article = _article_for_slug(
        Article.objects.select_for_update(), headline=item.parsed.headline, slug=item.slug
    )
    unchanged = False
    if article is None:
        # The same file imported before, whose slug an editor has since changed.
        article = Article.objects.filter(import_checksum=item.checksum).first()
        unchanged = article is not None
    elif article.import_checksum == item.checksum:
        unchanged = True
    elif not article.import_checksum:
        raise ImportFileError(
            _(
                "%(name)s: the slug “%(slug)s” belongs to an article that was not imported "
                "(“%(headline)s”); nothing was imported. Change that article's slug or this file's headline."
            )
            % {"name": item.path, "slug": item.slug, "headline": article.headline}
        )
    if unchanged:
        plan = _options_plan(
            article,
            section=section,
            tag_names=tag_names,
            author_names=author_names,
            status=status,
            publish_at=publish_at,
            by=by,
        )
        if plan.applied:
            _options_apply(article, plan=plan, item=item, authors_by_name=authors_by_name, by=by)
        return ImportResult(
            item.path,
            article,
            "options" if plan.applied else "unchanged",
            tuple(item.parsed.stripped_lines),
            applied=tuple(plan.applied),
            not_applied=tuple(plan.not_applied),
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
    _credits_write(article, item=item, author_names=author_names, authors_by_name=authors_by_name)
    if tag_names or action == "created":
        article.tags.set(tag_names)
    return ImportResult(item.path, article, action, tuple(item.parsed.stripped_lines))


def _credits_write(article, *, item, author_names, authors_by_name):
    """Credit the file's people, with author_names (if any) as the byline instead of the file's."""

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


@dataclass
class _OptionsPlan:
    """What the options of an unchanged file's import change on its article, and what they cannot."""

    applied: list[str] = field(default_factory=list)
    not_applied: list[tuple[str, str]] = field(default_factory=list)
    section: Section | None = None
    tag_names: list[str] = field(default_factory=list)
    author_names: list[str] = field(default_factory=list)
    step: str = ""  # "publish", "schedule", "submit", "return" or "" (a plain save, if anything)
    publish_at: datetime | None = None


def _options_plan(article, *, section, tag_names, author_names, status, publish_at, by):
    """Return what applying explicit import options to this article would do; writes nothing.

    Options that already hold are not "applied", so re-running the same import reports "unchanged".
    """
    plan = _OptionsPlan()
    if section is not None and article.section_id != section.pk:
        plan.applied.append("section")
        plan.section = section
    if tag_names and sorted(name.casefold() for name in article.tags.names()) != sorted(
        name.casefold() for name in tag_names
    ):
        plan.applied.append("tags")
        plan.tag_names = tag_names
    if author_names:
        byline = [
            credit.author.name.casefold()
            for credit in article.credits.select_related("author").order_by("position", "pk")
            if credit.role in Credit.BYLINE_ROLES
        ]
        if byline != [name.casefold() for name in dict.fromkeys(author_names)]:
            plan.applied.append("authors")
            plan.author_names = author_names
    _publication_plan(plan, article, status=status, publish_at=publish_at, by=by)
    return plan


def _publication_plan(plan, article, *, status, publish_at, by):
    """Fill in the workflow step for status and publish_at, or say why there is none."""
    Status = Article.Status
    now = timezone.now()
    live, scheduled = article.is_published(), article.is_scheduled()
    future = publish_at is not None and publish_at > now

    def refuse(option, reason):
        plan.not_applied.append((option, reason))

    if status == Status.PUBLISHED:
        if article.status == Status.WITHDRAWN:
            refuse(
                "status",
                _("the article was withdrawn; republish it in the admin if readers may see it again."),
            )
        elif live:
            if publish_at is not None and publish_at != article.published_at:
                refuse(
                    "publish_at",
                    _("the article is already live; unpublish it first to give it a new publish time."),
                )
        elif future:
            if not (scheduled and publish_at == article.published_at):
                plan.step, plan.publish_at = "schedule", publish_at
                plan.applied.append("status" if not scheduled else "publish_at")
        elif scheduled and publish_at is None:
            refuse(
                "status",
                _("the article is already scheduled for %(time)s; give a publish time to change it.")
                % {"time": f"{timezone.localtime(article.published_at):%Y-%m-%d %H:%M}"},
            )
        else:
            plan.step, plan.publish_at = "publish", publish_at
            plan.applied.append("status")
        return

    if status is not None and status != article.status:
        if (article.status, status) == (Status.DRAFT, Status.REVIEW):
            if by is not None and not (by.has_perm(PUBLISH_PERMISSION) or article.is_owned_by(by)):
                refuse("status", _("writers may only send their own drafts to the editors."))
            else:
                plan.step = "submit"
                plan.applied.append("status")
        elif (article.status, status) == (Status.REVIEW, Status.DRAFT):
            if by is not None and not by.has_perm(PUBLISH_PERMISSION):
                refuse("status", _("only editors may return an article to its writer."))
            else:
                plan.step = "return"
                plan.applied.append("status")
        else:
            refuse(
                "status",
                _("the article is %(status)s; an import does not take it back to %(wanted)s, the admin does.")
                % {"status": article.display_status().lower(), "wanted": Status(status).label.lower()},
            )
    if publish_at is not None and publish_at != article.published_at:
        if live:
            refuse(
                "publish_at",
                _("the article is already live; unpublish it first to give it a new publish time."),
            )
        elif scheduled:
            if by is not None and not by.has_perm(PUBLISH_PERMISSION):
                refuse("publish_at", _("only editors may reschedule an article."))
                return
            plan.step = "schedule" if future else "publish"
            plan.publish_at = publish_at
            plan.applied.append("publish_at")
        else:
            # Not published: the time is only planned, used when an editor publishes.
            plan.publish_at = publish_at
            plan.applied.append("publish_at")


def _options_apply(article, *, plan, item, authors_by_name, by):
    if plan.section is not None:
        article.section = plan.section
    if plan.publish_at is not None and plan.step != "schedule":
        article.published_at = plan.publish_at
    comment = _("Import options applied: %(options)s.") % {"options": ", ".join(plan.applied)}
    if plan.step == "publish" and article.status == Article.Status.PUBLISHED:
        # Scheduled and brought forward to a past time: that time alone makes it live.
        article_save(article=article, by=by, comment=comment)
    elif plan.step == "publish":
        article_publish(article=article, by=by)
    elif plan.step == "schedule":
        article_schedule(article=article, by=by, at=plan.publish_at)
    elif plan.step == "submit":
        article_submit(article=article, by=by)
    elif plan.step == "return":
        article_return(article=article, by=by)
    elif plan.section is not None or plan.publish_at is not None:
        article_save(article=article, by=by, comment=comment)
    if plan.author_names:
        _credits_write(article, item=item, author_names=plan.author_names, authors_by_name=authors_by_name)
    if plan.tag_names:
        article.tags.set(plan.tag_names)
