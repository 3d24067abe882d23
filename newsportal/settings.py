"""Settings for newsportal, read from the environment (see .env.example).

Local defaults are safe for development; with DEBUG off, anything that must
not be guessed (SECRET_KEY, ALLOWED_HOSTS) raises ImproperlyConfigured. A
local checkout's git-ignored .env (written by `make run`) fills in what the
environment leaves unset.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from django_prose_editor.config import html_tags
from js_asset import static_lazy

from newsportal.dbpool import check_connection_answers, check_pooled_connection

BASE_DIR = Path(__file__).resolve().parent.parent


def read_env_file(path):
    """Return the KEY=VALUE pairs of a .env file (# comments, optional quotes)."""
    values = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key.isidentifier():
            raise ImproperlyConfigured(f"{path}, line {number}: expected KEY=VALUE.")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


# --- Local checkout: `make run` writes a git-ignored .env (SECRET_KEY, ALLOWED_HOSTS,
# HTTPS=0) so every manage.py command works as the README writes it. The environment
# always wins; production sets its own and has no .env, so it still fails fast below.
# NEWSPORTAL_ENV_FILE names another file, or, set to "", reads none (the tests do).
ENV_FILE = os.environ.get("NEWSPORTAL_ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE and (Path(ENV_FILE).is_file() or "NEWSPORTAL_ENV_FILE" in os.environ):
    for key, value in read_env_file(ENV_FILE).items():
        os.environ.setdefault(key, value)

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
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (in the environment; on a local checkout "
            "`make run` writes one to .env once)."
        )
    # Development only: a fixed, obviously insecure key, never used with DEBUG off.
    SECRET_KEY = "django-insecure-development-only-key"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must be set when DEBUG is off (in the environment; on a local checkout "
            "`make run` writes one to .env once)."
        )
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- Applications ------------------------------------------------------------
# The covering (INCLUDE) indexes are for PostgreSQL's deep pages; SQLite, the embedded
# default, simply builds them without the extra columns.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

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
    # Full-text search fields and indexes; harmless on SQLite, where search falls back (articles/search/).
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "taggit",
    # Revisions of articles (history, compare, restore): every save keeps a version.
    "reversion",
    # The body's WYSIWYG editor; its JS and CSS ship inside the package (no CDN).
    "django_prose_editor",
    "axes",
    # The public page cache (no models): middleware, fragments, shared invalidation.
    "pagecache",
    "articles",
    # Old addresses of imported sites (WordPress), answered with a 301 to what they became.
    "redirects",
    # Operator tools (no models): backup and restore.
    "operations",
]

MIDDLEWARE = [
    # First: one spelling of the Host, no TRACE, no If-Modified-Since from the future.
    "newsportal.middleware.RequestSanityMiddleware",
    # Answers If-None-Match with 304, for cached and freshly rendered pages alike.
    "django.middleware.http.ConditionalGetMiddleware",
    # Outside the page cache, so it compresses pages after their chrome is filled in (the
    # page cache compresses, and remembers, the pages it serves itself).
    "django.middleware.gzip.GZipMiddleware",
    # As early as it can be: a cached page skips everything below. The headers those add
    # (security, CSP) are stored with the page when it renders. (Static files never get
    # here: newsportal/wsgi.py serves them before Django.)
    "pagecache.middleware.PublicPageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # For the test client and anything not going through newsportal/wsgi.py.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *(["newsportal.middleware.QueryCountHeaderMiddleware"] if env_bool("QUERY_COUNT_HEADER") else []),
    *(["newsportal.db_router.ReplicaReadsMiddleware"] if os.environ.get("DATABASE_REPLICA_URL") else []),
    # A lost database becomes a 503 with Retry-After, not a 500.
    "newsportal.middleware.DatabaseUnavailableMiddleware",
    # Inside the database's guard: the page cache's copies kept in the database.
    "pagecache.stored.StoredPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # An old address (WordPress) 301s to its target. Inside CommonMiddleware, which turns a 404
    # into its slash redirect on the way out (a chain), and the database's guard; outside the
    # page cache's reach: its 301s carry their own Cache-Control, so the page cache keeps none.
    "redirects.middleware.OldAddressMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.csp",
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

# --- Database timeouts: a hung or stalled database costs readers seconds, not workers ---
# Fail fast when the database is down, so readers get a 503 instead of waiting.
DB_CONNECT_TIMEOUT = int(os.environ.get("DB_CONNECT_TIMEOUT", "2"))
# Web requests only (newsportal/wsgi.py says it is one): no page needs a longer statement, and
# the server cancels it (a 503). migrate, backup, restore, imports and bench_data run outside
# the web server and are never cut.
WEB_PROCESS = os.environ.get("NEWSPORTAL_WEB_PROCESS") == "1"
DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", "3000"))
# A server that hangs cannot enforce statement_timeout: a request that got no answer to one
# statement for this long has its connection cut by the process (newsportal/middleware.py). 0: off.
DB_HUNG_SECONDS = float(os.environ.get("DB_HUNG_SECONDS", str(DB_STATEMENT_TIMEOUT_MS / 1000 + 1)))
# After a request found the database unavailable, the process answers 503 (or a stale cached
# page) at once for this long, then lets one request try again.
DB_COOL_DOWN_SECONDS = float(os.environ.get("DB_COOL_DOWN_SECONDS", "3"))

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", DB_CONNECT_TIMEOUT)
    # Web requests are short: parallel query workers cost more to start than they save and,
    # with many requests at once, fight the app servers for cores (an author page went from
    # ~100 ms to ~13 ms at 100,000 articles). Override with PG_PARALLEL_WORKERS.
    server_options = [f"-c max_parallel_workers_per_gather={int(os.environ.get('PG_PARALLEL_WORKERS', '0'))}"]
    if WEB_PROCESS and DB_STATEMENT_TIMEOUT_MS > 0:
        server_options += [
            f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}",
            # A worker killed mid-transaction must not hold its locks until the connection dies.
            f"-c idle_in_transaction_session_timeout={10 * DB_STATEMENT_TIMEOUT_MS}",
        ]
    options.setdefault("options", " ".join(server_options))
    # gevent workers (make serve) run many requests per process at once, each on its own
    # connection: a pool per process bounds them (DB_POOL_SIZE; gunicorn.conf.py sets 8). A
    # request waits its turn for a connection, as it once waited for a free worker, and gets
    # the 503 page only after DB_POOL_TIMEOUT seconds: a busy site, not a lost database.
    if pool_size := int(os.environ.get("DB_POOL_SIZE") or 0):
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections instead
        options["pool"] = {
            "min_size": pool_size,
            "max_size": pool_size,
            "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "10")),
            # Give up a failing reconnection soon (psycopg_pool backs off to ever longer waits):
            # the next request starts a fresh one, so the site is back within seconds of the
            # database, however long it was away.
            "reconnect_timeout": 3,
            # Each connection handed out is checked first, under the hung-query watchdog.
            "check": check_pooled_connection,
        }

# Optional read replica: anonymous public page reads go there once it has replayed every
# content change (newsportal/replica_lag.py), the rest to the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
# X-Read-From: primary|replica on public pages (tests and operators).
REPLICA_READS_HEADER = env_bool("REPLICA_READS_HEADER")
if DATABASE_REPLICA_URL:
    if not os.environ.get("REDIS_URL"):
        # Every app server must know which changes the replica has yet to replay.
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs REDIS_URL: the servers share changes there.")
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    DATABASES["replica"]["OPTIONS"] = replica_options = dict(DATABASES["default"].get("OPTIONS", {}))
    if "pool" in replica_options:
        DATABASES["replica"]["CONN_MAX_AGE"] = 0
        # A lost or busy replica is no outage: its requests read the primary instead, so they
        # wait for a connection no longer than for a new one, and its checks open no breaker.
        replica_options["pool"] = {
            **replica_options["pool"],
            "timeout": min(replica_options["pool"]["timeout"], DB_CONNECT_TIMEOUT),
            "check": check_connection_answers,
        }
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["newsportal.db_router.PrimaryReplicaRouter"]

# --- Cache: Redis when REDIS_URL is set (shared by all app servers) ----------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Redis answers in a millisecond on the same network; a call waiting longer is an outage.
REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "0.25"))
# After one Redis timeout or refusal, nothing in the process asks Redis for this long
# (pagecache/breaker.py): a hung Redis costs one timeout, not one per cache call.
REDIS_COOL_DOWN_SECONDS = float(os.environ.get("REDIS_COOL_DOWN_SECONDS", "5"))
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, answering "miss" instead of failing while Redis is down.
            "BACKEND": "pagecache.backends.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            # Give up quickly on a dead or hung Redis: readers wait for pages, not for timeouts.
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "newsportal"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# {% cache %} fragments (footer, Terpopuler) are keyed by the content generation, so each
# process may keep its own: rendering one again per process costs less than a round trip.
CACHES["template_fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "template-fragments",
    "OPTIONS": {"MAX_ENTRIES": 1000},
}

# Anonymous public pages are cached this long at most; a change invalidates exactly the
# pages showing it (cache tags, pagecache/tags.py), so an archive page may stay for hours.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "21600"))
# When a cached page went stale because something it shows changed, one request renders
# it again while the others get the previous copy, for at most this long. Never for an
# article unpublished, withdrawn or corrected.
PAGE_CACHE_RENDER_LOCK_SECONDS = int(os.environ.get("PAGE_CACHE_RENDER_LOCK_SECONDS", "5"))
# After a change, the pages it touched are rendered again in the background, for these
# hosts (scheme://host); empty: the first of ALLOWED_HOSTS, with HTTPS's scheme.
PAGE_CACHE_WARM = env_bool("PAGE_CACHE_WARM", default=True)
PAGE_CACHE_WARM_ORIGINS = env_list("PAGE_CACHE_WARM_ORIGINS")
# Article pages are kept in the database too, for the archive's long tail (pagecache/stored.py).
PAGE_CACHE_STORED = env_bool("PAGE_CACHE_STORED", default=True)
# The tags of a cached page whose view named none (feeds, sitemaps, robots.txt): it goes
# stale with any change to a listing or the site's chrome (articles/cachetags.py).
PAGE_CACHE_UNTAGGED_TAGS = ["list:all", "chrome", "list:pictures"]
# While the database is unavailable, cached pages are served this long past their freshness
# (marked X-Cache: STALE), and CDNs are told the same (stale-if-error). 0: off.
PAGE_CACHE_STALE_IF_ERROR_SECONDS = int(os.environ.get("PAGE_CACHE_STALE_IF_ERROR_SECONDS", str(24 * 3600)))
# Query parameters every page keeps in its cache key besides those its view reads (others are
# dropped or redirected away, pagecache/keys.py). Empty in production; make bench sets one it
# changes on every request, so those requests miss the cache.
PAGE_CACHE_KEY_PARAMETERS = env_list("PAGE_CACHE_KEY_PARAMETERS")
# How many of the hottest pages each app server process also keeps in memory (about 40 kB
# each), trusted through a Redis pub/sub subscription (or the generation file). 0: off.
PAGE_CACHE_LOCAL_ENTRIES = int(os.environ.get("PAGE_CACHE_LOCAL_ENTRIES", "256"))
# ...and at most this much memory for them (pages, fragments and served forms together).
PAGE_CACHE_LOCAL_MEGABYTES = int(os.environ.get("PAGE_CACHE_LOCAL_MEGABYTES", "32"))
# Without Redis, the content generation lives in this file, read by every worker on each
# request, so one change invalidates every process's copies at once (pagecache/generation.py).
PAGE_CACHE_GENERATION_FILE = Path(
    os.environ.get("PAGE_CACHE_GENERATION_FILE", VAR_DIR / "page-cache-generation")
)
# Caches in front (Varnish with newsportal/varnish.vcl) told of every change by cache tag:
# base URLs, each sent `PURGE /` with an xkey-purge or xkey-softpurge header (pagecache/cdn.py).
PAGE_CACHE_PURGE_URLS = env_list("PAGE_CACHE_PURGE_URLS")

# --- Login: staff sign in through the admin; there is no /accounts/ site ----------
# After a login whose `next` is missing or unsafe (//evil.example), Django goes to
# LOGIN_REDIRECT_URL: the admin index, not the default /accounts/profile/ (a 404).
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

# --- Client address: behind PROXY_COUNT reverse proxies, each appending the address it saw to
# X-Forwarded-For (nginx's $proxy_add_x_forwarded_for), the client is the PROXY_COUNT-th entry from
# the right; entries further left came from the client and are ignored. 0 (no proxy): REMOTE_ADDR.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT") or 0)
if PROXY_COUNT < 0:
    raise ImproperlyConfigured("PROXY_COUNT must be 0 or more.")
# django-ipware (which axes and the read beacon use) counts only the proxies listed after the
# client, and picks from the right with "left-most"; not strict, so a client's own extra entries
# on the left cannot make it give up and fall back to the proxy's address.
AXES_IPWARE_PROXY_COUNT = PROXY_COUNT - 1 if PROXY_COUNT else None
AXES_IPWARE_PROXY_ORDER = "left-most"
AXES_IPWARE_META_PRECEDENCE_ORDER = [*(["HTTP_X_FORWARDED_FOR"] if PROXY_COUNT else []), "REMOTE_ADDR"]
IPWARE_STRICT = False

# --- Auth: login attempts throttled per account and address (django-axes) -------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LOGIN_COOLOFF_HOURS", "0.25"))
# An account is locked from the address that kept failing, not everywhere: a stranger's
# guesses cannot lock the editor-in-chief out of her own desk.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Attempts during a lockout don't restart it, so "try again in 15 minutes" holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# Failures stay listed in the admin ("Access failures", with "locked out") after the lockout ends.
AXES_ENABLE_ACCESS_FAILURE_LOG = True

# --- Read beacon (Terpopuler): one read per reader, article and hour (articles/services/reads.py) ---
# Beacon POSTs per client address and minute; beyond it 429, and nothing counts. Readers behind
# one carrier-grade NAT share an address, so this stays far above what one reader sends.
READ_BEACON_PER_MINUTE = int(os.environ.get("READ_BEACON_PER_MINUTE", "60"))

# --- Passwords ----------------------------------------------------------------------
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
# Media on S3-compatible object storage (django-storages) when a bucket is named;
# the filesystem under MEDIA_ROOT otherwise.
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            "querystring_auth": False,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
# Hashed file names may be cached forever by browsers and CDNs.
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0
# Uploads above this size are streamed to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Article images: checked with Pillow before they are stored --------------------
# Bigger files are refused with a form error before Pillow decodes anything.
ARTICLES_IMAGE_MAX_BYTES = int(os.environ.get("IMAGE_MAX_MB", "10")) * 1024 * 1024
# Width x height; a larger picture (or a decompression bomb) is refused, so
# making renditions never needs more than ~200 MB of memory.
ARTICLES_IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_MEGAPIXELS", "40")) * 1_000_000
# Responsive renditions made once per upload (WebP plus the original format).
ARTICLES_RENDITION_WIDTHS = (480, 800, 1200)
# A shared preview link (/pratinjau/<token>/) works this long, unless revoked.
ARTICLES_PREVIEW_LINK_MAX_AGE = int(os.environ.get("PREVIEW_LINK_HOURS", "48")) * 3600

# --- Embeds (articles/embeds.py): oEmbed metadata is fetched when an article is saved, never
# per reader. Provider key -> oEmbed endpoint, replacing the provider's own (a proxy, the tests);
# a host named here may be a private address.
ARTICLES_OEMBED_ENDPOINTS = {}

# --- Body editor (django-prose-editor): the heading-id extension keeps anchors
# stable while editors reword subheadings; the server still sanitizes every body.
DJANGO_PROSE_EDITOR_EXTENSIONS = [
    {
        "js": [static_lazy("articles/admin/heading-id.js")],
        "extensions": {"HeadingId": html_tags([], {"h2": ["id"], "h3": ["id"]})},
    },
]

# --- Security: HTTPS behind a proxy in production ------------------------------
# HTTPS=0 lets `make serve` run on plain http://127.0.0.1 for local trials.
HTTPS = env_bool("HTTPS", default=not DEBUG)
# The TLS proxy in front says https with X-Forwarded-Proto (it must set or strip it). With
# HTTPS off nothing in front speaks TLS, so a reader's claim is never true: not trusted at all.
# gunicorn.conf.py leaves the scheme to this one setting.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = HTTPS
# Database sessions with signed keys: a made-up sessionid is refused without a query, and
# readers sending one still get cached pages (newsportal/sessions.py).
SESSION_ENGINE = "newsportal.sessions"
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (Django's own support): no third-party origins and no
# inline scripts anywhere; templates keep JavaScript in static files.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    # The nonce appears in the header only on pages that use it (the admin's
    # import map for the body editor); public pages, cached or not, have none.
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", *env_list("CSP_IMG_ORIGINS")],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Site identity (shown in the masthead, feeds and metadata) ------------------
SITE_NAME = os.environ.get("SITE_NAME", "Newsportal")
SITE_TAGLINE = os.environ.get("SITE_TAGLINE", "Berita terpercaya, cepat dan jernih")

# --- Search: the PostgreSQL text-search configuration for article text --------
# It must fit the language the articles are written in: PostgreSQL ships
# "indonesian" (Snowball: "menyerang", "serangan" -> "serang") and "english".
# Changing it takes effect at the next `migrate`, which re-indexes (articles/search/triggers.py).
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
    # Django's tasks framework logs every task's start and end at INFO: one pair per upload.
    "loggers": {"django.tasks": {"level": os.environ.get("TASKS_LOG_LEVEL", "WARNING")}},
}

# --- Media serving: on for the embedded set-up; set SERVE_MEDIA=0 when a web
# server or object storage serves MEDIA_URL in production.
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=not os.environ.get("AWS_STORAGE_BUCKET_NAME"))
