from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Redirect
from .paths import normalize_path


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    """The old addresses imports recorded, to look one up; the importer is their only writer."""

    list_display = ["path", "leads_to", "source", "created_at"]
    list_filter = ["source"]
    list_select_related = ["article", "section__parent", "tag", "author", "page", "image"]
    search_fields = ["path"]
    search_help_text = _("An old address, as a path or a whole URL.")
    date_hierarchy = "created_at"

    @admin.display(description=_("leads to"))
    def leads_to(self, obj):
        return obj.target

    def get_search_results(self, request, queryset, search_term):
        # Keys are normalized ("https://lama.example.id/2024/03/Judul/" is "/2024/03/judul"):
        # searched the same way, by prefix, so the path's index answers.
        key = normalize_path(search_term if search_term.startswith(("/", "http")) else f"/{search_term}")
        if not key:
            return queryset.none(), False
        return queryset.filter(path__startswith=key), False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
