"""Queries that rank or select articles for pages: the home page's lists, "Baca juga",
Terpopuler and previous/next. All of them start from Article.objects.published().
"""

import re
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.utils import timezone

from .models import Article, ArticleReadCount, GalleryPhoto, TaggedArticle

MOST_READ_COUNT = 5
MOST_READ_PERIODS = {"day": 24, "week": 24 * 7}
# Counting happens all the time; ranking is recomputed at most this often (the cache is shared).
MOST_READ_CACHE_SECONDS = 300


def newest_pks(parts):
    """Return {name: [pk, ...]}, newest first, for parts {name: (queryset, limit)}.

    Each part is a bounded "latest N" list that an index answers. The home page
    needs a dozen of them: they go to the database as one UNION ALL query.
    """
    selects, params = [], []
    for index, (queryset, limit) in enumerate(parts.values()):
        part = (
            queryset.annotate(part=models.Value(index, output_field=models.IntegerField()))
            .order_by("-published_at", "-pk")
            .values_list("part", "pk", "published_at")[:limit]
        )
        try:
            sql, part_params = part.query.sql_with_params()
        except EmptyResultSet:  # e.g. a section with no subsections' ids: nothing to find
            continue
        # A subquery in FROM may have its own ORDER BY and LIMIT on every database.
        selects.append(f"SELECT * FROM ({sql}) AS part_{index}")
        params.extend(part_params)
    found = {index: [] for index in range(len(parts))}
    if selects:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            rows = cursor.fetchall()
        rows.sort(key=lambda row: (row[2], row[1]), reverse=True)
        for index, pk, _published_at in rows:
            found[index].append(pk)
    return {name: found[index] for index, name in enumerate(parts)}


# "Baca juga" ranks at most this many (article, tag) rows, the newest sharing a tag.
RELATED_CANDIDATES = 200


def related_to(article, *, section=None, limit=4):
    """Return up to limit published articles ranked by shared tags, then same section, then same family.

    Ties go to the newer article; articles with nothing in common are left out, and
    the article itself never appears. The work is bounded whatever the archive's
    size: tag matches are drawn from the RELATED_CANDIDATES newest rows sharing a
    tag, section matches from each section's newest few. Pass the article's section
    from sections.section_tree() to spare the queries that walk the section tree.
    """
    section = section or article.section
    family_ids = set(section.ancestors(include_self=True)[0].descendant_ids())
    others = Article.objects.published().exclude(pk=article.pk)
    tag_ids = [tag.pk for tag in article.tags.all()]

    def rank(pk, section_id, published_at):
        tier = 2 if section_id == section.pk else 1 if section_id in family_ids else 0
        return (shared.get(pk, 0), tier, published_at, pk)

    shared = {}
    if tag_ids:
        tagged = TaggedArticle.objects.filter(content_object=OuterRef("pk"), tag_id__in=tag_ids)
        rows = (
            others.filter(Exists(tagged))
            .annotate(shared=Subquery(tagged.values("content_object").annotate(n=Count("pk")).values("n")))
            .order_by("-published_at", "-pk")
            .values_list("pk", "section_id", "published_at", "shared")[:RELATED_CANDIDATES]
        )
        shared = {pk: count for pk, _section_id, _published_at, count in rows}
        best_tagged = sorted((row[:3] for row in rows), key=lambda row: rank(*row), reverse=True)[:limit]
    else:
        best_tagged = []
    nearby = newest_pks(
        {
            "section": (others.filter(section_id=section.pk), limit),
            "family": (others.filter(section_id__in=family_ids), limit),
        }
    )
    wanted = {row[0] for row in best_tagged} | {*nearby["section"], *nearby["family"]}
    fetched = others.filter(pk__in=wanted).for_listing()
    ranked = sorted(fetched, key=lambda a: rank(a.pk, a.section_id, a.published_at), reverse=True)
    return ranked[:limit]


# Ranked first among the read counts alone, then checked against the public rule: the
# window is this many times what is shown, so articles taken down meanwhile leave no gap.
MOST_READ_CANDIDATES = 10 * MOST_READ_COUNT


def most_read(*, since, limit=MOST_READ_COUNT):
    """Return the pks of the published articles most read since the given moment, most read first.

    Unread ones are left out; ties go to the newer article. The read counts
    are summed first, on their own (index on hour_at), and only the leaders
    are looked up among the articles: joining every article in the archive
    before grouping cost about 200 ms at 100,000 articles.
    """
    leaders = dict(
        ArticleReadCount.objects.filter(hour_at__gte=since)
        .values("article_id")
        .annotate(reads=models.Sum("count"))
        .filter(reads__gt=0)
        .order_by("-reads", "-article_id")
        .values_list("article_id", "reads")[:MOST_READ_CANDIDATES]
    )
    public = Article.objects.published().filter(pk__in=leaders).values_list("pk", "published_at")
    ranked = sorted(public, key=lambda row: (leaders[row[0]], row[1], row[0]), reverse=True)
    return [pk for pk, _published_at in ranked[:limit]]


def most_read_ids(period):
    key = f"articles:most-read:{period}"
    ids = cache.get(key)
    if ids is None:
        ids = most_read(since=timezone.now() - timedelta(hours=MOST_READ_PERIODS[period]))
        cache.set(key, ids, MOST_READ_CACHE_SECONDS)
    return ids


def most_read_articles():
    """Return {"day": [...], "week": [...]}: the most read published articles, in two queries at most."""
    ids = {period: most_read_ids(period) for period in MOST_READ_PERIODS}
    wanted = {pk for period_ids in ids.values() for pk in period_ids}
    by_id = Article.objects.published().for_listing().in_bulk(wanted) if wanted else {}
    return {period: [by_id[pk] for pk in period_ids if pk in by_id] for period, period_ids in ids.items()}


def published_neighbours(article):
    in_section = (
        Article.objects.published().for_listing().filter(section_id=article.section_id).exclude(pk=article.pk)
    )
    moment = article.published_at
    # The plain bound (published_at <= moment) lets the database walk the section's index from
    # the article on; the OR alone, which breaks ties by pk, made it scan the whole section.
    older = (
        in_section.filter(published_at__lte=moment)
        .filter(Q(published_at__lt=moment) | Q(published_at=moment, pk__lt=article.pk))
        .order_by("-published_at", "-pk")
        .first()
    )
    newer = (
        in_section.filter(published_at__gte=moment)
        .filter(Q(published_at__gt=moment) | Q(published_at=moment, pk__gt=article.pk))
        .order_by("published_at", "pk")
        .first()
    )
    return older, newer


# --- Photo galleries ----------------------------------------------------------------------


def with_gallery_photos(articles):
    """Load the photos of the galleries among articles, with their library images, in order.

    One query for all of them, and none when no article is a gallery; the
    photos are then article.photos.all() (see gallery_photos()).
    """
    galleries = [
        article for article in articles if article is not None and article.kind == Article.Kind.GALLERY
    ]
    if galleries:
        photos = GalleryPhoto.objects.select_related("image").order_by("position", "pk")
        prefetch_related_objects(galleries, Prefetch("photos", queryset=photos))
    return articles


def gallery_photos(article):
    """Return the photos of a gallery in order, each with its number (from 1) and path; [] for an article."""
    if article.kind != Article.Kind.GALLERY:
        return []
    photos = list(article.photos.all())
    base = article.get_absolute_url()
    for number, photo in enumerate(photos, start=1):
        photo.number = number
        photo.path = f"{base}foto/{number}/"
        photo.credit_name = credit_name(photo.image.credit)
    return photos


# "Foto: Antara": the label is the page's to print, not part of the name.
CREDIT_LABEL_RE = re.compile(r"^\s*(foto|photo|gambar|image)\s*:\s*", re.IGNORECASE)


def credit_name(credit):
    """Return who a photo credit names, without a "Foto:" label: "Foto: Antara" → "Antara"."""
    return CREDIT_LABEL_RE.sub("", credit or "").strip()


def photo_path(article, number):
    """Return the address of a gallery's photo number (from 1): what reverse("articles:photo") gives."""
    return f"{article.get_absolute_url()}foto/{number}/"
