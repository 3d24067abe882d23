"""The article form's workflow: one service call per button, its buttons, messages and bulk actions."""

import reversion
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import services, workflow
from ..models import Article
from ..previews import preview_expires_at, preview_path


class ArticleWorkflowMixin:
    """Saving through the workflow services: each button of the change form is one service call."""

    # --- Saving: one service call per request, one version ------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        transition = workflow.transition_for_post(request.POST)
        if transition is not None:
            obj = self.get_object(request, unquote(object_id)) if object_id else None
            if not transition.permits(request.user, obj if obj is not None else Article()):
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
        # Status is read-only in the form: only a transition of the workflow table moves it.
        expected = form.cleaned_data.get("base_version") if change else None
        mark_as_update = form.cleaned_data.get("mark_as_update", False)
        if form.action is None:
            services.article_save(
                article=obj, by=request.user, expected_version=expected, mark_as_update=mark_as_update
            )
            return
        services.article_transition(
            article=obj,
            by=request.user,
            name=form.action,
            expected_version=expected,
            at=obj.published_at,
            reason=obj.withdrawn_reason,
            mark_as_update=mark_as_update,
        )

    def _comment_revision(self, request, entry):
        transition = workflow.transition_for_post(request.POST)
        label = str(transition.logged) if transition else ""
        entries = entry if isinstance(entry, list) else [entry]
        text = " ".join(part for part in [label, *(e.get_change_message() for e in entries if e)] if part)
        if text and reversion.is_active():
            reversion.set_comment(text)

    def response_add(self, request, obj, post_url_continue=None):
        if workflow.transition_for_post(request.POST):
            return self._workflow_response(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if workflow.transition_for_post(request.POST):
            return self._workflow_response(request, obj)
        return super().response_change(request, obj)

    def _workflow_response(self, request, obj):
        transition = workflow.transition_for_post(request.POST)
        self.message_user(
            request,
            transition.message
            % {"headline": obj.headline, "time": workflow.local_time_label(obj.published_at)},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[obj.pk]))

    # --- The change form: workflow buttons, previews, history -------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        can_publish = self.has_publish_permission(request)
        can_change = self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        status = obj.status if obj else Article.Status.DRAFT
        # The table decides which steps are open; a button also saves the form, so none without change rights.
        buttons = [
            (transition.button, transition.label, transition.name)
            for transition in workflow.available_transitions(obj, request.user)
            if can_change and transition.button
        ]
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
        """Run service on each article; the services ask the workflow table, refusals are reported."""
        done, refused = 0, []
        for article in queryset:
            try:
                service(article=article, by=request.user, **kwargs)
                done += 1
            except (services.WorkflowError, PermissionDenied) as error:
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
