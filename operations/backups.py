"""Backup folders: the database, the uploaded media and a manifest of checksums, readable by the owner only.

`manage.py backup` writes one; `manage.py restore` checks all of it before it
touches anything: every checksum in the manifest, the whole media archive read
through and each entry's path, the whole dump read through by pg_restore (or
SQLite's integrity check). Then the database is restored in one transaction,
and only then is the media, already unpacked next to MEDIA_ROOT, renamed into
place. Any failure before that leaves the database and the media as they were.
"""

import gzip
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from contextlib import closing
from pathlib import Path

from django.core.management.base import CommandError

DUMP, SQLITE, MEDIA, MANIFEST = "database.dump", "db.sqlite3", "media.tar.gz", "manifest.json"
REQUIREMENTS = "requirements.txt"
MANIFEST_FORMAT = 1
# Backups hold password hashes and sessions: only the owner may read them, whatever the umask.
FOLDER_MODE, FILE_MODE = 0o700, 0o600
# A second backup in the same second gets "-2", "-3", ...; never an existing folder.
MAX_SAME_SECOND = 1000
# Enough of a tool's error output to say what went wrong, short enough to read.
ERROR_OUTPUT_CHARS = 1500
CHUNK = 1024 * 1024


# --- Writing ---------------------------------------------------------------------------


def create_backup_folder(root, *, now):
    """Create and return a new owner-only folder in root named for now (with a suffix if taken)."""
    root = Path(root)
    if not root.exists():
        root.mkdir(mode=FOLDER_MODE, parents=True)
        root.chmod(FOLDER_MODE)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    for n in range(1, MAX_SAME_SECOND + 1):
        folder = root / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            # mkdir is atomic: two backups started together never share a folder.
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue
        folder.chmod(FOLDER_MODE)  # mkdir's mode is narrowed by the umask, never widened; be exact.
        return folder
    raise CommandError(f"{root} already holds {MAX_SAME_SECOND} backups from {stamp}.")


def create_private_file(path):
    """Create path (it must not exist) readable and writable by the owner only, and return it."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    os.chmod(path, FILE_MODE)
    return Path(path)


def file_digest(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(folder, *, vendor, created_at):
    """Record the size and SHA-256 of every file in folder, so restore can tell a damaged copy."""
    folder = Path(folder)
    files = {
        path.name: {"size": path.stat().st_size, "sha256": file_digest(path)}
        for path in sorted(folder.iterdir())
        if path.is_file() and path.name != MANIFEST
    }
    manifest = {"format": MANIFEST_FORMAT, "created_at": created_at, "database": vendor, "files": files}
    path = folder / MANIFEST
    if not path.exists():
        create_private_file(path)
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


# --- Tools -------------------------------------------------------------------------------


def postgres_args(settings_dict):
    """Return libpq command-line arguments and environment for the configured database."""
    args = ["--dbname", settings_dict["NAME"]]
    if settings_dict.get("HOST"):
        args += ["--host", settings_dict["HOST"]]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", settings_dict["USER"]]
    env = {"PGPASSWORD": settings_dict.get("PASSWORD") or ""}
    return args, env


def trimmed(output):
    """Return a tool's error output, the end of it if long (where the reason usually is)."""
    output = (output or "").strip()
    if len(output) > ERROR_OUTPUT_CHARS:
        output = "…" + output[-ERROR_OUTPUT_CHARS:]
    return output


def run(command, env, *, failure=None):
    """Run command; on failure raise CommandError with `failure` (or "<tool> failed") and its output."""
    try:
        subprocess.run(command, check=True, capture_output=True, text=True, env={**os.environ, **env})
    except FileNotFoundError as error:
        raise CommandError(f"{command[0]} is not installed: {error}") from error
    except subprocess.CalledProcessError as error:
        output = trimmed(error.stderr) or f"exit status {error.returncode}, no error output"
        if error.returncode < 0:  # A damaged dump can crash pg_restore (SIGSEGV seen).
            output = f"{command[0]} crashed ({signal.Signals(-error.returncode).name}). {output}"
        raise CommandError(f"{failure or command[0] + ' failed'}: {output}") from error


# --- Checking ----------------------------------------------------------------------------


def verify_manifest(folder):
    """Check every file against the manifest; return it, or None for a backup written without one."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files = manifest["files"]
        expected = {name: (int(entry["size"]), str(entry["sha256"])) for name, entry in files.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise CommandError(f"{path} is damaged ({error!r}); nothing was restored.") from error
    for name, (size, sha256) in expected.items():
        file = folder / name
        if Path(name).name != name or not file.is_file():
            raise CommandError(f"{name}, listed in {MANIFEST}, is missing; nothing was restored.")
        actual_size = file.stat().st_size
        if actual_size != size:
            raise CommandError(
                f"{name} is {actual_size} bytes, the manifest says {size}: the copy is truncated or "
                "altered; nothing was restored."
            )
        if file_digest(file) != sha256:
            raise CommandError(
                f"{name} does not match its SHA-256 in {MANIFEST}: the copy is damaged; nothing was restored."
            )
    return manifest


def verify_postgres_dump(dump, env):
    """Read the whole dump through pg_restore (into no database): a damaged or cut one fails here."""
    # --list reads only the table of contents; writing the full script reads and decompresses every block.
    run(
        ["pg_restore", "--file", os.devnull, str(dump)],
        env,
        failure=f"{dump.name} is damaged or incomplete; nothing was restored. pg_restore said",
    )


def verify_sqlite_file(path):
    """Open the SQLite backup read-only and run PRAGMA integrity_check."""
    try:
        with closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)) as db:
            result = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
            if result != ["ok"]:
                raise CommandError(
                    f"{path.name} fails SQLite's integrity check; nothing was restored: "
                    + trimmed("; ".join(map(str, result)))
                )
            db.execute("SELECT 1 FROM django_migrations LIMIT 1").fetchall()
    except sqlite3.DatabaseError as error:
        raise CommandError(
            f"{path.name} is not a readable site database ({error}); nothing was restored."
        ) from error


def _read_through_gzip(path):
    # tarfile stops at the end-of-archive blocks; the gzip trailer (length, CRC) comes after them.
    with gzip.open(path, "rb") as stream:
        while stream.read(CHUNK):
            pass


def _media_member_filter(member, destination):
    name = member.name.rstrip("/")
    if name != "media" and not name.startswith("media/"):
        raise CommandError(
            f"{MEDIA} holds {member.name!r}, outside media/: not an archive written by backup; "
            "nothing was restored."
        )
    try:
        # "data" refuses absolute paths, "..", devices and links that point out of the tree.
        return tarfile.data_filter(member, destination)
    except tarfile.FilterError as error:
        raise CommandError(f"{MEDIA} holds an unsafe entry ({error}); nothing was restored.") from error


def stage_media(archive_path, media_root):
    """Unpack the media archive into a new folder next to MEDIA_ROOT; return the unpacked media folder.

    The archive is read through completely and every entry checked first, so a
    damaged or hostile archive fails here, before anything is replaced.
    """
    media_root = Path(media_root)
    parent = media_root.parent
    parent.mkdir(parents=True, exist_ok=True)
    if media_root.exists() and (not media_root.is_dir() or media_root.is_symlink()):
        raise CommandError(f"MEDIA_ROOT ({media_root}) is not a folder; nothing was restored.")
    if media_root.exists() and os.stat(media_root).st_dev != os.stat(parent).st_dev:
        # A mount point can't be renamed; the swap would fail after the database was replaced.
        raise CommandError(
            f"MEDIA_ROOT ({media_root}) is a mount point, so its contents can't be swapped in one "
            "rename; nothing was restored. Point MEDIA_ROOT at a folder inside the mount."
        )
    staging = Path(tempfile.mkdtemp(prefix=f".{media_root.name}-restore-", dir=parent))
    try:
        _read_through_gzip(archive_path)
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(staging, filter=_media_member_filter)
        staged = staging / "media"
        if not staged.exists():  # A backup of a site without uploads.
            staged.mkdir()
        return staged
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise CommandError(f"{MEDIA} is damaged or incomplete ({error}); nothing was restored.") from error
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def discard_staged_media(staged):
    shutil.rmtree(Path(staged).parent, ignore_errors=True)


def swap_media(staged, media_root):
    """Put the staged media in MEDIA_ROOT's place by renaming, then remove the previous media."""
    staged, media_root = Path(staged), Path(media_root)
    staging = staged.parent
    previous = staging / "previous"
    moved_away = False
    try:
        if media_root.exists():
            os.rename(media_root, previous)
            moved_away = True
        os.rename(staged, media_root)
    except OSError as error:
        if moved_away:
            os.rename(previous, media_root)
        raise CommandError(
            f"The database was restored, but the media could not be swapped in ({error}). "
            f"MEDIA_ROOT ({media_root}) still holds the previous media; the restored media is in {staged}."
        ) from error
    shutil.rmtree(staging, ignore_errors=True)
