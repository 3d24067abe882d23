"""Real outages: a throw-away PostgreSQL cluster and Redis, taken down under a running gunicorn.

Needs PostgreSQL's server binaries (initdb, pg_ctl) and redis-server, as on the
project's machines; skipped with the reason when they are missing.
"""

import re

import pytest

from .servers import (
    NEEDS_POSTGRES_AND_REDIS,
    LiveSite,
    free_port,
    get,
    load_demo_site,
    start_redis,
    stop_redis,
    wait_until,
)

pytestmark = NEEDS_POSTGRES_AND_REDIS


@pytest.fixture(scope="module")
def stack():
    with LiveSite("newsportal-outage-") as site:
        web_port = free_port()
        env = site.environment(PORT=web_port)
        load_demo_site(env)
        # Two app servers sharing the database and Redis, as behind a load balancer.
        other_port = free_port()
        site.serve()
        site.serve(PORT=other_port)
        stack = {
            "url": f"http://127.0.0.1:{web_port}",
            "other_url": f"http://127.0.0.1:{other_port}",
            "cluster": site.cluster,
            "redis": site.redis_server,
            "redis_port": site.redis_port,
        }
        # The tests restart redis-server: the one running at the end is stopped.
        site.stop_later(lambda: stop_redis(stack["redis"]))
        yield stack


def test_an_admin_edit_on_one_server_shows_on_the_other_at_once(stack):
    from types import SimpleNamespace

    from tools.stack import Browser, parse_form

    status, _, home = get(stack["other_url"] + "/")
    article_path = re.search(r'href="(/timur-tengah/\d{4}/\d{2}/\d{2}/qatar[\w-]*/)"', home).group(1)
    get(stack["other_url"] + article_path)
    assert get(stack["other_url"] + article_path)[1].get("X-Cache") == "HIT"
    assert get(stack["other_url"] + "/")[1].get("X-Cache") == "HIT"

    editor = Browser(SimpleNamespace(base=stack["url"]))
    login = parse_form(editor.get("/admin/login/"))
    editor.post(
        "/admin/login/", {**login, "username": "editor", "password": "newsportal-demo", "next": "/admin/"}
    )
    listing = editor.get("/admin/articles/article/?q=qatar")
    change = re.search(r'href="(/admin/articles/article/\d+/change/)', listing).group(1)
    form = parse_form(editor.get(change))
    form.update({"dek": "Ringkasan baru dari server pertama.", "_save": "Simpan"})
    status, page = editor.post(change, form)
    assert status == 302, re.findall(r'<(?:tr|div)[^>]*class="[^"]*errors[^"]*"[^>]*>.{0,400}', page, re.S)

    # The other server hears of the new generation over pub/sub, asynchronously: within
    # milliseconds, so a short deadline, and from then on no stale page.
    status, headers, body = wait_until(
        lambda: (
            (response := get(stack["other_url"] + article_path))
            and "Ringkasan baru dari server pertama." in response[2]
            and response
        ),
        seconds=2,
        message="the edit on the other server",
    )
    assert status == 200 and headers.get("X-Cache") == "MISS"
    # The home page's card for it too: pages, cards and fragments kept in each process's
    # memory are void as soon as the other server publishes the new generation.
    status, headers, home = get(stack["other_url"] + "/")
    assert status == 200 and headers.get("X-Cache") == "MISS"
    assert "Ringkasan baru dari server pertama." in home


def is_hit(url):
    status, headers, _ = get(url)
    return status == 200 and headers.get("X-Cache") == "HIT"


def test_redis_down_the_site_renders_uncached_then_caches_again(stack):
    url = stack["url"]
    assert get(url + "/")[0] == 200
    stack["redis"].kill()
    stack["redis"].wait()
    # The process's subscription notices within moments and stops vouching for its copies.
    wait_until(lambda: not is_hit(url + "/"), seconds=5, message="the worker to notice Redis is gone")
    for path in ["/", "/internasional/", "/halaman/tentang-kami/"]:
        for _ in range(2):
            status, headers, _ = get(url + path)
            assert status == 200, path
            assert headers.get("X-Cache") != "HIT"  # rendered, since nothing can be cached
    stack["redis"] = start_redis(stack["redis_port"])
    # Reconnecting takes a moment (the watcher retries every second): then pages are cached again.
    wait_until(lambda: get(url + "/") and is_hit(url + "/"), message="pages cached again")


def test_database_down_serves_cached_pages_503_elsewhere_and_recovers(stack):
    url = stack["url"]
    wait_until(lambda: get(url + "/") and is_hit(url + "/"), message="the home page cached")
    stack["cluster"].stop()
    try:
        status, headers, body = get(url + "/olahraga/")
        assert status == 503
        assert headers["Retry-After"] == "30"
        assert "Layanan sementara tidak tersedia" in body
        assert get(url + "/")[0] == 200  # already cached: still served
        assert get(url + "/healthz")[0] == 200
        assert get(url + "/readyz")[0] == 503
    finally:
        stack["cluster"].start()
    # Recovered without a restart, once the process's database breaker lets a request try
    # again (DB_COOL_DOWN_SECONDS, 3 s by default).
    wait_until(lambda: get(url + "/olahraga/")[0] == 200, seconds=10, message="the database back")
    assert get(url + "/readyz")[0] == 200
