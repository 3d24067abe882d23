"""The admin's import wizard: upload text files, see what would happen, then import."""

import base64

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext

from .. import services
from ..importers import ImportFileError
from .forms import ArticleImportForm

IMPORT_PAYLOAD_SALT = "articles.admin-import"
IMPORT_PAYLOAD_MAX_AGE = 3600


class ArticleImportMixin:
    """The import wizard of the article admin (step one: upload and preview; step two: confirm)."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="articles_article_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        can_publish = self.has_publish_permission(request)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import articles from text files"),
            "subtitle": None,
            "opts": self.opts,
        }
        request.current_app = self.admin_site.name
        template = "admin/articles/article/import.html"

        if request.method == "POST" and "payload" in request.POST:
            # Step two: the editor saw the preview and confirms.
            try:
                payload = signing.loads(
                    request.POST["payload"], salt=IMPORT_PAYLOAD_SALT, max_age=IMPORT_PAYLOAD_MAX_AGE
                )
            except signing.BadSignature:
                self.message_user(
                    request, gettext("The preview expired; upload the files again."), messages.ERROR
                )
                return HttpResponseRedirect(reverse("admin:articles_article_import"))
            if payload.get("user") != request.user.pk:
                raise PermissionDenied
            form = ArticleImportForm(payload["options"], can_publish=can_publish)
            form.fields["files"].required = False
            if not form.is_valid():
                raise PermissionDenied
            files = [(name, base64.b64decode(data)) for name, data in payload["files"]]
            try:
                results = services.import_article_data(files, by=request.user, **self._import_options(form))
            except (ImportFileError, PermissionDenied) as error:
                self.message_user(request, str(error) or gettext("Not allowed."), messages.ERROR)
                return HttpResponseRedirect(reverse("admin:articles_article_import"))
            self.message_user(
                request,
                ngettext("%(count)d article imported.", "%(count)d articles imported.", len(results))
                % {"count": len(results)},
                messages.SUCCESS,
            )
            context.update(results=results)
            return TemplateResponse(request, template, context)

        form = ArticleImportForm(request.POST or None, request.FILES or None, can_publish=can_publish)
        if request.method == "POST" and form.is_valid():
            files = [(upload.name, upload.read()) for upload in form.cleaned_data["files"]]
            previews = services.import_article_preview(files, by=request.user, **self._import_options(form))
            context.update(previews=previews, has_errors=any(preview.error for preview in previews))
            if not context["has_errors"]:
                options = {key: value for key, value in request.POST.items() if key != "csrfmiddlewaretoken"}
                context["payload"] = signing.dumps(
                    {
                        "user": request.user.pk,
                        "options": options,
                        "files": [(name, base64.b64encode(data).decode()) for name, data in files],
                    },
                    salt=IMPORT_PAYLOAD_SALT,
                    compress=True,
                )
        context.update(form=form)
        return TemplateResponse(request, template, context)

    @staticmethod
    def _import_options(form):
        data = form.cleaned_data
        return {
            "section": data["section"],
            "tags": [tag.strip() for tag in data.get("tags", "").split(",")],
            "authors": [name.strip() for name in data.get("authors", "").split(",")],
            "status": data["status"],
            "publish_at": data.get("publish_at"),
        }
