"""The image library and the editor's image picker."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import InlineImage
from .forms import InlineImageChangeForm, InlineImageForm


@admin.register(InlineImage)
class InlineImageAdmin(admin.ModelAdmin):
    form = InlineImageForm
    list_display = ["thumbnail", "alt_text", "credit", "size", "uploaded_by", "created_at"]
    list_select_related = ["uploaded_by"]
    search_fields = ["alt_text", "caption", "credit"]
    readonly_fields = ["thumbnail", "size", "uploaded_by", "created_at"]

    class Media:
        css = {"all": ["articles/admin/admin.css"]}

    def get_form(self, request, obj=None, change=False, **kwargs):
        # A stored image gets its focal point, picked on the image itself.
        kwargs["form"] = InlineImageChangeForm if obj is not None else InlineImageForm
        return super().get_form(request, obj, change=change, **kwargs)

    @admin.display(description=_("image"))
    def thumbnail(self, image):
        if not image.image:
            return "—"
        return format_html('<img src="{}" alt="" class="library-thumb" width="120">', image.image.url)

    @admin.display(description=_("size"))
    def size(self, image):
        return f"{image.width} × {image.height}" if image.width else "—"

    def save_model(self, request, obj, form, change):
        # A new focal point: new crops after commit (tasks.library_image_renditions), also for the
        # galleries whose cover it is.
        services.inline_image_save(image=obj, by=request.user)
        if change:
            services.gallery_image_changed(image=obj, by=request.user)

    def get_urls(self):
        return [
            path(
                "picker/",
                self.admin_site.admin_view(self.picker_view),
                name="articles_inlineimage_picker",
            ),
            *super().get_urls(),
        ]

    def picker_view(self, request):
        """Serve the editor's "Browse…" window: pick or upload a library image (CKEditor 4 file browser)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        can_add = self.has_add_permission(request)
        uploaded = None
        form = InlineImageForm(request.POST or None, request.FILES or None) if can_add else None
        if request.method == "POST":
            if not can_add:
                raise PermissionDenied
            if form.is_valid():
                uploaded = services.inline_image_save(image=form.save(commit=False), by=request.user)
                form = InlineImageForm()
        images = InlineImage.objects.all()
        query = request.GET.get("q", "").strip()
        if query:
            images = images.filter(
                Q(alt_text__icontains=query) | Q(caption__icontains=query) | Q(credit__icontains=query)
            )
        page = Paginator(images, 24).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Image library"),
            "subtitle": None,
            "opts": self.opts,
            "form": form,
            "page": page,
            "query": query,
            "uploaded": uploaded,
            "func_num": request.GET.get("CKEditorFuncNum", ""),
            "is_popup": True,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/inlineimage/picker.html", context)
