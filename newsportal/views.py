"""Probes for load balancers and orchestrators."""

from django.contrib.sitemaps import views as sitemap_views
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """Liveness: the process answers; deliberately touches no database."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """Readiness: fail while the database cannot be reached."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


def robots_txt(request):
    """Point crawlers at the sitemap; keep them out of the admin, search results and the beacon."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        "Disallow: /i18n/",
        "Disallow: /cari/",
        "Disallow: /en/cari/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap-index'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def sitemap_index(request, sitemaps, **kwargs):
    """The sitemap index, listing only sitemaps that have URLs.

    An empty <urlset> is invalid under the sitemaps.org schema, and the news
    sitemap is empty whenever nothing was published in the last 48 hours.
    """
    with_urls = {}
    for name, sitemap in sitemaps.items():
        items = (sitemap() if isinstance(sitemap, type) else sitemap).items()
        if items.exists() if hasattr(items, "exists") else bool(items):
            with_urls[name] = sitemap
    return sitemap_views.index(request, with_urls, **kwargs)
