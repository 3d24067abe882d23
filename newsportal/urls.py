from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from . import views

admin.site.site_header = admin.site.site_title = f"{settings.SITE_NAME} · Redaksi"
admin.site.index_title = "Ruang redaksi"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
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
