"""The WordPress import as an operator runs it: a real process stopped with Ctrl-C and run again,
and images copied from the old site over a real HTTP server (issue 14)."""

import functools
import http.server
import io
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.management import call_command

from articles.models import Article, ImportedItem, InlineImage
from tools.wxr_fixture import write_export

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "wordpress"


def manage(env, *args, **popen):
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env, text=True, **popen)


@pytest.mark.slow
@pytest.mark.live
def test_an_interrupted_import_is_finished_by_running_it_again(tmp_path):
    export = tmp_path / "arsip.xml"
    written = write_export(export, posts=120, pages=2, images=4, seed=3)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "VAR_DIR": str(tmp_path / "var"),
        "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "newsportal.settings",
    }
    assert manage(env, "migrate", "--verbosity", "0").wait(timeout=300) == 0
    command = ["import_wordpress", str(export), "--batch-size", "5", "--no-renditions", "--verbosity", "2"]
    run = manage(env, *command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    committed = 0
    for line in run.stderr:
        if line.startswith("committed batch"):
            committed += 1
            if committed == 3:
                run.send_signal(signal.SIGINT)  # Ctrl-C, mid-run
                break
    out, _err = run.communicate(timeout=120)
    assert run.returncode != 0
    assert "INTERRUPTED" in out

    database = sqlite3.connect(tmp_path / "db.sqlite3")
    articles_then = database.execute("SELECT count(*) FROM articles_article").fetchone()[0]
    imported_posts = written["statuses"].get("publish", 0) + sum(
        n for status, n in written["statuses"].items() if status not in ("publish", "trash")
    )
    assert 0 < articles_then < imported_posts  # whole batches, not the whole export
    # Nothing half-written: every article has its ledger row, and the other way round.
    ledger_then = database.execute("SELECT count(*) FROM articles_importeditem WHERE kind='post'").fetchone()[
        0
    ]
    assert ledger_then == articles_then

    again = manage(env, *command[:-2], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out, _err = again.communicate(timeout=600)
    assert again.returncode == 0, out
    articles_now = database.execute("SELECT count(*) FROM articles_article").fetchone()[0]
    assert articles_now == imported_posts
    assert database.execute("SELECT count(DISTINCT slug) FROM articles_article").fetchone()[0] == articles_now
    ledger_now = database.execute("SELECT count(*) FROM articles_importeditem WHERE kind='post'").fetchone()[
        0
    ]
    assert ledger_now == articles_now


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def old_site(tmp_path):
    """The old WordPress site's uploads, served over HTTP on 127.0.0.1 as wp-content/uploads/."""
    from PIL import Image

    root = tmp_path / "site"
    uploads = root / "wp-content" / "uploads"
    for name, size in (("2024/03/banjir.jpg", (1600, 900)), ("2024/03/balai-kota.jpg", (1400, 800))):
        (uploads / name).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", size, (90, 40, 10)).save(uploads / name, "JPEG")
    (uploads / "2024/04").mkdir(parents=True)
    Image.new("RGB", (1200, 800), (10, 40, 90)).save(uploads / "2024/04/pantai.png", "PNG")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_images_come_from_the_old_site_over_http(old_site):
    out = io.StringIO()
    call_command(
        "import_wordpress",
        str(FIXTURES / "kabarkota.xml"),
        "--media-base-url",
        old_site,
        "--no-renditions",
        stdout=out,
        stderr=io.StringIO(),
    )
    report = out.getvalue()
    assert "3 fetched" in report
    assert "attachment 46: missing" in report  # hilang.jpg: a 404 on the old site
    banjir = InlineImage.objects.get(image__contains="banjir")
    assert (banjir.width, banjir.height) == (1600, 900)
    row = ImportedItem.objects.get(kind="post", key="100")
    assert Article.objects.get(pk=row.object_id).lead_image.name == banjir.image.name
