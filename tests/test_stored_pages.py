"""Article pages kept in the database: the archive's long tail costs a query, never a stale page."""

from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client

from articles import services
from articles.views import ArticleDetailView
from pagecache import invalidate_public_pages, invalidate_tags
from pagecache.generation import WATCHER, FakeStore, using_store
from pagecache.local import LOCAL_PAGES
from pagecache.middleware import ASSEMBLED
from pagecache.models import StoredPage
from pagecache.stored import ORIGIN

from .factories import make_article
from .servers import wait_until

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 600
    settings.ALLOWED_HOSTS = ["berita.example", "mirror.example", "testserver"]
    with using_store(FakeStore()) as store:
        yield store


def forget_cached_copies():
    """As hours later: nothing of the page in Redis or in any process, only in the database."""
    cache.clear()
    ASSEMBLED.clear()
    LOCAL_PAGES.clear()


def test_an_article_page_is_kept_and_served_from_the_database_without_a_render(client, monkeypatch):
    article = make_article(headline="Arsip Bertahun", tags=["Sejarah"])
    path = article.get_absolute_url()
    first = client.get(path, HTTP_HOST="berita.example")
    assert first["X-Cache"] == "MISS"
    assert StoredPage.objects.filter(address=path).exists()
    forget_cached_copies()

    def render(*args, **kwargs):
        raise AssertionError("the article page was rendered")

    monkeypatch.setattr(ArticleDetailView, "get", render)
    stored = client.get(path, HTTP_HOST="berita.example")
    assert stored.status_code == 200 and stored["X-Cache"] == "STORED"
    assert stored.content == first.content
    assert set(stored["xkey"].split()) == set(first["xkey"].split())
    assert stored["Content-Type"] == first["Content-Type"]


def test_a_stored_page_names_the_address_it_is_read_at(client):
    article = make_article(headline="Dua Alamat")
    path = article.get_absolute_url()
    client.get(path, HTTP_HOST="berita.example")
    kept = StoredPage.objects.get(address=path).content
    assert "berita.example" not in kept and ORIGIN in kept
    forget_cached_copies()
    mirrored = client.get(path, HTTP_HOST="mirror.example").content.decode()
    assert f'<link rel="canonical" href="http://mirror.example{path}">' in mirrored
    assert "http%3A%2F%2Fmirror.example" in mirrored  # the share links, URL-encoded
    assert "berita.example" not in mirrored and "stored-page.invalid" not in mirrored


def test_an_edit_is_shown_at_once_and_kept_in_place_of_the_old_page(
    client, django_capture_on_commit_callbacks
):
    article = make_article(headline="Judul Lama")
    path = article.get_absolute_url()
    client.get(path)
    article.headline = "Judul Baru"
    with django_capture_on_commit_callbacks(execute=True):
        services.article_save(article=article, by=None)
    forget_cached_copies()
    page = client.get(path)
    assert page["X-Cache"] == "MISS" and b"Judul Baru" in page.content and b"Judul Lama" not in page.content
    assert "Judul Baru" in StoredPage.objects.get(address=path).content


def test_an_article_taken_down_is_never_served_from_the_database(client, django_capture_on_commit_callbacks):
    article = make_article(headline="Akan Ditarik Dari Arsip")
    path = article.get_absolute_url()
    client.get(path)
    with django_capture_on_commit_callbacks(execute=True):
        services.article_unpublish(article=article, by=None)
    forget_cached_copies()
    # Even while another request holds the render lock (a soft change would be served stale).
    cache.add = lambda *args, **kwargs: False
    try:
        gone = client.get(path)
    finally:
        del cache.add
    assert gone.status_code == 404 and b"Akan Ditarik Dari Arsip" not in gone.content
    assert not StoredPage.objects.filter(address=path).exists()


def test_a_soft_change_is_rendered_again_and_kept_in_place_of_the_stale_copy(client, page_cache):
    article = make_article(headline="Halaman Lunak")
    path = article.get_absolute_url()
    client.get(path)
    before = StoredPage.objects.get(address=path).as_of
    invalidate_tags([f"article:{article.pk}"])
    forget_cached_copies()
    assert client.get(path)["X-Cache"] == "MISS"
    assert StoredPage.objects.get(address=path).as_of > before
    forget_cached_copies()
    assert client.get(path)["X-Cache"] == "STORED"


def test_a_new_generation_voids_every_stored_page(client):
    article = make_article(headline="Generasi Lama")
    path = article.get_absolute_url()
    client.get(path)
    invalidate_public_pages()
    forget_cached_copies()
    assert client.get(path)["X-Cache"] == "MISS"


def test_pages_with_a_query_and_pages_not_kept_are_not_stored(client):
    article = make_article(headline="Dengan Kueri")
    client.get("/")
    client.get(article.section.get_absolute_url())
    client.get(article.get_absolute_url() + "?utm_source=x", follow=True)
    assert list(StoredPage.objects.values_list("address", flat=True)) == [article.get_absolute_url()]


# Each page is a request through Django's handler, which closes the connection after it (as
# gunicorn's do): not inside a test's transaction.
@pytest.mark.django_db(transaction=True)
def test_precompute_keeps_the_page_of_every_public_article_once(settings):
    settings.PAGE_CACHE_WARM_ORIGINS = ["https://berita.example"]
    public = [make_article(headline=f"Arsip {number}") for number in range(3)]
    draft = make_article(headline="Masih Draf", status="draft")
    StoredPage.objects.all().delete()
    forget_cached_copies()
    call_command("precompute_articles", verbosity=0)
    addresses = set(StoredPage.objects.values_list("address", flat=True))
    assert addresses == {article.get_absolute_url() for article in public}
    # In the database only (an archive's pages would fill Redis): the first reader's is STORED.
    assert (
        Client(HTTP_HOST="berita.example").get(public[0].get_absolute_url(), secure=True)["X-Cache"]
        == "STORED"
    )
    assert draft.get_absolute_url() not in addresses
    stored_at = dict(StoredPage.objects.values_list("address", "stored_at"))
    call_command("precompute_articles", verbosity=0)
    assert dict(StoredPage.objects.values_list("address", "stored_at")) == stored_at  # nothing to do
    vacuumed = last_vacuum(StoredPage)
    invalidate_public_pages()
    call_command("precompute_articles", verbosity=0)
    assert all(
        StoredPage.objects.get(address=address).stored_at > stored_at[address] for address in addresses
    )
    if connection.vendor == "postgresql":  # every row rewritten: vacuumed, even where autovacuum is off
        assert last_vacuum(StoredPage) > (vacuumed or datetime.min.replace(tzinfo=UTC))


def last_vacuum(model):
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = %s", [model._meta.db_table]
        )
        return cursor.fetchone()[0]


def test_a_database_that_is_down_is_not_asked_for_stored_pages(client, monkeypatch):
    # The copies are looked for under the database's guard: with its breaker open, a page
    # not in Redis answers 503 at once instead of waiting on a lookup of its own.
    from django.db import OperationalError

    from newsportal.middleware import DATABASE_BREAKER
    from pagecache import stored

    article = make_article(headline="Saat Basis Data Mati")
    path = article.get_absolute_url()
    client.get(path)
    forget_cached_copies()

    def lookup(request):
        raise AssertionError("the stored copy was looked up")

    monkeypatch.setattr(stored, "lookup", lookup)
    DATABASE_BREAKER.failed("test", OperationalError("connection refused"))
    assert DATABASE_BREAKER.is_open
    response = client.get(path)
    assert response.status_code == 503


def test_a_page_served_from_the_database_is_kept_in_the_process_not_sent_to_redis(
    client, monkeypatch, settings
):
    settings.PAGE_CACHE_LOCAL_ENTRIES = 16
    assert wait_until(lambda: WATCHER.current() is not None)  # this process's copies are vouched for
    article = make_article(headline="Sekali Dibaca")
    path = article.get_absolute_url()
    client.get(path)
    forget_cached_copies()
    sent, send = [], cache.set
    monkeypatch.setattr(
        cache, "set", lambda key, *args, **kwargs: sent.append(key) or send(key, *args, **kwargs)
    )
    assert client.get(path)["X-Cache"] == "STORED"
    assert not [key for key in sent if key.startswith("page:")]
    assert client.get(path)["X-Cache"] == "HIT"  # this process's copy
    LOCAL_PAGES.clear()
    ASSEMBLED.clear()
    assert client.get(path)["X-Cache"] == "STORED"  # not Redis's: the database's again


def test_while_one_request_renders_a_softly_stale_stored_page_the_others_get_it(client, monkeypatch):
    article = make_article(headline="Basi Sebentar")
    path = article.get_absolute_url()
    client.get(path)
    invalidate_tags([f"article:{article.pk}"])  # soft: shown stale while its successor renders
    forget_cached_copies()
    cache.add = lambda *args, **kwargs: False  # another request holds the render lock

    def render(*args, **kwargs):
        raise AssertionError("rendered while another request renders it")

    monkeypatch.setattr(ArticleDetailView, "get", render)
    try:
        stale = client.get(path)
    finally:
        del cache.add
    assert stale.status_code == 200 and stale["X-Cache"] == "STALE"
    assert b"Basi Sebentar" in stale.content and stale["Cache-Control"] == "no-cache"
    monkeypatch.undo()
    assert client.get(path)["X-Cache"] == "MISS"  # the lock free: rendered and kept again
