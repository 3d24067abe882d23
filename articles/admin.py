from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Article, Author, Correction, Credit, Page, Section


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "slug", "position", "is_in_navigation"]
    list_editable = ["position", "is_in_navigation"]
    list_filter = ["is_in_navigation", "parent"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["parent"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user"]
    list_select_related = ["user"]
    search_fields = ["name", "slug", "user__username"]
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["user"]


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 1
    autocomplete_fields = ["author"]
    fields = ["author", "role", "position"]


class CorrectionInline(admin.StackedInline):
    model = Correction
    extra = 0
    fields = ["kind", "published_at", "body"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = [
        "headline",
        "status_badge",
        "section",
        "byline",
        "published_at",
        "is_featured",
        "is_breaking",
    ]
    list_filter = ["status", "section", "credits__author", "is_featured", "is_breaking", "is_advertorial"]
    list_select_related = ["section", "section__parent"]
    date_hierarchy = "published_at"
    search_fields = ["headline", "dek", "slug"]
    prepopulated_fields = {"slug": ("headline",)}
    autocomplete_fields = ["section"]
    inlines = [CreditInline, CorrectionInline]
    readonly_fields = ["first_published_at", "created_at", "modified_at"]
    fieldsets = [
        (None, {"fields": ["kicker", "headline", "slug", "dek", "body", "section", "tags"]}),
        (
            _("Lead image"),
            {"fields": ["lead_image", "lead_image_alt", "lead_image_caption", "lead_image_credit"]},
        ),
        (
            _("Publication"),
            {
                "fields": [
                    "status",
                    "published_at",
                    "updated_at",
                    ("is_featured", "is_pinned", "is_breaking", "is_advertorial"),
                    "withdrawn_reason",
                    ("first_published_at", "created_at", "modified_at"),
                ]
            },
        ),
        (
            _("SEO & advanced"),
            {
                "classes": ["collapse"],
                "fields": ["seo_title", "seo_description", "canonical_url", "show_toc"],
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("credits__author")

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, article):
        label = _("Scheduled") if article.is_scheduled() else article.get_status_display()
        return format_html('<span class="status status-{}">{}</span>', article.status, label)

    @admin.display(description=_("authors"))
    def byline(self, article):
        return ", ".join(author.name for author in article.byline_authors())

    def save_model(self, request, obj, form, change):
        services.article_save(article=obj)


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "position", "is_in_footer", "modified_at"]
    list_editable = ["position", "is_in_footer"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ("title",)}
