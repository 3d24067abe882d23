"""Back up the database and uploaded media into a new dated folder (restore with `manage.py restore`)."""

import sqlite3
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from pagecache.models import StoredPage

from ...backups import (
    DUMP,
    FILE_MODE,
    MEDIA,
    REQUIREMENTS,
    SQLITE,
    create_backup_folder,
    create_private_file,
    postgres_args,
    run,
    write_manifest,
)


class Command(BaseCommand):
    help = (
        "Write database.dump (or db.sqlite3), media.tar.gz and manifest.json (sizes and SHA-256) into "
        "a new folder BACKUP_DIR/<timestamp>/, readable by the owner only."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup_dir", help="Folder that receives a new dated backup folder.")

    def handle(self, *args, backup_dir, **options):
        if connection.vendor not in ("postgresql", "sqlite"):
            raise CommandError(f"No backup method for the {connection.vendor} database.")
        now = timezone.now()
        target = create_backup_folder(Path(backup_dir), now=now)
        if connection.vendor == "postgresql":
            args, env = postgres_args(connection.settings_dict)
            # Custom format: compressed, and pg_restore can check and restore it selectively.
            dump = create_private_file(target / DUMP)
            # Stored pages are a cache (pagecache/stored.py), made again from the articles.
            cache = f"--exclude-table-data={StoredPage._meta.db_table}"
            run(["pg_dump", "--format=custom", "--no-owner", cache, "--file", str(dump), *args], env)
        else:
            # SQLite's online backup API copies a consistent snapshot while the site runs.
            connection.ensure_connection()
            with sqlite3.connect(create_private_file(target / SQLITE)) as destination:
                connection.connection.backup(destination)
            destination.close()
        media_root = Path(settings.MEDIA_ROOT)
        with (
            open(create_private_file(target / MEDIA), "wb") as file,
            tarfile.open(fileobj=file, mode="w:gz") as archive,
        ):
            if media_root.exists():
                archive.add(media_root, arcname="media")
        requirements = Path(settings.BASE_DIR) / "requirements" / "base.txt"
        create_private_file(target / REQUIREMENTS).write_bytes(requirements.read_bytes())
        write_manifest(target, vendor=connection.vendor, created_at=now.isoformat())
        for path in target.iterdir():
            path.chmod(FILE_MODE)  # pg_dump and SQLite may have replaced a file: be exact.
        self.stdout.write(self.style.SUCCESS(f"Backup written to {target}"))
