import logging

from django.apps import AppConfig
from django.db import models
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def sync_search_config(sender, using, **kwargs):
    """After migrate: make the search triggers index with ARTICLES_SEARCH_CONFIG (search/triggers.py)."""
    from django.db import connections

    from .search import sync_search_config as sync

    sync(connections[using])


def log_lockout(sender, request, username, ip_address, **kwargs):
    """Tell the operator who is locked out, and from where (axes masks both in its own logs)."""
    logging.getLogger("newsportal.security").warning(
        "Login locked out: username=%r address=%s path=%s", username, ip_address, request.path
    )


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Newsroom")

    def ready(self):
        import reversion
        from axes.signals import user_locked_out

        import pagecache

        from .models import Article, Correction, Credit, LiveUpdate

        # Every save inside a revision block (services, the admin) keeps a version of the
        # article together with its credits and corrections.
        reversion.register(Credit)
        reversion.register(Correction)
        # Derived data (the search vector, what precomputed.py stores) is made again on save.
        reversion.register(
            Article,
            follow=["credits", "corrections"],
            exclude=[
                "search_vector", "body_html", "body_outline", "body_words", "links", "live_sequence",
                "live_updated_at",
            ],
        )  # fmt: skip
        # Each update's own history: who wrote, published, edited or removed it, and when.
        reversion.register(LiveUpdate, exclude=["body_html"])
        user_locked_out.connect(log_lockout, dispatch_uid="articles_log_lockout")
        post_migrate.connect(sync_search_config, sender=self, dispatch_uid="articles_sync_search_config")
        from . import cachetags, chrome

        # When a scheduled article goes live (or a coverage starts or ends), the pages it appears
        # on are invalidated then.
        pagecache.register_next_change(cachetags.next_change, cachetags.due_tags)
        models.signals.pre_delete.connect(
            cachetags.article_deleting, sender=Article, dispatch_uid="articles_invalidate_deleted"
        )
        chrome.register()
        pagecache.register_warmer(cachetags.warm_paths)
