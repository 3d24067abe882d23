"""Recording an imported site's addresses (the importer) and answering one (the middleware)."""

import logging
from collections.abc import Iterable
from itertools import islice
from urllib.parse import unquote, urlsplit

from django.db import connection, transaction
from django.db.models import Q
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from articles.models import published_q, tag_url

from .models import TARGET_FIELDS, Redirect
from .paths import EMBED, FEED, PAGE, SAME, Candidate, lookup_candidates, normalize_path

logger = logging.getLogger(__name__)

# Rows per INSERT or UPDATE: well inside every backend's parameter limit.
WRITE_BATCH_SIZE = 500
# Paths per SELECT ... WHERE path IN: an importer's batch in one query (SQLite's limit is 32766).
READ_BATCH_SIZE = 10_000
# What an article's address needs; its body and search data are most of a row's bytes.
UNNEEDED_ARTICLE_FIELDS = ("body", "body_html", "body_outline", "links", "search_vector")


def redirect_target(path: str) -> str | None:
    """Return the current address of what an old path (or URL) leads to, or None to let the 404 stand.

    One query: every key the path may be recorded under, the most specific
    found wins. An article readers may not see now (a draft, scheduled,
    withdrawn) is never revealed, and an answer is never the path itself.
    """
    candidates = lookup_candidates(path)
    if not candidates:
        return None
    keys = {candidate.key for candidate in candidates if candidate.key != "/"}
    found = {}
    if keys:
        rows = (
            Redirect.objects.filter(path__in=keys)
            .filter(Q(article__isnull=True) | published_q(prefix="article__"))
            .select_related(
                "article__section", "section__parent", "tag", "author", "page__parent__parent", "image"
            )
            .defer(*(f"article__{name}" for name in UNNEEDED_ARTICLE_FIELDS))
        )
        found = {row.path: row for row in rows}
    requested = urlsplit(path)
    requested_path = unquote(requested.path, errors="replace")
    for index, candidate in enumerate(candidates):
        if candidate.key == "/":
            # The root is never recorded: only a suffix of it (/feed/rss2/, /page/2/) is answered.
            url = None if index == 0 else _root_address(candidate)
        elif (row := found.get(candidate.key)) is not None:
            url = _address(row.target, candidate)
        else:
            continue
        if url is None:
            continue
        answer = urlsplit(url)
        if unquote(answer.path, errors="replace") == requested_path and answer.query == requested.query:
            continue  # no loops
        return url
    return None


def redirects_record(source: str, addresses: Iterable[tuple[str, object]]) -> dict:
    """Record an imported site's old addresses: (path or URL, the object it now leads to).

    Idempotent: a path already leading to its target is left unchanged, one of
    the same source leading elsewhere now leads to the new target, and one
    recorded for another source is left alone and reported. The root and
    unusable addresses are dropped. Return the counts: {"created", "updated",
    "unchanged": int, "conflicts": [(path, reason)]}.
    """
    wanted, conflicts = {}, []
    for address, target in addresses:
        key = normalize_path(address)
        if not key or key == "/":  # the root is the portal's own home page
            continue
        pointer = _pointer(target)
        if key not in wanted:
            wanted[key] = pointer
        elif wanted[key] != pointer:
            conflicts.append((key, _("listed for two different targets in one batch")))
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {}
        paths = iter(wanted)
        while chunk := list(islice(paths, _read_batch_size())):
            for row in Redirect.objects.filter(path__in=chunk).only("path", "source", *TARGET_FIELDS):
                existing[row.path] = row
        new, changed = [], []
        for key, (field, pk) in wanted.items():
            row = existing.get(key)
            if row is None:
                new.append(Redirect(path=key, source=source, **{f"{field}_id": pk}))
            elif row.source != source:
                conflicts.append((key, _("already recorded for %(source)s") % {"source": row.source or "?"}))
            elif _pointer_of_row(row) == (field, pk):
                unchanged += 1
            else:
                for name in TARGET_FIELDS:
                    setattr(row, f"{name}_id", pk if name == field else None)
                changed.append(row)
        Redirect.objects.bulk_create(new, batch_size=WRITE_BATCH_SIZE)
        Redirect.objects.bulk_update(changed, TARGET_FIELDS, batch_size=WRITE_BATCH_SIZE)
        created, updated = len(new), len(changed)
    return {"created": created, "updated": updated, "unchanged": unchanged, "conflicts": conflicts}


def _address(target, candidate: Candidate):
    """Return the address answering candidate for target (a Redirect's target), or None."""
    if target is None:
        return None
    model = target._meta.model_name
    if model == "inlineimage":
        if not target.image or candidate.kind == PAGE:
            return None
        return target.image.url  # the stored original, on the media storage
    base = tag_url(target) if model == "tag" else target.get_absolute_url()
    if not _is_local(base):
        logger.warning("Refusing the off-site address %r of %r", base, target)
        return None
    if candidate.kind == FEED:
        if model == "section":
            return f"{base}feed/"
        if model == "tag":
            return reverse("articles:tag-feed", kwargs={"slug": target.slug})
        return base  # an article's or page's comments, an author's posts: the portal has no feed of those
    if candidate.kind == PAGE:
        return _page_of(base, candidate.number)
    if candidate.kind == EMBED and model not in ("article", "page"):
        return None
    return base


def _root_address(candidate: Candidate):
    home = reverse("articles:home")
    if candidate.kind == FEED:
        return reverse("articles:feed")
    if candidate.kind == PAGE:
        return _page_of(home, candidate.number)
    return home if candidate.kind == SAME else None


def _page_of(base, number):
    """Return page number of the listing at base, or base itself if its view has no pages."""
    if number is None or number < 2 or not _reads_page(base):
        return base
    return f"{base}?page={number}"


def _reads_page(url):
    """Return True if the view at url reads ?page= (so the answer is no redirect to the page cache's 301)."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return False
    view = getattr(match.func, "view_class", match.func)
    return "page" in getattr(view, "page_cache_query_parameters", ())


def _is_local(url):
    # Not "//host" or "/\host", which browsers take for another site.
    return url.startswith("/") and not url.startswith(("//", "/\\"))


def _pointer(target):
    """Return (Redirect's field, pk) for a target object."""
    for name in TARGET_FIELDS:
        if isinstance(target, Redirect._meta.get_field(name).related_model):
            if target.pk is None:
                raise ValueError(f"An unsaved {type(target).__name__} cannot be a redirect's target.")
            return name, target.pk
    raise TypeError(f"A redirect cannot lead to a {type(target).__name__}.")


def _pointer_of_row(row):
    for name in TARGET_FIELDS:
        if (pk := getattr(row, f"{name}_id")) is not None:
            return name, pk
    return None


def _read_batch_size():
    limit = connection.features.max_query_params
    return min(READ_BATCH_SIZE, limit - 10) if limit else READ_BATCH_SIZE
