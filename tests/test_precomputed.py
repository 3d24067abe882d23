"""What an article page needs that is known at publication is stored, kept current and read back."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import services
from articles.models import Article

from .factories import make_article, make_section

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the services do after the transaction commits, as in production."""

    def run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return run


def published_in(section, headline, hours_ago, committed, tags=("Banjir",)):
    draft = make_article(
        headline=headline,
        section=section,
        status="draft",
        published_at=timezone.now() - timedelta(hours=hours_ago),
    )
    draft.tags.set(list(tags))
    return committed(services.article_publish, article=draft, by=None)


def stored(article):
    return Article.objects.get(pk=article.pk).links


def test_saving_stores_the_body_as_served_with_its_outline_and_length(client):
    article = make_article(body="<h2>Situasi</h2><p>Satu dua tiga.</p><h2>Dampak</h2><p>Empat lima.</p>")
    row = Article.objects.get(pk=article.pk)
    assert "Situasi" in row.body_html and row.body_words == 7
    assert [heading[2] for heading in row.body_outline] == ["Situasi", "Dampak"]
    # The page serves what is stored, not the body made again.
    Article.objects.filter(pk=article.pk).update(body_html="<p>Versi tersimpan.</p>")
    assert "Versi tersimpan." in client.get(article.get_absolute_url()).content.decode()
    # Saving again makes it from the body afresh.
    row.save()
    assert "Situasi" in Article.objects.get(pk=article.pk).body_html


def test_publishing_stores_links_and_moves_its_neighbours_links(committed):
    section = make_section(name="Metro")
    first = published_in(section, "Berita Pertama", 3, committed)
    third = published_in(section, "Berita Ketiga", 1, committed)
    assert stored(first)["newer"] == third.pk and stored(third)["older"] == first.pk
    second = published_in(section, "Berita Kedua", 2, committed)
    assert (stored(second)["older"], stored(second)["newer"]) == (first.pk, third.pk)
    assert stored(first)["newer"] == second.pk and stored(third)["older"] == second.pk
    assert set(stored(second)["related"]) == {first.pk, third.pk}  # the same tag and section
    committed(services.article_unpublish, article=Article.objects.get(pk=second.pk), by=None)
    assert stored(second) is None  # not public: nothing stored
    assert stored(first)["newer"] == third.pk and stored(third)["older"] == first.pk


def test_a_page_never_links_an_article_taken_down_since_its_links_were_stored(client, committed):
    section = make_section(name="Hukum")
    older = published_in(section, "Sidang Ditunda", 2, committed)
    article = published_in(section, "Putusan Dibacakan", 1, committed)
    assert stored(article)["older"] == older.pk
    # Taken down without its neighbours' links being made again (as by a bulk change).
    Article.objects.filter(pk=older.pk).update(status=Article.Status.UNPUBLISHED)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Sidang Ditunda" not in page


def test_a_page_with_stored_links_shows_them_with_fewer_queries(client, committed):
    section = make_section(name="Ekonomi")
    published_in(section, "Harga Cabai Naik", 2, committed)
    article = published_in(section, "Harga Beras Turun", 1, committed)
    url = article.get_absolute_url()
    with CaptureQueriesContext(connection) as with_links:
        page = client.get(url).content.decode()
    assert "Harga Cabai Naik" in page  # previous in the section, and "Baca juga"
    Article.objects.filter(pk=article.pk).update(links=None)  # as before this existed
    with CaptureQueriesContext(connection) as without:
        assert "Harga Cabai Naik" in client.get(url).content.decode()
    assert len(with_links) < len(without)


def test_a_scheduled_article_falling_due_takes_its_place_between_its_neighbours(committed, settings):
    import time_machine
    from django.core.cache import cache

    from pagecache.expiry import publish_due_changes
    from pagecache.generation import FakeStore, using_store

    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()

    section = make_section(name="Olahraga")
    before = published_in(section, "Babak Pertama", 2, committed)
    scheduled = make_article(headline="Babak Kedua", section=section, status="draft", published_at=None)
    committed(services.article_schedule, article=scheduled, by=None, at=timezone.now() + timedelta(minutes=5))
    assert stored(before)["newer"] is None and stored(scheduled) is None
    with using_store(FakeStore()), time_machine.travel(timezone.now(), tick=False) as clock:
        assert not publish_due_changes()  # nothing due yet; the next moment is noted
        clock.shift(6 * 60)
        assert publish_due_changes()
    assert stored(before)["newer"] == scheduled.pk
    assert stored(scheduled)["older"] == before.pk


def test_deleting_an_article_links_its_neighbours_past_it(committed):
    section = make_section(name="Sains")
    first = published_in(section, "Gerhana Pertama", 3, committed)
    middle = published_in(section, "Gerhana Kedua", 2, committed)
    last = published_in(section, "Gerhana Ketiga", 1, committed)
    committed(Article.objects.get(pk=middle.pk).delete)
    assert stored(first)["newer"] == last.pk and stored(last)["older"] == first.pk


def test_the_command_fills_in_what_is_missing_and_can_run_again(committed):
    section = make_section(name="Budaya")
    first = published_in(section, "Festival Dibuka", 2, committed)
    second = published_in(section, "Festival Ditutup", 1, committed)
    draft = make_article(headline="Masih Draf", section=section, status="draft")
    Article.objects.update(body_html=None, body_outline=None, body_words=None, links=None)
    call_command("precompute_articles", verbosity=0)
    rows = {row.pk: row for row in Article.objects.all()}
    assert all(row.body_html is not None and row.body_words is not None for row in rows.values())
    assert rows[first.pk].links["newer"] == second.pk and rows[second.pk].links["older"] == first.pk
    assert rows[draft.pk].links is None  # only public articles have links
    with CaptureQueriesContext(connection) as again:
        call_command("precompute_articles", verbosity=0)
    assert len(again) <= 4  # nothing left to do: it only looked


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="forked jobs need a database server")
def test_the_command_shares_the_links_among_jobs(committed):
    # Run as an operator runs it, in its own process, here with a connection pool (whose
    # threads a forked job would have inherited stopped: the jobs are spawned).
    import os

    from .servers import manage

    section = make_section(name="Wisata")
    articles = [published_in(section, f"Pantai {n}", 10 - n, committed) for n in range(6)]
    Article.objects.update(links=None)
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        **{"DATABASE_URL": url, "REDIS_URL": "", "NEWSPORTAL_ENV_FILE": "", "DEBUG": "1"},
        "DB_POOL_SIZE": "2",
        # Shown, not hidden as deprecations are by default: a fork beside running threads.
        "PYTHONWARNINGS": "always::DeprecationWarning:multiprocessing.popen_fork",
    }
    result = manage(env, "precompute_articles", "--jobs", "2", timeout=120)
    assert "the links of 6" in result.stdout, result.stdout + result.stderr
    assert "DeprecationWarning" not in result.stderr
    links = dict(Article.objects.values_list("pk", "links"))
    for older, newer in zip(articles, articles[1:], strict=False):
        assert links[older.pk]["newer"] == newer.pk and links[newer.pk]["older"] == older.pk


def test_the_command_refuses_nonsense():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="at least 1"):
        call_command("precompute_articles", jobs=0)


def test_a_failure_to_store_links_never_keeps_the_change_from_the_cache(
    client, committed, settings, monkeypatch, caplog
):
    from django.core.cache import cache

    from articles import precomputed
    from pagecache.generation import FakeStore, using_store

    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()
    section = make_section(name="Pendidikan")
    with using_store(FakeStore()):
        first = published_in(section, "Ujian Dimulai", 2, committed)
        assert b"Ujian Dimulai" in client.get(section.get_absolute_url()).content

        def broken(pks):
            raise RuntimeError("database went away")

        monkeypatch.setattr(precomputed, "refresh_links", broken)
        published_in(section, "Ujian Selesai", 1, committed)
        assert b"Ujian Selesai" in client.get(section.get_absolute_url()).content
    assert "Could not store the links" in caplog.text
    assert stored(first)["newer"] is None  # left as it was, and logged
