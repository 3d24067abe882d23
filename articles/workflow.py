"""The editorial workflow as one table: every step an article's status can take, declared once.

Each Transition names its from-states, its to-state, who may take it, the
guard that must hold, its button (POST name and label), the message the
editor sees and the revision comment. The services (services/editorial.py)
are the only writers and check it; the admin's buttons, the form's checks and
the bulk actions ask it (available_transitions). Status is never edited in a
form. A new step ("embargo", "legal hold") is one more entry in TRANSITIONS,
plus its status in Article.Status when it needs one.

A live coverage's updates have their own, smaller table (LIVE_STEPS): drafted,
published, edited, corrected after publication, discarded or removed.

"Scheduled" is not a status: it is published with a future publish time
(Article.is_scheduled()).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Article, LiveUpdate
from .prepublish import prepublish_errors

PUBLISH_PERMISSION = "articles.publish_article"
S = Article.Status
EVERY_STATUS = frozenset(S.values)


class WorkflowError(ValueError):
    """The article's state does not allow this step; the message says why.

    field names the form field to blame (e.g. "published_at"), or None for the whole form.
    """

    def __init__(self, message, *, field=None):
        super().__init__(str(message))
        self.field = field


def _not_live(article):
    return None if not article.is_published() else _("The article is already published.")


def _not_live_to_schedule(article):
    if article.is_published():
        return _("The article is already live; unpublish it first to schedule it again.")
    return None


def _seen_by_readers(article):
    if article.was_public():
        return None
    return _("Only an article readers have seen can be withdrawn; unpublish it instead.")


# --- What each step does to the article, given the editor's input -------------------------


def _publish(article, *, at=None, reason=None):
    """Publish now: a missing or future publish time becomes now; a past one is kept."""
    now = timezone.now()
    if article.published_at is None or article.published_at > now:
        article.published_at = now
    article.withdrawn_reason = ""


def _schedule(article, *, at=None, reason=None):
    at = at or article.published_at
    if at is None or at <= timezone.now():
        raise WorkflowError(
            _("Choose a publish time in the future to schedule the article."), field="published_at"
        )
    article.published_at = at
    article.withdrawn_reason = ""


def _withdraw(article, *, at=None, reason=None):
    reason = (reason if reason is not None else article.withdrawn_reason or "").strip()
    if not reason:
        raise WorkflowError(_("Tell readers why the article was withdrawn."), field="withdrawn_reason")
    article.withdrawn_reason = reason


def _keep(article, *, at=None, reason=None):
    pass


def _schedule_comment(article):
    local = timezone.localtime(article.published_at)
    return _("Scheduled for %(time)s.") % {"time": f"{local:%Y-%m-%d %H:%M}"}


def _withdraw_comment(article):
    return _("Withdrawn: %(reason)s") % {"reason": article.withdrawn_reason}


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str
    label: Promise
    message: Promise
    comment: Promise | Callable[[Article], str]
    refused: Promise  # why the step is not possible from the article's status
    # The POST name of its button in the change form; None for steps without one.
    button: str | None = None
    permission: str | None = PUBLISH_PERMISSION
    # Writers may take it on their own articles (and on a new one, which becomes theirs).
    owners_may: bool = False
    guard: Callable[[Article], Promise | None] = field(default=lambda article: None)
    apply: Callable[..., None] = _keep
    denied: Promise = _("Only editors may publish, schedule, unpublish or withdraw articles.")
    # The admin log's short label; the comment when that is plain text.
    log_label: Promise | None = None
    # Steps that put the article before readers: it must be ready (prepublish.prepublish_errors).
    needs_ready: bool = False

    def __str__(self):
        return self.name

    def permits(self, user, article):
        """Return True if user may take this step on article; None is the system (commands, importer)."""
        if user is None or self.permission is None or user.has_perm(self.permission):
            return True
        return self.owners_may and (not article.pk or article.is_owned_by(user))

    def problem(self, article):
        """Return why article cannot take this step now (its status or the guard), or None."""
        if article.status not in self.sources:
            return self.refused
        return self.guard(article)

    def check(self, article, user):
        """Raise PermissionDenied or WorkflowError unless user may take this step on article now."""
        if not self.permits(user, article):
            raise PermissionDenied(self.denied)
        problem = self.problem(article)
        if problem:
            raise WorkflowError(problem)

    def check_ready(self, article):
        """Raise WorkflowError if article, as it will be saved, is not ready for this step.

        Apart from check(): the button stays offered, and pressing it says what is missing.
        """
        if self.needs_ready:
            errors = prepublish_errors(article)
            if errors:
                raise WorkflowError(" ".join(errors))

    def is_available(self, article, user):
        return self.permits(user, article) and not self.problem(article)

    @property
    def logged(self):
        return self.log_label or self.comment

    def comment_for(self, article):
        return self.comment(article) if callable(self.comment) else str(self.comment)


TRANSITIONS = {
    transition.name: transition
    for transition in [
        Transition(
            name="submit",
            button="_submit_review",
            label=_("Send to the editors"),
            sources=frozenset({S.DRAFT}),
            target=S.REVIEW,
            owners_may=True,
            denied=_("Writers may only send their own drafts."),
            refused=_("Only a draft can be sent to the editors."),
            message=_("“%(headline)s” was sent to the editors."),
            comment=_("Sent to the editors."),
        ),
        Transition(
            name="return",
            button="_return_draft",
            label=_("Return to the writer"),
            sources=frozenset({S.REVIEW}),
            target=S.DRAFT,
            refused=_("Only an article in review can be returned to its writer."),
            message=_("“%(headline)s” was returned to its writer as a draft."),
            comment=_("Returned to the writer."),
        ),
        Transition(
            name="publish",
            button="_publish",
            label=_("Publish"),
            sources=EVERY_STATUS,
            target=S.PUBLISHED,
            guard=_not_live,
            apply=_publish,
            needs_ready=True,
            refused=_("The article is already published."),
            message=_("“%(headline)s” is published."),
            comment=_("Published."),
        ),
        Transition(
            name="schedule",
            button="_schedule",
            label=_("Schedule"),
            sources=EVERY_STATUS,
            target=S.PUBLISHED,
            guard=_not_live_to_schedule,
            apply=_schedule,
            needs_ready=True,
            refused=_("The article is already live; unpublish it first to schedule it again."),
            message=_("“%(headline)s” is scheduled for %(time)s."),
            comment=_schedule_comment,
            log_label=_("Scheduled."),
        ),
        Transition(
            name="unpublish",
            button="_unpublish",
            label=_("Unpublish"),
            sources=frozenset({S.PUBLISHED}),  # live or scheduled
            target=S.UNPUBLISHED,
            refused=_("Only a published or scheduled article can be unpublished."),
            message=_("“%(headline)s” was taken off the site."),
            comment=_("Unpublished."),
        ),
        Transition(
            name="withdraw",
            button="_withdraw",
            label=_("Withdraw"),
            sources=EVERY_STATUS - {S.WITHDRAWN},
            target=S.WITHDRAWN,
            guard=_seen_by_readers,
            apply=_withdraw,
            refused=_("The article is already withdrawn."),
            message=_("“%(headline)s” was withdrawn; its address now explains why (410)."),
            comment=_withdraw_comment,
            log_label=_("Withdrawn."),
        ),
    ]
}

# POST name of a button -> the transition it asks for.
BUTTONS = {transition.button: transition for transition in TRANSITIONS.values() if transition.button}


def transition_for(name):
    """Return the transition called name; an unknown name is a programming error."""
    return TRANSITIONS[name]


def transition_for_post(data):
    """Return the transition a POST's button asks for, or None for a plain save."""
    return next((transition for button, transition in BUTTONS.items() if button in data), None)


def available_transitions(article, user):
    """Return the steps user may take on article now, in the table's order (a new article is a draft)."""
    if article is None:
        article = Article(status=S.DRAFT)
    return [transition for transition in TRANSITIONS.values() if transition.is_available(article, user)]


def local_time_label(moment: datetime | None) -> str:
    return f"{timezone.localtime(moment):%d-%m-%Y %H:%M}" if moment else ""


# --- Live updates: the steps of a live coverage's entries (services/live.py takes them) ---------

LIVE_WRITE_PERMISSION = "articles.add_liveupdate"
U = LiveUpdate.Status


def live_may_write(user, article: Article) -> bool:
    """Return True if user may draft updates on article: editors on any, writers on their own coverage."""
    if user is None or user.has_perm(PUBLISH_PERMISSION):
        return True
    return user.has_perm(LIVE_WRITE_PERMISSION) and article.is_owned_by(user)


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
        update.status == U.DRAFT
        and user is not None
        and update.created_by_id == user.pk
        and live_may_write(user, update.article)
    )


@dataclass(frozen=True)
class LiveStep:
    """One step of a live update: from which states (None: a new update), to which, who may take it.

    seen_by_readers: the step changes what readers see, so it moves the coverage's position
    and invalidates its pages; hard: no copy showing the update before it may be served again.
    """

    name: str
    sources: frozenset
    target: str | None  # None: the update is deleted
    may: Callable[..., bool]  # may(user, update)
    denied: Promise
    refused: Promise
    comment: Promise
    seen_by_readers: bool = False
    hard: bool = False

    def check(self, update, user):
        """Raise PermissionDenied or WorkflowError unless user may take this step on update now."""
        if not self.may(user, update):
            raise PermissionDenied(self.denied)
        if (update.status if update.pk else None) not in self.sources:
            raise WorkflowError(self.refused)


def _may_write(user, update):
    return live_may_write(user, update.article)


def _may_publish(user, update):
    return live_may_publish(user, update.article)


LIVE_STEPS = {
    step.name: step
    for step in [
        LiveStep(
            name="draft",
            sources=frozenset({None}),
            target=U.DRAFT,
            may=_may_write,
            denied=_("You may not write updates on this coverage."),
            refused=_("This update is written already."),
            comment=_("Drafted."),
        ),
        LiveStep(
            name="publish",
            sources=frozenset({None, U.DRAFT}),
            target=U.PUBLISHED,
            may=_may_publish,
            denied=_("Only an editor may publish updates on this coverage."),
            refused=_("Only a draft update can be published."),
            comment=_("Published."),
            seen_by_readers=True,
        ),
        LiveStep(
            name="edit",
            sources=frozenset({U.DRAFT}),
            target=U.DRAFT,
            may=live_may_change,
            denied=_("You may not change this update."),
            refused=_("A removed update cannot be edited."),
            comment=_("Edited."),
        ),
        LiveStep(
            name="correct",
            sources=frozenset({U.PUBLISHED}),
            target=U.PUBLISHED,
            may=_may_publish,
            denied=_("You may not change this update."),
            refused=_("A removed update cannot be edited."),
            comment=_("Edited after publication."),
            seen_by_readers=True,
        ),
        LiveStep(
            name="discard",
            sources=frozenset({U.DRAFT}),
            target=None,
            may=live_may_change,
            denied=_("You may not remove this update."),
            refused=_("This update was removed already."),
            comment=_("Draft discarded."),
        ),
        LiveStep(
            name="remove",
            sources=frozenset({U.PUBLISHED}),
            target=U.REMOVED,
            may=_may_publish,
            denied=_("You may not remove this update."),
            refused=_("This update was removed already."),
            comment=_("Removed from the coverage."),
            seen_by_readers=True,
            hard=True,
        ),
    ]
}
