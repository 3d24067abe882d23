"""RSS 2.0 and Atom feeds: the whole site, a section (with its subsections) and a tag.

Every item has title, link, a stable guid, pubDate, author, categories
(section and tags), the summary as description and the full sanitized body
as content:encoded (RSS) or content (Atom), with links made absolute. A
photo gallery's photos follow as Media RSS media:content, in order.
"""

import mimetypes
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from taggit.models import Tag

from pagecache import tag_page

from . import cachetags, live
from .html import plain_text
from .models import Article, Section
from .sections import section_tree
from .selectors import gallery_photos, with_gallery_photos
from .seo import image_file

FEED_ITEMS = 30
ROOT_RELATIVE_URL_RE = re.compile(r'(\s(?:href|src)=")/(?!/)')
MEDIA_RSS = "http://search.yahoo.com/mrss/"


def add_media_elements(handler, item):
    """Write a gallery's photos as Media RSS <media:content> elements (Media RSS 1.5.1), in order."""
    for media in item.get("media") or ():
        handler.startElement("media:content", media["attributes"])
        if media["title"]:
            handler.addQuickElement("media:title", media["title"], {"type": "plain"})
        if media["description"]:
            handler.addQuickElement("media:description", media["description"], {"type": "plain"})
        if media["credit"]:
            handler.addQuickElement("media:credit", media["credit"])
        handler.endElement("media:content")


class RssWithContentFeed(Rss201rev2Feed):
    """RSS 2.0 with the full article in content:encoded (the RSS content module) and photos in media:."""

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
            "xmlns:dc": "http://purl.org/dc/elements/1.1/",
            "xmlns:media": MEDIA_RSS,
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content:encoded", item["content_html"])
        add_media_elements(handler, item)


class AtomWithContentFeed(Atom1Feed):
    """Atom 1.0 with the summary and the full article as HTML content, and photos in media:."""

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA_RSS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})
        add_media_elements(handler, item)


@dataclass
class FeedSource:
    """What a feed is about, with this request's site address for absolute links."""

    site_url: str
    host: str
    section: Section | None = None
    tag: Tag | None = None


class LatestArticlesFeed(Feed):
    feed_type = RssWithContentFeed
    language = settings.LANGUAGE_CODE  # The articles' language, whatever the interface language.

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # The feed writer adds each XML fragment as its own chunk; joined once here, the
        # server sends (and the page cache stores) one body instead of thousands of pieces.
        response.content = response.content
        return response

    def get_object(self, request, *args, **kwargs):
        return FeedSource(site_url=request.build_absolute_uri("/").rstrip("/"), host=request.get_host())

    def title(self, source):
        return settings.SITE_NAME

    def description(self, source):
        return settings.SITE_TAGLINE or settings.SITE_NAME

    def subtitle(self, source):
        return self.description(source)

    def link(self, source):
        return reverse("articles:home")

    def feed_url(self, source):
        return None  # The request's own URL.

    def filter_articles(self, articles, source):
        return articles

    def items(self, source):
        articles = self.filter_articles(Article.objects.published(), source)
        items = list(articles.for_reading().order_by("-published_at", "-pk")[:FEED_ITEMS])
        with_gallery_photos(items)  # one query, when a gallery is among them
        for article in items:
            article.feed_source = source
        return items

    def item_title(self, article):
        if article.is_advertorial:
            return f"[{_('Advertorial')}] {article.headline}"
        return article.headline

    def item_description(self, article):
        return article.description_for_meta

    def item_link(self, article):
        return article.get_absolute_url()

    def item_guid(self, article):
        # A tag: URI (RFC 4151) on the article's id: stable when the slug or section changes.
        host = article.feed_source.host.split(":")[0]
        first = timezone.localtime(article.first_published_at or article.published_at or article.created_at)
        return f"tag:{host},{first:%Y-%m-%d}:article/{article.pk}"

    def item_guid_is_permalink(self, article):
        return False

    def item_author_name(self, article):
        return ", ".join(author.name for author in article.byline_authors()) or None

    def item_author_link(self, article):
        authors = article.byline_authors()
        return article.feed_source.site_url + authors[0].get_absolute_url() if authors else None

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return max(filter(None, [article.published_at, article.updated_at, article.modified_at]))

    def item_categories(self, article):
        return [article.section.name, *(tag.name for tag in article.tags.all())]

    def item_enclosures(self, article):
        if not article.lead_image:
            return []
        # The size recorded when the renditions were made: asking the storage would cost one
        # request per item on S3. RSS 2.0 requires a length; 0 is the accepted "unknown"
        # (RSS Advisory Board best practices) for images stored before sizes were recorded.
        renditions = article.lead_image_renditions or {}
        recorded = renditions.get("source") == article.lead_image.name
        size = renditions.get("bytes", 0) if recorded else 0
        mime_type = mimetypes.guess_type(article.lead_image.name)[0] or "image/jpeg"
        url = article.feed_source.site_url + article.lead_image.url
        return [Enclosure(url, str(size), mime_type)]

    def item_extra_kwargs(self, article):
        site_url = article.feed_source.site_url
        return {
            "content_html": ROOT_RELATIVE_URL_RE.sub(rf"\1{site_url}/", " " + article.body)[1:],
            "media": [self.photo_media(photo, site_url) for photo in gallery_photos(article)],
        }

    def photo_media(self, photo, site_url):
        """What <media:content> says of one gallery photo: its widest rendition, caption and credit."""
        image = photo.image
        url, width, height = image_file(image)
        renditions = image.renditions or {}
        mime_type = (renditions.get("fallback") and renditions.get("fallback_type")) or (
            mimetypes.guess_type(url)[0] or "image/jpeg"
        )
        attributes = {"url": site_url + url, "medium": "image", "type": mime_type}
        if width and height:
            attributes.update(width=str(width), height=str(height))
        return {
            "attributes": attributes,
            "title": image.alt_text,
            "description": image.caption,
            "credit": photo.credit_name,
        }


class SectionFeed(LatestArticlesFeed):
    def get_object(self, request, slug, parent_slug=None):
        section = section_tree(request).by_slug.get(slug)
        if section is None or (section.parent.slug if section.parent_id else None) != parent_slug:
            raise Http404("No such section.")
        source = super().get_object(request)
        source.section = section
        return source

    def title(self, source):
        return f"{source.section.name} | {settings.SITE_NAME}"

    def description(self, source):
        return source.section.description or _("Latest news in %(section)s") % {
            "section": source.section.name
        }

    def link(self, source):
        return source.section.get_absolute_url()

    def filter_articles(self, articles, source):
        return articles.in_section(source.section)


class TagFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        source = super().get_object(request)
        source.tag = get_object_or_404(Tag, slug=slug)
        return source

    def title(self, source):
        return f"{source.tag.name} | {settings.SITE_NAME}"

    def description(self, source):
        return _("Latest news about %(tag)s") % {"tag": source.tag.name}

    def link(self, source):
        return reverse("articles:tag", kwargs={"slug": source.tag.slug})

    def filter_articles(self, articles, source):
        return articles.tagged(source.tag)


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = AtomWithContentFeed


class SectionAtomFeed(SectionFeed):
    feed_type = AtomWithContentFeed


class TagAtomFeed(TagFeed):
    feed_type = AtomWithContentFeed


class LiveUpdatesFeed(LatestArticlesFeed):
    """…/<slug>/feed/: a live coverage's published updates, newest first, each linking to its anchor."""

    def get_object(self, request, slug, **kwargs):
        article = (
            Article.objects.published()
            .filter(slug=slug, live_started_at__isnull=False)
            .select_related("section__parent")
            .first()
        )
        if article is None or request.path != article.get_absolute_url() + "feed/":
            raise Http404("No such live coverage.")
        tag_page(request, cachetags.article_tag(article.pk))
        source = super().get_object(request)
        source.article = article
        source.coverage = live.coverage_for(request, article)
        return source

    def title(self, source):
        return f"{source.article.headline} | {settings.SITE_NAME}"

    def description(self, source):
        return source.article.description_for_meta

    def link(self, source):
        return source.article.get_absolute_url()

    def items(self, source):
        items = source.coverage.newest_first[:FEED_ITEMS]
        for update in items:
            update.feed_source = source
        return items

    def item_title(self, update):
        title = update.title or Truncator(plain_text(update.body)).words(12)
        return f"{_('Ralat')}: {title}" if update.is_correction else title

    def item_description(self, update):
        return ROOT_RELATIVE_URL_RE.sub(rf"\1{update.feed_source.site_url}/", " " + update.body_html)[1:]

    def item_link(self, update):
        return f"{update.feed_source.article.get_absolute_url()}#{update.anchor}"

    def item_guid(self, update):
        host = update.feed_source.host.split(":")[0]
        return f"tag:{host},{timezone.localtime(update.published_at):%Y-%m-%d}:live-update/{update.pk}"

    def item_author_name(self, update):
        return update.author.name if update.author else None

    def item_author_link(self, update):
        return update.feed_source.site_url + update.author.get_absolute_url() if update.author else None

    def item_pubdate(self, update):
        return update.published_at

    def item_updateddate(self, update):
        return update.edited_at or update.published_at

    def item_categories(self, update):
        return [_("Pembaruan penting")] if update.is_key else []

    def item_enclosures(self, update):
        return []

    def item_extra_kwargs(self, update):
        return {}


class LiveUpdatesAtomFeed(LiveUpdatesFeed):
    feed_type = AtomWithContentFeed
