"""A real streaming replica, held REPLICA_DELAY seconds behind, under a running gunicorn.

A throw-away primary cluster, a replica made from it with `pg_basebackup -R`
that applies each commit only REPLICA_DELAY seconds after the primary made it
(recovery_min_apply_delay), and a redis-server. A publication and an
unpublication through the service layer must show at once, not once the
replica caught up; the pages cached meanwhile must not hold the old state; and
with the replica caught up, pages are read from it again. The replica logs
every statement, so "read from the replica" is checked in its own log as well
as in the X-Read-From header (REPLICA_READS_HEADER=1).
"""

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from .servers import (
    NEEDS_POSTGRES_AND_REDIS,
    PG_BIN,
    ROOT,
    Cluster,
    LiveSite,
    as_postgres,
    get,
    load_demo_site,
    manage,
    stop_cluster,
    wait_until,
)

pytestmark = NEEDS_POSTGRES_AND_REDIS

REPLICA_DELAY = 4  # seconds: far longer than "at once" (1 s), short enough for a test


def replayed(replica, primary):
    """Whether the replica has replayed everything the primary has written."""
    with psycopg.connect(primary.url, autocommit=True) as conn:
        (written,) = conn.execute("SELECT pg_current_wal_lsn()").fetchone()
    with psycopg.connect(replica.url, autocommit=True) as conn:
        (caught_up,) = conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [written]).fetchone()
    return caught_up


def status_on_replica(replica, pk):
    with psycopg.connect(replica.url, autocommit=True) as conn:
        return conn.execute("SELECT status FROM articles_article WHERE id = %s", [pk]).fetchone()[0]


def start_delayed_replica(base, primary):
    replica = Cluster(base / "replica")
    replica.directory.mkdir()
    if os.geteuid() == 0:
        shutil.chown(replica.directory, "postgres", "postgres")
    as_postgres(
        [PG_BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", primary.port, "-U", "postgres"]
        + ["-D", replica.data, "-R", "-X", "stream", "--no-sync"]
    )
    settings = f"recovery_min_apply_delay = '{REPLICA_DELAY}s'\nlog_statement = 'all'\n"
    as_postgres(["sh", "-c", f"cat >> {replica.data / 'postgresql.auto.conf'}"], input=settings.encode())
    replica.start()
    return replica


def change_committed(env, code):
    """Run code in `manage.py shell`; return the time it printed, as soon as it printed it.

    Not once the shell exited: that takes a while after the commit.
    """
    process = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    for line in process.stdout:
        if line.strip().replace(".", "", 1).isdigit():
            committed = float(line)
            break
    else:
        raise AssertionError(f"the change failed: exit {process.wait()}")
    threading.Thread(target=process.communicate, daemon=True).start()
    return committed


def shell(env, code):
    # The last line: the shell announces its automatic imports first.
    return json.loads(manage(env, "shell", "-c", code).stdout.splitlines()[-1])


ARTICLES = """
import json
import os
from articles.models import Article
from articles.services import article_unpublish
# Not the live coverage: its updates warmed its page while the demo loaded, and c is a page
# nobody asked for yet.
a, b, c = Article.objects.filter(status="published", live_started_at=None).order_by("-published_at")[:3]
article_unpublish(article=b, by=None)
print(json.dumps({name: [x.pk, x.get_absolute_url(), x.headline] for name, x in zip("abc", (a, b, c))}))
"""

CHANGE = """
import json, time
import os
from articles.models import Article
from articles.services import article_publish, article_unpublish
article_unpublish(article=Article.objects.get(pk={a}), by=None)
article_publish(article=Article.objects.get(pk={b}), by=None)
print(json.dumps(time.time()), flush=True)  # both committed (and the page cache invalidated)
"""


@pytest.fixture(scope="module")
def stack():
    with LiveSite("newsportal-replica-") as site:
        primary = site.cluster
        replica = start_delayed_replica(site.base, primary)
        site.stop_later(stop_cluster, replica)
        env = site.environment(DATABASE_REPLICA_URL=replica.url, REPLICA_READS_HEADER=1, WEB_CONCURRENCY=2)
        load_demo_site(env)
        articles = shell(env, ARTICLES)
        site.serve()
        yield {
            "url": f"http://127.0.0.1:{env['PORT']}",
            "env": env,
            "primary": primary,
            "replica": replica,
            "articles": articles,
        }


def replica_log(stack):
    return (stack["replica"].directory / "log").read_text(errors="replace")


def test_changes_show_at_once_while_the_replica_lags_then_pages_read_the_replica(stack):
    url, (a_pk, a_path, a_headline), (b_pk, b_path, b_headline), (_, c_path, _) = (
        stack["url"],
        stack["articles"]["a"],
        stack["articles"]["b"],
        stack["articles"]["c"],
    )
    primary, replica = stack["primary"], stack["replica"]
    wait_until(lambda: replayed(replica, primary), seconds=60, message="the demo on the replica")

    # Caught up: a page nobody asked for yet is read from the replica, as its own log shows.
    status, headers, body = get(url + a_path)
    assert status == 200 and a_headline in body
    assert headers["X-Cache"] == "MISS" and headers["X-Read-From"] == "replica"
    assert a_path.rstrip("/").rsplit("/", 1)[-1] in replica_log(stack)
    assert get(url + "/")[1]["X-Cache"] in ("HIT", "MISS")
    assert get(url + a_path)[1]["X-Cache"] == "HIT"

    changed = change_committed(stack["env"], CHANGE.format(a=a_pk, b=b_pk))
    # The replica really is behind: it still has a published and b unpublished.
    assert status_on_replica(replica, a_pk) == "published"
    assert status_on_replica(replica, b_pk) == "unpublished"

    # Each page right after the change, each first asked now (none cached under the new
    # generation): all rendered from the primary, the replica still behind.
    # a and b at once, each timed from the commit to its answer (two workers).
    with ThreadPoolExecutor(2) as pool:
        (status_a, _, _, gone_after), (status_b, headers_b, body_b, shown_after) = pool.map(
            lambda path: (*get(url + path), time.time() - changed), [a_path, b_path]
        )
    status_home, headers_home, home = get(url + "/")
    assert status_a in (404, 410)
    assert status_b == 200 and b_headline in body_b
    assert b_headline in home and a_headline not in home
    assert headers_b["X-Read-From"] == headers_home["X-Read-From"] == "primary"
    assert gone_after < 1 and shown_after < 1, (gone_after, shown_after)
    assert status_on_replica(replica, a_pk) == "published", "the replica caught up during the requests"
    print(f"\ncommitted; unpublished gone in {gone_after:.3f} s, published shown in {shown_after:.3f} s")

    wait_until(
        lambda: [status_on_replica(replica, pk) for pk in (a_pk, b_pk)] == ["unpublished", "published"],
        seconds=REPLICA_DELAY + 10,
        message="the replica to replay the change",
    )
    replica_lag = time.time() - changed
    print(f"the replica replayed the change {replica_lag:.1f} s after its commit")
    assert replica_lag >= REPLICA_DELAY - 0.5  # it did lag: the pages above were not read from it
    # The pages cached while it lagged were rendered from the primary: still the new state.
    status_b, headers_b, body_b = get(url + b_path)
    assert status_b == 200 and b_headline in body_b and headers_b["X-Cache"] == "HIT"
    status_home, headers_home, home = get(url + "/")
    assert headers_home["X-Cache"] == "HIT" and b_headline in home and a_headline not in home
    assert get(url + a_path)[0] in (404, 410)

    # Caught up again (page views write read counts, so the primary keeps moving): a page
    # first asked now reads the replica.
    wait_until(lambda: replayed(replica, primary), seconds=REPLICA_DELAY * 3, message="the replica idle")
    status, headers, _ = get(url + c_path)
    assert status == 200 and headers["X-Cache"] == "MISS" and headers["X-Read-From"] == "replica"
    assert c_path.rstrip("/").rsplit("/", 1)[-1] in replica_log(stack)
