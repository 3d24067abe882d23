"""Restore a backup written by `manage.py backup`: the database, then the uploaded media."""

import shutil
import sqlite3
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from pagecache import invalidate_public_pages

from .backup import postgres_args, run


class Command(BaseCommand):
    help = "Replace the configured database and MEDIA_ROOT with a backup folder's contents."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="A folder written by `manage.py backup`.")
        parser.add_argument("--yes", action="store_true", help="Don't ask; the current data is replaced.")

    def handle(self, *args, backup, yes, **options):
        source = Path(backup)
        dump, sqlite_file, media = source / "database.dump", source / "db.sqlite3", source / "media.tar.gz"
        if not media.exists() or not (dump.exists() or sqlite_file.exists()):
            raise CommandError(f"{source} is not a backup folder (no database dump or media.tar.gz).")
        if not yes and input("This replaces the current database and media. Type 'yes': ") != "yes":
            raise CommandError("Restore cancelled.")
        try:
            self.restore(dump, sqlite_file, media)
        finally:
            # Even a restore that stopped half-way may have changed what readers see.
            invalidate_public_pages()
        self.stdout.write(self.style.SUCCESS(f"Restored {source}"))

    def restore(self, dump, sqlite_file, media):
        if connection.vendor == "postgresql":
            if not dump.exists():
                raise CommandError(
                    "This backup holds a SQLite database; the configured database is PostgreSQL."
                )
            connection.close()
            args, env = postgres_args(connection.settings_dict)
            run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    *args,
                    str(dump),
                ],
                env,
            )
        elif connection.vendor == "sqlite":
            if not sqlite_file.exists():
                raise CommandError("This backup holds a PostgreSQL dump; the configured database is SQLite.")
            connection.close()
            with (
                sqlite3.connect(sqlite_file) as backup_db,
                sqlite3.connect(connection.settings_dict["NAME"]) as live,
            ):
                backup_db.backup(live)
        media_root = Path(settings.MEDIA_ROOT)
        if media_root.exists():
            shutil.rmtree(media_root)
        media_root.mkdir(parents=True)
        with tarfile.open(media) as archive:
            members = [member for member in archive.getmembers() if member.name.startswith("media")]
            # filter="data" refuses absolute paths, "..", devices and links out of the tree.
            archive.extractall(media_root.parent / "_restore", members=members, filter="data")
        extracted = media_root.parent / "_restore" / "media"
        if extracted.exists():
            for item in extracted.iterdir():
                shutil.move(str(item), media_root / item.name)
        shutil.rmtree(media_root.parent / "_restore", ignore_errors=True)
