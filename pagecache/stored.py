"""Pages kept in the database: the copy of an archive page that nobody asked for in hours.

Redis keeps the pages readers asked for lately, for PAGE_CACHE_SECONDS. An
archive of 100,000 articles is mostly pages nobody asked for since (a reader
from search or Discover, a crawler), and rendering one costs tens of
milliseconds. So a view may mark its response as worth keeping (keep_stored):
the page is then kept in the database too (StoredPage), with the generation,
the clock and the tags it was rendered with, and judged by them exactly like a
copy in Redis (pagecache/tags.py): a change to anything it shows makes it
stale, hard changes and a new generation make it gone. Finding it costs one
query by primary key; a page found stale or gone is rendered (and kept) again.

A stored copy does not name the site's origin: the scheme and host it was
rendered under are replaced by ORIGIN on the way in and by the reader's on the
way out (the scheme is part of its key), so a copy stored in-process (store_pages, after an import) serves
every address the site answers at.
"""

import functools
import hashlib
import logging
from typing import NamedTuple
from urllib.parse import quote

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections, router
from django.http import HttpResponse

from .generation import current_reading
from .keys import resolved_view
from .models import StoredPage
from .rendering import claim, release
from .tags import Freshness, freshness, kept_seconds, kept_under, page_tags
from .warming import warm, warm_origins

logger = logging.getLogger(__name__)

# Stands in for the site's origin in stored copies (.invalid is never a real host).
ORIGIN = "https://origin.stored-page.invalid"
# Set in the WSGI environ of an in-process request (never from HTTP: those are HTTP_*):
# render the page even if a copy is found, and keep it.
RENDER_AFRESH = "pagecache.render_afresh"
# Made again when served, by the page cache and the middleware above it.
UNSTORED_HEADERS = {
    "content-length",
    "etag",
    "x-cache",
    "surrogate-key",
    "xkey",
    "cache-tag",
    "cache-control",
    "last-modified",
    "vary",
}


class StoredCopy(NamedTuple):
    """What a stored page was rendered under; its response carries it as stored_copy."""

    generation: int
    as_of: int
    tags: frozenset
    seconds: int


def keep_stored(response):
    """Mark a response as worth keeping in the database: a page read long after it was written."""
    response.keep_stored = True
    return response


def is_storable(request):
    """Only addresses without a query are kept: an article's own page, not its variants."""
    return not request.META.get("QUERY_STRING")


def address_key(request):
    # The scheme is part of it: a page served over HTTPS carries headers (HSTS) one over HTTP does not.
    address = f"{request.scheme}:{request.path}"
    return hashlib.sha256(address.encode("utf-8", "surrogatepass")).hexdigest()


LOOKUP, STORE = "lookup", "store"


class Plan(NamedTuple):
    action: str  # LOOKUP (then render if need be, and keep) or STORE (render and keep)
    key: str  # the page cache's key for the page: its render lock


def plan(request, key, *, lookup):
    """Say, for the page cache, what StoredPagesMiddleware does for this request on its way to the view.

    Only the addresses of views that keep their pages (keeps_stored_pages) are looked for.
    """
    if enabled() and is_storable(request):
        if not lookup:
            request.stored_page_plan = Plan(STORE, key)
        elif getattr(resolved_view(request), "keeps_stored_pages", False):
            request.stored_page_plan = Plan(LOOKUP, key)


class StoredPagesMiddleware:
    """Find a page's stored copy, and keep a rendered one, inside the database's guard.

    It sits under DatabaseUnavailableMiddleware (and the hung-query watchdog
    that one holds), so a database that is down or hung costs a stored page
    what it costs any page (the breaker's immediate 503, or the watchdog's
    cut), never a wait of its own. It acts only on what the page cache asked
    for (plan): a copy it finds current goes back up to the page cache
    marked stored_copy, which serves it (X-Cache: STORED) and keeps it in
    this process. One found softly stale is rendered again by one request
    (the page cache's render lock) while the others get it (stored_stale);
    one gone is rendered again. The new render is kept again if the view
    still marks it keep_stored, or the copy dropped if not (taken down, moved).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        wanted = getattr(request, "stored_page_plan", None)
        if wanted is None:
            return self.get_response(request)
        reading = current_reading(request)
        try:
            found = lookup(request) if wanted.action == LOOKUP else None  # its response, or None
        except (OperationalError, InterfaceError) as error:
            # Unreachable or hung (the watchdog cut it): rendering would wait for it again. The
            # database's guard above answers for it (DatabaseUnavailableMiddleware: 503).
            logger.warning("Stored pages unavailable", exc_info=True)
            response = HttpResponse(status=503)
            response.database_error = error
            return response
        claimed = False
        if found is not None:
            copy = found.stored_copy
            verdict = freshness(reading, copy.generation, copy.as_of, copy.tags)
            if verdict is Freshness.FRESH:
                return found
            if verdict is Freshness.STALE:
                claimed = claim(wanted.key)
                if not claimed:
                    found.stored_stale = True
                    return found
        try:
            response = self.get_response(request)
            if keeps(response):
                tags = kept_under(page_tags(request))
                store(request, reading.generation, reading.clock, tags, kept_seconds(response), response)
            elif found is not None:
                forget(request)
        finally:
            if claimed:  # only once its successor is kept: until then the others get the stale copy
                release(wanted.key)
        return response


def keeps(response):
    return getattr(response, "keep_stored", False) and response.status_code == 200 and not response.streaming


def lookup(request):
    """Return the stored response of request's page, or None (none kept); raise if the database is away.

    It carries stored_copy (what it was rendered under) and its page_cache_seconds.
    """
    try:
        row = fetch_row(address_key(request))
    except (OperationalError, InterfaceError):
        raise  # the database is away: StoredPagesMiddleware says so
    except DatabaseError:  # the table missing, say (not migrated yet): render the page
        logger.warning("Stored pages unavailable", exc_info=True)
        return None
    if row is None:
        return None
    generation, as_of, tags, seconds, headers, content = row
    response = HttpResponse(with_origin(content, origin(request)).encode())
    for name, value in headers.items():
        if name.lower() not in UNSTORED_HEADERS:
            response[name] = value
    response.stored_copy = StoredCopy(generation, as_of, frozenset(tags), seconds)
    response.page_cache_seconds = seconds
    return response


LOOKED_UP = ("generation", "as_of", "tags", "seconds", "headers", "content")


def fetch_row(key):
    """Return the LOOKED_UP values of the page kept under key, or None.

    The SQL is written once, not built by the ORM per request: on the archive's
    long tail this query is most of what a page costs.
    """
    connection = connections[router.db_for_read(StoredPage)]
    with connection.cursor() as cursor:
        cursor.execute(lookup_sql(connection.alias), [key])
        row = cursor.fetchone()
    if row is None:
        return None
    return [
        field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(looked_up_fields(), row, strict=True)
    ]


@functools.cache
def looked_up_fields():
    return [StoredPage._meta.get_field(name) for name in LOOKED_UP]


@functools.cache
def lookup_sql(alias):
    quote = connections[alias].ops.quote_name
    return "SELECT {} FROM {} WHERE {} = %s".format(
        ", ".join(quote(field.column) for field in looked_up_fields()),
        quote(StoredPage._meta.db_table),
        quote(StoredPage._meta.pk.column),
    )


def store(request, generation, as_of, tags, seconds, response):
    """Keep a rendered page of request's address; a failure is logged, never raised."""
    if generation is None:
        return
    headers = {name: value for name, value in response.items() if name.lower() not in UNSTORED_HEADERS}
    row = StoredPage(
        key=address_key(request),
        address=request.path,
        generation=generation,
        as_of=as_of,
        tags=sorted(tags),
        seconds=seconds,
        headers=headers,
        content=without_origin(response.content.decode(response.charset), origin(request)),
    )
    try:
        StoredPage.objects.bulk_create(
            [row],
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=[field.name for field in StoredPage._meta.concrete_fields if not field.primary_key],
        )
    except DatabaseError:
        logger.warning("Could not keep the page %s", request.path, exc_info=True)


def forget(request):
    """Drop request's stored copy (its page is no longer one to keep: taken down, moved)."""
    try:
        StoredPage.objects.filter(key=address_key(request)).delete()
    except DatabaseError:
        logger.warning("Could not drop the stored page %s", request.path, exc_info=True)


def origin(request):
    return f"{request.scheme}://{request.get_host()}"


def without_origin(html, site_origin):
    for plain, stored in _forms(site_origin):
        html = html.replace(plain, stored)
    return html


def with_origin(html, site_origin):
    for plain, stored in _forms(site_origin):
        html = html.replace(stored, plain)
    return html


def _forms(site_origin):
    # As written, and as the share links write it (urlencode: every character but letters).
    return [(site_origin, ORIGIN), (quote(site_origin, safe=""), quote(ORIGIN, safe=""))]


def stored_addresses(generation):
    """Return the set of addresses kept under generation."""
    return set(StoredPage.objects.filter(generation=generation).values_list("address", flat=True))


def forget_other_generations(generation):
    """Drop the copies kept in generations before this one (none will be served again)."""
    return StoredPage.objects.exclude(generation=generation).delete()[0]


def store_pages(paths, origins=None):
    """Render each path in this process as an anonymous reader would get it, and keep it; return how many."""
    origins = origins or warm_origins()[:1] or [("http", "localhost")]
    environ = {RENDER_AFRESH: True}
    statuses = warm(paths, origins[:1], environ=environ)
    return sum(1 for _path, status in statuses if status == 200)


def enabled():
    return settings.PAGE_CACHE_SECONDS > 0 and settings.PAGE_CACHE_STORED
