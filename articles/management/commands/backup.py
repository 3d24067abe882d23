"""Back up the database and uploaded media into one dated folder (restore with `manage.py restore`)."""

import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone


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


def run(command, env):
    try:
        subprocess.run(command, check=True, capture_output=True, text=True, env={**os.environ, **env})
    except FileNotFoundError as error:
        raise CommandError(f"{command[0]} is not installed: {error}") from error
    except subprocess.CalledProcessError as error:
        raise CommandError(f"{command[0]} failed: {error.stderr.strip()}") from error


class Command(BaseCommand):
    help = "Write database.dump (or db.sqlite3) and media.tar.gz into BACKUP_DIR/<timestamp>/."

    def add_arguments(self, parser):
        parser.add_argument("backup_dir", help="Folder that receives a new dated backup folder.")

    def handle(self, *args, backup_dir, **options):
        target = Path(backup_dir) / timezone.now().strftime("%Y%m%d-%H%M%S")
        target.mkdir(parents=True, exist_ok=False)
        if connection.vendor == "postgresql":
            args, env = postgres_args(connection.settings_dict)
            # Custom format: compressed, and pg_restore can restore it selectively.
            run(
                ["pg_dump", "--format=custom", "--no-owner", "--file", str(target / "database.dump"), *args],
                env,
            )
        elif connection.vendor == "sqlite":
            # SQLite's online backup API copies a consistent snapshot while the site runs.
            source = sqlite3.connect(connection.settings_dict["NAME"])
            with sqlite3.connect(target / "db.sqlite3") as destination:
                source.backup(destination)
            source.close()
        else:
            raise CommandError(f"No backup method for the {connection.vendor} database.")
        media_root = Path(settings.MEDIA_ROOT)
        with tarfile.open(target / "media.tar.gz", "w:gz") as archive:
            if media_root.exists():
                archive.add(media_root, arcname="media")
        shutil.copy(Path(settings.BASE_DIR) / "requirements" / "base.txt", target / "requirements.txt")
        self.stdout.write(self.style.SUCCESS(f"Backup written to {target}"))
