import base64

import reversion
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchQuery
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from reversion.models import Version
from taggit.models import Tag

from . import services
from pagecache import public_pages_changed
from .forms import ArticleAdminForm, ArticleImportForm, InlineImageForm, workflow_action
from .importers import ImportFileError
from .models import Article, Author, Correction, Credit, InlineImage, Page, Section
from .pagination import ArchivePaginator
from .previews import preview_expires_at, preview_path
from .revisions import article_versions, compare_versions, history_entries, version_data
from .search import clean_query, search_config, uses_postgres_search

# Shown to writers but not editable by them: publishing is the editors' call.
PUBLICATION_FIELDS = [
    "status", "published_at", "is_featured", "is_pinned", "is_breaking", "withdrawn_reason",
]  # fmt: skip
WORKFLOW_MESSAGES = {
    "submit": _("“%(headline)s” was sent to the editors."),
    "return": _("“%(headline)s” was returned to its writer as a draft."),
    "publish": _("“%(headline)s” is published."),
    "schedule": _("“%(headline)s” is scheduled for %(time)s."),
    "unpublish": _("“%(headline)s” was taken off the site."),
    "withdraw": _("“%(headline)s” was withdrawn; its address now explains why (410)."),
}
IMPORT_PAYLOAD_SALT = "articles.admin-import"
IMPORT_PAYLOAD_MAX_AGE = 3600


class PublicContentAdmin(admin.ModelAdmin):
    """Admin for content readers see: every save or delete invalidates the cached public pages."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        public_pages_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        public_pages_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        public_pages_changed()


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


class ArticleChildInline:
    """Inline rows may change only when the article itself may (writers: own drafts)."""

    def _article_admin(self):
        return self.admin_site.get_model_admin(Article)

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and self._article_admin().has_change_permission(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._article_admin().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._article_admin().has_change_permission(
            request, obj
        )


class CreditInline(ArticleChildInline, admin.TabularInline):
    model = Credit
    extra = 1
    autocomplete_fields = ["author"]
    fields = ["author", "role", "position"]
    ordering = ["position", "pk"]
    verbose_name = _("credit (byline order)")
    verbose_name_plural = _("credits: writers and reporters first, then editor, photographer, contributor")


class CorrectionInline(ArticleChildInline, admin.StackedInline):
    model = Correction
    extra = 0
    fields = ["kind", "published_at", "body"]
    ordering = ["published_at", "pk"]


class PublicationStateFilter(admin.SimpleListFilter):
    """What readers see: live, scheduled (derived from the publish time), or nothing."""

    title = _("visible to readers")
    parameter_name = "visibility"

    def lookups(self, request, model_admin):
        return [("live", _("Live")), ("scheduled", _("Scheduled")), ("hidden", _("Not visible"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        published = Q(status=Article.Status.PUBLISHED)
        if self.value() == "live":
            return queryset.filter(published, published_at__lte=now)
        if self.value() == "scheduled":
            return queryset.filter(published, published_at__gt=now)
        if self.value() == "hidden":
            return queryset.exclude(published)
        return queryset


# The changelist's author and tag choices count across the whole archive; editors can
# live with a list that is a few minutes old.
FILTER_CHOICES_SECONDS = 600


def cached_filter_choices(name, compute):
    return cache.get_or_set(f"articles:admin-filter:{name}", compute, FILTER_CHOICES_SECONDS)


class AuthorFilter(admin.SimpleListFilter):
    title = _("author")
    parameter_name = "author"

    def lookups(self, request, model_admin):
        def credited():
            authors = Author.objects.filter(Exists(Credit.objects.filter(author=OuterRef("pk"))))
            return [(str(author.pk), author.name) for author in authors.order_by("name")[:100]]

        return cached_filter_choices("authors", credited)

    def queryset(self, request, queryset):
        if not (self.value() or "").isdigit():
            return queryset
        return queryset.filter(pk__in=Credit.objects.filter(author_id=int(self.value())).values("article_id"))


class TagFilter(admin.SimpleListFilter):
    title = _("tag")
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        return cached_filter_choices(
            "tags", lambda: [(tag.slug, tag.name) for tag in Article.tags.most_common()[:40]]
        )

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        tag = Tag.objects.filter(slug=self.value()).first()
        return queryset.tagged(tag) if tag else queryset.none()


@admin.register(Article)
class ArticleAdmin(PublicContentAdmin):
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
    readonly_fields = [
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
            _("SEO & advanced"),
            {
                "classes": ["collapse"],
                "fields": ["seo_title", "seo_description", "canonical_url", "show_toc", "old_addresses"],
            },
        ),
    ]

    class Media:
        css = {"all": ["articles/admin/admin.css"]}
        js = ["articles/admin/article-form.js"]

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
            text = Q(search_vector=SearchQuery(term, search_type="websearch", config=search_config()))
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

    # --- Saving: one service call per request, one version ------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        if workflow_action(request.POST) not in (None, "submit") and not self.has_publish_permission(request):
            # Checked before the form: a writer's crafted button press never gets as far as validation.
            raise PermissionDenied
        try:
            with reversion.create_revision():
                reversion.set_user(request.user)
                return super().changeform_view(request, object_id, form_url, extra_context)
        except services.ArticleConflict:
            # The form check passed but another save won the race: nothing was written.
            self.message_user(
                request,
                _("Someone else saved this article a moment ago; your changes were not saved. Reload it."),
                messages.ERROR,
            )
        except services.WorkflowError as error:
            self.message_user(request, str(error), messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        action = form.action
        can_publish = self.has_publish_permission(request)
        if action not in (None, "submit") and not can_publish:
            raise PermissionDenied
        if not can_publish and not change:
            obj.status = Article.Status.DRAFT
        expected = form.cleaned_data.get("base_version") if change else None
        by = request.user
        if action == "submit":
            services.article_submit(article=obj, by=by, expected_version=expected)
        elif action == "return":
            services.article_return(article=obj, by=by, expected_version=expected)
        elif action == "publish":
            services.article_publish(
                article=obj,
                by=by,
                expected_version=expected,
                mark_as_update=form.cleaned_data.get("mark_as_update", False),
            )
        elif action == "schedule":
            services.article_schedule(article=obj, by=by, at=obj.published_at, expected_version=expected)
        elif action == "unpublish":
            services.article_unpublish(article=obj, by=by, expected_version=expected)
        elif action == "withdraw":
            services.article_withdraw(article=obj, by=by, expected_version=expected)
        else:
            if not can_publish and change:
                # A writer's crafted POST cannot move status: it is not in their form, and this re-checks.
                obj.status = form.initial.get("status", obj.status)
            services.article_save(
                article=obj,
                by=by,
                expected_version=expected,
                mark_as_update=form.cleaned_data.get("mark_as_update", False),
            )

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

    def _comment_revision(self, request, entry):
        action = workflow_action(request.POST)
        label = {
            "submit": gettext("Sent to the editors."),
            "return": gettext("Returned to the writer."),
            "publish": gettext("Published."),
            "schedule": gettext("Scheduled."),
            "unpublish": gettext("Unpublished."),
            "withdraw": gettext("Withdrawn."),
        }.get(action, "")
        entries = entry if isinstance(entry, list) else [entry]
        text = " ".join(part for part in [label, *(e.get_change_message() for e in entries if e)] if part)
        if text and reversion.is_active():
            reversion.set_comment(text)

    def response_add(self, request, obj, post_url_continue=None):
        if workflow_action(request.POST):
            return self._workflow_response(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if workflow_action(request.POST):
            return self._workflow_response(request, obj)
        return super().response_change(request, obj)

    def _workflow_response(self, request, obj):
        action = workflow_action(request.POST)
        when = timezone.localtime(obj.published_at) if obj.published_at else None
        self.message_user(
            request,
            WORKFLOW_MESSAGES[action]
            % {"headline": obj.headline, "time": f"{when:%d-%m-%Y %H:%M}" if when else ""},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[obj.pk]))

    # --- The change form: workflow buttons, previews, history -------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        can_publish = self.has_publish_permission(request)
        can_change = self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        buttons = []
        status = obj.status if obj else Article.Status.DRAFT
        if can_change and status == Article.Status.DRAFT:
            buttons.append(("_submit_review", _("Kirim ke redaksi"), "submit"))
        if can_publish:
            if status == Article.Status.REVIEW:
                buttons.append(("_return_draft", _("Kembalikan ke penulis"), "return"))
            if not (obj and obj.is_published()):
                buttons.append(("_publish", _("Terbitkan"), "publish"))
                buttons.append(("_schedule", _("Jadwalkan"), "schedule"))
            if status == Article.Status.PUBLISHED:
                buttons.append(("_unpublish", _("Tarik"), "unpublish"))
            if obj and obj.first_published_at and status != Article.Status.WITHDRAWN:
                buttons.append(("_withdraw", _("Cabut"), "withdraw"))
        context.update(
            workflow_buttons=buttons,
            can_publish=can_publish,
            status_label=obj.display_status() if obj else Article.Status.DRAFT.label,
            status_value=("scheduled" if obj and obj.is_scheduled() else status),
        )
        if obj is not None:
            context.update(
                preview_url=obj.get_absolute_url(),
                share_url=request.build_absolute_uri(preview_path(obj)) if can_change or can_publish else "",
                share_expires_at=preview_expires_at(),
                history_url=reverse("admin:articles_article_history", args=[obj.pk]),
                revoke_url=reverse("admin:articles_article_preview_revoke", args=[obj.pk]),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

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

    # --- Bulk actions: editors only (permissions=["publish"]) ----------------------------

    def _bulk(self, request, queryset, service, done_message, **kwargs):
        done, refused = 0, []
        for article in queryset:
            try:
                service(article=article, by=request.user, **kwargs)
                done += 1
            except services.WorkflowError as error:
                refused.append(f"“{article.headline}”: {error}")
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)
        for problem in refused:
            self.message_user(request, problem, messages.WARNING)

    @admin.action(permissions=["publish"], description=_("Publish selected articles now"))
    def publish_selected(self, request, queryset):
        self._bulk(request, queryset, services.article_publish, gettext("%(count)d article(s) published."))

    @admin.action(permissions=["publish"], description=_("Unpublish selected articles"))
    def unpublish_selected(self, request, queryset):
        self._bulk(
            request, queryset, services.article_unpublish, gettext("%(count)d article(s) unpublished.")
        )

    @admin.action(permissions=["publish"], description=_("Feature selected articles"))
    def feature_selected(self, request, queryset):
        self._bulk(
            request,
            queryset,
            services.article_set_featured,
            gettext("%(count)d article(s) featured."),
            featured=True,
        )

    @admin.action(permissions=["publish"], description=_("Stop featuring selected articles"))
    def unfeature_selected(self, request, queryset):
        self._bulk(
            request,
            queryset,
            services.article_set_featured,
            gettext("%(count)d article(s) no longer featured."),
            featured=False,
        )

    # --- Extra views: history, compare, restore, preview-link revocation, import ----------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="articles_article_import"),
            path(
                "<path:object_id>/history/compare/", view(self.compare_view), name="articles_article_compare"
            ),
            path(
                "<path:object_id>/history/<int:version_id>/restore/",
                view(self.restore_view),
                name="articles_article_restore",
            ),
            path(
                "<path:object_id>/preview-link/revoke/",
                view(self.preview_revoke_view),
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

    def preview_revoke_view(self, request, object_id):
        article = self._article_or_404(request, object_id, change=True)
        if request.method == "POST":
            services.article_preview_revoke(article=article, by=request.user)
            self.message_user(
                request, gettext("Every preview link shared so far has stopped working."), messages.SUCCESS
            )
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

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
            previews = services.import_article_preview(files)
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


@admin.register(InlineImage)
class InlineImageAdmin(admin.ModelAdmin):
    form = InlineImageForm
    list_display = ["thumbnail", "alt_text", "credit", "size", "uploaded_by", "created_at"]
    list_select_related = ["uploaded_by"]
    search_fields = ["alt_text", "caption", "credit"]
    readonly_fields = ["thumbnail", "size", "uploaded_by", "created_at"]

    class Media:
        css = {"all": ["articles/admin/admin.css"]}

    @admin.display(description=_("image"))
    def thumbnail(self, image):
        if not image.image:
            return "—"
        return format_html('<img src="{}" alt="" class="library-thumb" width="120">', image.image.url)

    @admin.display(description=_("size"))
    def size(self, image):
        return f"{image.width} × {image.height}" if image.width else "—"

    def save_model(self, request, obj, form, change):
        services.inline_image_save(image=obj, by=request.user)

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


@admin.register(Page)
class PageAdmin(PublicContentAdmin):
    list_display = ["title", "slug", "position", "is_in_footer", "modified_at"]
    list_editable = ["position", "is_in_footer"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ("title",)}
