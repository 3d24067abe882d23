"""The article admin: fields, who may see and change what, the list, previews."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import Article, Author, Credit
from ..pagination import ArchivePaginator
from ..search import clean_query, postgres_query, uses_postgres_search
from .content import PublicContentAdmin
from .filters import AuthorFilter, LiveCoverageFilter, PublicationStateFilter, TagFilter
from .forms import ArticleAdminForm, workflow_action
from .galleries import ArticleGalleryMixin
from .history import ArticleHistoryMixin
from .importing import ArticleImportMixin
from .inlines import CorrectionInline, CreditInline
from .live import ArticleLiveMixin
from .wordpress import WordPressImportMixin
from .workflow import ArticleWorkflowMixin

# Shown to writers but not editable by them: publishing is the editors' call.
PUBLICATION_FIELDS = [
    "published_at", "is_featured", "is_pinned", "is_breaking", "withdrawn_reason", "live_started_at",
    "live_ended_at", "live_oldest_first", "live_writers_publish",
]  # fmt: skip


@admin.register(Article)
class ArticleAdmin(
    ArticleLiveMixin,
    ArticleGalleryMixin,
    ArticleImportMixin,
    WordPressImportMixin,
    ArticleHistoryMixin,
    ArticleWorkflowMixin,
    PublicContentAdmin,
):
    form = ArticleAdminForm
    list_display = [
        "headline",
        "status_badge",
        "section",
        "byline",
        "published_at",
        "last_edited",
        "is_featured",
        "is_breaking",
        "live_desk",
    ]
    list_filter = [
        "status",
        PublicationStateFilter,
        "section",
        AuthorFilter,
        TagFilter,
        "published_at",
        "is_featured",
        "is_breaking",
        "is_advertorial",
        LiveCoverageFilter,
    ]
    list_select_related = ["section", "section__parent", "last_edited_by"]
    list_per_page = 50
    # At 100,000 articles: no second COUNT(*) of the whole table, counts kept until an
    # article changes, deep pages skip index entries, and no date drill-down (it scans
    # every row for its years); the "publish time" filter covers today to this year.
    show_full_result_count = False
    paginator = ArchivePaginator
    search_fields = ["headline", "dek", "slug", "kicker", "credits__author__name"]
    search_help_text = _("Headline, summary, kicker, slug or author name.")
    prepopulated_fields = {"slug": ("headline",)}
    autocomplete_fields = ["section"]
    inlines = [CreditInline, CorrectionInline]
    # Status is shown to everyone and edited by no one: only the workflow's buttons move it.
    readonly_fields = [
        "status",
        "first_published_at",
        "updated_at",
        "created_at",
        "modified_at",
        "created_by",
        "last_edited_by",
        "lead_image_preview",
        "old_addresses",
    ]
    actions = ["publish_selected", "unpublish_selected", "feature_selected", "unfeature_selected"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "base_version",
                    "kind",
                    "kicker",
                    "headline",
                    "slug",
                    "dek",
                    "body",
                    "section",
                    "tags",
                    "new_tags",
                ]
            },
        ),
        (
            _("Lead image"),
            {
                "fields": [
                    "lead_image_preview",
                    "lead_image",
                    "lead_image_alt",
                    "lead_image_caption",
                    "lead_image_credit",
                    ("lead_image_focal_x", "lead_image_focal_y"),
                ]
            },
        ),
        (
            _("Publication"),
            {
                "fields": [
                    "status",
                    "published_at",
                    ("updated_at", "mark_as_update"),
                    ("is_featured", "is_pinned", "is_breaking", "is_advertorial"),
                    "withdrawn_reason",
                    ("first_published_at", "created_at", "modified_at"),
                    ("created_by", "last_edited_by"),
                ]
            },
        ),
        (
            _("Live coverage"),
            {
                "classes": ["collapse"],
                "fields": [
                    ("live_started_at", "live_ended_at"),
                    ("live_oldest_first", "live_writers_publish"),
                ],
            },
        ),
        (
            _("SEO & advanced"),
            {
                "classes": ["collapse"],
                "fields": ["seo_title", "seo_description", "canonical_url", "show_toc", "old_addresses"],
            },
        ),
    ]

    class Media:
        css = {"all": ["articles/admin/admin.css"]}
        js = ["articles/admin/article-form.js", "articles/admin/focal-point.js"]

    # --- Who may do what (enforced on the server; buttons only follow) -------------------

    def has_publish_permission(self, request):
        return request.user.has_perm("articles.publish_article")

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or self.has_publish_permission(request) or obj.is_owned_by(request.user)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or self.has_publish_permission(request):
            return True
        # Writers: their own drafts only; once in review or published, editors take over.
        return obj.status == Article.Status.DRAFT and obj.is_owned_by(request.user)

    def get_queryset(self, request):
        articles = super().get_queryset(request).visible_to(request.user).prefetch_related("credits__author")
        if request.resolver_match and request.resolver_match.url_name == "articles_article_changelist":
            # The list shows no bodies: don't read 50 of them (or skip past 50,000) per page.
            articles = articles.defer("body", "search_vector")
        return articles

    def get_search_results(self, request, queryset, search_term):
        """Search the list the way readers search the site, plus author names; no DISTINCT needed."""
        term = clean_query(search_term)
        if not term:
            return queryset, False
        by_author = Exists(Credit.objects.filter(article=OuterRef("pk"), author__name__icontains=term))
        if uses_postgres_search():
            # The indexed document (headline, kicker, tags, summary, body) instead of ILIKE scans.
            text = Q(search_vector=postgres_query(term))
        else:
            text = Q(headline__icontains=term) | Q(dek__icontains=term) | Q(kicker__icontains=term)
        return queryset.filter(text | by_author | Q(slug=term)), False

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            fields += PUBLICATION_FIELDS + ["is_advertorial"]
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_publish_permission(request):
            return fieldsets

        def without_update_box(fields):
            for field in fields:
                if isinstance(field, tuple):
                    yield tuple(name for name in field if name != "mark_as_update")
                elif field != "mark_as_update":
                    yield field

        return [
            (name, {**options, "fields": list(without_update_box(options["fields"]))})
            for name, options in fieldsets
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        form.action = workflow_action(request.POST) if request.method == "POST" else None
        return form

    def save_related(self, request, form, formsets, change):
        article = form.instance
        had_corrections = set(article.corrections.values_list("pk", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        credits = list(article.credits.order_by("position", "pk"))
        if not credits:
            author = Author.objects.filter(user=request.user).first()
            if author is not None:
                # A writer's own article is credited to them unless they named someone else.
                Credit.objects.create(article=article, author=author, role=Credit.Role.WRITER)
        else:
            for position, credit in enumerate(credits):
                if credit.position != position:
                    credit.position = position
                    credit.save(update_fields=["position"])
        if set(article.corrections.values_list("pk", flat=True)) - had_corrections:
            # A new correction or reply is a change readers must see: "Diperbarui".
            services.article_mark_updated(article=article, by=request.user)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._comment_revision(request, entry)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._comment_revision(request, entry)
        return entry

    @admin.display(description=_("lead image"))
    def lead_image_preview(self, article):
        if not article.lead_image:
            return "—"
        return format_html(
            '<img src="{}" alt="{}" class="lead-image-preview" width="240">',
            article.lead_image.url,
            article.lead_image_alt,
        )

    @admin.display(description=_("old addresses"))
    def old_addresses(self, article):
        slugs = [old.slug for old in article.old_slugs.all()] if article.pk else []
        if not slugs:
            return _("None: the address has not changed since publication.")
        return format_html(
            '{}<br><span class="help">{}</span>',
            ", ".join(slugs),
            _("Links with these old slugs answer 301 to the current address."),
        )

    # --- List view ----------------------------------------------------------------------

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, article):
        state = "scheduled" if article.is_scheduled() else article.status
        return format_html(
            '<span class="status-badge status-badge--{}">{}</span>', state, article.display_status()
        )

    @admin.display(description=_("authors"))
    def byline(self, article):
        return ", ".join(author.name for author in article.byline_authors())

    @admin.display(description=_("last edited by"), ordering="modified_at")
    def last_edited(self, article):
        if article.last_edited_by is None:
            return "—"
        return article.last_edited_by.get_username()

    # --- Extra views: preview-link revocation (history and import come from their mixins) ---

    def get_urls(self):
        return [
            path(
                "<path:object_id>/preview-link/revoke/",
                self.admin_site.admin_view(self.preview_revoke_view),
                name="articles_article_preview_revoke",
            ),
            *super().get_urls(),
        ]

    def _article_or_404(self, request, object_id, *, change=False):
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404
        allowed = self.has_change_permission if change else self.has_view_or_change_permission
        if not allowed(request, article):
            raise PermissionDenied
        return article

    def preview_revoke_view(self, request, object_id):
        article = self._article_or_404(request, object_id, change=True)
        if request.method == "POST":
            services.article_preview_revoke(article=article, by=request.user)
            self.message_user(
                request, gettext("Every preview link shared so far has stopped working."), messages.SUCCESS
            )
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
