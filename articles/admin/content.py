"""Admin for the content around articles: sections, authors, static pages; saves invalidate cached pages."""

from django.contrib import admin
from taggit.models import Tag

from .. import cachetags
from ..models import Author, Page, Section


class PublicContentAdmin(admin.ModelAdmin):
    """Admin for content readers see: every save or delete invalidates the cached public pages."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        cachetags.content_changed(obj)

    def delete_model(self, request, obj):
        cachetags.content_changed(obj, deleted=True)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            cachetags.content_changed(obj, deleted=True)
        super().delete_queryset(request, queryset)


@admin.register(Section)
class SectionAdmin(PublicContentAdmin):
    list_display = ["__str__", "slug", "position", "is_in_navigation"]
    list_editable = ["position", "is_in_navigation"]
    list_filter = ["is_in_navigation", "parent"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["parent"]


@admin.register(Author)
class AuthorAdmin(PublicContentAdmin):
    list_display = ["name", "slug", "user"]
    list_select_related = ["user"]
    search_fields = ["name", "slug", "user__username"]
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["user"]


@admin.register(Page)
class PageAdmin(PublicContentAdmin):
    list_display = ["title", "slug", "position", "is_in_footer", "modified_at"]
    list_editable = ["position", "is_in_footer"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ("title",)}


# taggit's own admin edits its generic TaggedItem rows, not this site's TaggedArticle, and
# its saves would not reach cached pages: renaming or deleting a tag is a public change here.
admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(PublicContentAdmin):
    list_display = ["name", "slug"]
    ordering = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
