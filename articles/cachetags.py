"""What each public page shows, and what each change touches, as page-cache tags (pagecache/tags.py).

Entity tags name one thing and go on every page showing it: `article:<pk>`
(its page, and every card, link and list naming it), `section:<pk>`,
`tag:<pk>`, `author:<pk>`, `page:<pk>`, and `chrome` (navigation, footer).
Listing tags name a list whose members change when articles come and go:
`list:all` (home, Terkini, feeds, sitemaps, the index, search),
`list:section:<pk>` (a section's page and its parents'), `list:tag:<pk>`,
`list:author:<pk>` and `list:day:<YYYY-MM-DD>`. A live coverage's updates have
their own tag, `live:<pk>` (its page, its updates endpoint and feed, the
sitemaps listing it): publishing an update touches nothing else.

So publishing an article touches its own tags and its listings: the home
page, its sections, tags, authors, feeds, sitemaps and its day index go
stale, and none of the archive's other article pages.
"""

import logging
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Subquery
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

import pagecache

from . import precomputed, selectors
from .models import Article, Author, Credit, Page, Section, TaggedArticle
from .sections import section_tree

logger = logging.getLogger(__name__)

CHROME = "chrome"
LIST_ALL = "list:all"
# The pictures feeds and sitemaps list (lead images, gallery photos, their renditions): they
# go stale when a gallery's photos or an image's renditions change, which moves no listing.
PICTURES = "list:pictures"
# The lists whose entries carry a coverage's newest update time (the sitemaps' lastmod).
LIVE_TIMES = "list:live"


def article_tag(pk):
    return f"article:{pk}"


def live_tag(pk):
    """What shows a coverage's updates (or their time): its page, endpoint, feed, the sitemaps listing it."""
    return f"live:{pk}"


def live_changed(pk, *, hard=False):
    """Invalidate what a coverage's updates touch (services/live.py, on commit); hard: a removal."""
    if hard:  # the sitemaps only show the time: they may stand in while they render again
        pagecache.invalidate_tags({live_tag(pk)}, hard=True)
        pagecache.invalidate_tags({LIVE_TIMES})
    else:
        pagecache.invalidate_tags({live_tag(pk), LIVE_TIMES})


def section_tags(section):
    """The entity tags of a section and its ancestors (their names are in its breadcrumbs)."""
    return [f"section:{node.pk}" for node in section.ancestors(include_self=True)]


def article_entity_tags(article, crumbs=()):
    """The tags of what a loaded article (for_reading) shows of itself: the article, its section
    (and the sections above it in crumbs, named in its breadcrumbs), its tags and its authors."""
    section_ids = dict.fromkeys([*(section.pk for section in crumbs), article.section_id])
    return [
        article_tag(article.pk),
        *(f"section:{pk}" for pk in section_ids),
        *(f"tag:{tag.pk}" for tag in article.tags.all()),
        *(f"author:{credit.author_id}" for credit in article.credits.all()),
    ]


def article_state(pk):
    """Return what decides an article's listings, as stored now: None if it is not public."""
    article = Article.objects.published().filter(pk=pk).first()
    if article is None:
        return None
    section = section_tree().by_id[article.section_id]
    return {
        # Their "previous/next" links point at this article.
        "neighbours": [other.pk for other in selectors.published_neighbours(article) if other is not None],
        "section_ids": [node.pk for node in section.ancestors(include_self=True)],
        "tag_ids": sorted(
            TaggedArticle.objects.filter(content_object_id=pk).values_list("tag_id", flat=True)
        ),
        "author_ids": sorted(Credit.objects.filter(article_id=pk).values_list("author_id", flat=True)),
        "day": timezone.localdate(article.published_at).isoformat(),
        "corrections": article.corrections.count(),
    }


def listing_tags(state):
    """The listing tags of a public article's state (article_state)."""
    if state is None:
        return set()
    return {
        LIST_ALL,
        f"list:day:{state['day']}",
        *(f"list:section:{pk}" for pk in state["section_ids"]),
        *(f"list:tag:{pk}" for pk in state["tag_ids"]),
        *(f"list:author:{pk}" for pk in state["author_ids"]),
    }


def refresh_links(pks):
    """Store the links of pks again (articles/precomputed.py); a failure is logged, never raised.

    The invalidation that follows must happen whatever: a page rendered with a
    link left stale is still a page that shows the change.
    """
    try:
        precomputed.refresh_links(pks)
    except Exception:
        logger.exception("Could not store the links of articles %s", sorted(pks))


def article_changing(pk):
    """Call before writing article pk; invalidates what it touched and touches once the transaction commits.

    The state after is read on commit, when the admin's inlines (tags,
    credits, corrections) are saved too. First the stored links of the
    article and of its neighbours before and after are made again
    (articles/precomputed.py), so the pages rendered afresh show them.
    Taking an article down, or adding a correction, is a hard change: no
    copy of it is ever served again.
    """
    before = article_state(pk) if pk else None

    def changed(pk=pk):
        after = article_state(pk)
        neighbours = {other for state in (before, after) for other in (state or {}).get("neighbours", ())}
        refresh_links({pk, *neighbours})
        tags = listing_tags(before) | listing_tags(after) | {pagecache.SCHEDULE_TAG}
        if before or after:
            tags.update({article_tag(pk), live_tag(pk)})
        tags.update(article_tag(other) for other in neighbours)
        hard = before is not None and (after is None or after["corrections"] > before["corrections"])
        pagecache.invalidate_tags(tags, hard=hard)

    return changed


def article_written(article, changing):
    """Run changing (from article_changing) for the saved article once the transaction commits."""
    transaction.on_commit(lambda: changing(article.pk))


def article_deleting(sender, instance, **kwargs):
    """pre_delete: a deleted article disappears from every page it was on, hard.

    Its neighbours link past it once the deletion commits.
    """
    state = article_state(instance.pk)
    neighbours = (state or {}).get("neighbours", ())
    tags = listing_tags(state) | {article_tag(instance.pk), pagecache.SCHEDULE_TAG}
    tags.update(article_tag(other) for other in neighbours)
    transaction.on_commit(lambda: refresh_links(neighbours))
    pagecache.pages_changed(tags, hard=True)


def next_change():
    """Return the next moment public pages change by themselves: a scheduled publication, or a
    live coverage starting or ending at its set time (its badge comes or goes).

    One query (the watcher asks it every time the schedule moves): each moment is the first row
    of its own index, as a scalar subquery.
    """
    now = timezone.now()
    published = Article.objects.published()

    def first(articles, field):
        return Subquery(articles.filter(**{f"{field}__gt": now}).order_by(field).values(field)[:1])

    # A list, read to the end: on SQLite an unfinished cursor would hold the table's lock.
    rows = list(
        Article.objects.annotate(
            publication=first(Article.objects.scheduled(), "published_at"),
            start=first(published, "live_started_at"),
            end=first(published, "live_ended_at"),
        ).values_list("publication", "start", "end")[:1]
    )
    return min(filter(None, rows[0] if rows else ()), default=None)


def due_tags(since, until):
    """Return the tags of the articles whose scheduled publication fell in (since, until], Unix times,
    and of the coverages that started or ended then.

    Their stored links are made on the way, as a publication's are.
    """
    start, end = (datetime.fromtimestamp(moment, tz=UTC) for moment in (since, until))
    tags = set()
    for field in ("live_started_at", "live_ended_at"):
        span = {f"{field}__gt": start, f"{field}__lte": end}
        for pk in Article.objects.published().filter(**span).values_list("pk", flat=True):
            tags.update({article_tag(pk), live_tag(pk)})
    for pk in (
        Article.objects.published()
        .filter(published_at__gt=start, published_at__lte=end)
        .values_list("pk", flat=True)
    ):
        state = article_state(pk)
        # Public now: its links, and its neighbours' (which it now sits between), are made.
        refresh_links({pk, *state["neighbours"]})
        tags |= (
            listing_tags(state) | {article_tag(pk)} | {article_tag(other) for other in state["neighbours"]}
        )
    return tags


def content_changed(obj, *, deleted=False):
    """Invalidate what a section, author, tag or page edit (or deletion) touches, after commit."""
    if isinstance(obj, Section):
        if deleted:  # its articles' addresses change: everything
            pagecache.public_pages_changed()
            return
        tags = [f"section:{obj.pk}", f"list:section:{obj.pk}", CHROME]
    elif isinstance(obj, Author):
        tags = [f"author:{obj.pk}", f"list:author:{obj.pk}"]
    elif isinstance(obj, Tag):
        tags = [f"tag:{obj.pk}", f"list:tag:{obj.pk}"]
    elif isinstance(obj, Page):
        tags = [f"page:{obj.pk}", CHROME]
    else:
        pagecache.public_pages_changed()
        return
    pagecache.pages_changed(tags, hard=deleted)


def warm_paths(tags):
    """Return the addresses worth rendering again after a change to tags (pagecache/warming.py)."""
    if tags is None:
        return ["/"]
    paths = []
    if LIST_ALL in tags:
        paths += ["/", "/feed/"]
    today = timezone.localdate().isoformat()
    for tag in sorted(tags):
        kind, _, pk = tag.rpartition(":")
        if not pk.isdigit() and kind != "list:day":
            continue
        if kind == "article":
            article = Article.objects.published().select_related("section__parent").filter(pk=pk).first()
            if article is not None:
                paths.insert(0, article.get_absolute_url())
        elif kind == "live":
            article = Article.objects.published().select_related("section__parent").filter(pk=pk).first()
            if article is not None and article.is_live_coverage:
                # The page, and what its open copies ask next: the news since the position before.
                address = article.get_absolute_url()
                paths[:0] = [address, f"{address}pembaruan/?sejak={max(article.live_sequence - 1, 0)}"]
        elif kind == "list:section":
            section = Section.objects.select_related("parent").filter(pk=pk).first()
            if section is not None:
                paths.append(section.get_absolute_url())
        elif kind == "list:tag":
            found = Tag.objects.filter(pk=pk).values_list("slug", flat=True).first()
            if found:
                paths.append(reverse("articles:tag", kwargs={"slug": found}))
        elif kind == "list:author":
            author = Author.objects.filter(pk=pk).first()
            if author is not None:
                paths.append(author.get_absolute_url())
        elif kind == "list:day":
            paths.append(reverse("articles:index") + ("" if pk == today else f"?date={pk}"))
    return list(dict.fromkeys(paths))
