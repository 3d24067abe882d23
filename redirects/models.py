from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The objects an old address may lead to, one per row (Redirect.target).
TARGET_FIELDS = ("article", "section", "tag", "author", "page", "image")


def exactly_one_target_q():
    """Return "exactly one of TARGET_FIELDS is set" as a Q."""
    return Q.create(
        [
            Q(
                **{f"{name}__isnull": False},
                **{f"{other}__isnull": True for other in TARGET_FIELDS if other != name},
            )
            for name in TARGET_FIELDS
        ],
        connector=Q.OR,
    )


class Redirect(models.Model):
    """An address of an imported site, answered with a 301 to its target's current address.

    The target is a row, never a URL: a slug or section changed here later is
    followed at once, so there are no chains.
    """

    path = models.CharField(
        _("old address"),
        max_length=700,
        unique=True,
        help_text=_("The old site's path in its key form (redirects.paths.normalize_path)."),
    )
    article = models.ForeignKey(
        "articles.Article", verbose_name=_("article"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    section = models.ForeignKey(
        "articles.Section", verbose_name=_("section"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    tag = models.ForeignKey(
        "taggit.Tag", verbose_name=_("tag"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        "articles.Author", verbose_name=_("author"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    page = models.ForeignKey(
        "articles.Page", verbose_name=_("static page"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    image = models.ForeignKey(
        "articles.InlineImage",
        verbose_name=_("library image"),
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        db_index=True,
        help_text=_("The exported site, e.g. “https://lama.example.id”."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("old address")
        verbose_name_plural = _("old addresses")
        constraints = [
            models.CheckConstraint(condition=exactly_one_target_q(), name="redirect_exactly_one_target"),
        ]

    def __str__(self):
        return self.path

    @property
    def target(self):
        """Return the object this address leads to."""
        for name in TARGET_FIELDS:
            if getattr(self, f"{name}_id") is not None:
                return getattr(self, name)
        return None
