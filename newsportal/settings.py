"""Settings for newsportal, read from the environment (see .env.example).

Local defaults are safe for development; with DEBUG off, anything that must
not be guessed (SECRET_KEY, ALLOWED_HOSTS) raises ImproperlyConfigured.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Core: DEBUG is opt-in, production must name its key and hosts --------
DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development only: a fixed, obviously insecure key, never used with DEBUG off.
    SECRET_KEY = "django-insecure-development-only-key"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- Applications ------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles so runserver serves static files the way gunicorn does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Full-text search fields and indexes; harmless on SQLite, where search falls back (search.py).
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "taggit",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # WhiteNoise right after SecurityMiddleware: static files skip the rest.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "newsportal.urls"
WSGI_APPLICATION = "newsportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
]

# --- Database: SQLite under var/ by default, DATABASE_URL for PostgreSQL -----
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}

# --- Cache: Redis when REDIS_URL is set (shared by all app servers) ----------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "newsportal"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth ----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time: Indonesian first, Jakarta time ------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- Static and media files ------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Tests render templates without running collectstatic first.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if env_bool("STATIC_NO_MANIFEST")
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Hashed file names may be cached forever by browsers and CDNs.
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0
# Uploaded images: refuse anything bigger than this before Pillow opens it.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Security: HTTPS behind a proxy in production ------------------------------
# HTTPS=0 lets `make serve` run on plain http://127.0.0.1 for local trials.
HTTPS = env_bool("HTTPS", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Site identity (shown in the masthead, feeds and metadata) ------------------
SITE_NAME = os.environ.get("SITE_NAME", "Newsportal")
SITE_TAGLINE = os.environ.get("SITE_TAGLINE", "Berita terpercaya, cepat dan jernih")

# --- Search: the PostgreSQL text-search configuration for article text --------
# It must fit the language the articles are written in: PostgreSQL ships
# "indonesian" (Snowball: "menyerang", "serangan" -> "serang") and "english".
# Changing it takes effect at the next `migrate`, which re-indexes (search.py).
ARTICLES_SEARCH_CONFIG = os.environ.get(
    "SEARCH_CONFIG", {"id": "indonesian", "en": "english"}.get(LANGUAGE_CODE, "simple")
)

# --- Tags ----------------------------------------------------------------------
TAGGIT_CASE_INSENSITIVE = True

# --- Importer: lines matching any of these (case-insensitive, searched in the
# whole stripped line) are promotional boilerplate, stripped from imported
# articles. Anchored at the start so ordinary sentences that mention Telegram,
# Google News or "baca juga" mid-sentence are kept. Extend per newsroom.
ARTICLES_IMPORT_BOILERPLATE_PATTERNS = [
    # "Join channel telegram websitekami.com agar ...", "Gabung grup WhatsApp ...". Only the
    # imperative: "Bergabung dengan grup itu sejak 2010, ia ..." is news.
    r"^(join|gabung|bergabunglah|yuk,?\s+gabung)\b.*\b(telegram|whatsapp|channel|saluran|grup|group)\b",
    # "Join now", "Gabung sekarang!"
    r"^(join|gabung)(\s+(now|sekarang|di\s+sini))?\s*[!.]*$",
    # "Baca juga: ...", "BACA JUGA - ...", "Baca selengkapnya di ..."
    r"^(baca|lihat|cek)\s+(juga|pula)\s*([:\-–—|>»]|$)",
    r"^baca\s+(selengkapnya|berita\s+lainnya)\b",
    r"^(artikel|berita)\s+(terkait|lainnya|pilihan)\s*:",
    # "Simak berita lainnya di Google News", "Cek berita dan artikel yang lain di Google News"
    r"^(simak|cek)\b.*\b(google\s+news|whatsapp\s+channel|saluran\s+whatsapp|telegram)\b",
    r"^(ikuti|follow)\b.*\b(google\s+news|telegram|whatsapp|instagram|tiktok|twitter|facebook|youtube)\b",
    r"^(dapatkan|download|unduh)\b.*\b(aplikasi|app|update\s+berita|berita\s+terbaru|breaking\s+news)\b",
    r"^(klik|click)\s+(di\s+)?(sini|here)\b",
    r"^(artikel|berita)\s+ini\s+(telah|sudah)\s+tayang\s+di\b",
    # Leftovers of copying a web page: ad slots and "scroll to continue".
    r"^(advertisement|iklan|scroll\s+to\s+(continue|resume)\b.*)$",
]

# --- Logging: errors to stderr, where gunicorn and systemd collect them ---------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- Media serving: on for the embedded set-up; set SERVE_MEDIA=0 when a web
# server or object storage serves MEDIA_URL in production.
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=True)
