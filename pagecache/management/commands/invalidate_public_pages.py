"""Make every cached public page and fragment stale, on every app server, at once."""

from django.core.management.base import BaseCommand, CommandError

from pagecache import invalidate_public_pages


class Command(BaseCommand):
    help = (
        "Invalidate every cached public page and fragment on every app server (bumps the content "
        "generation in Redis, or in the shared generation file without Redis)."
    )

    def handle(self, *args, **options):
        generation = invalidate_public_pages()
        if generation is None:
            raise CommandError("Could not reach the page cache's generation store; see the log.")
        if options["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS(f"Public pages invalidated (generation {generation})."))
