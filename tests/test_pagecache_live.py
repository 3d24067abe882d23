"""Without Redis (`make serve`'s embedded default): several gunicorn workers, one change, no stale page.

Each worker keeps its own cached pages; the content generation they are
checked against is one file under VAR_DIR, so a change made anywhere (the
shell, a command, another worker) reaches every worker on its next request.
"""

import re
import shutil
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .servers import get, manage, server_env, start_gunicorn, stop, wait_until

pytestmark = [pytest.mark.live, pytest.mark.slow]

WORKERS = 3
MAKE_ARTICLE = """
from tests.factories import make_article
article = make_article(headline="Berita Antarproses", dek="Ringkasan lama di setiap worker.")
print(article.pk, article.get_absolute_url())
"""


@pytest.fixture(scope="module")
def site():
    base = Path(tempfile.mkdtemp(prefix="newsportal-workers-"))
    env = server_env(
        base,
        database_url=f"sqlite:///{base / 'db.sqlite3'}",
        STATIC_NO_MANIFEST=1,
        WEB_CONCURRENCY=WORKERS,
        PAGE_CACHE_SECONDS=60,
    )
    manage(env, "migrate", "-v", "0")
    pk, path = manage(env, "shell", "-v", "0", "-c", MAKE_ARTICLE).stdout.split()[-2:]
    with open(base / "gunicorn.log", "wb") as log:
        server = start_gunicorn(env, "tests.live_wsgi:application", log=log)
    yield {"env": env, "url": f"http://127.0.0.1:{env['PORT']}", "pk": pk, "path": path}
    stop(server)
    shutil.rmtree(base, ignore_errors=True)


def fetch_many(url, count=48):
    """Request url count times, several at once so that every worker answers some."""
    with ThreadPoolExecutor(max_workers=2 * WORKERS) as pool:
        return list(pool.map(lambda _: get(url), range(count)))


def every_worker_has_a_cached_copy(url):
    """Return the workers seen answering url from their cache, once all of them have."""
    responses = fetch_many(url)
    hits = Counter(headers["X-Worker"] for _, headers, _ in responses if headers.get("X-Cache") == "HIT")
    return len(hits) == WORKERS and hits


@pytest.mark.parametrize("change", ["command", "shell"])
def test_a_change_reaches_every_worker_at_once(site, change):
    env, url = site["env"], site["url"] + site["path"]
    wait_until(lambda: every_worker_has_a_cached_copy(url), message="every worker to cache the page")
    dek = f"Ringkasan baru lewat {change}."
    update = (
        f"from articles.models import Article; Article.objects.filter(pk={site['pk']}).update(dek={dek!r})"
    )
    if change == "command":
        # A change that bypasses the services, then the operators' command.
        manage(env, "shell", "-c", update)
        assert all(dek not in body for _, _, body in fetch_many(url))  # still cached everywhere
        manage(env, "invalidate_public_pages")
    else:
        # From the shell, as a script or a cron job would: through the public API.
        manage(env, "shell", "-c", f"{update}; import pagecache; pagecache.invalidate_public_pages()")
    # No waiting: the generation every worker checks was replaced before the command returned.
    responses = fetch_many(url, count=60)
    assert len({headers["X-Worker"] for _, headers, _ in responses}) == WORKERS
    stale = [headers["X-Worker"] for _, headers, body in responses if dek not in body]
    assert not stale, f"stale pages from workers {Counter(stale)}"
    assert re.search(re.escape(dek), get(site["url"] + "/")[2])  # the home page's card too
