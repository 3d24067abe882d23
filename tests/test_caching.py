"""The public page cache: hits skip the database, changes invalidate, staff never get cached pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pagecache import public_pages_changed

from .factories import make_article, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60


def test_second_anonymous_request_is_served_from_cache_without_queries(client):
    article = make_article(headline="Berita Tersimpan")
    first = client.get(article.get_absolute_url())
    assert first["X-Cache"] == "MISS"
    with CaptureQueriesContext(connection) as queries:
        second = client.get(article.get_absolute_url())
    assert second["X-Cache"] == "HIT"
    assert len(queries.captured_queries) == 0
    assert second.content == first.content


def test_cached_pages_carry_cdn_headers_and_answer_conditional_gets(client):
    make_article()
    response = client.get("/")
    assert response["Cache-Control"] == (
        "public, max-age=0, s-maxage=60, stale-while-revalidate=5, stale-if-error=86400"
    )
    assert response["Vary"] == "Accept-Encoding"
    assert response.has_header("Last-Modified")
    etag = response["ETag"]
    assert client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/", HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_a_change_invalidates_cached_pages(client, django_capture_on_commit_callbacks):
    article = make_article(headline="Judul Lama")
    assert b"Judul Lama" in client.get("/").content
    type(article).objects.filter(pk=article.pk).update(headline="Judul Baru")
    assert b"Judul Lama" in client.get("/").content  # still the cached page
    with django_capture_on_commit_callbacks(execute=True):
        public_pages_changed()
    response = client.get("/")
    assert response["X-Cache"] == "MISS"
    assert b"Judul Baru" in response.content


def test_logged_in_staff_never_get_or_fill_cached_pages(client):
    make_article(headline="Berita Umum")
    client.get("/")  # fills the cache for anonymous readers
    client.force_login(make_user(group="Editor"))
    response = client.get("/")
    assert "X-Cache" not in response
    assert "private" in response["Cache-Control"]


def test_previews_and_admin_are_never_cached(client):
    draft = make_article(status="draft")
    client.force_login(make_user(group="Editor"))
    preview = client.get(draft.get_absolute_url())
    assert "no-cache" in preview["Cache-Control"] and "X-Cache" not in preview
    client.logout()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_not_found_pages_are_not_cached(client):
    assert "X-Cache" not in client.get("/tidak-ada-sama-sekali/")


def test_one_stored_copy_serves_gzip_and_identity(client):
    import gzip

    make_article(body="<p>" + "Kalimat panjang yang bisa dimampatkan. " * 200 + "</p>")
    plain = client.get("/")
    compressed = client.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert compressed["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in client.get("/")
    assert plain["X-Cache"] == "MISS" and compressed["X-Cache"] == "HIT"
    assert gzip.decompress(compressed.content) == plain.content
    # Each form has its own validator: a gzip ETag is weak, as GZipMiddleware makes it.
    assert compressed["ETag"] == "W/" + plain["ETag"]


def test_publishing_through_the_service_invalidates_cached_pages(client, django_capture_on_commit_callbacks):
    from articles import services

    make_article(headline="Berita Pertama")
    client.get("/")
    draft = make_article(headline="Berita Baru Terbit", status="draft")
    assert b"Berita Baru Terbit" not in client.get("/").content
    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(article=draft, by=None)
    assert b"Berita Baru Terbit" in client.get("/").content


def test_editing_a_section_in_the_admin_invalidates_cached_pages(client, django_capture_on_commit_callbacks):
    from articles.models import Section

    article = make_article()
    section = article.section
    client.get("/")
    editor = make_user(group="Editor")
    other = type(client)()
    other.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = other.post(
            f"/admin/articles/section/{section.pk}/change/",
            {"name": "Rubrik Berganti Nama", "slug": section.slug, "position": 1, "is_in_navigation": "on"},
        )
    assert response.status_code == 302
    assert Section.objects.get(pk=section.pk).name == "Rubrik Berganti Nama"
    assert b"Rubrik Berganti Nama" in client.get("/").content


def test_scheduled_article_appears_on_cached_pages_at_its_publish_time(client):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        make_article(headline="Berita Lama")
        make_article(headline="Berita Terjadwal", published_at=start + timedelta(seconds=20))
        assert b"Berita Terjadwal" not in client.get("/").content
        clock.shift(10)
        assert client.get("/")["X-Cache"] == "HIT"
        clock.shift(11)
        response = client.get("/")
        assert response["X-Cache"] == "MISS"
        assert b"Berita Terjadwal" in response.content


def test_pieces_of_pages_follow_the_content_too(client, django_capture_on_commit_callbacks):
    # A page not cached yet (here: another host name) is rebuilt from cached pieces: the article
    # itself, its related articles, the cards. A change must reach every one of them.
    article = make_article(headline="Judul Lama", tags=["Banjir"])
    neighbour = make_article(headline="Tetangga Lama", tags=["Banjir"], section=article.section)
    assert b"Tetangga Lama" in client.get(article.get_absolute_url(), HTTP_HOST="localhost").content
    assert b"Judul Lama" in client.get("/", HTTP_HOST="localhost").content
    type(article).objects.filter(pk=article.pk).update(headline="Judul Baru")
    type(article).objects.filter(pk=neighbour.pk).update(headline="Tetangga Baru")
    with django_capture_on_commit_callbacks(execute=True):
        public_pages_changed()
    page = client.get(article.get_absolute_url(), HTTP_HOST="127.0.0.1").content
    assert b"Judul Baru" in page and b"Tetangga Baru" in page and b"Tetangga Lama" not in page
    assert b"Judul Baru" in client.get("/", HTTP_HOST="127.0.0.1").content


def test_an_unpublished_article_is_gone_at_once_even_from_cached_pieces(
    client, django_capture_on_commit_callbacks
):
    article = make_article(headline="Segera Ditarik")
    assert client.get(article.get_absolute_url()).status_code == 200
    type(article).objects.filter(pk=article.pk).update(status="unpublished")
    with django_capture_on_commit_callbacks(execute=True):
        public_pages_changed()
    assert client.get(article.get_absolute_url(), HTTP_HOST="localhost").status_code == 404
