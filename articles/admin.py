from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag
from taggit.utils import parse_tags

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


class ArticleAdminForm(forms.ModelForm):
    """Tags as an autocomplete over existing tags, plus a box for new ones."""

    tags = forms.ModelMultipleChoiceField(
        label=_("tags"),
        queryset=Tag.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(Article._meta.get_field("tags"), admin.site),
    )
    new_tags = forms.CharField(
        label=_("new tags"),
        required=False,
        help_text=_("Comma-separated tags that don't exist yet, e.g. “Timur Tengah, Qatar”."),
    )

    class Meta:
        model = Article
        fields = "__all__"  # noqa: DJ007 -- ArticleAdmin.fieldsets picks the fields

    def clean(self):
        cleaned = super().clean()
        existing = list(cleaned.get("tags") or [])
        known = {tag.name.casefold() for tag in existing}
        # taggit's set() accepts Tag objects and names alike; names it knows are reused.
        cleaned["tags"] = existing + [
            name for name in parse_tags(cleaned.get("new_tags", "")) if name.casefold() not in known
        ]
        return cleaned


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
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
        (None, {"fields": ["kicker", "headline", "slug", "dek", "body", "section", "tags", "new_tags"]}),
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
