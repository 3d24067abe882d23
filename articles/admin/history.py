"""The article's history: versions listed, compared and restored (as a new version)."""

from django.contrib import messages
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from reversion.models import Version

from .. import services
from ..models import Article
from ..revisions import article_versions, compare_versions, history_entries, version_data


class ArticleHistoryMixin:
    """History, compare and restore views for the article admin."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/history/compare/", view(self.compare_view), name="articles_article_compare"
            ),
            path(
                "<path:object_id>/history/<int:version_id>/restore/",
                view(self.restore_view),
                name="articles_article_restore",
            ),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        article = self._article_or_404(request, object_id)
        entries = history_entries(article_versions(article))
        log_entries = (
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(Article), object_id=str(article.pk)
            )
            .select_related("user")
            .order_by("-action_time")[:200]
        )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("History: %(headline)s") % {"headline": article.headline},
            "subtitle": None,
            "opts": self.opts,
            "object": article,
            "entries": entries,
            "log_entries": log_entries,
            "can_restore": self.has_change_permission(request, article),
            "compare_url": reverse("admin:articles_article_compare", args=[article.pk]),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/object_history.html", context)

    def compare_view(self, request, object_id):
        article = self._article_or_404(request, object_id)
        versions = list(article_versions(article))
        if not versions:
            raise Http404
        by_id = {version.pk: version for version in versions}
        by_number = {}
        for version in reversed(versions):
            by_number.setdefault(version_data(version).get("version"), version)

        def pick(id_param, number_param, default):
            if request.GET.get(id_param, "").isdigit():
                return by_id.get(int(request.GET[id_param])) or default
            if request.GET.get(number_param, "").isdigit():
                return by_number.get(int(request.GET[number_param])) or default
            return default

        newer = pick("to", "to_version", versions[0])
        older = pick("from", "from_version", versions[1] if len(versions) > 1 else versions[0])
        if older.revision.date_created > newer.revision.date_created:
            older, newer = newer, older
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Compare versions: %(headline)s") % {"headline": article.headline},
            "subtitle": None,
            "opts": self.opts,
            "object": article,
            "older": older,
            "newer": newer,
            "fields": compare_versions(version_data(older), version_data(newer)),
            "versions": versions,
            "can_restore": self.has_change_permission(request, article),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    def restore_view(self, request, object_id, version_id):
        article = self._article_or_404(request, object_id, change=True)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:articles_article_history", args=[article.pk]))
        version = get_object_or_404(Version.objects.get_for_object(article), pk=version_id)
        services.article_restore_version(article=article, version=version, by=request.user)
        LogEntry.objects.log_actions(
            user_id=request.user.pk,
            queryset=[article],
            action_flag=2,
            change_message=gettext("Restored the version of %(time)s.")
            % {"time": f"{timezone.localtime(version.revision.date_created):%Y-%m-%d %H:%M}"},
            single_object=True,
        )
        self.message_user(
            request,
            gettext("The old text is back as a new version; the version it replaced is kept in the history."),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
