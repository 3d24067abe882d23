"""gunicorn settings for newsportal (make serve). Every value can be overridden from the environment."""

import multiprocessing
import os
import tempfile

wsgi_app = "newsportal.wsgi:application"
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"

# gevent workers (newsportal/workers.py): each connection is a greenlet, so clients that
# send slowly, or requests waiting on a stalled database, never hold the worker others need;
# the worker reads every request whole, with deadlines, before Django sees it (issue 11:
# 30 slow-header sockets took every gthread worker). Rendering stays one request at a time
# per process, as with gthread's single thread: WEB_CONCURRENCY processes use the cores.
worker_class = "newsportal.workers.ReadTimeoutGeventWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Connections (greenlets) per worker; idle keep-alive and slow clients cost only memory.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))
# Seconds a kept-alive connection may wait for its next request, and a request's headers
# may take in all; a single read from the client waits at most GUNICORN_READ_TIMEOUT.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

# Every greenlet would hold a database connection of its own: a small pool per process
# (psycopg_pool, settings.DB_POOL_SIZE) keeps PostgreSQL's connections at
# WEB_CONCURRENCY x DB_POOL_SIZE per server, whatever the number of clients.
os.environ.setdefault("DB_POOL_SIZE", "8")

# A worker whose event loop stops turning (a CPU-bound or non-cooperative call) for this
# long is killed and replaced. It does not bound a request that waits: the database's
# statement timeout and the read deadlines above do. Workers are recycled now and then
# so a slow leak can never take the site down; rarely, because a new worker starts with
# empty memory (its hottest pages, compiled templates): at 5,000 requests a busy site
# restarted each worker every few seconds, and its first requests waited for it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10

# Not preloaded: the app must be imported after gevent has patched the worker, or Django's
# per-thread database connections would be shared by every greenlet of a process.
preload_app = False

# Each server its own control socket (gunicornc), next to its port: gunicorn's default,
# $HOME/.gunicorn/gunicorn.ctl, is shared by every server started from one checkout, and
# stopping one deleted the other's. A too long path for a Unix socket goes to the temp dir.
# (gunicorn runs from the checkout, where newsportal.wsgi is importable.)
_name = f"gunicorn-{bind.replace(':', '-')}.ctl"
control_socket = os.path.join(os.path.abspath(os.environ.get("VAR_DIR", "var")), _name)
if len(control_socket) > 100:
    control_socket = os.path.join(tempfile.gettempdir(), f"newsportal-{os.getuid()}-{_name}")

# Behind a proxy: trust X-Forwarded-* only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Django alone decides the scheme (SECURE_PROXY_SSL_HEADER, only with HTTPS on). gunicorn's
# default would also take X-Forwarded-Ssl/-Protocol from 127.0.0.1: every client of `make serve`.
secure_scheme_headers = {}

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def post_worker_init(worker):
    """Compile the public templates, load the URLconf and connect before the first request, not during it.

    Then set everything loaded so far aside from the garbage collector
    (gc.freeze): its full passes over Django's long-lived objects stopped every
    connection of the worker at once. Measured on a warm article at 16
    connections: p99 0.3-1.1 s before, 0.1-0.2 s after, and 10 % more requests/s.
    """
    import gc

    from django.template.loader import get_template
    from django.urls import resolve

    for name in WARM_TEMPLATES:
        try:
            get_template(name)
        except Exception:  # a broken template fails its own requests, not the worker
            worker.log.exception("Could not compile %s", name)
    try:
        # Cached pages never need the URLconf; the first other request would import it all.
        resolve("/")
    except Exception:
        worker.log.exception("Could not load the URLconf")
    open_database_pools(worker)
    gc.freeze()


def open_database_pools(worker):
    """Open each database's connection pool (DB_POOL_SIZE) now, not at the worker's first request.

    Otherwise a new worker's first readers wait while it connects, and workers started
    together (a deploy, max_requests) connect all at once. A database that cannot be
    reached now is no reason not to serve: the pool keeps trying, and pages say so.
    """
    from django.conf import settings
    from django.db import connections

    for alias in connections:
        if "pool" not in settings.DATABASES[alias].get("OPTIONS", {}):
            continue
        try:
            connections[alias].pool.open(wait=True, timeout=settings.DB_CONNECT_TIMEOUT)
        except Exception as error:
            worker.log.warning("Could not open the %s database's pool yet: %r", alias, error)


WARM_TEMPLATES = (
    "articles/home.html",
    "articles/article_detail.html",
    "articles/section_detail.html",
    "articles/tag_detail.html",
    "articles/author_detail.html",
    "articles/article_index.html",
)
