from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Newsroom")

    def ready(self):
        import reversion

        from .models import Article, Correction, Credit

        # Every save inside a revision block (services, the admin) keeps a version of the
        # article together with its credits and corrections.
        reversion.register(Credit)
        reversion.register(Correction)
        reversion.register(Article, follow=["credits", "corrections"])
