from django.conf import settings
from django.utils.functional import SimpleLazyObject

from pagecache import cached_fragment, content_generation, fragment_seconds

from .models import Page
from .sections import section_tree


def site(request):
    """Add the masthead, the section menu and footer pages to every template."""
    return {
        "site_name": settings.SITE_NAME,
        "site_tagline": settings.SITE_TAGLINE,
        "nav_sections": SimpleLazyObject(lambda: section_tree(request).navigation),
        # For {% cache fragment_seconds "name" content_generation LANGUAGE_CODE %}; templates call these.
        "content_generation": lambda: content_generation(request),
        "fragment_seconds": lambda: fragment_seconds(request),
        "footer_pages": SimpleLazyObject(lambda: cached_fragment(request, "footer-pages", footer_pages)),
    }


def footer_pages():
    return list(Page.objects.filter(is_in_footer=True))
