"""The article form's inline rows: credits (byline order) and corrections."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import Article, Correction, Credit


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
