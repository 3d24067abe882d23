from django.core.management.base import BaseCommand, CommandError

from articles import precomputed


class Command(BaseCommand):
    help = (
        "Store what article pages need that is known when an article is written (the body as served, "
        "its outline and length; for public articles, related articles and previous/next, and the "
        "rendered page, kept by the page cache) wherever it is missing: after upgrading, after "
        "articles arrived in bulk, or after every cached page was invalidated. Safe to run again or "
        "to stop; articles without it are served all the same, only slower."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Articles per batch (default 500).")
        parser.add_argument(
            "--jobs", type=int, default=1, help="Processes sharing the work (default 1; one per core)."
        )

    def handle(self, *args, batch_size, jobs, **options):
        if batch_size < 1 or jobs < 1:
            raise CommandError("--batch-size and --jobs must be at least 1.")
        progress = self.stdout.write if options["verbosity"] > 1 else None
        counts = precomputed.backfill(batch_size, jobs=jobs, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Stored the body of {counts['bodies']} articles, the links of {counts['links']} "
                f"and the pages of {counts['pages']}."
            )
        )
