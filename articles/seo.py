"""What search engines and social networks read about a page: JSON-LD and language alternates.

Builders return plain dicts; templatetags.articles turns them into a
<script type="application/ld+json"> escaped like json_script, so no text an
editor wrote can close the script element.
"""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.urls import reverse, translate_url
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from .html import plain_text

# Google asks for a raster logo of at least 112 px; static/img/logo.png is 512 x 512.
LOGO_PATH = "img/logo.png"
LOGO_SIZE = 512

# Like django.utils.html.json_script: nothing in the data can end the script element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def jsonld_script(data):
    """Return data as an escaped <script type="application/ld+json"> element."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


def site_url(request):
    return request.build_absolute_uri("/").rstrip("/")


def organization(request):
    return {
        "@type": "NewsMediaOrganization",
        "@id": f"{site_url(request)}/#organization",
        "name": settings.SITE_NAME,
        "url": request.build_absolute_uri(reverse("articles:home")),
        "logo": {
            "@type": "ImageObject",
            "url": request.build_absolute_uri(static(LOGO_PATH)),
            "width": LOGO_SIZE,
            "height": LOGO_SIZE,
        },
    }


def website(request):
    search_url = request.build_absolute_uri(reverse("articles:search"))
    return {
        "@type": "WebSite",
        "@id": f"{site_url(request)}/#website",
        "url": request.build_absolute_uri(reverse("articles:home")),
        "name": settings.SITE_NAME,
        "description": settings.SITE_TAGLINE,
        "inLanguage": get_language() or settings.LANGUAGE_CODE,
        "publisher": {"@id": f"{site_url(request)}/#organization"},
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": f"{search_url}?q={{search_term_string}}"},
            "query-input": "required name=search_term_string",
        },
    }


def home_graph(request):
    return {"@context": "https://schema.org", "@graph": [organization(request), website(request)]}


def breadcrumb_list(request, crumbs, current_name):
    """BreadcrumbList from Beranda through crumbs (objects with name and get_absolute_url) to this page."""
    items = [(_home_name(), reverse("articles:home"))]
    items += [(crumb.name, crumb.get_absolute_url()) for crumb in crumbs]
    items.append((current_name, request.path))
    return {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": request.build_absolute_uri(url)}
            for position, (name, url) in enumerate(items, start=1)
        ],
    }


def _home_name():
    from django.utils.translation import pgettext

    return pgettext("breadcrumb", "Home")


def section_graph(request, section, crumbs):
    page_url = request.build_absolute_uri(section.get_absolute_url())
    return {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "CollectionPage",
                "@id": page_url,
                "url": page_url,
                "name": section.name,
                "description": section.description,
                "isPartOf": {"@id": f"{site_url(request)}/#website"},
            },
            breadcrumb_list(request, crumbs, section.name),
        ],
    }


def news_article(request, article, crumbs):
    page_url = request.build_absolute_uri(article.get_absolute_url())
    authors = [
        {"@type": "Person", "name": author.name, "url": request.build_absolute_uri(author.get_absolute_url())}
        for author in article.byline_authors()
    ]
    modified = max(filter(None, [article.published_at, article.updated_at]), default=None)
    data = {
        "@type": "NewsArticle",
        "@id": f"{page_url}#article",
        "headline": article.headline[:110],
        "description": plain_text(article.description_for_meta),
        "url": page_url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": page_url},
        "datePublished": _w3c_datetime(article.published_at),
        "dateModified": _w3c_datetime(modified),
        "author": authors
        or [{"@type": "Organization", "name": settings.SITE_NAME, "url": site_url(request) + "/"}],
        "publisher": organization(request),
        "articleSection": article.section.name,
        "keywords": [tag.name for tag in article.tags.all()],
        "inLanguage": settings.LANGUAGE_CODE,
        "wordCount": article.word_count,
        "isAccessibleForFree": True,
    }
    if article.lead_image:
        data["image"] = [request.build_absolute_uri(article.lead_image.url)]
    if article.is_advertorial:
        data["genre"] = "Advertorial"
    return {
        "@context": "https://schema.org",
        "@graph": [data, breadcrumb_list(request, crumbs, article.headline)],
    }


def _w3c_datetime(value):
    """2026-11-25T17:48:00+07:00: the site's time zone, to the second."""
    return timezone.localtime(value).replace(microsecond=0).isoformat() if value else None


def language_versions(request, *, query=""):
    """Return [(language code, language name, absolute URL)] of this page in every site language."""
    versions = []
    for code, name in settings.LANGUAGES:
        url = translate_url(request.path, code)
        versions.append((code, name, request.build_absolute_uri(f"{url}?{query}" if query else url)))
    return versions
