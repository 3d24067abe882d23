"""Tell the caches in front (Varnish, a CDN) which cache tags changed: `PURGE /` with the tags.

Each URL in PAGE_CACHE_PURGE_URLS gets `PURGE /` with `xkey-purge: <tags>` (hard: the
copies are gone at once) or `xkey-softpurge: <tags>` (soft: a copy may still serve
within its grace while the new one is fetched). newsportal/varnish.vcl answers them.

The purge runs in the editor's request, after the commit: every URL at once, all
together bounded by TIMEOUT, and a cache that cannot be reached is logged, never
raised; the save has happened whatever the cache says.

Each purge is sent again REPEAT_AFTER seconds later, from a background thread. A page
a backend was still rendering from the old state when the first purge arrived (a slow
render, another app server that had not yet heard of the new generation, a replica
that had not yet replayed the change) is stored just after it and would otherwise
stay for its whole s-maxage.
"""

import http.client
import logging
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings

from .generation import changed
from .tags import ALL

logger = logging.getLogger(__name__)

# Seconds for each URL to answer, and for all of them together.
TIMEOUT = 2.0
REPEAT_AFTER = 0.5


def purge(tags, *, hard):
    """Purge tags from every cache in PAGE_CACHE_PURGE_URLS now, and once more shortly after.

    Return {url: copies purged, or None when that cache failed}; empty without URLs.
    """
    urls = list(settings.PAGE_CACHE_PURGE_URLS)
    tags = sorted({str(tag) for tag in tags})
    if not urls or not tags:
        return {}
    results = send_all(urls, tags, hard=hard)
    if REPEAT_AFTER > 0:
        # Not a daemon: a management command's process waits for it before exiting.
        threading.Timer(REPEAT_AFTER, send_all, args=(urls, tags), kwargs={"hard": hard}).start()
    return results


def send_all(urls, tags, *, hard):
    pool = ThreadPoolExecutor(max_workers=len(urls), thread_name_prefix="purge")
    futures = {url: pool.submit(send, url, tags, hard=hard) for url in urls}
    wait(futures.values(), timeout=TIMEOUT)
    # A cache that has not answered by now is given up on; its thread ends at its own timeout.
    pool.shutdown(wait=False, cancel_futures=True)
    results = {}
    for url, future in futures.items():
        if not future.done():
            logger.warning("Purge of %s at %s timed out after %ss", " ".join(tags), url, TIMEOUT)
            results[url] = None
        elif future.exception() is not None:
            error = future.exception()
            logger.warning("Purge of %s at %s failed: %s", " ".join(tags), url, error)
            results[url] = None
        else:
            results[url] = future.result()
    return results


def send(url, tags, *, hard):
    """Send one PURGE to url; return how many copies the cache says it purged (0 if it does not say)."""
    parts = urllib.parse.urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=TIMEOUT)
    header = "xkey-purge" if hard else "xkey-softpurge"
    started = time.monotonic()
    try:
        connection.request("PURGE", parts.path or "/", headers={header: " ".join(tags)})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise OSError(f"HTTP {response.status} {response.reason}")
    logger.info("Purged %s at %s in %.0f ms", " ".join(tags), url, 1000 * (time.monotonic() - started))
    purged = response.headers.get("X-Purged", "0")
    return int(purged) if purged.isdigit() else 0


def purge_after_change(sender, tags, hard, **kwargs):
    """generation.changed: purge the changed tags (None: everything, the tag every page carries).

    Always hard at the cache in front: a soft purge would let it serve its old copy
    for its whole grace while it fetches, and a change must show within a second.
    The stampede is the app's to spare: while one request renders a page again,
    the app answers the others with its previous copy, marked no-cache so the
    cache in front never keeps it.
    """
    purge(tags if tags is not None else [ALL], hard=True)


changed.connect(purge_after_change, dispatch_uid="pagecache_purge_after_change")
