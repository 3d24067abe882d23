"""Terpopuler: reads counted by the beacon, atomically, in shared storage; ranked per 24 hours and 7 days."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Article, ArticleReadCount
from articles.selectors import most_read_articles
from articles.services import article_count_read, read_counts_prune

from .factories import make_article
from .test_views import HIDDEN_STATES, hidden_article

pytestmark = pytest.mark.django_db

BROWSER = (
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36"
)


def beacon(client, article_id, user_agent=BROWSER, **extra):
    return client.post("/api/baca/", {"article": article_id}, HTTP_USER_AGENT=user_agent, **extra)


def reads(article):
    return sum(ArticleReadCount.objects.filter(article=article).values_list("count", flat=True))


def test_beacon_counts_a_read_once_per_reader(client):
    article = make_article()
    assert beacon(client, article.pk).status_code == 204
    assert beacon(client, article.pk).status_code == 204
    assert beacon(client, article.pk, REMOTE_ADDR="192.0.2.44").status_code == 204
    assert reads(article) == 2  # tests/test_beacon.py: floods, other sites, limits.
    assert ArticleReadCount.objects.filter(article=article).count() == 1


def test_beacon_needs_no_csrf_token_and_is_never_cached(client):
    from django.test import Client

    article = make_article()
    response = beacon(Client(enforce_csrf_checks=True), article.pk)
    assert response.status_code == 204
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    "user_agent",
    [
        "",
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0)",
        "facebookexternalhit/1.1",
        "curl/8.0",
        "python-requests/2.32",
        "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/130.0",
    ],
)
def test_bots_are_not_counted(client, user_agent):
    article = make_article()
    assert beacon(client, article.pk, user_agent=user_agent).status_code == 204
    assert reads(article) == 0


def test_prefetches_are_not_counted(client):
    article = make_article()
    beacon(client, article.pk, HTTP_SEC_PURPOSE="prefetch")
    assert reads(article) == 0


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_unpublished_articles_cannot_be_counted(client, state):
    article = hidden_article(state)
    assert beacon(client, article.pk).status_code == 404
    assert reads(article) == 0


@pytest.mark.parametrize("value", ["", "abc", "-1", "1.5", "٣", "9" * 40, "1 OR 1=1"])
def test_bad_article_ids_answer_400(client, value):
    assert beacon(client, value).status_code == 400


def test_beacon_only_accepts_post(client):
    article = make_article()
    assert client.get("/api/baca/", {"article": article.pk}).status_code == 405


def test_a_lost_race_to_create_the_hourly_row_still_counts():
    from django.db.models.query import QuerySet

    article = make_article()
    moment = timezone.now()
    # A rival reader's INSERT lands between our UPDATE (which saw no row) and our INSERT.
    ArticleReadCount.objects.create(
        article=article, hour_at=moment.replace(minute=0, second=0, microsecond=0), count=1
    )
    real_update, calls = QuerySet.update, []

    def update(queryset, **fields):
        calls.append(fields)
        return 0 if len(calls) == 1 else real_update(queryset, **fields)

    with mock.patch.object(QuerySet, "update", update):
        article_count_read(article_id=article.pk, at=moment)
    assert len(calls) == 2
    assert reads(article) == 2  # The rival's read and ours.


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need a database server; SQLite's test database is one in-memory connection",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_readers_lose_no_counts():
    article = make_article()
    readers, reads_each = 8, 25
    start = threading.Barrier(readers)

    def read():
        from django.db import connections

        try:
            start.wait()
            for _ in range(reads_each):
                article_count_read(article_id=article.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert reads(article) == readers * reads_each


def add_reads(article, count, hours_ago):
    hour = (timezone.now() - timedelta(hours=hours_ago)).replace(minute=0, second=0, microsecond=0)
    ArticleReadCount.objects.create(article=article, hour_at=hour, count=count)


def test_most_read_ranks_the_last_24_hours_and_7_days_separately():
    today = make_article(headline="Ramai hari ini")
    week = make_article(headline="Ramai pekan ini")
    old = make_article(headline="Ramai bulan lalu")
    add_reads(today, 50, hours_ago=2)
    add_reads(week, 30, hours_ago=3)
    add_reads(week, 100, hours_ago=72)
    add_reads(old, 500, hours_ago=24 * 20)
    lists = most_read_articles()
    assert [a.headline for a in lists["day"]] == ["Ramai hari ini", "Ramai pekan ini"]
    assert [a.headline for a in lists["week"]] == ["Ramai pekan ini", "Ramai hari ini"]


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_most_read_never_lists_unpublished_articles(state):
    article = hidden_article(state)
    add_reads(article, 999, hours_ago=1)
    assert most_read_articles() == {"day": [], "week": []}


def test_an_article_unpublished_after_ranking_drops_out_at_once():
    article = make_article()
    add_reads(article, 10, hours_ago=1)
    assert most_read_articles()["day"] == [article]  # Ranking now cached.
    Article.objects.filter(pk=article.pk).update(status=Article.Status.UNPUBLISHED)
    assert most_read_articles()["day"] == []


def test_most_read_shows_on_home_and_article_pages(client):
    popular = make_article(headline="Paling banyak dibaca")
    add_reads(popular, 10, hours_ago=1)
    other = make_article(headline="Berita lain")
    for url in ["/", other.get_absolute_url()]:
        content = client.get(url).content.decode()
        assert "Terpopuler" in content and "Paling banyak dibaca" in content, url


def test_article_pages_carry_the_beacon_and_no_inline_script(client):
    article = make_article()
    content = client.get(article.get_absolute_url()).content.decode()
    assert f'data-read-beacon="/api/baca/" data-article-id="{article.pk}"' in content
    assert '<script src="/static/js/site.js" defer></script>' in content
    assert "<script>" not in content and "onclick" not in content


def test_old_counters_are_pruned():
    article = make_article()
    add_reads(article, 1, hours_ago=24 * 40)
    add_reads(article, 1, hours_ago=2)
    assert read_counts_prune(older_than=timedelta(days=30)) == 1
    assert ArticleReadCount.objects.count() == 1
