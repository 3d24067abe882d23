"""Sitemaps validate against the sitemaps.org schema; robots.txt names the index."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from articles import sitemaps

from .auditing import sitemap_locations, sitemap_problems
from .factories import make_article, make_author, make_page, make_section
from .test_views import HIDDEN_STATES, hidden_article

pytestmark = pytest.mark.django_db


def get_valid(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert sitemap_problems(response.content) == [], url
    return response.content.decode()


def all_locations(client):
    index = client.get("/sitemap.xml").content
    locations = []
    for sitemap_url in sitemap_locations(index):
        locations += sitemap_locations(client.get(sitemap_url.replace("http://testserver", "")).content)
    return locations


@pytest.fixture
def site():
    parent = make_section(slug="internasional")
    child = make_section(slug="timur-tengah", parent=parent)
    author = make_author(slug="rina")
    make_page(slug="tentang-kami")
    old = make_article(
        section=child, tags=["Qatar"], authors=[author], published_at=timezone.now() - timedelta(days=5)
    )
    new = make_article(section=parent, tags=["Doha"], published_at=timezone.now() - timedelta(hours=3))
    return old, new


def test_index_and_every_sitemap_validate(client, site):
    index = get_valid(client, "/sitemap.xml")
    names = re.findall(r"sitemap-([a-z]+)\.xml", index)
    assert names == ["news", "articles", "sections", "tags", "authors", "pages"]
    for name in names:
        get_valid(client, f"/sitemap-{name}.xml")


def test_sitemaps_list_articles_sections_tags_authors_and_pages(client, site):
    locations = all_locations(client)
    old, new = site
    for path in [
        old.get_absolute_url(),
        new.get_absolute_url(),
        "/internasional/",
        "/internasional/timur-tengah/",
        "/tag/qatar/",
        "/penulis/rina/",
        "/halaman/tentang-kami/",
        "/",
        "/indeks/",
    ]:
        assert f"http://testserver{path}" in locations, path


def test_article_lastmod_follows_updates(client, site):
    old, _new = site
    content = get_valid(client, "/sitemap-articles.xml")
    entry = re.search(
        rf"<loc>http://testserver{re.escape(old.get_absolute_url())}</loc><lastmod>([^<]+)</lastmod>", content
    )
    assert entry and entry.group(1).startswith(timezone.localtime(old.modified_at).strftime("%Y-%m-%d"))


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_sitemaps_never_list_unpublished_articles(client, site, state):
    hidden = hidden_article(state, tags=["Rahasia"], authors=[make_author(slug="penulis-rahasia")])
    locations = all_locations(client)
    assert f"http://testserver{hidden.get_absolute_url()}" not in locations
    assert "http://testserver/tag/rahasia/" not in locations
    assert "http://testserver/penulis/penulis-rahasia/" not in locations
    assert hidden.get_absolute_url() not in get_valid(client, "/sitemap-news.xml")


def test_news_sitemap_has_the_last_48_hours_with_news_elements(client, site):
    old, new = site
    content = get_valid(client, "/sitemap-news.xml")
    assert new.get_absolute_url() in content and old.get_absolute_url() not in content
    assert "<news:name>Newsportal</news:name>" in content
    assert "<news:language>id</news:language>" in content
    assert f"<news:title>{new.headline}</news:title>" in content
    assert re.search(
        r"<news:publication_date>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00</news:publication_date>", content
    )


def test_news_sitemap_leaves_the_index_when_nothing_is_recent(client):
    make_article(published_at=timezone.now() - timedelta(days=3))
    assert "sitemap-news.xml" not in get_valid(client, "/sitemap.xml")


def test_long_sitemaps_are_split_into_pages(client, monkeypatch):
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 2)
    section = make_section()
    for n in range(5):
        make_article(section=section, published_at=timezone.now() - timedelta(days=3, hours=n))
    index = get_valid(client, "/sitemap.xml")
    assert "sitemap-articles.xml?p=3" in index
    page_three = get_valid(client, "/sitemap-articles.xml?p=3")
    assert page_three.count("<url>") == 1


def test_every_sitemap_file_stays_within_the_protocol_limit():
    for sitemap in sitemaps.SITEMAPS.values():
        assert 0 < sitemap.limit <= 50_000, sitemap


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out_of_the_admin(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body
    assert "Disallow: /admin/" in body
    assert "Disallow: /\n" not in body
