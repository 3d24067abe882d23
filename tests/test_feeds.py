"""RSS 2.0 and Atom feeds, read with feedparser as feed readers read them."""

from datetime import timedelta

import feedparser
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.utils import timezone

from articles.models import Article, Credit
from articles.services import article_save

from .auditing import feed_problems
from .factories import make_article, make_author, make_png, make_section
from .test_views import HIDDEN_STATES, hidden_article

pytestmark = pytest.mark.django_db


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert feed_problems(response.content) == "", url
    return feedparser.parse(response.content)


@pytest.fixture
def sections():
    internasional = make_section(name="Internasional", slug="internasional")
    timur_tengah = make_section(name="Timur Tengah", slug="timur-tengah", parent=internasional)
    return internasional, timur_tengah


def test_site_feed_items_carry_everything_a_reader_needs(client, sections):
    author = make_author(name="Rina Wulandari", slug="rina-wulandari")
    article = make_article(
        headline="Qatar Percepat Perjanjian Pertahanan",
        dek="Doha ingin perjanjian segera rampung.",
        body='<h2>Latar</h2><p>Isi lengkap dengan <a href="/tag/qatar/">tautan</a>.</p>',
        section=sections[1],
        authors=[author],
        tags=["Qatar", "Amerika Serikat"],
    )
    feed = parse(client, "/feed/")
    assert feed.version == "rss20"
    assert feed.feed.title == "Newsportal"
    (entry,) = feed.entries
    assert entry.title == article.headline
    assert entry.link == f"http://testserver{article.get_absolute_url()}"
    assert entry.id.startswith("tag:testserver,") and entry.id.endswith(f":article/{article.pk}")
    assert entry.guidislink is False
    assert entry.published_parsed is not None
    assert entry.author == "Rina Wulandari"
    assert {tag.term for tag in entry.tags} == {"Timur Tengah", "Qatar", "Amerika Serikat"}
    assert entry.summary == "Doha ingin perjanjian segera rampung."
    content = entry.content[0].value
    assert "<h2" in content and 'href="http://testserver/tag/qatar/"' in content


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_feeds_never_carry_unpublished_articles(client, sections, state):
    hidden_article(state, headline="Rahasia redaksi", section=sections[1], tags=["Qatar"])
    make_article(headline="Sudah terbit", section=sections[1], tags=["Qatar"])
    for url in [
        "/feed/",
        "/feed/atom/",
        "/internasional/feed/",
        "/internasional/timur-tengah/feed/",
        "/tag/qatar/feed/",
    ]:
        assert [entry.title for entry in parse(client, url).entries] == ["Sudah terbit"], url


def test_section_feed_includes_child_sections_and_nothing_else(client, sections):
    make_article(headline="Dari Doha", section=sections[1])
    make_article(headline="Dari Jakarta")
    feed = parse(client, "/internasional/feed/")
    assert [entry.title for entry in feed.entries] == ["Dari Doha"]
    assert feed.feed.title == "Internasional | Newsportal"
    assert [entry.title for entry in parse(client, "/internasional/timur-tengah/feed/").entries] == [
        "Dari Doha"
    ]


def test_tag_feed_lists_the_tag_only(client):
    make_article(headline="Tentang Qatar", tags=["Qatar"])
    make_article(headline="Tentang cabai", tags=["Pangan"])
    assert [entry.title for entry in parse(client, "/tag/qatar/feed/").entries] == ["Tentang Qatar"]


def test_atom_feeds_exist(client, sections):
    make_article(headline="Dari Doha", section=sections[1], tags=["Qatar"])
    for url in [
        "/feed/atom/",
        "/internasional/feed/atom/",
        "/internasional/timur-tengah/feed/atom/",
        "/tag/qatar/feed/atom/",
    ]:
        feed = parse(client, url)
        assert feed.version == "atom10", url
        assert feed.entries[0].content[0].value


def test_feeds_list_newest_first_and_at_most_thirty(client):
    section = make_section()
    for n in range(35):
        make_article(
            headline=f"Berita {n}", section=section, published_at=timezone.now() - timedelta(hours=n + 1)
        )
    titles = [entry.title for entry in parse(client, "/feed/").entries]
    assert len(titles) == 30 and titles[0] == "Berita 0"


def test_advertorials_say_so_in_the_feed(client):
    make_article(headline="Promo rumah", is_advertorial=True)
    assert parse(client, "/feed/").entries[0].title == "[Advertorial] Promo rumah"


def test_unknown_or_misplaced_sections_and_tags_404(client, sections):
    for url in [
        "/tidak-ada/feed/",
        "/tag/tidak-ada/feed/",
        "/timur-tengah/feed/",
        "/nasional/timur-tengah/feed/",
    ]:
        assert client.get(url).status_code == 404, url


def test_pages_announce_their_feeds(client, sections):
    make_article(section=sections[1], tags=["Qatar"])
    home = client.get("/").content.decode()
    assert '<link rel="alternate" type="application/rss+xml"' in home and 'href="/feed/"' in home
    section_page = client.get("/internasional/timur-tengah/").content.decode()
    assert 'href="/internasional/timur-tengah/feed/"' in section_page
    assert 'href="/tag/qatar/feed/"' in client.get("/tag/qatar/").content.decode()


def test_byline_lists_every_writer(client):
    first, second = make_author(name="A Satu"), make_author(name="B Dua")
    article = make_article(authors=[first, second])
    Credit.objects.create(article=article, author=make_author(name="C Editor"), role="editor", position=5)
    assert parse(client, "/feed/").entries[0].author == "A Satu, B Dua"


def stored_image(name="foto.png", **options):
    return default_storage.save(f"articles/test/{name}", ContentFile(make_png(**options)))


def test_feed_enclosures_use_the_recorded_size_without_asking_the_storage(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    sizes = {}
    for n in range(3):
        article = make_article(headline=f"Berita bergambar {n}")
        article.lead_image, article.lead_image_alt = stored_image(color=(n * 40, 10, 10)), "Foto"
        with django_capture_on_commit_callbacks(execute=True):
            article_save(article=article)
        article.refresh_from_db()
        sizes[article.headline] = default_storage.size(article.lead_image.name)
        assert article.lead_image_renditions["bytes"] == sizes[article.headline]

    def no_lookups(self, name):
        raise AssertionError(f"the feed asked the storage for the size of {name}")

    monkeypatch.setattr(FileSystemStorage, "size", no_lookups)
    for url in ["/feed/", "/feed/atom/"]:
        entries = parse(client, url).entries
        assert {entry.title: int(entry.enclosures[0].length) for entry in entries} == sizes, url
        assert all(entry.enclosures[0].type == "image/png" for entry in entries)


def test_an_image_stored_before_sizes_were_recorded_gets_length_zero(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    article = make_article(headline="Berita lama bergambar")
    article.lead_image, article.lead_image_alt = stored_image(), "Foto"
    with django_capture_on_commit_callbacks(execute=True):
        article_save(article=article)
    article.refresh_from_db()
    assert article.lead_image_renditions["fallback"]
    renditions = {key: value for key, value in article.lead_image_renditions.items() if key != "bytes"}
    Article.objects.filter(pk=article.pk).update(lead_image_renditions=renditions)
    monkeypatch.setattr(FileSystemStorage, "size", lambda self, name: pytest.fail("size lookup"))

    (entry,) = parse(client, "/feed/").entries

    assert entry.enclosures[0].length == "0"
    assert entry.enclosures[0].href.endswith(article.lead_image.name)
