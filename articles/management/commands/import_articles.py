from collections import Counter
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from articles.importers import ImportFileError
from articles.models import Article, Section
from articles.services import import_article_files

# ImportResult option names -> this command's flags.
OPTION_FLAGS = {
    "section": "--section",
    "tags": "--tags",
    "authors": "--author",
    "status": "--status",
    "publish_at": "--publish-at",
}


class Command(BaseCommand):
    help = (
        "Import plain-text articles in the seed's format (first line headline, then paragraphs). Every "
        "file is checked first: one bad file imports nothing. Re-importing a file does not duplicate it; "
        "options given for an unchanged file are still applied through the editorial workflow, and any "
        "that cannot be are named with the reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="UTF-8 text files, one article each.")
        parser.add_argument("--section", required=True, metavar="SLUG", help="Slug of an existing section.")
        parser.add_argument(
            "--tags",
            action="append",
            default=[],
            metavar="TAG,TAG",
            help="Comma-separated tags (repeatable). Without it, re-imported articles keep their tags.",
        )
        parser.add_argument(
            "--author",
            action="append",
            default=[],
            dest="authors",
            metavar="NAME",
            help="Byline author, replacing the files' Penulis/Reporter lines (repeatable or "
            "comma-separated). Found by name in any case, or created.",
        )
        parser.add_argument(
            "--status",
            choices=[Article.Status.DRAFT, Article.Status.PUBLISHED],
            help="Default: new articles are drafts and re-imported ones keep their status.",
        )
        parser.add_argument(
            "--publish-at",
            metavar="ISO8601",
            help="Publish time, e.g. 2026-11-25T17:48 (site time zone unless an offset is given) or "
            "2026-11-25. With --status published, a future time schedules the articles.",
        )

    def handle(self, *args, files, section, tags, authors, status, publish_at, verbosity, **options):
        try:
            results = import_article_files(
                files,
                section=get_section(section),
                tags=split_commas(tags),
                authors=split_commas(authors),
                status=status,
                publish_at=parse_publish_at(publish_at) if publish_at else None,
            )
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        if not verbosity:
            return
        for result in results:
            article = result.article
            action = result.action
            if action == "options":
                action = f"updated (options: {', '.join(OPTION_FLAGS[option] for option in result.applied)})"
            self.stdout.write(f"{action}: {article.headline} -> {article.get_absolute_url()}")
            for option, reason in result.not_applied:
                self.stdout.write(
                    self.style.WARNING(f"  {result.path}: {OPTION_FLAGS[option]} not applied: {reason}")
                )
        if verbosity >= 2:
            for result in results:
                for line in result.stripped_lines:
                    self.stdout.write(f"  {result.path}: stripped “{line}”")
        counts = Counter(result.action for result in results)
        options = f", {counts['options']} unchanged with options applied" if counts["options"] else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(results)} file(s) imported: {counts['created']} created, "
                f"{counts['updated']} updated{options}, {counts['unchanged']} unchanged."
            )
        )


def get_section(slug):
    try:
        return Section.objects.get(slug=slug)
    except Section.DoesNotExist:
        available = ", ".join(Section.objects.order_by("slug").values_list("slug", flat=True))
        raise CommandError(
            f"Unknown section “{slug}”. Available: {available}."
            if available
            else f"Unknown section “{slug}”: there are no sections yet; create one in the admin first."
        ) from None


def split_commas(values):
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def parse_publish_at(value):
    """Return an aware datetime for an ISO 8601 date or datetime; a naive one is in the site's time zone."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(
            f"--publish-at “{value}” is not an ISO 8601 date or time, e.g. 2026-11-25T17:48 or 2026-11-25."
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment
