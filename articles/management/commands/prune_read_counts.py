"""Delete old hourly read counters; Terpopuler only ever looks back seven days."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from articles.services import read_counts_prune


class Command(BaseCommand):
    help = "Delete hourly read counters older than --days (default 30). Run it daily, e.g. from cron."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args, days, **options):
        deleted = read_counts_prune(older_than=timedelta(days=max(days, 8)))
        self.stdout.write(f"Deleted {deleted} read counters older than {max(days, 8)} days.")
