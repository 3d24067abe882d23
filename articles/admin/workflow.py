"""The article form's workflow: one service call per button, its buttons, messages and bulk actions."""

import reversion
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import services
from ..forms import workflow_action
from ..models import Article
from ..previews import preview_expires_at, preview_path

WORKFLOW_MESSAGES = {
    "submit": _("“%(headline)s” was sent to the editors."),
    "return": _("“%(headline)s” was returned to its writer as a draft."),
    "publish": _("“%(headline)s” is published."),
    "schedule": _("“%(headline)s” is scheduled for %(time)s."),
    "unpublish": _("“%(headline)s” was taken off the site."),
    "withdraw": _("“%(headline)s” was withdrawn; its address now explains why (410)."),
}


class ArticleWorkflowMixin:
    """Saving through the workflow services: each button of the change form is one service call."""

    # --- Saving: one service call per request, one version ------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        if workflow_action(request.POST) not in (None, "submit") and not self.has_publish_permission(request):
            # Checked before the form: a writer's crafted button press never gets as far as validation.
            raise PermissionDenied
        try:
            with reversion.create_revision():
                reversion.set_user(request.user)
                return super().changeform_view(request, object_id, form_url, extra_context)
        except services.ArticleConflict:
            # The form check passed but another save won the race: nothing was written.
            self.message_user(
                request,
                _("Someone else saved this article a moment ago; your changes were not saved. Reload it."),
                messages.ERROR,
            )
        except services.WorkflowError as error:
            self.message_user(request, str(error), messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        action = form.action
        can_publish = self.has_publish_permission(request)
        if action not in (None, "submit") and not can_publish:
            raise PermissionDenied
        if not can_publish and not change:
            obj.status = Article.Status.DRAFT
        expected = form.cleaned_data.get("base_version") if change else None
        by = request.user
        if action == "submit":
            services.article_submit(article=obj, by=by, expected_version=expected)
        elif action == "return":
            services.article_return(article=obj, by=by, expected_version=expected)
        elif action == "publish":
            services.article_publish(
                article=obj,
                by=by,
                expected_version=expected,
                mark_as_update=form.cleaned_data.get("mark_as_update", False),
            )
        elif action == "schedule":
            services.article_schedule(article=obj, by=by, at=obj.published_at, expected_version=expected)
        elif action == "unpublish":
            services.article_unpublish(article=obj, by=by, expected_version=expected)
        elif action == "withdraw":
            services.article_withdraw(article=obj, by=by, expected_version=expected)
        else:
            if not can_publish and change:
                # A writer's crafted POST cannot move status: it is not in their form, and this re-checks.
                obj.status = form.initial.get("status", obj.status)
            services.article_save(
                article=obj,
                by=by,
                expected_version=expected,
                mark_as_update=form.cleaned_data.get("mark_as_update", False),
            )

    def _comment_revision(self, request, entry):
        action = workflow_action(request.POST)
        label = {
            "submit": gettext("Sent to the editors."),
            "return": gettext("Returned to the writer."),
            "publish": gettext("Published."),
            "schedule": gettext("Scheduled."),
            "unpublish": gettext("Unpublished."),
            "withdraw": gettext("Withdrawn."),
        }.get(action, "")
        entries = entry if isinstance(entry, list) else [entry]
        text = " ".join(part for part in [label, *(e.get_change_message() for e in entries if e)] if part)
        if text and reversion.is_active():
            reversion.set_comment(text)

    def response_add(self, request, obj, post_url_continue=None):
        if workflow_action(request.POST):
            return self._workflow_response(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if workflow_action(request.POST):
            return self._workflow_response(request, obj)
        return super().response_change(request, obj)

    def _workflow_response(self, request, obj):
        action = workflow_action(request.POST)
        when = timezone.localtime(obj.published_at) if obj.published_at else None
        self.message_user(
            request,
            WORKFLOW_MESSAGES[action]
            % {"headline": obj.headline, "time": f"{when:%d-%m-%Y %H:%M}" if when else ""},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[obj.pk]))

    # --- The change form: workflow buttons, previews, history -------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        can_publish = self.has_publish_permission(request)
        can_change = self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        buttons = []
        status = obj.status if obj else Article.Status.DRAFT
        if can_change and status == Article.Status.DRAFT:
            buttons.append(("_submit_review", _("Kirim ke redaksi"), "submit"))
        if can_publish:
            if status == Article.Status.REVIEW:
                buttons.append(("_return_draft", _("Kembalikan ke penulis"), "return"))
            if not (obj and obj.is_published()):
                buttons.append(("_publish", _("Terbitkan"), "publish"))
                buttons.append(("_schedule", _("Jadwalkan"), "schedule"))
            if status == Article.Status.PUBLISHED:
                buttons.append(("_unpublish", _("Tarik"), "unpublish"))
            if obj and obj.first_published_at and status != Article.Status.WITHDRAWN:
                buttons.append(("_withdraw", _("Cabut"), "withdraw"))
        context.update(
            workflow_buttons=buttons,
            can_publish=can_publish,
            status_label=obj.display_status() if obj else Article.Status.DRAFT.label,
            status_value=("scheduled" if obj and obj.is_scheduled() else status),
        )
        if obj is not None:
            context.update(
                preview_url=obj.get_absolute_url(),
                share_url=request.build_absolute_uri(preview_path(obj)) if can_change or can_publish else "",
                share_expires_at=preview_expires_at(),
                history_url=reverse("admin:articles_article_history", args=[obj.pk]),
                revoke_url=reverse("admin:articles_article_preview_revoke", args=[obj.pk]),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- Bulk actions: editors only (permissions=["publish"]) ----------------------------

    def _bulk(self, request, queryset, service, done_message, **kwargs):
        done, refused = 0, []
        for article in queryset:
            try:
                service(article=article, by=request.user, **kwargs)
                done += 1
            except services.WorkflowError as error:
                refused.append(f"“{article.headline}”: {error}")
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)
        for problem in refused:
            self.message_user(request, problem, messages.WARNING)

    @admin.action(permissions=["publish"], description=_("Publish selected articles now"))
    def publish_selected(self, request, queryset):
        self._bulk(request, queryset, services.article_publish, gettext("%(count)d article(s) published."))

    @admin.action(permissions=["publish"], description=_("Unpublish selected articles"))
    def unpublish_selected(self, request, queryset):
        self._bulk(
            request, queryset, services.article_unpublish, gettext("%(count)d article(s) unpublished.")
        )

    @admin.action(permissions=["publish"], description=_("Feature selected articles"))
    def feature_selected(self, request, queryset):
        self._bulk(
            request,
            queryset,
            services.article_set_featured,
            gettext("%(count)d article(s) featured."),
            featured=True,
        )

    @admin.action(permissions=["publish"], description=_("Stop featuring selected articles"))
    def unfeature_selected(self, request, queryset):
        self._bulk(
            request,
            queryset,
            services.article_set_featured,
            gettext("%(count)d article(s) no longer featured."),
            featured=False,
        )
