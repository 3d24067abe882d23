"""Live coverage: starting and ending it, and its updates written, published, edited and removed.

Every change readers see (an update published, edited or removed) moves the
coverage's live_sequence under the article's row lock, stamps the update with
the new position and the coverage's "Diperbarui" time, and, once committed,
invalidates only that coverage's pages (cachetags.live_changed). Each write
keeps a version of the update (django-reversion) with who made it and why.
Starting and ending the coverage are article edits: they go through the
article's one write path (editorial.article_save).
"""

import reversion
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import cachetags
from ..embeds import embeds_prepare
from ..models import Article, Author, LiveUpdate
from ..workflow import PUBLISH_PERMISSION, WorkflowError
from .editorial import article_save

WRITE_PERMISSION = "articles.add_liveupdate"
S = LiveUpdate.Status


def live_may_write(user, article: Article) -> bool:
    """Return True if user may draft updates on article: editors on any, writers on their own coverage."""
    if user is None or user.has_perm(PUBLISH_PERMISSION):
        return True
    return user.has_perm(WRITE_PERMISSION) and article.is_owned_by(user)


def live_may_publish(user, article: Article) -> bool:
    """Return True if user may publish (and edit or remove published) updates on article.

    Editors always; a writer credited on the coverage when the editor allowed it
    (Article.live_writers_publish). None is the system (commands, the demo).
    """
    if user is None or user.has_perm(PUBLISH_PERMISSION):
        return True
    return article.live_writers_publish and live_may_write(user, article)


def live_may_change(user, update: LiveUpdate) -> bool:
    """Return True if user may edit or remove update: a draft by its writer, anything by a publisher."""
    if live_may_publish(user, update.article):
        return True
    return (
        update.status == S.DRAFT
        and user is not None
        and update.created_by_id == user.pk
        and live_may_write(user, update.article)
    )


def _require(allowed, message):
    if not allowed:
        raise PermissionDenied(message)


def _require_publisher(by):
    if by is not None and not by.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(_("Only editors may start or end live coverage."))


# --- The coverage itself: article edits ---------------------------------------------------


def live_coverage_start(
    *, article: Article, by: AbstractBaseUser | None, at=None, expected_version: int | None = None
) -> Article:
    """Turn article into live coverage from `at` (default now); a coverage ended earlier runs again."""
    _require_publisher(by)
    article.live_started_at = at or (article.live_started_at if article.is_live() else None) or timezone.now()
    article.live_ended_at = None
    return article_save(
        article=article, by=by, expected_version=expected_version, comment=_("Live coverage started.")
    )


def live_coverage_end(
    *, article: Article, by: AbstractBaseUser | None, expected_version: int | None = None
) -> Article:
    """Close the coverage now: the badge goes, the page and its updates stay."""
    _require_publisher(by)
    if not article.is_live():
        raise WorkflowError(_("This coverage is not running."))
    article.live_ended_at = timezone.now()
    return article_save(
        article=article, by=by, expected_version=expected_version, comment=_("Live coverage ended.")
    )


# --- Updates --------------------------------------------------------------------------------


def _moved(update: LiveUpdate, now, *, hard):
    """Give update the coverage's next position (under the article's row lock) and stamp the coverage."""
    locked = Article.objects.select_for_update().filter(pk=update.article_id)
    sequence = locked.values_list("live_sequence", flat=True).get() + 1
    locked.update(live_sequence=sequence, live_updated_at=now)
    update.article.live_sequence, update.article.live_updated_at = sequence, now
    update.sequence = sequence
    article_pk = update.article_id
    transaction.on_commit(lambda: cachetags.live_changed(article_pk, hard=hard))


def _write(update: LiveUpdate, by, comment, *, seen_by_readers: bool, hard: bool = False):
    """Save update as one version; seen_by_readers moves the coverage (hard: no copy showing it is served)."""
    embeds_prepare(update.body)
    with transaction.atomic(), reversion.create_revision():
        if seen_by_readers:
            _moved(update, timezone.now(), hard=hard)
        if update.pk is None and by is not None:
            update.created_by = by
        update.save()
        if by is not None:
            reversion.set_user(by)
        reversion.set_comment(comment)
    return update


def default_author(by) -> Author | None:
    return Author.objects.filter(user=by).first() if by is not None else None


def live_update_add(
    *,
    article: Article,
    by: AbstractBaseUser | None,
    body: str,
    title: str = "",
    author: Author | None = None,
    is_key: bool = False,
    is_correction: bool = False,
    publish: bool = False,
) -> LiveUpdate:
    """Write a new update on the coverage: a draft, or published at once by one who may publish."""
    if not article.is_live_coverage:
        raise WorkflowError(_("Start the live coverage before adding updates."))
    _require(live_may_write(by, article), _("You may not write updates on this coverage."))
    if publish:
        _require(live_may_publish(by, article), _("Only an editor may publish updates on this coverage."))
    update = LiveUpdate(
        article=article,
        title=title.strip(),
        body=body,
        author=author or default_author(by),
        is_key=is_key,
        is_correction=is_correction,
    )
    if publish:
        update.status, update.published_at = S.PUBLISHED, timezone.now()
    return _write(update, by, _("Published.") if publish else _("Drafted."), seen_by_readers=publish)


def live_update_publish(*, update: LiveUpdate, by: AbstractBaseUser | None) -> LiveUpdate:
    """Publish a drafted update now: it takes its place at the top (or the end) of the coverage."""
    _require(live_may_publish(by, update.article), _("Only an editor may publish updates on this coverage."))
    if update.status != S.DRAFT:
        raise WorkflowError(_("Only a draft update can be published."))
    update.status, update.published_at = S.PUBLISHED, timezone.now()
    return _write(update, by, _("Published."), seen_by_readers=True)


def live_update_edit(
    *, update: LiveUpdate, by: AbstractBaseUser | None, changes: dict, publish: bool = False
) -> LiveUpdate:
    """Change an update's text or flags (title, body, author, is_key, is_correction).

    A published one is marked edited for readers (with who and when, in its
    history); a draft may be published in the same step.
    """
    _require(live_may_change(by, update), _("You may not change this update."))
    if update.status == S.REMOVED:
        raise WorkflowError(_("A removed update cannot be edited."))
    for name, value in changes.items():
        if name not in {"title", "body", "author", "is_key", "is_correction"}:
            raise ValueError(f"not an editable field of an update: {name}")
        setattr(update, name, value.strip() if name == "title" else value)
    was_published = update.status == S.PUBLISHED
    if was_published:
        update.edited_at, update.edited_by = timezone.now(), by
        return _write(update, by, _("Edited after publication."), seen_by_readers=True)
    if publish:
        return live_update_publish(update=_write(update, by, _("Edited."), seen_by_readers=False), by=by)
    return _write(update, by, _("Edited."), seen_by_readers=False)


def live_update_remove(*, update: LiveUpdate, by: AbstractBaseUser | None) -> LiveUpdate | None:
    """Delete a draft, or take a published update off the coverage (kept as REMOVED, with who and when)."""
    _require(live_may_change(by, update), _("You may not remove this update."))
    if update.status == S.DRAFT:
        update.delete()
        return None
    if update.status == S.REMOVED:
        raise WorkflowError(_("This update was removed already."))
    update.status = S.REMOVED
    update.edited_at, update.edited_by = timezone.now(), by
    return _write(update, by, _("Removed from the coverage."), seen_by_readers=True, hard=True)
