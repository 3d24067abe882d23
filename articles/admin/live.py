"""The live desk: a coverage's updates written, published, edited and removed from one compact page.

Made for a reporter's phone on a slow connection: a short form (title, text,
a photo, two flags) at the top of …/<id>/live/, the coverage's updates below
it, no article editor loaded. static/articles/admin/live-desk.js sends the
form without reloading the page and puts the new row in the list; without
JavaScript the form posts and the page comes back. Everything goes through
services/live.py, which checks who may publish.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from reversion.models import Version

from .. import services
from ..models import LiveUpdate
from ..workflow import WorkflowError
from .forms import LiveUpdateForm
from .galleries import is_xhr

ROW_TEMPLATE = "admin/articles/article/live_row.html"


class ArticleLiveMixin:
    """The live desk of the article admin, and its links from the article form and the list."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/live/", view(self.live_view), name="articles_article_live"),
            path(
                "<path:object_id>/live/coverage/",
                view(self.live_coverage_view),
                name="articles_article_live_coverage",
            ),
            path(
                "<path:object_id>/live/<int:update_id>/",
                view(self.live_update_view),
                name="articles_article_live_update",
            ),
            *super().get_urls(),
        ]

    # --- Links to the desk --------------------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and (obj.is_live_coverage or request.user.has_perm("articles.publish_article")):
            context["live_desk_url"] = reverse("admin:articles_article_live", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("live"))
    def live_desk(self, article):
        if not article.is_live_coverage:
            return "—"
        label = gettext("Langsung · tambah pembaruan") if article.is_live() else gettext("Pembaruan")
        return format_html(
            '<a href="{}" class="live-desk-link">{}</a>',
            reverse("admin:articles_article_live", args=[article.pk]),
            label,
        )

    # --- The desk -----------------------------------------------------------------------------

    def _live_article(self, request, object_id):
        article = self._article_or_404(request, object_id)
        if not services.live_may_write(request.user, article):
            raise PermissionDenied
        return article

    def live_view(self, request, object_id):
        """GET: the form and the updates; POST: a new update, published or drafted."""
        article = self._live_article(request, object_id)
        form = LiveUpdateForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST":
            publish = "_publish" in request.POST
            if form.is_valid():
                try:
                    update = services.live_update_add(
                        article=article, by=request.user, publish=publish, **form.update_fields(request.user)
                    )
                except (PermissionDenied, WorkflowError) as error:
                    form.add_error(None, str(error))
                else:
                    message = (
                        gettext("Pembaruan terbit.") if publish else gettext("Draf pembaruan tersimpan.")
                    )
                    if is_xhr(request):
                        return JsonResponse(
                            {
                                "ok": True,
                                "message": message,
                                "id": update.pk,
                                "row": self._row(request, update),
                            }
                        )
                    self.message_user(request, message, messages.SUCCESS)
                    return HttpResponseRedirect(request.path)
            if is_xhr(request):
                return JsonResponse({"ok": False, "errors": form.errors.get_json_data()}, status=400)
        return self._desk_page(request, article, form, status=400 if form.is_bound else 200)

    def _desk_page(self, request, article, form, *, status=200):
        updates = list(
            LiveUpdate.objects.filter(article=article)
            .exclude(status=LiveUpdate.Status.REMOVED)
            .select_related("author", "created_by")
            .order_by("-published_at", "-pk")
        )
        drafts = [update for update in updates if update.status == LiveUpdate.Status.DRAFT]
        published = [update for update in updates if update.status == LiveUpdate.Status.PUBLISHED]
        change_url = reverse("admin:articles_article_change", args=[article.pk])
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Liputan langsung"),
            "subtitle": article.headline,
            "opts": self.opts,
            "original": article,
            "form": form,
            "rows": [self._row_context(request, update) for update in drafts + published],
            "draft_count": len(drafts),
            "published_count": len(published),
            "may_publish": services.live_may_publish(request.user, article),
            "may_run": request.user.has_perm("articles.publish_article"),
            "change_url": change_url,
            "crumb_url": change_url,
            "coverage_url": reverse("admin:articles_article_live_coverage", args=[article.pk]),
            "public_url": article.get_absolute_url() if article.is_published() else None,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/live.html", context, status=status)

    def _row_context(self, request, update):
        return {
            "update": update,
            "may_change": services.live_may_change(request.user, update),
            "may_publish": services.live_may_publish(request.user, update.article),
            "edit_url": reverse("admin:articles_article_live_update", args=[update.article_id, update.pk]),
        }

    def _row(self, request, update):
        return render_to_string(ROW_TEMPLATE, self._row_context(request, update), request=request)

    def live_update_view(self, request, object_id, update_id):
        """GET: one update's form and history; POST: save it, publish a draft, or remove it."""
        article = self._live_article(request, object_id)
        update = get_object_or_404(LiveUpdate.objects.select_related("author"), pk=update_id, article=article)
        if update.status == LiveUpdate.Status.REMOVED:
            raise Http404("This update was removed.")
        update.article = article
        if not services.live_may_change(request.user, update):
            raise PermissionDenied
        desk_url = reverse("admin:articles_article_live", args=[article.pk])
        form = LiveUpdateForm(request.POST or None, request.FILES or None, user=request.user, instance=update)
        if request.method == "POST":
            try:
                if "_remove" in request.POST:
                    services.live_update_remove(update=update, by=request.user)
                    self.message_user(request, gettext("Pembaruan dihapus dari liputan."), messages.SUCCESS)
                    return HttpResponseRedirect(desk_url)
                if "_publish_draft" in request.POST:
                    services.live_update_publish(update=update, by=request.user)
                    self.message_user(request, gettext("Pembaruan terbit."), messages.SUCCESS)
                    return HttpResponseRedirect(desk_url)
                if form.is_valid():
                    services.live_update_edit(
                        update=update,
                        by=request.user,
                        changes=form.update_fields(request.user),
                        publish="_publish" in request.POST,
                    )
                    self.message_user(request, gettext("Pembaruan tersimpan."), messages.SUCCESS)
                    return HttpResponseRedirect(desk_url)
            except (PermissionDenied, WorkflowError) as error:
                form.add_error(None, str(error))
        history = Version.objects.get_for_object(update).select_related("revision__user")
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Sunting pembaruan"),
            "subtitle": article.headline,
            "opts": self.opts,
            "original": article,
            "update": update,
            "form": form,
            "history": history,
            "desk_url": desk_url,
            "crumb_url": desk_url,
            "may_publish": services.live_may_publish(request.user, article),
        }
        request.current_app = self.admin_site.name
        status = 400 if form.is_bound and form.errors else 200
        return TemplateResponse(request, "admin/articles/article/live_update.html", context, status=status)

    def live_coverage_view(self, request, object_id):
        """POST _start or _end: the coverage opened or closed now (editors only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article_or_404(request, object_id)
        try:
            if "_end" in request.POST:
                services.live_coverage_end(article=article, by=request.user)
                self.message_user(request, gettext("Liputan langsung ditutup."), messages.SUCCESS)
            else:
                services.live_coverage_start(article=article, by=request.user)
                self.message_user(request, gettext("Liputan langsung dimulai."), messages.SUCCESS)
        except WorkflowError as error:
            self.message_user(request, str(error), messages.ERROR)
        except services.ArticleConflict:
            self.message_user(
                request, gettext("Artikel baru saja disunting orang lain; coba lagi."), messages.ERROR
            )
        return HttpResponseRedirect(reverse("admin:articles_article_live", args=[article.pk]))
