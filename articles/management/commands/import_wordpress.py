import json
import os
import sys
import time
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from articles.importers.wordpress_mapping import check_permalink_structure
from articles.importers.wordpress_media import media_source
from articles.services.wordpress_import import (
    WordPressImportError,
    WordPressImportOptions,
    import_wordpress,
)


class Command(BaseCommand):
    help = (
        "Import a WordPress export (Tools › Export, or `wp export`): posts, pages, categories, tags, "
        "authors, images, SEO fields, and a 301 from every old address. Safe to run again and again "
        "until the cut-over: unchanged items are left alone, changed ones updated, and what editors "
        "changed here since is reported, not overwritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", metavar="EXPORT.xml", help="The WXR file WordPress wrote.")
        media = parser.add_mutually_exclusive_group()
        media.add_argument(
            "--media-dir", metavar="PATH", help="A local copy of the site's wp-content/uploads."
        )
        media.add_argument(
            "--media-base-url",
            metavar="URL",
            help="The old site's address, to fetch its uploads over HTTP (only from that host).",
        )
        parser.add_argument(
            "--section-map",
            action="append",
            default=[],
            metavar="CAT=SLUG",
            help="Put a WordPress category (its slug) into an existing section (repeatable). "
            "Other categories become sections of their own.",
        )
        parser.add_argument(
            "--default-section",
            metavar="SLUG",
            help="Section for posts without a category (and WordPress's “uncategorized”).",
        )
        parser.add_argument(
            "--author-map",
            action="append",
            default=[],
            metavar="LOGIN=NAME",
            help="Credit a WordPress login to an author by name, found in any case or created (repeatable).",
        )
        parser.add_argument(
            "--permalink-structure",
            metavar="STRUCTURE",
            help="The old site's permalink setting, e.g. /%%year%%/%%monthnum%%/%%day%%/%%postname%%/, "
            "so those addresses answer too (the exported <link> always does).",
        )
        parser.add_argument(
            "--since",
            metavar="DATE",
            help="Only posts and pages modified since this date (ISO 8601, site time zone): a quick "
            "catch-up run before the cut-over.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would happen; write nothing.")
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Also replace what editors changed here since the last import.",
        )
        parser.add_argument(
            "--no-renditions",
            action="store_true",
            help="Leave the images' renditions to `manage.py make_renditions` (pages show the originals).",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=os.cpu_count() or 1,
            help="Processes for the links and renditions at the end, on PostgreSQL (default: one per core).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=100, help="Items per transaction (default 100)."
        )
        parser.add_argument(
            "--user", metavar="USERNAME", help="Record the import in the history as this user."
        )
        parser.add_argument("--report-json", metavar="FILE", help="Also write the report as JSON.")

    def handle(self, *args, export, verbosity, **options):
        if not os.path.isfile(export):
            raise CommandError(f"{export}: no such file.")
        try:
            run_options = WordPressImportOptions(
                media=media_source(media_dir=options["media_dir"], media_base_url=options["media_base_url"]),
                section_map=pairs(options["section_map"], "--section-map", "CAT=SLUG"),
                default_section=options["default_section"] or "",
                author_map=pairs(options["author_map"], "--author-map", "LOGIN=NAME"),
                permalink_structure=check_permalink_structure(options["permalink_structure"])
                if options["permalink_structure"]
                else "",
                since=parse_since(options["since"]) if options["since"] else None,
                overwrite=options["overwrite"],
                dry_run=options["dry_run"],
                renditions=not options["no_renditions"],
                jobs=max(1, options["jobs"]),
                batch_size=options["batch_size"],
                by=get_user(options["user"]),
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        progress = ProgressBar(sys.stderr, verbose=verbosity >= 2) if verbosity else None
        try:
            report = import_wordpress(export, options=run_options, progress=progress)
        except WordPressImportError as error:
            raise CommandError(str(error)) from error
        finally:
            if progress:
                progress.finish()
        if verbosity:
            for line in report.lines():
                self.stdout.write(line)
        if options["report_json"]:
            with open(options["report_json"], "w", encoding="utf-8") as file:
                json.dump(report.as_dict(), file, ensure_ascii=False, indent=2)
        if report.interrupted:
            raise CommandError("Interrupted. What was imported stands; run the same command again to finish.")


def pairs(values, flag, shape):
    """Return {key: value} from ["a=b", "c=d,e=f"]; CommandError naming the bad one."""
    mapping = {}
    for value in values:
        for part in filter(None, (piece.strip() for piece in value.split(","))):
            key, sep, target = part.partition("=")
            if not sep or not key.strip() or not target.strip():
                raise CommandError(f"{flag} “{part}” is not {shape}.")
            mapping[key.strip()] = target.strip()
    return mapping


def parse_since(value):
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"--since “{value}” is not an ISO 8601 date, e.g. 2026-11-25.") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment


def get_user(username):
    if not username:
        return None
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(f"--user: there is no user “{username}”.") from None


class ProgressBar:
    """Counts, rate and time left on stderr: redrawn in place on a terminal, a line every 10 s in a log
    (and, with -v 2, a line per committed batch)."""

    WIDTH = 24

    def __init__(self, stream, *, verbose=False):
        self.stream = stream
        self.verbose = verbose  # a line per committed batch
        self.tty = stream.isatty()
        self.phase = None
        self.started = time.monotonic()
        self.last_line = self.started  # a log's first line after 10 s: short runs print only the report
        self.drawn = False

    def __call__(self, phase, done, total):
        if phase == "done":
            return
        if phase == "committed":
            if self.verbose:
                self.stream.write(
                    f"{chr(13) if self.drawn else ''}committed batch {done:,} ({total:,} items read)\n"
                )
                self.stream.flush()
                self.drawn = False
            return
        now = time.monotonic()
        if phase != self.phase:
            if self.drawn and self.tty:
                self.stream.write("\n")
            self.phase, self.started, self.drawn = phase, now, False
        elapsed = max(now - self.started, 1e-6)
        rate = done / elapsed
        if total:
            share = min(done / total, 1.0)
            filled = round(share * self.WIDTH)
            left = (total - done) / rate if rate > 0 else 0
            text = (
                f"{phase:10} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done:,}/{total:,} "
                f"{share:4.0%}  {rate:,.1f}/s  left {format_seconds(left)}"
            )
        else:
            text = f"{phase:10} {done:,}  {rate:,.1f}/s"
        if self.tty:
            self.stream.write(f"\r{text:<90}")
            self.stream.flush()
            self.drawn = True
        elif now - self.last_line >= 10:
            self.last_line = now
            self.stream.write(text + "\n")

    def finish(self):
        if self.drawn and self.tty:
            self.stream.write("\n")
            self.stream.flush()


def format_seconds(seconds):
    seconds = int(seconds)
    return (
        f"{seconds // 3600}:{seconds // 60 % 60:02}:{seconds % 60:02}"
        if seconds >= 3600
        else (f"{seconds // 60}:{seconds % 60:02}")
    )
