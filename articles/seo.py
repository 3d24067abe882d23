"""What search engines and social networks read about a page: JSON-LD and language alternates.

Builders return plain dicts; templatetags.articles turns them into a
<script type="application/ld+json"> escaped like json_script, so no text an
editor wrote can close the script element.
"""

import json
import re
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.urls import reverse, translate_url
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from .html import plain_text
from .images import CROP_RATIOS, crop_renditions, widest
from .selectors import credit_name, gallery_photos

# Google asks for a raster logo of at least 112 px; static/img/logo.png is 512 x 512.
LOGO_PATH = "img/logo.png"
LOGO_SIZE = 512

# A running live coverage's expected end, past its newest update (coverageEndTime is required).
LIVE_EXPECTED_SPAN = timedelta(days=1)

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


def news_article(request, article, crumbs, *, coverage=None):
    """NewsArticle, or for a live coverage (with its articles.live.Coverage) a LiveBlogPosting."""
    page_url = request.build_absolute_uri(article.get_absolute_url())
    authors = [
        {"@type": "Person", "name": author.name, "url": request.build_absolute_uri(author.get_absolute_url())}
        for author in article.byline_authors()
    ]
    modified = max(filter(None, [article.published_at, article.last_updated_at]), default=None)
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
        data["image"] = lead_image_urls(request, article)
    if article.is_advertorial:
        data["genre"] = "Advertorial"
    if coverage is not None:
        data.update(live_blog(request, article, coverage, page_url, authors=data["author"]))
    graph = [data, breadcrumb_list(request, crumbs, article.headline)]
    if article.kind == article.Kind.GALLERY:
        gallery = image_gallery(request, article)
        data["hasPart"] = {"@id": gallery["@id"]}
        graph.insert(1, gallery)
    return {"@context": "https://schema.org", "@graph": graph}


def live_blog(request, article, coverage, page_url, *, authors):
    """What makes a NewsArticle a LiveBlogPosting, as Google documents live coverage: its span and its
    updates, each a BlogPosting with headline, time and its own address (the page, at its anchor)."""
    data = {
        "@type": "LiveBlogPosting",
        "@id": f"{page_url}#article",
        "coverageStartTime": _w3c_datetime(article.live_started_at),
        "liveBlogUpdate": [],
    }
    # Required with the start. While it runs, the end is not known: a day past the newest news,
    # moved on by every update (the page is rendered again for each), until the editor closes it.
    ended = article.live_ended_at
    if ended is None or ended > timezone.now():
        newest = max(filter(None, [article.live_started_at, coverage.updated_at]))
        ended = min(filter(None, [ended, newest + LIVE_EXPECTED_SPAN]))
    data["coverageEndTime"] = _w3c_datetime(ended)
    if article.is_live():
        # The "LIVE" label's event, as Google reads it from a BroadcastEvent.
        data["publication"] = {
            "@type": "BroadcastEvent",
            "isLiveBroadcast": True,
            "startDate": data["coverageStartTime"],
            "endDate": data["coverageEndTime"],
        }
    for update in coverage.newest_first:
        text = plain_text(update.body_html)
        entry = {
            "@type": "BlogPosting",
            "headline": (update.title or text)[:110],
            "url": f"{page_url}#{update.anchor}",
            "datePublished": _w3c_datetime(update.published_at),
            "articleBody": text,
        }
        if update.edited_at:
            entry["dateModified"] = _w3c_datetime(update.edited_at)
        if update.author is not None:
            entry["author"] = {
                "@type": "Person",
                "name": update.author.name,
                "url": request.build_absolute_uri(update.author.get_absolute_url()),
            }
        else:
            entry["author"] = authors
        data["liveBlogUpdate"].append(entry)
    return data


def lead_image_urls(request, article):
    """Return the lead image's 16:9, 4:3 and 1:1 crops at their widest, as absolute URLs.

    What Google's Article structured data asks for (several high-resolution
    images in those shapes); the original file until its renditions are made.
    """
    renditions = article.lead_image_renditions or {}
    if renditions.get("source") != article.lead_image.name or not renditions.get("crops"):
        return [request.build_absolute_uri(article.lead_image.url)]
    urls = []
    for ratio in CROP_RATIOS:
        largest = widest(crop_renditions(renditions, ratio).get("fallback") or [])
        if largest:
            urls.append(request.build_absolute_uri(default_storage.url(largest[2])))
    return list(dict.fromkeys(urls)) or [request.build_absolute_uri(article.lead_image.url)]


def image_file(image, ratio=None):
    """Return (url, width, height) of a library image's widest rendition, cut to ratio or in its own shape.

    The original file (and its recorded size) until the renditions are made.
    """
    renditions = image.renditions or {}
    chosen = crop_renditions(renditions, ratio) if ratio else renditions
    largest = widest(chosen.get("fallback") or [])
    if largest:
        return default_storage.url(largest[2]), largest[0], largest[1]
    return image.image.url, image.width or None, image.height or None


# Credits naming an agency or a newsroom rather than a photographer.
ORGANIZATION_CREDIT_RE = re.compile(
    r"\b(antara|reuters|ap|afp|epa|getty|dok(umentasi)?|istimewa|humas|ist|kompas|tempo|detik|via)\b|/",
    re.IGNORECASE,
)


def creator(credit):
    """Return the schema.org creator of a photo credit ("Foto: Antara" → an Organization), or None."""
    name = credit_name(credit)
    if not name:
        return None
    is_organization = ORGANIZATION_CREDIT_RE.search(name) or name == settings.SITE_NAME
    return {"@type": "Organization" if is_organization else "Person", "name": name}


def photo_object(request, photo, total):
    """An ImageObject for a gallery photo (from selectors.gallery_photos), at its own address."""
    image = photo.image
    url, width, height = image_file(image)
    page_url = request.build_absolute_uri(photo.path)
    data = {
        "@type": "ImageObject",
        "@id": f"{page_url}#foto",
        "url": page_url,
        "contentUrl": request.build_absolute_uri(url),
        "name": image.alt_text or image.caption or f"{photo.number} / {total}",
        "caption": image.caption or image.alt_text,
        "position": photo.number,
    }
    if width and height:
        data.update(width=width, height=height)
    credit = credit_name(image.credit)
    if credit:
        data.update(creditText=credit, creator=creator(credit), copyrightNotice=credit)
    return data


def image_gallery(request, article):
    """ImageGallery of a gallery's photos, in order, each an ImageObject with its own address."""
    page_url = request.build_absolute_uri(article.get_absolute_url())
    photos = gallery_photos(article)
    return {
        "@type": "ImageGallery",
        "@id": f"{page_url}#galeri",
        "url": page_url,
        "name": article.headline,
        "isPartOf": {"@id": f"{page_url}#article"},
        "numberOfItems": len(photos),
        "associatedMedia": [photo_object(request, photo, len(photos)) for photo in photos],
    }


class ArticleCrumb:
    """An article as a breadcrumb (name and address), on the pages below it."""

    def __init__(self, article):
        self.name = article.headline
        self.get_absolute_url = article.get_absolute_url


def photo_graph(request, article, photo, photos, crumbs):
    """JSON-LD of one photo's own page: the photo, part of its gallery, and the breadcrumbs to it."""
    gallery_url = request.build_absolute_uri(article.get_absolute_url())
    data = photo_object(request, photo, len(photos))
    data["mainEntityOfPage"] = {"@type": "WebPage", "@id": data["url"]}
    data["isPartOf"] = {"@type": "ImageGallery", "@id": f"{gallery_url}#galeri", "url": gallery_url}
    return {
        "@context": "https://schema.org",
        "@graph": [data, breadcrumb_list(request, [*crumbs, ArticleCrumb(article)], data["name"])],
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
