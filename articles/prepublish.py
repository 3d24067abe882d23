"""What an editor should know before an article goes out: warnings (publish anyway) and errors (not yet).

The workflow's publish and schedule steps refuse an article with errors
(workflow.Transition.check_ready); warnings are shown on the article form
and after publishing.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Article, GalleryPhoto

# Google Discover shows large pictures only from images at least this wide.
DISCOVER_MIN_WIDTH = 1200


def lead_image_width(article):
    """Return the lead image's width in pixels (from its renditions, else the file), or None."""
    if not article.lead_image:
        return None
    renditions = article.lead_image_renditions or {}
    if renditions.get("source") == article.lead_image.name and renditions.get("width"):
        return renditions["width"]
    try:
        return article.lead_image.width
    except (OSError, ValueError):  # the file is missing or unreadable: nothing to measure
        return None


def prepublish_warnings(article: Article) -> list[str]:
    """Return what the editor should know before publishing, but may publish with."""
    warnings = []
    width = lead_image_width(article)
    if width is not None and width < DISCOVER_MIN_WIDTH:
        warnings.append(
            _("Gambar utama hanya %(width)s px lebarnya; Google Discover memerlukan minimal %(min)s px.")
            % {"width": width, "min": DISCOVER_MIN_WIDTH}
        )
    return warnings


def prepublish_errors(article: Article) -> list[str]:
    """Return what must be fixed before the article may be published or scheduled."""
    if article.kind != Article.Kind.GALLERY:
        return []
    if not article.pk:
        return [_("Galeri foto belum punya foto; simpan dulu, lalu unggah fotonya.")]
    photos = GalleryPhoto.objects.filter(article_id=article.pk)
    total = photos.count()
    if not total:
        return [_("Galeri foto belum punya foto; unggah fotonya di pengelola galeri.")]
    missing = photos.filter(image__alt_text="").count()
    if missing:
        return [
            ngettext(
                "%(count)d foto galeri belum punya teks alternatif; isi dulu di pengelola galeri.",
                "%(count)d foto galeri belum punya teks alternatif; isi dulu di pengelola galeri.",
                missing,
            )
            % {"count": missing}
        ]
    return []
