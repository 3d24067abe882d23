from django.conf import settings
from django.utils.functional import SimpleLazyObject

from pagecache import cached_fragment

from .models import Page
from .sections import section_tree


def site(request):
    """Add the masthead, the section menu and footer pages to every template."""
    return {
        "site_name": settings.SITE_NAME,
        "site_tagline": settings.SITE_TAGLINE,
        "nav_sections": SimpleLazyObject(lambda: section_tree(request).navigation),
        # Untagged: kept until the chrome (a page edit) or a listing changes.
        "footer_pages": SimpleLazyObject(lambda: cached_fragment(request, "footer-pages", footer_pages)),
    }


def footer_pages():
    return list(Page.objects.filter(is_in_footer=True))
