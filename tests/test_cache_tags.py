"""Cache tags: a change invalidates the pages showing it and nothing else; chrome stays current."""

import re
import time

import pytest
from django.core.cache import cache

from articles import services
from pagecache import invalidate_tags
from pagecache.generation import FakeStore, Reading, RedisStore, using_store
from pagecache.middleware import ASSEMBLED
from pagecache.tags import Freshness, freshness

from .factories import make_article, make_article_raw, make_author

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()
    ASSEMBLED.clear()
    with using_store(FakeStore()) as store:
        yield store


def tags_of(response):
    return set(response["xkey"].split())


def test_pages_carry_what_they_show_as_tags_for_a_cdn(client):
    article = make_article(headline="Berita Bertanda", tags=["Ekonomi"], authors=[make_author()])
    page = client.get(article.get_absolute_url())
    tags = tags_of(page)
    assert {"all", f"article:{article.pk}", f"section:{article.section_id}"} <= tags
    assert any(tag.startswith("tag:") for tag in tags) and any(tag.startswith("author:") for tag in tags)
    assert page["Surrogate-Key"] == page["xkey"]
    assert page["Cache-Tag"] == ",".join(page["xkey"].split())
    home = tags_of(client.get("/"))
    assert {"list:all", f"article:{article.pk}"} <= home
    section = tags_of(client.get(article.section.get_absolute_url()))
    assert f"list:section:{article.section_id}" in section


def test_publishing_refreshes_its_listings_and_leaves_other_article_pages_cached(
    client, django_capture_on_commit_callbacks
):
    archive = make_article(headline="Arsip Lama")  # its own section (the factory makes one)
    client.get(archive.get_absolute_url())
    client.get("/")
    draft = make_article(headline="Kabar Baru Terbit", status="draft")
    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(article=draft, by=None)
    home = client.get("/")
    assert home["X-Cache"] == "MISS" and b"Kabar Baru Terbit" in home.content
    kept = client.get(archive.get_absolute_url())
    assert kept["X-Cache"] == "HIT"
    # Its sidebar is chrome, filled in when served: the cached archive page shows the new article.
    assert b"Kabar Baru Terbit" in kept.content


def test_editing_a_headline_refreshes_every_page_showing_it(client, django_capture_on_commit_callbacks):
    article = make_article(headline="Judul Pertama")
    other = make_article(headline="Berita Lain")
    for path in ("/", article.get_absolute_url(), article.section.get_absolute_url()):
        assert b"Judul Pertama" in client.get(path).content
    article.headline = "Judul Kedua"
    with django_capture_on_commit_callbacks(execute=True):
        services.article_save(article=article, by=None)
    for path in ("/", article.get_absolute_url(), article.section.get_absolute_url()):
        body = client.get(path).content
        assert b"Judul Kedua" in body and b"Judul Pertama" not in body, path
    assert client.get(other.get_absolute_url())["X-Cache"] in {"HIT", "MISS"}


def test_unpublishing_is_never_served_stale_even_while_another_request_renders(
    client, django_capture_on_commit_callbacks
):
    article = make_article(headline="Akan Ditarik")
    path = article.get_absolute_url()
    assert client.get(path).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.article_unpublish(article=article, by=None)
    # Another request holds the render lock of every page: hard changes are not served stale.
    cache.add = lambda *args, **kwargs: False
    try:
        assert client.get(path).status_code == 404
        assert b"Akan Ditarik" not in client.get("/").content
    finally:
        del cache.add


def test_a_soft_change_serves_the_previous_copy_while_one_request_renders(client, page_cache, settings):
    make_article(headline="Berita Beranda")
    assert client.get("/")["X-Cache"] == "MISS"
    invalidate_tags(["list:all"])
    key_lock = {}

    def someone_else_renders(key, *args, **kwargs):
        key_lock["key"] = key
        return False

    cache.add = someone_else_renders
    try:
        stale = client.get("/")
    finally:
        del cache.add
    assert stale["X-Cache"] == "STALE" and stale["Cache-Control"] == "no-cache"
    assert key_lock["key"].startswith("rendering:page:")
    assert client.get("/")["X-Cache"] == "MISS"  # the lock is free: rendered again
    assert client.get("/")["X-Cache"] == "HIT"


def test_a_render_that_began_before_a_change_is_never_taken_for_current(page_cache):
    reading = Reading(page_cache.get().generation, page_cache.get().clock, False)
    as_of = reading.clock  # the render reads the clock first...
    page_cache.bump_tags(["article:1"], hard=False)  # ...then a change commits before it is stored
    now = Reading(page_cache.get().generation, page_cache.get().clock, False)
    assert freshness(now, reading.generation, as_of, {"article:1"}) is Freshness.STALE
    assert freshness(now, reading.generation, as_of, {"article:2"}) is Freshness.FRESH
    page_cache.bump_tags(["article:2"], hard=True)
    assert freshness(now, reading.generation, as_of, {"article:2"}) is Freshness.GONE


def test_a_page_changed_while_it_rendered_is_not_left_to_a_cdn(client, page_cache, monkeypatch):
    # The purge reaches the CDN before this render's answer does: the CDN must not keep it.
    from django.template import response

    article = make_article(headline="Sedang Dirender")
    real_render = response.SimpleTemplateResponse.render

    def edited_meanwhile(self):
        page_cache.bump_tags([f"article:{article.pk}"], hard=False)  # an editor's save commits
        return real_render(self)

    monkeypatch.setattr(response.SimpleTemplateResponse, "render", edited_meanwhile)
    raced = client.get(article.get_absolute_url())
    assert raced["X-Cache"] == "MISS" and raced["Cache-Control"] == "no-cache"
    monkeypatch.setattr(response.SimpleTemplateResponse, "render", real_render)
    again = client.get(article.get_absolute_url())
    assert again["X-Cache"] == "MISS"  # stored as of before the change: stale already
    assert again["Cache-Control"].startswith("public, max-age=0, s-maxage=")
    assert client.get(article.get_absolute_url())["X-Cache"] == "HIT"


def test_listing_counts_and_the_section_tree_follow_targeted_changes(
    client, django_capture_on_commit_callbacks
):
    # Shared fragments that name nothing (a listing's count, the section tree, footer pages)
    # must not outlive the change either: an empty day index once kept its count of 0.
    from django.utils import timezone

    from articles.cachetags import content_changed  # what the admin calls on a section's save

    first = make_article(headline="Pertama Hari Ini", published_at=timezone.now())
    section = first.section
    for path in ("/indeks/", section.get_absolute_url()):
        assert b"Pertama Hari Ini" in client.get(path).content
    draft = make_article(headline="Kedua Hari Ini", status="draft", section=section, published_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(article=draft, by=None)
    for path in ("/indeks/", section.get_absolute_url()):
        body = client.get(path).content
        assert b"Kedua Hari Ini" in body and b"Pertama Hari Ini" in body, path
    section.name = "Rubrik Berganti Nama"
    section.save()
    with django_capture_on_commit_callbacks(execute=True):
        content_changed(section)
    assert b"Rubrik Berganti Nama" in client.get(draft.get_absolute_url()).content


def test_a_scheduled_article_falling_due_invalidates_only_its_pages(client, page_cache):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    archive = make_article(headline="Arsip Tetap")
    due = timezone.now() + timedelta(minutes=5)
    make_article_raw(headline="Terbit Terjadwal", status="published", published_at=due)
    start = time.time()
    with time_machine.travel(start, tick=False) as clock:
        assert b"Terbit Terjadwal" not in client.get("/").content
        assert client.get(archive.get_absolute_url())["X-Cache"] == "MISS"
        clock.shift(6 * 60)
        assert b"Terbit Terjadwal" in client.get("/").content
        kept = client.get(archive.get_absolute_url())
        assert kept["X-Cache"] == "HIT", kept["xkey"]


def test_the_menu_marks_the_current_section_from_one_shared_part(client):
    article = make_article(headline="Berita Rubrik")
    section_page = client.get(article.section.get_absolute_url()).content.decode()
    nav = re.search(r'<ul class="section-nav__list">.*?</ul>', section_page, re.S).group(0)
    assert 'aria-current="page"' in nav
    home_nav = re.search(r'<ul class="section-nav__list">.*?</ul>', client.get("/").content.decode(), re.S)
    assert 'aria-current="page"' in home_nav.group(0).split("</li>")[0]  # Beranda


def test_esi_capable_cdns_get_includes_and_the_parts_at_their_own_address(client):
    article = make_article(headline="Berita ESI")
    page = client.get(article.get_absolute_url(), HTTP_SURROGATE_CAPABILITY='varnish="ESI/1.0"')
    body = page.content.decode()
    assert page["Surrogate-Control"] == 'content="ESI/1.0"'
    includes = re.findall(r'<esi:include src="([^"]+)"/>', body)
    assert "/_chrome/latest/id/" in includes and "<!--chrome:" not in body
    part = client.get("/_chrome/latest/id/")
    assert part.status_code == 200 and b"Berita ESI" in part.content
    assert "list:all" in tags_of(part)
    assert client.get("/_chrome/nothing/").status_code == 404
    assert client.get("/_chrome/latest/%3Cscript%3E/").status_code == 404


@pytest.mark.skipif(not __import__("os").environ.get("REDIS_URL"), reason="needs REDIS_URL")
def test_the_redis_store_keeps_tags_and_announces_them(settings):
    store = RedisStore(settings.REDIS_URL, f"newsportal-tests:tags:{time.time_ns()}")
    try:
        first = store.get()
        with store.pubsub() as pubsub:
            pubsub.subscribe(store.channel)
            clock = store.bump_tags(["article:7", "list:all"], hard=True)
            assert clock == first.clock + 1 == store.get().clock
            versions = store.tag_versions(["article:7", "article:8"])
            assert versions["article:7"] == (clock, clock) and versions["article:8"] == (0, 0)
            soft = store.bump_tags(["article:7"], hard=False)
            assert store.tag_versions(["article:7"])["article:7"] == (soft, clock)
            messages = []
            deadline = time.monotonic() + 5
            while len(messages) < 2 and time.monotonic() < deadline:
                message = pubsub.get_message(timeout=1)
                if message and message["type"] == "message":
                    messages.append(message["data"])
            assert messages == [
                f"tags {clock} 1 article:7 list:all".encode(),
                f"tags {soft} 0 article:7".encode(),
            ]
        assert store.get().generation == first.generation  # targeted changes leave the generation alone
    finally:
        store.client.delete(store.key)


@pytest.mark.parametrize("seconds", [0, 600])
def test_chrome_is_filled_before_compression_cached_or_not(client, settings, seconds):
    import gzip

    settings.PAGE_CACHE_SECONDS = seconds
    make_article(headline="Berita Terkompresi")
    for _ in range(2):  # rendered, then (with the cache on) served from it
        response = client.get("/", HTTP_ACCEPT_ENCODING="gzip")
        assert response["Content-Encoding"] == "gzip"
        body = gzip.decompress(response.content)
        assert b"<!--chrome:" not in body and b'class="section-nav__list"' in body
        assert int(response["Content-Length"]) == len(response.content)
