"""The read beacon can't be inflated: one read per reader, article and hour, from this site's pages only."""

import os
import shutil
import socket
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from .factories import make_article
from .servers import manage, server_env, start_gunicorn, stop
from .test_popular import BROWSER, beacon, reads

pytestmark = pytest.mark.django_db
URL = "/api/baca/"
OTHER_BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def test_a_flood_from_one_reader_counts_one_read(client, settings):
    settings.READ_BEACON_PER_MINUTE = 1000
    article = make_article()
    answers = {beacon(client, article.pk).status_code for _ in range(100)}
    assert answers == {204}
    assert reads(article) == 1


def test_other_readers_still_count(client):
    article = make_article()
    beacon(client, article.pk)
    beacon(client, article.pk, REMOTE_ADDR="192.0.2.44")
    beacon(client, article.pk, user_agent=OTHER_BROWSER)  # Another device behind the same address.
    assert reads(article) == 3


def test_a_reader_counts_again_the_next_hour_and_for_another_article(client):
    article, other = make_article(), make_article()
    start = (timezone.now() + timedelta(hours=1)).replace(minute=30)  # After the articles' publication.
    with time_machine.travel(start, tick=False) as traveller:
        beacon(client, article.pk)
        beacon(client, other.pk)
        traveller.shift(timedelta(minutes=40))  # 10 past the next hour.
        beacon(client, article.pk)
        beacon(client, article.pk)
    assert reads(article) == 2 and reads(other) == 1


def test_readers_are_kept_as_keyed_hashes_only(client):
    from django.core.cache import cache

    article = make_article()
    beacon(client, article.pk, REMOTE_ADDR="192.0.2.44")
    if hasattr(cache, "_cache") and hasattr(cache._cache, "keys"):  # LocMemCache
        keys = " ".join(cache._cache.keys())
    else:
        keys = " ".join(k.decode() for k in cache._cache.get_client().keys("*"))
    assert "reads:reader:" in keys
    assert "192.0.2.44" not in keys and "Mozilla" not in keys


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_ORIGIN": "http://testserver.evil.example"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "http://testserver"},
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "http://testserver"},
    ],
)
def test_a_beacon_from_another_site_is_refused(client, headers):
    article = make_article()
    assert beacon(client, article.pk, **headers).status_code == 403
    assert reads(article) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "http://testserver", "HTTP_SEC_FETCH_SITE": "same-origin"},  # sendBeacon, fetch
        {"HTTP_ORIGIN": "http://TestServer"},  # A browser without Sec-Fetch-*.
        {},  # No browser page at all: the per-reader limits still apply.
    ],
)
def test_a_beacon_from_this_sites_pages_counts(client, headers):
    article = make_article()
    assert beacon(client, article.pk, **headers).status_code == 204
    assert reads(article) == 1


def test_too_many_beacons_from_one_address_get_429(client, settings):
    settings.READ_BEACON_PER_MINUTE = 5
    articles = [make_article() for _ in range(7)]
    start = (timezone.now() + timedelta(minutes=2)).replace(second=10)
    with time_machine.travel(start, tick=False) as traveller:
        answers = [beacon(client, article.pk).status_code for article in articles]
        assert answers == [204] * 5 + [429] * 2
        assert "try again in a minute" in beacon(client, articles[0].pk).content.decode()
        assert beacon(client, articles[0].pk, REMOTE_ADDR="192.0.2.44").status_code == 204  # Another address.
        traveller.shift(timedelta(minutes=1))
        assert beacon(client, articles[6].pk).status_code == 204
    assert [reads(article) for article in articles] == [2, 1, 1, 1, 1, 0, 1]


def test_behind_a_proxy_each_client_has_its_own_limit_and_reads(client, settings, behind_proxies):
    behind_proxies(1)
    settings.READ_BEACON_PER_MINUTE = 3
    article = make_article()
    for _ in range(5):
        beacon(client, article.pk, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.66")
    flooded = beacon(
        client, article.pk, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.1, 198.51.100.66"
    )
    assert flooded.status_code == 429  # A spoofed entry on the left changes nothing.
    reader = beacon(client, article.pk, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.44")
    assert reader.status_code == 204
    assert reads(article) == 2


def test_an_oversized_body_is_refused_unread(client):
    article = make_article()
    body = f"article={article.pk}&padding={'x' * 2000}"
    response = client.post(
        URL, body, content_type="application/x-www-form-urlencoded", HTTP_USER_AGENT=BROWSER
    )
    assert response.status_code == 400
    assert reads(article) == 0


def send_raw(port, request, *, cut_off=True):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        if cut_off:
            sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


COUNT_READS = (
    "from articles.models import ArticleReadCount as R; print(sum(R.objects.values_list('count', flat=True)))"
)


@pytest.fixture(scope="module")
def site(django_db_blocker):
    base = Path(tempfile.mkdtemp(prefix="newsportal-beacon-"))
    env = server_env(
        base,
        database_url=f"sqlite:///{base / 'db.sqlite3'}",
        STATIC_NO_MANIFEST=1,
        READ_BEACON_PER_MINUTE=1000,
    )
    if os.environ.get("REDIS_URL"):
        # Several workers share the dedupe only through Redis (CI); without it, one worker.
        env.update(
            REDIS_URL=os.environ["REDIS_URL"], CACHE_KEY_PREFIX=f"beacon-{env['PORT']}", WEB_CONCURRENCY="3"
        )
    else:
        env["WEB_CONCURRENCY"] = "1"
    manage(env, "migrate", "-v", "0")
    pk = manage(
        env, "shell", "-v", "0", "-c", "from tests.factories import make_article; print(make_article().pk)"
    )
    with open(base / "gunicorn.log", "wb") as log:
        server = start_gunicorn(env, log=log)
    yield {"env": env, "port": int(env["PORT"]), "pk": pk.stdout.split()[-1]}
    stop(server)
    shutil.rmtree(base, ignore_errors=True)


def beacon_request(pk, *, content_length=None, forwarded_for=None):
    body = f"article={pk}".encode()
    headers = [
        "POST /api/baca/ HTTP/1.1",
        "Host: 127.0.0.1",
        f"User-Agent: {BROWSER}",
        "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {content_length or len(body)}",
        "Connection: close",
    ]
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


@pytest.mark.live
@pytest.mark.slow
def test_live_a_cut_off_body_never_counts(site):
    # "article=1" of a declared "article=1xx": the client closes before the rest.
    answer = send_raw(site["port"], beacon_request(site["pk"], content_length=100))
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert manage(site["env"], "shell", "-v", "0", "-c", COUNT_READS).stdout.split()[-1] == "0"


@pytest.mark.live
@pytest.mark.slow
def test_live_a_flood_across_workers_counts_one_read(site):
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(lambda _: send_raw(site["port"], beacon_request(site["pk"]), cut_off=False), range(100))
        )
    assert all(answer.startswith(b"HTTP/1.1 204") for answer in answers), {a[:20] for a in answers}
    assert manage(site["env"], "shell", "-v", "0", "-c", COUNT_READS).stdout.split()[-1] == "1"
