"""Restore a backup written by `manage.py backup`: everything checked, then the database, then the media."""

import sqlite3
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from pagecache import invalidate_public_pages

from ...backups import (
    DUMP,
    MEDIA,
    SQLITE,
    discard_staged_media,
    postgres_args,
    run,
    stage_media,
    swap_media,
    verify_manifest,
    verify_postgres_dump,
    verify_sqlite_file,
)


class Command(BaseCommand):
    help = (
        "Replace the configured database and MEDIA_ROOT with a backup folder's contents. Every file "
        "is checked first; on any error the site is left as it was."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="A folder written by `manage.py backup`.")
        parser.add_argument("--yes", action="store_true", help="Don't ask; the current data is replaced.")

    def handle(self, *args, backup, yes, **options):
        source = Path(backup)
        dump, sqlite_file, media = source / DUMP, source / SQLITE, source / MEDIA
        if not media.exists() or not (dump.exists() or sqlite_file.exists()):
            raise CommandError(f"{source} is not a backup folder (no database dump or media.tar.gz).")
        if connection.vendor == "postgresql" and not dump.exists():
            raise CommandError("This backup holds a SQLite database; the configured database is PostgreSQL.")
        if connection.vendor == "sqlite" and not sqlite_file.exists():
            raise CommandError("This backup holds a PostgreSQL dump; the configured database is SQLite.")
        if connection.vendor not in ("postgresql", "sqlite"):
            raise CommandError(f"No restore method for the {connection.vendor} database.")
        if not yes and input("This replaces the current database and media. Type 'yes': ") != "yes":
            raise CommandError("Restore cancelled.")

        # 1. Check everything, touching nothing: checksums, the dump, the media (unpacked aside).
        if verify_manifest(source) is None:
            self.stderr.write(f"{source} has no manifest.json (an older backup): checking the files only.")
        args, env = postgres_args(connection.settings_dict)
        if connection.vendor == "postgresql":
            verify_postgres_dump(dump, env)
        else:
            verify_sqlite_file(sqlite_file)
        media_root = Path(settings.MEDIA_ROOT)
        staged = stage_media(media, media_root)
        try:
            try:
                # 2. The database, in one transaction: a failure leaves it as it was.
                self.restore_database(dump, sqlite_file, args, env)
            except BaseException:
                discard_staged_media(staged)
                raise
            # 3. The media, swapped in by rename.
            swap_media(staged, media_root)
        finally:
            # Even a restore that stopped half-way may have changed what readers see.
            invalidate_public_pages()
        self.stdout.write(self.style.SUCCESS(f"Restored {source}"))

    def restore_database(self, dump, sqlite_file, args, env):
        if connection.vendor == "postgresql":
            connection.close()
            run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--exit-on-error",
                    *args,
                    str(dump),
                ],
                env,
                failure=(
                    "The database restore failed and was rolled back; the database and media are as "
                    "they were. pg_restore said"
                ),
            )
        else:
            connection.ensure_connection()
            try:
                with sqlite3.connect(sqlite_file) as backup_db:
                    # One step (pages=-1): SQLite writes the copy in one transaction or not at all.
                    backup_db.backup(connection.connection)
                backup_db.close()
            except sqlite3.Error as error:
                raise CommandError(
                    f"The database restore failed ({error}); the database and media are as they were."
                ) from error
