"""Photo galleries for readers: the page, each photo's own address, structured data, sitemap and feeds."""

import re
from datetime import timedelta
from html import unescape

import feedparser
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree, html

from articles.models import Article
from articles.services import gallery_photo_add
from pagecache.generation import FakeStore, using_store

from .auditing import sitemap_problems
from .factories import make_article, make_gallery, make_library_image, make_png, make_section
from .test_seo import jsonld, link, meta

pytestmark = pytest.mark.django_db

IMAGE_NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "image": "http://www.google.com/schemas/sitemap-image/1.1",
}
HIDDEN = [
    {"status": Article.Status.DRAFT},
    {"status": Article.Status.REVIEW},
    {"status": Article.Status.UNPUBLISHED},
    {"status": Article.Status.PUBLISHED, "published_at": timedelta(hours=2)},
]


def hidden_gallery(state, **fields):
    state = dict(state)
    if "published_at" in state:
        state["published_at"] = timezone.now() + state["published_at"]
    return make_gallery(**state, **fields)


def page_tree(response):
    assert response.status_code == 200
    return html.fromstring(response.content)


def has_class(name):
    """An XPath test for an element with this class (CSS selectors in lxml need another package)."""
    return f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'


def photo_items(tree):
    return tree.xpath(f"//ol[{has_class('gallery')}]/li")


def by_class(element, name, tag="*"):
    return element.xpath(f".//{tag}[{has_class(name)}]")


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


# --- The gallery page ----------------------------------------------------------------


def test_gallery_page_shows_every_photo_in_order_with_its_caption_credit_position_and_address(client):
    gallery = make_gallery(4, headline="Banjir di Jakarta", credit="Foto: Antara")
    tree = page_tree(client.get(gallery.get_absolute_url()))
    items = photo_items(tree)
    assert [item.get("id") for item in items] == ["foto-1", "foto-2", "foto-3", "foto-4"]
    for number, item in enumerate(items, start=1):
        assert by_class(item, "gallery__position")[0].text_content() == f"{number} / 4"
        assert by_class(item, "credit")[0].text_content() == "Foto: Antara"  # no "Foto: Foto:"
        assert by_class(item, "gallery__link")[0].get("href") == f"{gallery.get_absolute_url()}foto/{number}/"
        assert item.xpath(".//img")[0].get("alt").startswith("Deskripsi foto")
    captions = [by_class(item, "gallery__text")[0].text_content() for item in items]
    assert captions == [f"Keterangan foto {n}." for n in range(1, 5)]
    # The lead picture is the cover, shown once, in the gallery.
    assert not by_class(tree, "article__figure")
    assert tree.xpath('//script[contains(@src, "js/gallery.js") and @defer]')


def test_first_photo_loads_at_once_and_the_rest_lazily(client):
    gallery = make_gallery(3)
    images = [
        item.xpath(".//img")[0] for item in photo_items(page_tree(client.get(gallery.get_absolute_url())))
    ]
    assert images[0].get("fetchpriority") == "high" and images[0].get("loading") is None
    assert [image.get("loading") for image in images[1:]] == ["lazy", "lazy"]
    assert all(image.get("width") and image.get("height") for image in images)


def test_photos_with_renditions_get_responsive_sources(client):
    gallery = make_gallery(2, renditions=True, image_size=(900, 600))
    content = client.get(gallery.get_absolute_url()).content.decode()
    # libxml2's HTML parser does not know <picture>: read the markup itself.
    first = content[content.index('id="foto-1"') : content.index('id="foto-2"')]
    assert '<source type="image/avif"' in first and '<source type="image/webp"' in first
    assert 'width="900" height="600" fetchpriority="high"' in first


def test_articles_get_no_gallery_and_no_gallery_script(client):
    article = make_article()
    tree = page_tree(client.get(article.get_absolute_url()))
    assert not by_class(tree, "gallery-viewer")
    assert not tree.xpath('//script[contains(@src, "js/gallery.js")]')


def test_public_pages_allow_large_image_previews_with_one_robots_meta(client, editor_client):
    gallery = make_gallery(2)
    for response in [
        client.get(gallery.get_absolute_url()),
        client.get(f"{gallery.get_absolute_url()}foto/2/"),
    ]:
        robots = page_tree(response).xpath('//meta[@name="robots"]')
        assert [element.get("content") for element in robots] == ["max-image-preview:large"]
    draft = make_gallery(2, status=Article.Status.DRAFT)
    robots = page_tree(editor_client.get(draft.get_absolute_url())).xpath('//meta[@name="robots"]')
    assert [element.get("content") for element in robots] == ["noindex, nofollow"]


def test_gallery_page_queries_do_not_grow_with_the_number_of_photos(client):
    few, many = make_gallery(3), make_gallery(30)
    queries_for(client, few.get_absolute_url())  # warm the per-process caches (sections, chrome)
    assert queries_for(client, many.get_absolute_url()) == queries_for(client, few.get_absolute_url())
    assert len(photo_items(page_tree(client.get(many.get_absolute_url())))) == 30


def test_photos_cost_galleries_one_query_and_articles_none(client):
    section = make_section()
    article, gallery = make_article(section=section), make_gallery(5, section=section)
    queries_for(client, article.get_absolute_url())
    assert (
        queries_for(client, gallery.get_absolute_url()) == queries_for(client, article.get_absolute_url()) + 1
    )


# --- Each photo's own address ------------------------------------------------------------


def test_photo_page_shows_that_photo_first_with_its_own_title_canonical_and_image(client):
    gallery = make_gallery(3, headline="Banjir di Jakarta", renditions=True, image_size=(1600, 1200))
    url = f"{gallery.get_absolute_url()}foto/3/"
    response = client.get(url)
    tree = page_tree(response)
    assert tree.findtext(".//title") == "Foto 3 dari 3: Banjir di Jakarta | Newsportal"
    assert link(response, "canonical") == f"http://testserver{url}"
    assert meta(response, "property", "og:url") == f"http://testserver{url}"
    assert meta(response, "property", "og:title") == "Foto 3 dari 3: Banjir di Jakarta"
    photo = gallery.photos.all()[2].image
    crop = max(photo.renditions["crops"]["16:9"]["fallback"])
    assert crop[0] >= 1200
    assert meta(response, "property", "og:image").endswith(crop[2])
    # The photo is the first picture on the page, loaded at once; the whole gallery follows.
    first = by_class(tree, "gallery-viewer")[0].xpath(".//img")[0]
    assert first.get("alt") == photo.alt_text and first.get("fetchpriority") == "high"
    # Every photo, from this one on: 3, then 1 and 2.
    assert [item.get("id") for item in photo_items(tree)] == ["foto-3", "foto-1", "foto-2"]
    assert tree.xpath("//*[@data-gallery]")[0].get("data-start") == "3"
    assert f"article:{gallery.pk}" in response.wsgi_request.page_tags


@pytest.mark.parametrize("number", [0, 4, 99])
def test_photo_numbers_outside_the_gallery_are_404(client, number):
    gallery = make_gallery(3)
    assert client.get(f"{gallery.get_absolute_url()}foto/{number}/").status_code == 404


def test_an_article_has_no_photo_pages(client):
    article = make_article(lead_image="articles/2026/11/qatar.jpg", lead_image_alt="Ilustrasi")
    assert client.get(f"{article.get_absolute_url()}foto/1/").status_code == 404


def test_photo_page_with_a_stale_section_redirects_to_its_own_address(client):
    gallery = make_gallery(2)
    moment = timezone.localtime(gallery.published_at)
    stale = f"/lain/{moment:%Y/%m/%d}/{gallery.slug}/foto/2/"
    response = client.get(stale)
    assert response.status_code == 301
    assert response["Location"] == f"{gallery.get_absolute_url()}foto/2/"


@pytest.mark.parametrize("state", HIDDEN)
def test_hidden_galleries_show_nothing_anywhere(client, state):
    gallery = hidden_gallery(state, headline="Galeri Rahasia")
    assert client.get(gallery.get_absolute_url()).status_code == 404
    assert client.get(f"{gallery.get_absolute_url()}foto/1/").status_code == 404
    assert b"Galeri Rahasia" not in client.get("/feed/").content
    assert gallery.slug.encode() not in client.get("/sitemap-articles.xml").content
    assert b"Galeri Rahasia" not in client.get(gallery.section.get_absolute_url()).content


def test_scheduled_gallery_photo_page_appears_at_publish_time(client):
    gallery = make_gallery(2, published_at=timezone.now() + timedelta(minutes=5))
    url = f"{gallery.get_absolute_url()}foto/2/"
    assert client.get(url).status_code == 404
    Article.objects.filter(pk=gallery.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    assert client.get(url).status_code == 200


def test_editors_preview_a_draft_gallerys_photo_pages_uncached(editor_client):
    draft = make_gallery(2, status=Article.Status.DRAFT)
    response = editor_client.get(f"{draft.get_absolute_url()}foto/2/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert not jsonld(response)


# --- Cards ------------------------------------------------------------------------------


def test_cards_label_galleries_with_their_photo_count_without_a_query_per_card(client):
    section = make_section(slug="foto")
    make_gallery(12, section=section, headline="Galeri dua belas")
    make_article(section=section, headline="Berita biasa")
    tree = page_tree(client.get("/foto/"))
    labels = [
        label.text_content()
        for label in tree.xpath(
            f"//article[{has_class('card')}]//*[{has_class('label--gallery')}]/*[@aria-hidden]"
        )
    ]
    assert labels == ["Foto · 12"]
    before = queries_for(client, "/foto/")
    for n in range(3):
        make_gallery(2, section=section, headline=f"Galeri lain {n}")
    assert queries_for(client, "/foto/") == before


# --- Structured data ---------------------------------------------------------------------


def test_article_jsonld_lists_the_16_9_4_3_and_1_1_crops_at_their_widest(client):
    image = make_library_image(width=1600, height=1200, renditions=True)
    article = make_article(
        lead_image=image.image.name, lead_image_alt="Ilustrasi", lead_image_renditions=image.renditions
    )
    Article.objects.filter(pk=article.pk).update(lead_image_renditions=image.renditions)
    news = jsonld(client.get(article.get_absolute_url()))["NewsArticle"][0]
    crops = image.renditions["crops"]
    expected = [max(crops[ratio]["fallback"]) for ratio in ("16:9", "4:3", "1:1")]
    assert [url.rsplit("/", 1)[1] for url in news["image"]] == [
        entry[2].rsplit("/", 1)[1] for entry in expected
    ]
    assert expected[0][0] >= 1200 and expected[1][0] >= 1200
    assert expected[2][0] == 1200  # 1:1 of 1600 x 1200 is 1200 wide


def test_gallery_jsonld_is_an_image_gallery_of_image_objects_with_creator_and_credit(client):
    gallery = make_gallery(3, headline="Banjir di Jakarta", credit="Foto: Antara/Rina", renditions=True)
    graph = jsonld(client.get(gallery.get_absolute_url()))
    [news], [images] = graph["NewsArticle"], graph["ImageGallery"]
    assert news["hasPart"] == {"@id": images["@id"]}
    assert images["numberOfItems"] == 3
    base = f"http://testserver{gallery.get_absolute_url()}"
    for number, (photo, item) in enumerate(
        zip(gallery.photos.all(), images["associatedMedia"], strict=True), start=1
    ):
        assert item["@type"] == "ImageObject"
        assert item["url"] == f"{base}foto/{number}/"
        assert item["position"] == number
        assert item["contentUrl"].endswith(max(photo.image.renditions["fallback"])[2])
        assert (item["width"], item["height"]) == (64, 48)
        assert item["caption"] == photo.image.caption
        assert item["name"] == photo.image.alt_text
        assert item["creditText"] == item["copyrightNotice"] == "Antara/Rina"
        assert item["creator"] == {"@type": "Organization", "name": "Antara/Rina"}


def test_a_photographers_credit_makes_a_person_creator(client):
    gallery = make_gallery(1, credit="Foto: Rina Wijaya")
    [images] = jsonld(client.get(gallery.get_absolute_url()))["ImageGallery"]
    assert images["associatedMedia"][0]["creator"] == {"@type": "Person", "name": "Rina Wijaya"}


def test_photo_page_jsonld_is_the_photo_within_its_gallery(client):
    gallery = make_gallery(3, headline="Banjir di Jakarta")
    url = f"http://testserver{gallery.get_absolute_url()}foto/2/"
    graph = jsonld(client.get(f"{gallery.get_absolute_url()}foto/2/"))
    [photo] = graph["ImageObject"]
    assert photo["url"] == url and photo["position"] == 2
    assert photo["mainEntityOfPage"]["@id"] == url
    assert photo["isPartOf"]["url"] == f"http://testserver{gallery.get_absolute_url()}"
    crumbs = graph["BreadcrumbList"][0]["itemListElement"]
    assert crumbs[-2]["name"] == "Banjir di Jakarta" and crumbs[-1]["item"] == url


# --- Sitemap ----------------------------------------------------------------------------


def sitemap_images(content):
    document = etree.fromstring(content)
    found = {}
    for url in document.xpath("//s:url", namespaces=IMAGE_NS):
        location = url.xpath("s:loc/text()", namespaces=IMAGE_NS)[0]
        found[location] = url.xpath("image:image/image:loc/text()", namespaces=IMAGE_NS)
    return found


def test_article_sitemap_names_lead_images_and_every_gallery_photo(client):
    gallery = make_gallery(3)
    article = make_article(lead_image="articles/2026/11/qatar.jpg", lead_image_alt="Ilustrasi")
    plain = make_article()
    response = client.get("/sitemap-articles.xml")
    assert sitemap_problems(response.content) == []
    images = sitemap_images(response.content)
    photos = [f"http://testserver/media/{photo.image.image.name}" for photo in gallery.photos.all()]
    assert images[f"http://testserver{gallery.get_absolute_url()}"] == photos  # the cover once, in order
    assert images[f"http://testserver{article.get_absolute_url()}"] == [
        "http://testserver/media/articles/2026/11/qatar.jpg"
    ]
    assert images[f"http://testserver{plain.get_absolute_url()}"] == []


def test_a_photo_added_to_a_published_gallery_reaches_the_cached_sitemap_and_feed(
    client, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 60
    cache.clear()
    gallery = make_gallery(2)
    page = f"http://testserver{gallery.get_absolute_url()}"
    # A store that keeps tags, as Redis does: only what a change names goes stale.
    with using_store(FakeStore()):
        client.get("/sitemap-articles.xml")
        client.get("/feed/")
        cached = client.get("/sitemap-articles.xml")
        assert cached["X-Cache"] == "HIT" and len(sitemap_images(cached.content)[page]) == 2
        with django_capture_on_commit_callbacks(execute=True):
            upload = SimpleUploadedFile("baru.png", make_png(900, 600))
            photo = gallery_photo_add(article=gallery, upload=upload)
        # No listing moved, yet the sitemap and the feed list the new photo at once.
        images = sitemap_images(client.get("/sitemap-articles.xml").content)[page]
        assert images[-1] == f"http://testserver/media/{photo.image.image.name}"
        assert b"/baru-" in client.get("/feed/").content


def test_article_sitemap_costs_one_query_for_all_its_galleries_photos(client):
    section = make_section()
    make_gallery(2, section=section)
    make_article(section=section)
    one = queries_for(client, "/sitemap-articles.xml")
    for _ in range(4):
        make_gallery(5, section=section)
    assert queries_for(client, "/sitemap-articles.xml") == one
    Article.objects.update(kind=Article.Kind.ARTICLE)
    assert queries_for(client, "/sitemap-articles.xml") == one - 1  # no gallery: no photo query


# --- Feeds ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/"])
def test_feeds_carry_gallery_photos_as_media_rss(client, url):
    gallery = make_gallery(3, headline="Banjir di Jakarta", credit="Foto: Antara")
    make_article(headline="Berita biasa", lead_image="articles/2026/11/qatar.jpg", lead_image_alt="Ilustrasi")
    feed = feedparser.parse(client.get(url).content)
    assert not feed.bozo, feed.bozo_exception
    entries = {entry.title: entry for entry in feed.entries}
    media = entries["Banjir di Jakarta"].media_content
    assert [item["url"] for item in media] == [
        f"http://testserver/media/{photo.image.image.name}" for photo in gallery.photos.all()
    ]
    assert all(item["medium"] == "image" and item["width"] == "64" for item in media)
    assert entries["Banjir di Jakarta"].media_credit[0]["content"] == "Antara"
    assert "media_content" not in entries["Berita biasa"]
    if url == "/feed/":  # The cover stays the enclosure.
        assert entries["Banjir di Jakarta"].enclosures[0]["href"].endswith(gallery.lead_image.name)


def test_feed_media_titles_and_descriptions_are_the_photos_alt_text_and_caption(client):
    gallery = make_gallery(2)
    body = client.get("/feed/").content.decode()
    photo = gallery.photos.all()[1].image
    assert f'<media:title type="plain">{photo.alt_text}</media:title>' in body
    assert f'<media:description type="plain">{photo.caption}</media:description>' in body
    assert 'xmlns:media="http://search.yahoo.com/mrss/"' in body


def test_feed_queries_do_not_grow_with_galleries(client):
    make_gallery(2)
    one = queries_for(client, "/feed/")
    for _ in range(3):
        make_gallery(4)
    assert queries_for(client, "/feed/") == one


def test_page_text_has_no_untranslated_markup(client):
    gallery = make_gallery(2)
    content = unescape(client.get(gallery.get_absolute_url()).content.decode())
    assert not re.search(r"\{[%{]", content)
