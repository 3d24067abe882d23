"""Rebuild every article's search vector (PostgreSQL) with the configured text-search configuration."""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections

from articles.search import install_search_triggers, search_config, uses_postgres_search


class Command(BaseCommand):
    help = (
        "Reinstall the full-text search triggers and re-index every article with "
        "ARTICLES_SEARCH_CONFIG. Only needed by hand after restoring a dump without triggers; "
        "`migrate` keeps the configuration in step by itself."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, database, **options):
        connection = connections[database]
        if not uses_postgres_search(connection):
            self.stdout.write("Not PostgreSQL: search uses the SQLite fallback, nothing to index.")
            return
        install_search_triggers(connection)
        self.stdout.write(
            self.style.SUCCESS(f"Search vectors rebuilt with the “{search_config()}” configuration.")
        )
