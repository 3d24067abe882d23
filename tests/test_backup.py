"""Backup and restore: a dump gives back every row and every uploaded image; a damaged one changes nothing.

Most tests run on both databases: SQLite (the in-memory test database) and PostgreSQL.
"""

import hashlib
import io
import json
import os
import shutil
import stat
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from articles.models import Article
from operations.backups import verify_manifest, write_manifest

from .factories import ensure_newsroom_groups, make_article

pytestmark = pytest.mark.django_db(transaction=True)


def snapshot():
    counts = {model._meta.label: model.objects.count() for model in apps.get_models()}
    images = sorted(Article.objects.exclude(lead_image="").values_list("lead_image", flat=True))
    return counts, images


def test_restore_gives_back_every_row_and_image(tmp_path, settings, client):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump/pg_restore round trip: run with DATABASE_URL=postgres://... (CI does)")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # An earlier transactional test's flush may have taken the migrations' newsroom groups.
    ensure_newsroom_groups()
    call_command("load_demo", force=True, verbosity=0)
    before = snapshot()
    assert before[1], "the demo has lead images"
    call_command("backup", str(tmp_path / "backups"))
    (backup,) = (tmp_path / "backups").iterdir()

    Article.objects.all().delete()
    shutil.rmtree(settings.MEDIA_ROOT)
    assert snapshot() != before
    settings.PAGE_CACHE_SECONDS = 60
    client.get("/")
    assert client.get("/")["X-Cache"] == "HIT"  # the empty home page, cached

    call_command("restore", str(backup), yes=True)
    assert snapshot() == before
    home = client.get("/")
    assert home["X-Cache"] == "MISS" and "Qatar" in home.text
    for name in before[1]:
        assert (Path(settings.MEDIA_ROOT) / name).is_file(), name


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path):
    with pytest.raises(CommandError, match="not a backup folder"):
        call_command("restore", str(tmp_path), yes=True)


# --- Private, unique backup folders (SQLite and PostgreSQL) -----------------------------------


@pytest.fixture
def site(tmp_path, settings):
    """A site with a few articles and 20 uploaded files under MEDIA_ROOT (tmp_path/media)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    folder = Path(settings.MEDIA_ROOT) / "articles" / "2026"
    folder.mkdir(parents=True)
    for n in range(20):
        (folder / f"foto-{n}.jpg").write_bytes(os.urandom(30_000))
    make_article(headline="Artikel sebelum cadangan")
    return Path(settings.MEDIA_ROOT)


def take_backup(tmp_path):
    before = set((tmp_path / "backups").iterdir()) if (tmp_path / "backups").exists() else set()
    call_command("backup", str(tmp_path / "backups"), stdout=io.StringIO())
    (made,) = set((tmp_path / "backups").iterdir()) - before
    return made


def site_state(media_root):
    """What a reader and an editor would notice: the articles, every media file's bytes, stray folders."""
    files = {
        str(path.relative_to(media_root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(media_root.rglob("*"))
        if path.is_file()
    }
    return (
        sorted(Article.objects.values_list("headline", flat=True)),
        files,
        sorted(media_root.parent.iterdir()),
    )


@pytest.fixture
def umask():
    old = os.umask(0)  # The most permissive: the modes must not come from the umask.
    yield
    os.umask(old)


def test_backups_are_readable_by_the_owner_only_whatever_the_umask(tmp_path, site, umask):
    backup = take_backup(tmp_path)
    assert stat.S_IMODE((tmp_path / "backups").stat().st_mode) == 0o700
    assert stat.S_IMODE(backup.stat().st_mode) == 0o700
    names = {path.name for path in backup.iterdir()}
    assert {"media.tar.gz", "manifest.json", "requirements.txt"} <= names
    for path in backup.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_the_manifest_records_every_file_with_size_and_sha256(tmp_path, site):
    backup = take_backup(tmp_path)
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"] == connection.vendor
    listed = set(manifest["files"])
    assert listed == {path.name for path in backup.iterdir()} - {"manifest.json"}
    for name, entry in manifest["files"].items():
        data = (backup / name).read_bytes()
        assert entry == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}, name


def test_two_backups_in_the_same_second_get_their_own_folders(tmp_path, site):
    with time_machine.travel(datetime(2026, 11, 25, 17, 48, tzinfo=UTC), tick=False):
        first, second, third = take_backup(tmp_path), take_backup(tmp_path), take_backup(tmp_path)
    assert [first.name, second.name, third.name] == [
        "20261125-174800",
        "20261125-174800-2",
        "20261125-174800-3",
    ]
    for folder in (first, second, third):
        assert (folder / "manifest.json").is_file()
        assert verify_manifest(folder) is not None


# --- Restore: checked before anything is touched (SQLite and PostgreSQL) -------------------------


@pytest.mark.parametrize("with_manifest", [True, False], ids=["manifest", "older-backup"])
def test_restore_gives_back_the_backup_and_leaves_nothing_behind(tmp_path, site, with_manifest):
    backup = take_backup(tmp_path)
    at_backup = site_state(site)
    if not with_manifest:
        (backup / "manifest.json").unlink()
    make_article(headline="Artikel sesudah cadangan")
    (site / "articles" / "baru.jpg").write_bytes(b"baru")
    call_command("restore", str(backup), yes=True, stdout=io.StringIO(), stderr=io.StringIO())
    assert site_state(site) == at_backup


def backup_then_change(tmp_path, site):
    """Back up, then change the site: a failed restore must leave this later state, exactly."""
    backup = take_backup(tmp_path)
    make_article(headline="Artikel sesudah cadangan")
    (site / "articles" / "baru.jpg").write_bytes(b"baru")
    return backup, site_state(site)


def truncate(path, fraction=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])


def flip_bytes(path, at=0.6, count=64):
    data = bytearray(path.read_bytes())
    start = int(len(data) * at)
    for i in range(start, min(start + count, len(data))):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [truncate, flip_bytes, lambda path: truncate(path, 0.999)])
@pytest.mark.parametrize("with_manifest", [True, False], ids=["manifest", "older-backup"])
def test_a_damaged_media_archive_changes_nothing(tmp_path, site, damage, with_manifest):
    backup, before = backup_then_change(tmp_path, site)
    damage(backup / "media.tar.gz")
    if not with_manifest:
        (backup / "manifest.json").unlink()
    with pytest.raises(CommandError, match=r"media\.tar\.gz .*nothing was restored"):
        call_command("restore", str(backup), yes=True, stderr=io.StringIO())
    assert site_state(site) == before


def database_file(backup):
    return backup / ("database.dump" if connection.vendor == "postgresql" else "db.sqlite3")


@pytest.mark.parametrize("damage", [truncate, flip_bytes])
@pytest.mark.parametrize("with_manifest", [True, False], ids=["manifest", "older-backup"])
def test_a_damaged_database_backup_changes_nothing_and_says_why(tmp_path, site, damage, with_manifest):
    if damage is flip_bytes and not with_manifest and connection.vendor == "sqlite":
        # Flipped bytes inside a record leave SQLite's b-trees valid (integrity_check passes):
        # only the manifest's checksum can tell; backups made now always carry one.
        pytest.skip("SQLite cannot tell flipped record bytes from data without the manifest")
    backup, before = backup_then_change(tmp_path, site)
    damage(database_file(backup))
    if not with_manifest:
        (backup / "manifest.json").unlink()
    with pytest.raises(CommandError) as raised:
        call_command("restore", str(backup), yes=True, stderr=io.StringIO())
    message = str(raised.value)
    # Checked before anything is touched; or, a dump damaged only in its SQL text (no manifest
    # to catch it), by the restore itself, in one transaction that is rolled back.
    assert (database_file(backup).name in message and "nothing was restored" in message) or (
        not with_manifest and "rolled back; the database and media are as they were" in message
    )
    if not with_manifest and connection.vendor == "postgresql":
        # pg_restore's own words (or how it crashed: damaged dumps can make it segfault).
        assert "pg_restore: error:" in message or "pg_restore crashed (SIG" in message
    assert site_state(site) == before


def write_archive(path, entries):
    with tarfile.open(path, "w:gz") as archive:
        for name, kind, target in entries:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(target)
                archive.addfile(info, io.BytesIO(target))
            else:
                info.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE}[
                    kind
                ]
                info.linkname = target or ""
                archive.addfile(info)


@pytest.mark.parametrize(
    "entry",
    [
        ("media/../../escape.txt", "file", b"x"),
        ("/tmp/newsportal-escape.txt", "file", b"x"),
        ("media/passwd", "symlink", "/etc/passwd"),
        ("media/up", "symlink", "../../.."),
        ("media/shadow", "hardlink", "/etc/shadow"),
        ("settings.py", "file", b"x"),
    ],
    ids=["dotdot", "absolute", "absolute-link", "link-out", "hardlink-out", "outside-media"],
)
def test_an_archive_with_unsafe_entries_changes_nothing(tmp_path, site, entry):
    backup, before = backup_then_change(tmp_path, site)
    write_archive(backup / "media.tar.gz", [("media", "dir", None), ("media/ok.jpg", "file", b"ok"), entry])
    write_manifest(backup, vendor=connection.vendor, created_at="2026-11-25T17:48:00+00:00")
    with pytest.raises(CommandError, match=r"media\.tar\.gz holds .*nothing was restored"):
        call_command("restore", str(backup), yes=True, stderr=io.StringIO())
    assert site_state(site) == before
    assert not (tmp_path / "escape.txt").exists() and not Path("/tmp/newsportal-escape.txt").exists()


def test_a_database_restore_that_fails_after_the_checks_leaves_the_media_untouched(tmp_path, site):
    if connection.vendor != "postgresql":
        pytest.skip("needs a PostgreSQL object the dump does not know that blocks pg_restore --clean")
    backup, before = backup_then_change(tmp_path, site)
    # An operator's report view, made after the backup: dropping the articles table fails on it.
    with connection.cursor() as cursor:
        cursor.execute("CREATE VIEW report_headlines AS SELECT headline FROM articles_article")
    try:
        with pytest.raises(CommandError, match="rolled back.*pg_restore said: .*depend"):
            call_command("restore", str(backup), yes=True, stderr=io.StringIO())
        assert site_state(site) == before
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP VIEW IF EXISTS report_headlines")
