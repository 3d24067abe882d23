"""The gallery manager: a photo gallery's photos uploaded, described, ordered and removed on one page.

Uploads come one file per request from static/articles/admin/gallery.js
(progress and a result per file, a bad file refused on its own), or all at
once from the plain form without JavaScript; both go to the same endpoint
and through services.gallery_photo_add. "Simpan" saves the whole list in one
service call (services.gallery_save).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext

from .. import services
from ..images import image_limits
from ..models import Article, GalleryPhoto
from ..prepublish import prepublish_errors, prepublish_warnings
from .forms import GalleryPhotoForm

ROW_TEMPLATE = "admin/articles/article/gallery_row.html"


def thumbnail_url(image):
    """Return the address of the smallest rendition in the original's shape, or of the original file."""
    renditions = image.renditions or {}
    fallback = renditions.get("fallback") or []
    if renditions.get("source") == image.image.name and fallback:
        return default_storage.url(min(fallback, key=lambda entry: entry[0])[2])
    return image.image.url


def is_xhr(request):
    return request.headers.get("x-requested-with") == "XMLHttpRequest"


class ArticleGalleryMixin:
    """The gallery manager of the article admin, and its link and pre-publish notes on the article form."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/gallery/", view(self.gallery_view), name="articles_article_gallery"),
            path(
                "<path:object_id>/gallery/upload/",
                view(self.gallery_upload_view),
                name="articles_article_gallery_upload",
            ),
            *super().get_urls(),
        ]

    # --- The article form: the link to the manager and the pre-publish notes ---------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(
                prepublish_warnings=prepublish_warnings(obj),
                prepublish_errors=prepublish_errors(obj) if obj.status != Article.Status.PUBLISHED else [],
            )
            if obj.kind == Article.Kind.GALLERY:
                context.update(
                    gallery_url=reverse("admin:articles_article_gallery", args=[obj.pk]),
                    gallery_count=GalleryPhoto.objects.filter(article=obj).count(),
                )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        self._prepublish_messages(request, obj)
        if obj.kind == Article.Kind.GALLERY:
            self.message_user(
                request,
                gettext("Galeri foto tersimpan; sekarang unggah fotonya lewat “Kelola foto galeri”."),
                messages.INFO,
            )
        return response

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        self._prepublish_messages(request, obj)
        return response

    def _prepublish_messages(self, request, obj):
        for warning in prepublish_warnings(obj):
            self.message_user(request, warning, messages.WARNING)

    # --- The manager ------------------------------------------------------------------------

    def _gallery_or_404(self, request, object_id):
        article = self._article_or_404(request, object_id, change=True)
        if not request.user.has_perm("articles.add_inlineimage"):
            raise PermissionDenied
        return article

    def _photo_forms(self, article, data=None):
        photos = (
            GalleryPhoto.objects.filter(article=article).select_related("image").order_by("position", "pk")
        )
        return [
            GalleryPhotoForm(data, photo=photo, thumbnail_url=thumbnail_url(photo.image)) for photo in photos
        ]

    def gallery_view(self, request, object_id):
        article = self._gallery_or_404(request, object_id)
        change_url = reverse("admin:articles_article_change", args=[article.pk])
        if article.kind != Article.Kind.GALLERY:
            self.message_user(
                request,
                gettext("Hanya galeri foto yang punya pengelola galeri; ubah jenis ceritanya dulu."),
                messages.WARNING,
            )
            return HttpResponseRedirect(change_url)
        gallery_url = reverse("admin:articles_article_gallery", args=[article.pk])
        if request.method == "POST":
            forms = self._photo_forms(article, request.POST)
            if all(form.is_valid() for form in forms):
                self._gallery_save(request, article, forms)
                return HttpResponseRedirect(gallery_url)
            self.message_user(request, gettext("Periksa isian yang ditandai di bawah."), messages.ERROR)
        else:
            forms = self._photo_forms(article)
        cover = next((form.photo.pk for form in forms if form.photo.is_cover), None)
        if request.method == "POST":
            cover = _int_or_none(request.POST.get("cover")) or cover
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Foto galeri: %(headline)s") % {"headline": article.headline},
            "subtitle": None,
            "opts": self.opts,
            "original": article,
            "forms": forms,
            "cover": cover,
            "change_url": change_url,
            "upload_url": reverse("admin:articles_article_gallery_upload", args=[article.pk]),
            "limits": image_limits(),
            "missing_alt": sum(1 for form in forms if not form.photo.image.alt_text),
            "prepublish_warnings": prepublish_warnings(article),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/gallery.html", context)

    def _gallery_save(self, request, article, forms):
        edits, places, remove = [], [], []
        for index, form in enumerate(forms):
            data = form.cleaned_data
            if data["remove"]:
                remove.append(form.photo.pk)
                continue
            places.append((data["position"], index, form.photo.pk))
            edits.append(
                services.PhotoEdit(
                    photo_id=form.photo.pk,
                    alt_text=data["alt_text"],
                    caption=data["caption"],
                    credit=data["credit"],
                    focal_x=data["focal_x"],
                    focal_y=data["focal_y"],
                )
            )
        try:
            services.gallery_save(
                article=article,
                edits=edits,
                order=[pk for _position, _index, pk in sorted(places)],
                cover=_int_or_none(request.POST.get("cover")),
                remove=remove,
                by=request.user,
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        except services.ArticleConflict:
            self.message_user(
                request,
                gettext("Artikel ini baru saja disimpan orang lain; muat ulang dan simpan lagi."),
                messages.ERROR,
            )
            return
        message = gettext("Foto galeri tersimpan.")
        if remove:
            message += " " + ngettext(
                "%(count)d foto dikeluarkan dari galeri (tetap ada di pustaka gambar).",
                "%(count)d foto dikeluarkan dari galeri (tetap ada di pustaka gambar).",
                len(remove),
            ) % {"count": len(remove)}
        self.message_user(request, message, messages.SUCCESS)
        article.refresh_from_db()
        if article.status != Article.Status.PUBLISHED:
            for problem in prepublish_errors(article):
                self.message_user(request, problem, messages.WARNING)
        self._prepublish_messages(request, article)

    def gallery_upload_view(self, request, object_id):
        """Add the uploaded files ("photos") to the gallery: JSON for one file by XHR, else messages."""
        article = self._gallery_or_404(request, object_id)
        gallery_url = reverse("admin:articles_article_gallery", args=[article.pk])
        if request.method != "POST":
            return HttpResponseRedirect(gallery_url)
        uploads = request.FILES.getlist("photos")
        if is_xhr(request):
            if len(uploads) != 1:
                return JsonResponse(
                    {"ok": False, "error": gettext("Kirim satu berkas per permintaan.")}, status=400
                )
            upload = uploads[0]
            name = upload.name
            try:
                photo = services.gallery_photo_add(article=article, upload=upload, by=request.user)
            except ValidationError as error:
                return JsonResponse(
                    {"ok": False, "name": name, "error": _file_error(name, error)}, status=400
                )
            form = GalleryPhotoForm(photo=photo, thumbnail_url=thumbnail_url(photo.image))
            row_html = render_to_string(
                ROW_TEMPLATE, {"form": form, "cover": photo.pk if photo.is_cover else None}, request=request
            )
            return JsonResponse(
                {
                    "ok": True,
                    "name": name,
                    "message": gettext("%(name)s: diunggah") % {"name": name},
                    "photo_id": photo.pk,
                    "is_cover": photo.is_cover,
                    "row_html": row_html,
                }
            )
        if not uploads:
            self.message_user(request, gettext("Pilih satu atau beberapa foto dulu."), messages.WARNING)
        for upload in uploads:
            name = upload.name
            try:
                services.gallery_photo_add(article=article, upload=upload, by=request.user)
            except ValidationError as error:
                self.message_user(request, _file_error(name, error), messages.ERROR)
            else:
                self.message_user(request, gettext("%(name)s: diunggah") % {"name": name}, messages.SUCCESS)
        return HttpResponseRedirect(gallery_url)


def _file_error(name, error):
    return gettext("%(name)s: %(error)s") % {"name": name, "error": " ".join(error.messages)}


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
