from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .models import Page
from .sections import section_tree


def site(request):
    """Add the masthead, the section menu and footer pages to every template."""
    return {
        "site_name": settings.SITE_NAME,
        "site_tagline": settings.SITE_TAGLINE,
        "nav_sections": SimpleLazyObject(lambda: section_tree(request).navigation),
        "footer_pages": SimpleLazyObject(lambda: list(Page.objects.filter(is_in_footer=True))),
    }
