"""The admin's WordPress import, for smaller exports: upload, see what would happen, then import.

The command (manage.py import_wordpress) is the way for a whole archive; this
runs the same service in the editor's request. The uploaded file waits under
VAR_DIR/imports (never in public media) between the preview and the import.
"""

import re
import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..importers.wordpress_mapping import check_permalink_structure
from ..importers.wordpress_media import media_source
from ..models import Section
from ..services.wordpress_import import WordPressImportError, WordPressImportOptions, import_wordpress

PAYLOAD_SALT = "articles.admin-wordpress-import"
PAYLOAD_MAX_AGE = 3600
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


def uploads_dir():
    return Path(settings.VAR_DIR) / "imports"


def max_upload_bytes():
    return int(getattr(settings, "WORDPRESS_ADMIN_IMPORT_MAX_MB", 50)) * 1024 * 1024


class WordPressImportForm(forms.Form):
    export = forms.FileField(
        label=_("WordPress export"),
        help_text=_("The .xml file of Tools › Export (or `wp export`). Bigger archives: the command line."),
    )
    media_base_url = forms.URLField(
        label=_("old site's address"),
        required=False,
        assume_scheme="https",
        help_text=_(
            "To copy the images from it over HTTP, e.g. https://lama.example.id. "
            "Empty: images keep their addresses."
        ),
    )
    default_section = forms.ModelChoiceField(
        label=_("default section"),
        queryset=Section.objects.all(),
        to_field_name="slug",
        required=False,
        help_text=_("For posts without a category. Other categories become sections of their own."),
    )
    section_map = forms.CharField(
        label=_("categories into sections"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: category-slug = section-slug."),
    )
    author_map = forms.CharField(
        label=_("logins to authors"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: login = Author's name."),
    )
    permalink_structure = forms.CharField(
        label=_("permalink structure"),
        required=False,
        help_text=_("As in WordPress's Settings › Permalinks, e.g. /%year%/%monthnum%/%day%/%postname%/."),
    )
    overwrite = forms.BooleanField(
        label=_("overwrite editors' changes"),
        required=False,
        help_text=_("Also replace articles changed here since they were imported."),
    )

    def __init__(self, *args, require_file=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["export"].required = require_file

    def clean_export(self):
        upload = self.cleaned_data.get("export")
        if upload and upload.size > max_upload_bytes():
            raise ValidationError(
                _("The file is %(size)s; here at most %(max)s. Import bigger exports with the command line."),
                params={"size": filesizeformat(upload.size), "max": filesizeformat(max_upload_bytes())},
            )
        return upload

    def clean_permalink_structure(self):
        value = self.cleaned_data["permalink_structure"].strip()
        if value:
            try:
                check_permalink_structure(value)
            except ValueError as error:
                raise ValidationError(str(error)) from error
        return value

    def _pairs(self, name, shape):
        mapping = {}
        for number, line in enumerate(self.cleaned_data[name].splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep or not key.strip() or not value.strip():
                raise ValidationError(
                    _("Line %(number)s is not “%(shape)s”."), params={"number": number, "shape": shape}
                )
            mapping[key.strip()] = value.strip()
        return mapping

    def clean_section_map(self):
        mapping = self._pairs("section_map", "category-slug = section-slug")
        missing = sorted(set(mapping.values()) - set(Section.objects.values_list("slug", flat=True)))
        if missing:
            raise ValidationError(
                _("No section with the slug %(slugs)s."), params={"slugs": ", ".join(missing)}
            )
        return mapping

    def clean_author_map(self):
        return self._pairs("author_map", "login = Name")

    def import_options(self, *, by, dry_run):
        data = self.cleaned_data
        return WordPressImportOptions(
            media=media_source(media_base_url=data["media_base_url"] or None),
            section_map=data["section_map"],
            default_section=data["default_section"].slug if data["default_section"] else "",
            author_map=data["author_map"],
            permalink_structure=data["permalink_structure"],
            overwrite=data["overwrite"],
            dry_run=dry_run,
            renditions=not dry_run,
            by=by,
        )


class WordPressImportMixin:
    """The article admin's WordPress import: step one uploads and previews, step two imports."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "import/wordpress/",
                view(self.wordpress_import_view),
                name="articles_article_import_wordpress",
            ),
            *super().get_urls(),
        ]

    def wordpress_import_view(self, request):
        # An import publishes articles and creates sections: editors' work, not writers'.
        if not (self.has_add_permission(request) and self.has_publish_permission(request)):
            raise PermissionDenied
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import from WordPress"),
            "subtitle": None,
            "opts": self.opts,
        }
        template = "admin/articles/article/import_wordpress.html"
        if request.method == "POST" and "payload" in request.POST:
            return self._wordpress_import_confirmed(request, context, template)
        form = WordPressImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            token = secrets.token_hex(16)
            stored = self._wordpress_export_store(form.cleaned_data["export"], token)
            try:
                report = import_wordpress(stored, options=form.import_options(by=request.user, dry_run=True))
            except WordPressImportError as error:
                stored.unlink(missing_ok=True)
                form.add_error("export", str(error))
            else:
                options = {
                    key: value
                    for key, value in request.POST.items()
                    if key not in ("csrfmiddlewaretoken", "export")
                }
                context.update(
                    preview=report,
                    file_name=form.cleaned_data["export"].name,
                    payload=signing.dumps(
                        {"user": request.user.pk, "token": token, "options": options}, salt=PAYLOAD_SALT
                    ),
                )
        context.update(form=form)
        return TemplateResponse(request, template, context)

    def _wordpress_import_confirmed(self, request, context, template):
        try:
            payload = signing.loads(request.POST["payload"], salt=PAYLOAD_SALT, max_age=PAYLOAD_MAX_AGE)
        except signing.BadSignature:
            payload = None
        token = (payload or {}).get("token", "")
        stored = uploads_dir() / f"{token}.xml"
        if payload is None or not TOKEN_RE.match(token) or not stored.is_file():
            self.message_user(
                request, gettext("The preview expired; upload the export again."), messages.ERROR
            )
            return HttpResponseRedirect(reverse("admin:articles_article_import_wordpress"))
        if payload.get("user") != request.user.pk:
            raise PermissionDenied
        form = WordPressImportForm(payload["options"], require_file=False)
        if not form.is_valid():
            self.message_user(
                request, gettext("The options changed since the preview; check them again."), messages.ERROR
            )
            return HttpResponseRedirect(reverse("admin:articles_article_import_wordpress"))
        try:
            report = import_wordpress(stored, options=form.import_options(by=request.user, dry_run=False))
        except WordPressImportError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:articles_article_import_wordpress"))
        finally:
            stored.unlink(missing_ok=True)
        self.message_user(request, gettext("The WordPress export was imported."), messages.SUCCESS)
        context.update(result=report)
        return TemplateResponse(request, template, context)

    @staticmethod
    def _wordpress_export_store(upload, token):
        folder = uploads_dir()
        folder.mkdir(parents=True, exist_ok=True)
        expired = time.time() - PAYLOAD_MAX_AGE
        for old in folder.glob("*.xml"):
            # Previews nobody confirmed: their payload has expired too.
            if old.stat().st_mtime < expired:
                old.unlink(missing_ok=True)
        stored = folder / f"{token}.xml"
        with stored.open("wb") as file:
            for chunk in upload.chunks():
                file.write(chunk)
        return stored
