"""Live coverage: starting and ending it, and its updates written, published, edited and removed.

Each of an update's steps is declared in the workflow table (workflow.LIVE_STEPS:
from which states, to which, who may take it) and checked here before it is taken.

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
from ..workflow import LIVE_STEPS, PUBLISH_PERMISSION, WorkflowError
from .editorial import article_save

S = LiveUpdate.Status


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


def _take(name, update: LiveUpdate, by):
    """Take the step called name (workflow.LIVE_STEPS) and save update as one version."""
    step = LIVE_STEPS[name]
    step.check(update, by)
    now = timezone.now()
    if step.target is None:
        update.delete()
        return None
    if name == "publish":
        update.published_at = now
    elif step.seen_by_readers and update.status == S.PUBLISHED:  # an edit or a removal readers see
        update.edited_at, update.edited_by = now, by
    update.status = step.target
    # Before the transaction: no row is locked while a provider is asked for an embed's title.
    embeds_prepare(update.body)
    with transaction.atomic(), reversion.create_revision():
        if step.seen_by_readers:
            _moved(update, now, hard=step.hard)
        if update.pk is None and by is not None:
            update.created_by = by
        update.save()
        if by is not None:
            reversion.set_user(by)
        reversion.set_comment(str(step.comment))
    return update


def default_author(by) -> Author | None:
    return Author.objects.filter(user=by).first() if by is not None else None


EDITABLE_FIELDS = frozenset({"title", "body", "author", "is_key", "is_correction"})


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
    update = LiveUpdate(
        article=article,
        title=title.strip(),
        body=body,
        author=author or default_author(by),
        is_key=is_key,
        is_correction=is_correction,
    )
    return _take("publish" if publish else "draft", update, by)


def live_update_publish(*, update: LiveUpdate, by: AbstractBaseUser | None) -> LiveUpdate:
    """Publish a drafted update now: it takes its place at the top (or the end) of the coverage."""
    return _take("publish", update, by)


def live_update_edit(
    *, update: LiveUpdate, by: AbstractBaseUser | None, changes: dict, publish: bool = False
) -> LiveUpdate:
    """Change an update's text or flags (title, body, author, is_key, is_correction).

    A published one is marked edited for readers (with who and when, in its
    history); a draft may be published in the same step.
    """
    step = "correct" if update.status == S.PUBLISHED else "edit"
    LIVE_STEPS[step].check(update, by)
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"not an editable field of an update: {name}")
        setattr(update, name, value.strip() if name == "title" else value)
    if publish and step == "edit":
        return _take("publish", update, by)
    return _take(step, update, by)


def live_update_remove(*, update: LiveUpdate, by: AbstractBaseUser | None) -> LiveUpdate | None:
    """Delete a draft, or take a published update off the coverage (kept as REMOVED, with who and when)."""
    return _take("discard" if update.status == S.DRAFT else "remove", update, by)
