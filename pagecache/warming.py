"""After a change, the pages it touched are rendered again in the background, so readers do not pay for them.

The content app says which addresses a set of tags names (register_warmer).
Each is requested through Django itself (a WSGI call in this process, in a
background thread), as an anonymous reader with gzip would ask for it, so the
copy lands in the cache under the readers' key. While it renders, readers get
the previous copy (the render lock of the middleware), or the new one after.
"""

import io
import logging
import threading
from contextlib import contextmanager
from urllib.parse import urlsplit

from django.conf import settings

from .generation import changed

logger = logging.getLogger(__name__)

# tags (None: everything) -> the paths (with query) of the pages worth rendering again.
_warmer = None
# The most pages one change warms: the home page, its sections, tags and authors, feeds...
MOST_PAGES = 40
# While warming is deferred: the tags the changes asked for (None in it: everything).
_deferred = []


def register_warmer(paths_for_tags):
    global _warmer
    _warmer = paths_for_tags


def warm_origins():
    """Return [(scheme, host)] readers reach the site at."""
    if settings.PAGE_CACHE_WARM_ORIGINS:
        return [(parts.scheme, parts.netloc) for parts in map(urlsplit, settings.PAGE_CACHE_WARM_ORIGINS)]
    hosts = [host for host in settings.ALLOWED_HOSTS if host and not host.startswith(".") and host != "*"]
    return [("https" if settings.HTTPS else "http", hosts[0])] if hosts else []


def warm(paths, origins=None, environ=None):
    """Request each path from each origin through Django, as an anonymous reader; return the statuses.

    environ: more WSGI environ keys for every request.
    """
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    extra = environ or {}
    statuses = []
    for scheme, host in origins if origins is not None else warm_origins():
        name, _, port = host.partition(":")
        for path in paths:
            address, _, query = path.partition("?")
            request_environ = {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": address,
                "QUERY_STRING": query,
                "SERVER_NAME": name,
                "SERVER_PORT": port or ("443" if scheme == "https" else "80"),
                "HTTP_HOST": host,
                "HTTP_ACCEPT_ENCODING": "gzip",
                "REMOTE_ADDR": "127.0.0.1",
                "SERVER_PROTOCOL": "HTTP/1.1",
                "wsgi.url_scheme": scheme,
                "wsgi.input": io.BytesIO(b""),
                "wsgi.errors": io.StringIO(),
            }
            request_environ.update(extra)
            if scheme == "https" and settings.SECURE_PROXY_SSL_HEADER:
                header, value = settings.SECURE_PROXY_SSL_HEADER
                request_environ[header] = value
            result = {}

            def start_response(status, headers, exc_info=None, result=result):
                result["status"] = int(status.split(" ", 1)[0])

            try:
                body = handler(request_environ, start_response)
                for _chunk in body:
                    pass
                if hasattr(body, "close"):
                    body.close()
            except Exception:
                logger.exception("Could not warm %s", path)
                result["status"] = None
            statuses.append((path, result.get("status")))
    return statuses


@contextmanager
def warming_deferred():
    """Warm once, when the block ends, what the changes inside it asked for.

    For a long run of changes (an import's hundreds of batches): each batch
    still invalidates what it changed, but the pages are rendered again once,
    not after every batch, which would take the run's own time.
    """
    held = set()
    _deferred.append(held)
    try:
        yield
    finally:
        _deferred.remove(held)
        if held:
            warm_after_change(None, None if None in held else frozenset().union(*held), hard=False)


def warm_after_change(sender, tags, hard, **kwargs):
    if _warmer is None or settings.PAGE_CACHE_SECONDS <= 0 or not settings.PAGE_CACHE_WARM:
        return
    if _deferred:
        _deferred[-1].add(None if tags is None else frozenset(tags))
        return
    try:
        paths = list(dict.fromkeys(_warmer(tags)))[:MOST_PAGES]
    except Exception:
        logger.exception("Could not list the pages to warm")
        return
    if paths:
        threading.Thread(target=warm, args=(paths,), name="page-warming", daemon=True).start()


changed.connect(warm_after_change, dispatch_uid="pagecache_warm_after_change")
