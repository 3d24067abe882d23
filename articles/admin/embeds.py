"""Embeds (articles/embeds.py): made by saving an article, so only looked at here, or fetched again."""

from functools import reduce
from operator import or_

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ..embeds import articles_render_again, embed_ref, embeds_fetch
from ..models import Article, Embed


@admin.register(Embed)
class EmbedAdmin(admin.ModelAdmin):
    list_display = ["url", "provider", "title", "fetched_at", "fetch_error"]
    list_filter = ["provider"]
    search_fields = ["url", "title", "author_name"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "url",
        "provider",
        "title",
        "author_name",
        "preview",
        "width",
        "height",
        "fetched_at",
        "fetch_error",
        "created_at",
    ]
    exclude = ["thumbnail"]
    actions = ["fetch_again"]

    @admin.display(description=_("thumbnail"))
    def preview(self, embed):
        if not embed.thumbnail:
            return "—"
        return format_html('<img src="{}" alt="" width="240">', embed.thumbnail.url)

    def has_add_permission(self, request):
        # An embed is made when an article holding its address is saved.
        return False

    @admin.action(permissions=["change"], description=_("Fetch title and thumbnail again"))
    def fetch_again(self, request, queryset):
        # The changelist runs no transaction around actions: nothing is locked while providers answer.
        embeds = list(queryset)
        refs = [ref for ref in (embed_ref(embed.url) for embed in embeds) if ref is not None]
        fetched = embeds_fetch(refs, force=True)
        failed = [embed for embed in fetched if embed.fetch_error]
        if fetched:
            using = reduce(or_, (Q(body__contains=embed.url) for embed in fetched))
            articles_render_again(Article.objects.filter(using))
        self.message_user(
            request,
            ngettext(
                "Metadata of %(count)d embed fetched again.",
                "Metadata of %(count)d embeds fetched again.",
                len(fetched) - len(failed),
            )
            % {"count": len(fetched) - len(failed)},
            messages.SUCCESS,
        )
        done = {embed.url: embed for embed in fetched}
        missed = [embed.url for embed in embeds if embed.url not in done or done[embed.url].fetch_error]
        if missed:
            self.message_user(
                request,
                gettext("Not fetched (see “last fetch error”): %(urls)s") % {"urls": ", ".join(missed)},
                messages.WARNING,
            )
