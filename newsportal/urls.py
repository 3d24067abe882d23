from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.static import serve

from articles.sitemaps import SITEMAPS, tagged_sitemap
from articles.views import read_beacon
from pagecache import query_parameters

from . import views

admin.site.site_header = admin.site.site_title = f"{settings.SITE_NAME} · Redaksi"
admin.site.index_title = "Ruang redaksi"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path(
        "sitemap.xml",
        tagged_sitemap(views.sitemap_index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap-index",
    ),
    # The Google News sitemap has its own template (news: elements); it is also listed in the index.
    # Sitemaps split into pages read ?p=; the page cache keeps no other parameter (pagecache.keys).
    path(
        "sitemap-news.xml",
        query_parameters("p")(tagged_sitemap(sitemap_views.sitemap)),
        {"sitemaps": SITEMAPS, "section": "news", "template_name": "sitemaps/news.xml"},
        name="sitemap-news",
    ),
    path(
        "sitemap-<section>.xml",
        query_parameters("p")(tagged_sitemap(sitemap_views.sitemap)),
        # Django's template, plus the image: extension for the articles' pictures.
        {"sitemaps": SITEMAPS, "template_name": "sitemaps/sitemap.xml"},
        name="sitemap-section",
    ),
    # Counts reads for Terpopuler; outside the language prefix, one address for all pages.
    path("api/baca/", read_beacon, name="read-beacon"),
    # Page chrome for a CDN assembling pages with ESI (pagecache/chrome.py).
    path("", include("pagecache.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Uploaded media: Django serves it in the embedded set-up; in production the
    # web server or object storage does (SERVE_MEDIA=0).
    *(
        [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
        if settings.SERVE_MEDIA
        else []
    ),
] + i18n_patterns(
    # Indonesian lives at /, English under /en/: the language is in the URL, never
    # guessed from Accept-Language, so caches and search engines see one page per URL.
    path("", include("articles.urls")),
    prefix_default_language=False,
)
