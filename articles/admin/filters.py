"""The article list's filters: visibility to readers, author and tag (choices cached at archive size)."""

from django.contrib import admin
from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from ..models import Article, Author, Credit, live_q, published_q, scheduled_q


class PublicationStateFilter(admin.SimpleListFilter):
    """What readers see: live, scheduled (derived from the publish time), or nothing."""

    title = _("visible to readers")
    parameter_name = "visibility"

    def lookups(self, request, model_admin):
        return [("live", _("Live")), ("scheduled", _("Scheduled")), ("hidden", _("Not visible"))]

    def queryset(self, request, queryset):
        # The model's rule, not a copy: "live" is exactly what readers see.
        if self.value() == "live":
            return queryset.published()
        if self.value() == "scheduled":
            return queryset.scheduled()
        if self.value() == "hidden":
            return queryset.exclude(published_q() | scheduled_q())
        return queryset


class LiveCoverageFilter(admin.SimpleListFilter):
    """Live coverage running now, or any coverage (running, ended or set to start)."""

    title = _("live coverage")
    parameter_name = "live"

    def lookups(self, request, model_admin):
        return [("running", _("Running now")), ("any", _("Any coverage"))]

    def queryset(self, request, queryset):
        if self.value() == "running":
            return queryset.filter(live_q())
        if self.value() == "any":
            return queryset.filter(live_started_at__isnull=False)
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
