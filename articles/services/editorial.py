"""Actions with side effects on articles. Admin, commands and the importer call these.

Every write runs in one transaction and one revision (django-reversion), so
each save keeps a version with who made it and why, and takes the optimistic
lock: a save based on an older version number is refused with ArticleConflict.
"""

from datetime import datetime

import reversion
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from reversion.models import Version

from .. import cachetags, workflow
from ..embeds import embeds_prepare
from ..html import carry_heading_ids, normalize_headings
from ..models import Article, ArticleOldSlug, new_preview_nonce
from ..tasks import enqueue_on_commit, lead_image_renditions, renditions_current
from ..workflow import PUBLISH_PERMISSION, WorkflowError

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


def _article_write(*, article, by, expected_version, comment, mark_as_update=False):
    """Save article as one new version; the heart of every service below."""
    # Before the transaction: no row is locked while a provider is asked for an embed's title.
    embeds_prepare(article.body, article=article)
    with transaction.atomic(), reversion.create_revision():
        previous = None
        changing = cachetags.article_changing(article.pk)
        if article.pk:
            previous = (
                Article.objects.select_for_update()
                .filter(pk=article.pk)
                .values("version", "slug", "body", "first_published_at", "live_sequence", "live_updated_at")
                .first()
            )
        if previous is not None:
            base = previous["version"] if expected_version is None else expected_version
            # A conditional UPDATE is atomic on every database, SQLite included.
            if not Article.objects.filter(pk=article.pk, version=base).update(version=base + 1):
                raise ArticleConflict(article, expected_version=expected_version)
            article.version = base + 1
            # Owned by the live updates (services/live.py), which move them under this same lock.
            article.live_sequence, article.live_updated_at = (
                previous["live_sequence"],
                previous["live_updated_at"],
            )
            article.body = carry_heading_ids(normalize_headings(article.body), previous["body"])
            first_published = previous["first_published_at"]
            if previous["slug"] != article.slug and first_published and first_published <= timezone.now():
                # Readers and search engines know the old address: keep it answering.
                ArticleOldSlug.objects.update_or_create(slug=previous["slug"], defaults={"article": article})
        elif by is not None and article.created_by_id is None:
            article.created_by = by
        article_record_publication(article=article)
        if mark_as_update and article.status == Article.Status.PUBLISHED and article.was_public():
            article.updated_at = timezone.now()
        if by is not None:
            article.last_edited_by = by
        article.save()
        # The live slug always wins over an old one another article gave up.
        ArticleOldSlug.objects.filter(slug=article.slug).delete()
        image_name = article.lead_image.name if article.lead_image else ""
        focal = (article.lead_image_focal_x, article.lead_image_focal_y)
        if not renditions_current(article.lead_image_renditions, image_name, focal):
            if image_name != article.lead_image_renditions.get("source", ""):
                # Another picture: its old renditions must not stand for it until the new ones exist.
                article.lead_image_renditions = {}
                article.save(update_fields=["lead_image_renditions"])
            if image_name:
                enqueue_on_commit(lead_image_renditions, article.pk)
        if by is not None:
            reversion.set_user(by)
        if comment:
            reversion.set_comment(comment)
        cachetags.article_written(article, changing)
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


def article_transition(
    *,
    article: Article,
    by: AbstractBaseUser | None,
    name: str,
    expected_version: int | None = None,
    at: datetime | None = None,
    reason: str | None = None,
    mark_as_update: bool = False,
) -> Article:
    """Take the workflow step called name (articles/workflow.py) and save it as one version.

    The table decides: from-state, permission and guard are checked before the
    step's own input (a future time to schedule, a reason to withdraw).
    """
    transition = workflow.transition_for(name)
    transition.check(article, by)
    transition.apply(article, at=at, reason=reason)
    transition.check_ready(article)
    article.status = transition.target
    return _article_write(
        article=article,
        by=by,
        expected_version=expected_version,
        comment=transition.comment_for(article),
        mark_as_update=mark_as_update,
    )


def article_submit(
    *, article: Article, by: AbstractBaseUser | None, expected_version: int | None = None
) -> Article:
    """Send a draft to the editors for review."""
    return article_transition(article=article, by=by, name="submit", expected_version=expected_version)


def article_return(
    *, article: Article, by: AbstractBaseUser | None, expected_version: int | None = None
) -> Article:
    """Give an article in review back to its writer as a draft."""
    return article_transition(article=article, by=by, name="return", expected_version=expected_version)


def article_publish(
    *,
    article: Article,
    by: AbstractBaseUser | None,
    expected_version: int | None = None,
    mark_as_update: bool = False,
) -> Article:
    """Publish now: a missing or future publish time becomes now; a past one is kept."""
    return article_transition(
        article=article,
        by=by,
        name="publish",
        expected_version=expected_version,
        mark_as_update=mark_as_update,
    )


def article_schedule(
    *,
    article: Article,
    by: AbstractBaseUser | None,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Article:
    """Schedule publication: readers see the article from `at` on, with no cron job."""
    return article_transition(
        article=article, by=by, name="schedule", at=at, expected_version=expected_version
    )


def article_unpublish(
    *, article: Article, by: AbstractBaseUser | None, expected_version: int | None = None
) -> Article:
    """Take a published or scheduled article off the site; its publish time is kept."""
    return article_transition(article=article, by=by, name="unpublish", expected_version=expected_version)


def article_withdraw(
    *,
    article: Article,
    by: AbstractBaseUser | None,
    reason: str | None = None,
    expected_version: int | None = None,
) -> Article:
    """Withdraw an article readers have seen: its address answers 410 with the reason."""
    return article_transition(
        article=article, by=by, name="withdraw", reason=reason, expected_version=expected_version
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


def article_mark_updated(
    *, article: Article, by: AbstractBaseUser | None, expected_version: int | None = None
) -> Article:
    """Move the reader-visible "Diperbarui" time to now (e.g. a correction was added).

    Through the one write path, so the version moves and a form opened before
    this is refused instead of overwriting the new time.
    """
    if article.status == Article.Status.PUBLISHED and article.was_public():
        _article_write(
            article=article,
            by=by,
            expected_version=expected_version,
            comment=_("Marked as updated."),
            mark_as_update=True,
        )
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
