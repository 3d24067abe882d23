"""Sitemaps for /sitemap.xml (an index) and the Google News sitemap of the last 48 hours.

Every list is built from Article.objects.published() per request. Django
splits a section into pages of `limit` URLs (?p=2) and the index lists them.
Article entries name their pictures (Google's image sitemap extension,
templates/sitemaps/sitemap.xml): the lead image and every gallery photo.
"""

import functools
from datetime import timedelta

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.files.storage import default_storage
from django.db.models import Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from pagecache import tag_page

from . import cachetags
from .models import Article, Author, Credit, GalleryPhoto, Page, Section, TaggedArticle, published_q
from .pagination import ArchivePaginator
from .sections import load_section_tree

# The protocol allows 50,000 URLs per file; 2,000 keeps each file quick to build and fetch
# (a 100,000-article archive is 50 article files, listed in /sitemap.xml).
URLS_PER_SITEMAP = 2_000
# Google News reads articles published in the last two days, at most 1,000 per sitemap.
NEWS_WINDOW = timedelta(hours=48)
NEWS_URLS_PER_SITEMAP = 1_000
# Google's image sitemaps take at most 1,000 images per page.
IMAGES_PER_URL = 1_000


def article_lastmod(article):
    """An article's last change: its publication, an edit, or its newest live update.

    A scheduled article may have been saved before its publish time.
    """
    return max(filter(None, [article.published_at, article.modified_at, article.last_updated_at]))


def tagged_sitemap(view):
    """A sitemap view whose cached copy goes stale with the lists it shows, and with live updates."""

    @functools.wraps(view)
    def tagged(request, *args, **kwargs):
        tag_page(request, cachetags.LIST_ALL, cachetags.PICTURES, cachetags.LIVE_TIMES)
        return view(request, *args, **kwargs)

    return tagged


class ArticleSitemap(Sitemap):
    limit = URLS_PER_SITEMAP
    changefreq = "daily"
    priority = 0.8

    @property
    def paginator(self):
        # The last file of a big archive skips 98,000 index entries, not 98,000 rows.
        return ArchivePaginator(self._items(), self.limit)

    def items(self):
        return (
            Article.objects.published()
            .select_related("section")
            .only(
                "slug",
                "published_at",
                "modified_at",
                "updated_at",
                "live_updated_at",
                "created_at",
                "kind",
                "lead_image",
                "section__slug",
            )
            .order_by("-published_at", "-pk")
        )

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        origin = f"{self.get_protocol(protocol)}://{self.get_domain(site)}"
        # The photos of all the galleries on this page in one query (none without a gallery).
        gallery_ids = [url["item"].pk for url in urls if url["item"].kind == Article.Kind.GALLERY]
        photos = {}
        if gallery_ids:
            rows = (
                GalleryPhoto.objects.filter(article_id__in=gallery_ids)
                .order_by("article_id", "position", "pk")
                .values_list("article_id", "image__image")
            )
            for article_id, name in rows:
                photos.setdefault(article_id, []).append(name)
        for url in urls:
            article = url["item"]
            # A gallery's cover is its lead image too: named once.
            names = dict.fromkeys([article.lead_image.name, *photos.get(article.pk, ())])
            url["images"] = [origin + default_storage.url(name) for name in names if name][:IMAGES_PER_URL]
        return urls

    def lastmod(self, article):
        return article_lastmod(article)

    def get_latest_lastmod(self):
        # For /sitemap.xml: one aggregate, not a walk over every article in Python.
        # updated_at is only ever set in a save, so modified_at covers it; both maxima walk an index.
        latest = Article.objects.published().aggregate(
            published=Max("published_at"), modified=Max("modified_at"), live=Max("live_updated_at")
        )
        return max(filter(None, latest.values()), default=None)


class SectionSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.7

    def items(self):
        tree = load_section_tree()
        latest = dict(
            Section.objects.annotate(
                latest=Max("articles__published_at", filter=published_q(prefix="articles__"))
            ).values_list("pk", "latest")
        )
        for section in tree.by_id.values():
            dates = [latest.get(pk) for pk in section.descendant_ids()]
            section.latest_published_at = max(filter(None, dates), default=None)
        return sorted(
            tree.by_id.values(), key=lambda section: (section.parent_id or 0, section.position, section.pk)
        )

    def lastmod(self, section):
        return section.latest_published_at


class TagSitemap(Sitemap):
    """Tags with at least one published article (no lastmod: a tag page changes with every story)."""

    limit = URLS_PER_SITEMAP
    changefreq = "daily"
    priority = 0.5

    def items(self):
        tagged = TaggedArticle.objects.filter(tag=OuterRef("pk")).filter(
            published_q(prefix="content_object__")
        )
        return Tag.objects.filter(Exists(tagged)).order_by("slug").only("slug")

    def location(self, tag):
        return reverse("articles:tag", kwargs={"slug": tag.slug})


class AuthorSitemap(Sitemap):
    """Authors credited on at least one published article."""

    limit = URLS_PER_SITEMAP
    changefreq = "daily"
    priority = 0.4

    def items(self):
        credited = Credit.objects.filter(author=OuterRef("pk")).filter(published_q(prefix="article__"))
        return Author.objects.filter(Exists(credited)).order_by("slug").only("slug")


class StaticSitemap(Sitemap):
    """The home page, the news index and the static pages (Tentang Kami, Redaksi, ...)."""

    def items(self):
        latest = Article.objects.published().aggregate(latest=Max("published_at"))["latest"]
        return [
            ("home", reverse("articles:home"), latest, "hourly", 1.0),
            ("index", reverse("articles:index"), latest, "hourly", 0.6),
            *(
                (page.slug, page.get_absolute_url(), page.modified_at, "monthly", 0.3)
                for page in Page.objects.all()
            ),
        ]

    def location(self, item):
        return item[1]

    def lastmod(self, item):
        return item[2]

    def changefreq(self, item):
        return item[3]

    def priority(self, item):
        return item[4]


class NewsSitemap(Sitemap):
    """Articles published in the last 48 hours, rendered with templates/sitemaps/news.xml."""

    limit = NEWS_URLS_PER_SITEMAP

    def items(self):
        # A live coverage stays news while it is being updated.
        since = timezone.now() - NEWS_WINDOW
        return (
            Article.objects.published()
            .filter(Q(published_at__gte=since) | Q(live_updated_at__gte=since))
            .select_related("section")
            .order_by("-published_at", "-pk")
        )

    def lastmod(self, article):
        return article_lastmod(article)

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url in urls:
            url["publication_name"] = settings.SITE_NAME
            url["publication_language"] = settings.LANGUAGE_CODE
            # W3C datetime with the site's offset, to the second: 2026-11-25T17:48:00+07:00.
            url["publication_date"] = (
                timezone.localtime(url["item"].published_at).replace(microsecond=0).isoformat()
            )
        return urls


SITEMAPS = {
    "news": NewsSitemap,
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
    "pages": StaticSitemap,
}
