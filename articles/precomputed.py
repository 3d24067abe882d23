"""What an article page shows that is known when the article is written, stored on the article.

A page nobody asked for since the last change (a reader from search, a
crawler) would otherwise rank "Baca juga", find previous and next in its
section and render the body on every request. Instead:

- the body as served (responsive images from the library), its outline and
  its length are computed on every save (body_data, from Article.save);
- "Baca juga" and previous/next are computed when the article becomes
  public or changes, and again for the articles whose previous/next it
  becomes or stops being (refresh_links, after the transaction commits,
  before the cache hears of it). Stored as ids, they are loaded with one
  query and filtered by the public rule, so one taken down since never
  shows; a newer related article appears once the article is written again.

Anything stored before this existed, or written past save() (a bulk import),
has NULL there and is computed when it is read, exactly as before.

The page itself, rendered, is kept by the page cache in the database
(pagecache/stored.py) when a reader first asks for it; backfill_pages renders
the pages of an archive that arrived in bulk, so that its first readers do
not pay for them.
"""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import F, Window
from django.db.models.functions import Lag, Lead

from newsportal.processes import worker_setup
from pagecache import content_generation
from pagecache.models import StoredPage
from pagecache.stored import enabled as stored_pages_enabled
from pagecache.stored import forget_other_generations, store_pages, stored_addresses

from . import selectors
from .embeds import render_embeds
from .html import article_outline, image_sources, responsive_images, word_count
from .models import Article, InlineImage
from .sections import section_tree

RELATED_COUNT = 4
# Stored: a few more than shown, so one taken down since leaves no gap.
RELATED_STORED = 8


def body_data(body):
    """Return (html as served, outline, words) of a sanitized body."""
    body = body or ""
    return served_body(body), article_outline(body), word_count(body)


def served_body(body):
    """Return body with srcset, sizes, width and height on images from the library (one query),
    and its embeds as click-to-load placeholders (one query, articles/embeds.py)."""
    prefix = default_storage.url("")
    names = {src[len(prefix) :]: src for src in image_sources(body) if prefix and src.startswith(prefix)}
    renditions = {}
    if names:
        for image in InlineImage.objects.filter(image__in=list(names)).only("image", "renditions"):
            if image.renditions:
                renditions[names[image.image.name]] = image.renditions
    return render_embeds(responsive_images(body, renditions))


def computed_links(article, tree=None, neighbours=None):
    """Return the links of a public article as stored: {"related": [pk...], "older": pk, "newer": pk}.

    neighbours: its (older, newer) pks when known already (neighbour_table).
    """
    section = (tree or section_tree()).by_id.get(article.section_id, article.section)
    related = selectors.related_to(article, section=section, limit=RELATED_STORED)
    if neighbours is None:
        older, newer = selectors.published_neighbours(article)
        neighbours = (older.pk if older is not None else None, newer.pk if newer is not None else None)
    return {"related": [other.pk for other in related], "older": neighbours[0], "newer": neighbours[1]}


def neighbour_table():
    """Return {pk: (older pk, newer pk)} of every public article in its section, in one query.

    The same order as selectors.published_neighbours: by publish time, ties by pk.
    """
    order = [F("published_at").asc(), F("pk").asc()]
    rows = (
        Article.objects.published()
        .annotate(
            older=Window(Lag("pk"), partition_by=[F("section_id")], order_by=order),
            newer=Window(Lead("pk"), partition_by=[F("section_id")], order_by=order),
        )
        .values_list("pk", "older", "newer")
    )
    return {pk: (older, newer) for pk, older, newer in rows.iterator(chunk_size=10_000)}


def refresh_links(pks):
    """Store the links of each of pks as they are now (None for one that is not public).

    Return the pks whose stored links changed: their pages show other links now.
    """
    pks = {pk for pk in pks if pk}
    if not pks:
        return set()
    tree = section_tree()
    public = {
        article.pk: article
        for article in Article.objects.published().filter(pk__in=pks).for_listing().prefetch_related("tags")
    }
    changed = set()
    for pk, stored in Article.objects.filter(pk__in=pks).values_list("pk", "links"):
        article = public.get(pk)
        links = computed_links(article, tree) if article is not None else None
        if links != stored:
            Article.objects.filter(pk=pk).update(links=links)
            changed.add(pk)
    return changed


def article_links(article, request=None):
    """Return (related, older, newer) for an article page: published articles, loaded for cards.

    From the stored links in one query; computed as before when none are stored
    (and for an article not public, whose page is a preview).
    """
    links = article.links if article.is_published() else None
    if links is None:
        tree = section_tree(request)
        section = tree.by_id.get(article.section_id, article.section)
        related = selectors.related_to(article, section=section, limit=RELATED_COUNT)
        older, newer = selectors.published_neighbours(article) if article.published_at else (None, None)
        return related, older, newer
    wanted = {*links["related"], links["older"], links["newer"]} - {None}
    found = Article.objects.published().for_listing().in_bulk(wanted) if wanted else {}
    related = [found[pk] for pk in links["related"] if pk in found][:RELATED_COUNT]
    return related, found.get(links["older"]), found.get(links["newer"])


def backfill(batch_size=500, *, jobs=1, progress=None):
    """Compute what is missing for every article (body data; links, pages of public ones); return counts.

    For an archive that predates these fields or arrived in bulk:
    `manage.py precompute_articles`. Idempotent; resumable after an interruption.
    The links (ranking Baca juga) and the pages (rendering them) are shared
    among `jobs` processes, each with its own database connection.
    """
    bodies = backfill_bodies(batch_size, progress=progress)
    if not Article.objects.published().filter(links__isnull=True).exists():
        links = 0
    elif jobs <= 1:
        links = backfill_links(batch_size, progress=progress)
    else:
        links = backfill_links_shared(batch_size, jobs)
    pages = backfill_pages(batch_size, jobs=jobs, progress=progress)
    vacuum([model for model, count in ((Article, bodies + links), (StoredPage, pages)) if count])
    return {"bodies": bodies, "links": links, "pages": pages}


def vacuum(models):
    """VACUUM (ANALYZE) the tables of models on PostgreSQL, after rewriting many of their rows.

    Each rewritten row leaves its old version behind; until a vacuum, which
    autovacuum may run late (or never, where it is off), every lookup steps over
    them, and the planner goes by the table as it was. Not inside a transaction
    (VACUUM cannot run there): a caller holding one keeps the dead rows.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


def process_pool(jobs):
    # Fresh processes (spawned, not forked): this one may run threads (a connection pool's)
    # that a forked child would inherit stopped, holding their locks.
    context = multiprocessing.get_context("spawn")
    # The children work on this process's database, even where it was chosen at run time
    # (a test database) rather than by the settings they read.
    name = connection.settings_dict["NAME"]
    return ProcessPoolExecutor(jobs, mp_context=context, initializer=worker_setup, initargs=(name,))


def backfill_bodies(batch_size, *, progress=None):
    """Store the body data of every article that has none; return how many."""
    bodies = 0
    missing_body = Article.objects.filter(body_html__isnull=True).order_by("pk")
    while batch := list(missing_body.only("pk", "body")[:batch_size]):
        for article in batch:
            html, outline, words = body_data(article.body)
            Article.objects.filter(pk=article.pk).update(
                body_html=html, body_outline=outline, body_words=words
            )
        bodies += len(batch)
        if progress is not None:
            progress(f"bodies: {bodies}")
    return bodies


def backfill_links_shared(batch_size, jobs):
    """Store the links of the public articles that have none with jobs processes; return how many.

    Each process takes its share (pk % jobs) over its own database connection.
    """
    with process_pool(jobs) as pool:
        parts = [pool.submit(backfill_links, batch_size, part=(index, jobs)) for index in range(jobs)]
        return sum(part.result() for part in parts)


def backfill_links(batch_size=500, *, part=(0, 1), progress=None):
    """Store the links of the public articles that have none (those with pk % part[1] == part[0])."""
    index, count = part
    tree, neighbours, last, done = section_tree(), neighbour_table(), 0, 0
    public = (
        Article.objects.published()
        .filter(links__isnull=True)
        .alias(part=F("pk") % count)
        .filter(part=index)
        .order_by("pk")
    )
    while batch := list(public.filter(pk__gt=last).for_listing().prefetch_related("tags")[:batch_size]):
        for article in batch:
            stored = computed_links(article, tree, neighbours.get(article.pk))  # None: public since
            Article.objects.filter(pk=article.pk).update(links=stored)
        done += len(batch)
        last = batch[-1].pk
        if progress is not None:
            progress(f"links: {done}")
    return done


def public_addresses():
    """Return the address of every public article, newest first."""
    articles = (
        Article.objects.published()
        .latest_first()
        .select_related("section")
        .only("slug", "published_at", "created_at", "section__slug")
    )
    return [article.get_absolute_url() for article in articles.iterator(chunk_size=5_000)]


def backfill_pages(batch_size=500, *, jobs=1, progress=None):
    """Render and keep the page of every public article not kept in this generation; return how many.

    As its first reader would get it (pagecache/stored.py), newest first.
    Nothing is done while the page cache or its store is off.
    """
    generation = content_generation()
    if generation is None or not stored_pages_enabled():
        return 0
    forget_other_generations(generation)  # never served again: every page is rendered anew
    kept = stored_addresses(generation)
    paths = [path for path in public_addresses() if path not in kept]
    batches = [paths[start : start + batch_size] for start in range(0, len(paths), batch_size)]
    if jobs <= 1 or len(batches) <= 1:
        return counted(map(store_pages, batches), progress)
    with process_pool(jobs) as pool:
        return counted(pool.map(store_pages, batches), progress)


def counted(counts, progress):
    done = 0
    for count in counts:
        done += count
        if progress is not None:
            progress(f"pages: {done}")
    return done
