"""Load the demo site: sections, newsroom logins, demo articles, images, pages.

`make run` calls this on every start, so running it again changes nothing:
rows are found by slug (users by username, articles the way the importer finds
them), written only when they differ from articles/demo/demo.toml, publish
times are set only when an article is first created, and an illustration is
drawn only for an article without one. Articles go through import_articles.
"""

import hashlib
import io
import math
import random
import time
import tomllib
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from PIL import Image, ImageChops, ImageDraw, ImageFont

from articles.embeds import articles_render_again, embed_ref
from articles.html import sanitize_body
from articles.images import renditions_create
from articles.models import (
    Article,
    ArticleReadCount,
    Author,
    Correction,
    Embed,
    LiveUpdate,
    Page,
    Section,
    headline_slug,
)
from articles.services import (
    PhotoEdit,
    article_import_slug,
    gallery_photo_add,
    gallery_save,
    live_coverage_start,
    live_update_add,
    live_update_edit,
)
from articles.tasks import lead_image_renditions
from pagecache import invalidate_public_pages
from pagecache.warming import warming_deferred

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
MANIFEST = DEMO_DIR / "demo.toml"
DEMO_PASSWORD = "newsportal-demo"
# (username, newsroom group); the groups come from migration 0002_newsroom_groups.
DEMO_USERS = [("editor", "Editor"), ("penulis", "Penulis")]
ARTICLE_DEMO_FIELDS = ("kind", "kicker", "dek", "is_featured", "is_breaking", "is_pinned")

IMAGE_SIZE = (1200, 675)
# Drawn at IMAGE_SIZE, stored this many times larger: wide enough that the 4:3 and 1:1 crops
# reach the 1200 px Google Discover asks for.
IMAGE_SCALE = 2
IMAGE_CREDIT = "Ilustrasi: Newsportal (demo)"
# Per top-level section: gradient from, gradient to, colour name for the alt text.
PALETTES = {
    "nasional": ("#6b2330", "#b8574a", "merah bata"),
    "internasional": ("#1d3557", "#2f7f8c", "biru laut"),
    "ekonomi": ("#1f4d3a", "#5f8f6b", "hijau"),
    "teknologi": ("#272a66", "#5b60b0", "biru nila"),
    "olahraga": ("#83380f", "#cf7f2e", "jingga"),
    "gaya-hidup": ("#55284a", "#ab6588", "merah muda keunguan"),
}
DEFAULT_PALETTE = ("#334155", "#64748b", "abu-abu kebiruan")
# Per section: motif name and how the alt text describes it.
MOTIFS = {
    "nasional": ("rings", "lingkaran-lingkaran konsentris"),
    "internasional": ("globe", "bola dunia bergaris lintang dan bujur"),
    "timur-tengah": ("dunes", "matahari di atas bukit pasir"),
    "asia-pasifik": ("waves", "garis-garis gelombang laut"),
    "ekonomi": ("bars", "diagram batang yang naik"),
    "teknologi": ("grid", "titik-titik yang terhubung seperti sirkuit"),
    "olahraga": ("track", "lintasan lari berbentuk oval"),
    "gaya-hidup": ("petals", "kelopak bunga dari lingkaran-lingkaran"),
}
DEFAULT_MOTIF = ("rings", "lingkaran-lingkaran konsentris")


class Command(BaseCommand):
    help = (
        "Load the demo content (sections, demo logins editor/penulis, demo articles through "
        "import_articles, illustrations, static pages). Idempotent; refuses to run with DEBUG off "
        "unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (only for demo installations such as `make run`).",
        )

    def handle(self, *args, force=False, verbosity=1, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "load_demo refused: DEBUG is off, so this may be a production site, and the demo "
                f"adds fictional articles and staff logins with the public password {DEMO_PASSWORD!r}. "
                "Run it with --force only on a demo installation."
            )
        started = time.monotonic()
        self.verbosity = verbosity
        self.counts = {}
        manifest = load_manifest()

        try:
            # Before the articles: their bodies are rendered with the embeds' titles and thumbnails.
            self.load_embeds(manifest.get("embeds", []))
            with transaction.atomic():
                sections = self.load_sections(manifest["sections"])
                users = self.load_users()
                self.load_authors(manifest.get("authors", []), users)
                articles = self.load_articles(manifest["articles"], sections)
                self.load_notes(manifest.get("notes", []), articles)
                self.load_pages(manifest.get("pages", []))
            # Files are written after the rows commit; each image is its own small update.
            self.load_images(articles.values())
            self.load_gallery_photos(manifest.get("gallery_photos", []), articles)
            with warming_deferred():  # its nine updates: the coverage's pages rendered once
                self.load_live(manifest.get("live", []), articles)
            self.load_reads(articles.values())
        finally:
            # The flags, pages and images above are written with update() and sync(), past
            # the services that invalidate cached pages: once for all of them.
            invalidate_public_pages()

        if verbosity < 1:
            return
        summary = ", ".join(f"{name} {new} new/{total}" for name, (new, total) in self.counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Demo content loaded in {time.monotonic() - started:.1f}s: {summary}.")
        )
        self.stdout.write(f"Demo logins: {', '.join(name for name, _group in DEMO_USERS)} / {DEMO_PASSWORD}")

    def count(self, name, created):
        new, total = self.counts.get(name, (0, 0))
        self.counts[name] = (new + bool(created), total + 1)

    # --- Sections ----------------------------------------------------------------

    def load_sections(self, entries):
        sections = {}
        # Parents first, so a child can point at one defined later in the file.
        for entry in sorted(entries, key=lambda entry: "parent" in entry):
            parent_slug = entry.get("parent")
            if parent_slug and parent_slug not in sections:
                raise CommandError(
                    f"demo.toml: section {entry['slug']!r} has unknown parent {parent_slug!r}."
                )
            section, created = sync(
                Section,
                {"slug": entry["slug"]},
                {
                    "name": entry["name"],
                    "parent": sections.get(parent_slug),
                    "position": entry.get("position", 0),
                    "description": entry.get("description", ""),
                    "is_in_navigation": entry.get("is_in_navigation", True),
                },
            )
            sections[section.slug] = section
            self.count("sections", created)
        return sections

    # --- Users and authors ---------------------------------------------------------

    def load_users(self):
        User = get_user_model()
        users = {}
        for username, group_name in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
            if created:
                # Only on creation: a password changed in the admin survives the next start.
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            elif not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            user.groups.add(Group.objects.get(name=group_name))
            users[username] = user
            self.count("users", created)
        return users

    def load_authors(self, entries, users):
        for entry in entries:
            author, created = sync(
                Author,
                {"slug": headline_slug(entry["name"])},
                {"name": entry["name"], "bio": entry.get("bio", "")},
            )
            user = users.get(entry.get("user"))
            if user and author.user_id is None and not Author.objects.filter(user=user).exists():
                author.user = user
                author.save(update_fields=["user"])
            self.count("authors", created)

    # --- Articles --------------------------------------------------------------------

    def load_articles(self, entries, sections):
        now = timezone.now().replace(microsecond=0)
        articles = {}
        for entry in entries:
            path = DEMO_DIR / entry["file"]
            if not path.is_file():
                raise CommandError(f"demo.toml names {entry['file']!r}, which is not in {DEMO_DIR}.")
            section = sections.get(entry["section"])
            if section is None:
                raise CommandError(f"demo.toml: {entry['file']!r} has unknown section {entry['section']!r}.")
            existing = find_imported(path)
            # An existing article keeps its publish time, even when its file has changed since.
            publish_at = (
                existing.published_at
                if existing and existing.published_at
                else now - timedelta(hours=entry.get("hours_ago", 0))
            )
            arguments = [
                str(path),
                f"--section={section.slug}",
                f"--tags={','.join(entry.get('tags', []))}",
                "--status=published",
                f"--publish-at={timezone.localtime(publish_at).isoformat()}",
            ]
            if entry.get("author"):
                arguments.append(f"--author={entry['author']}")
            # Arguments as on the command line: --tags and --author are append options.
            call_command(
                "import_articles",
                *arguments,
                verbosity=self.verbosity,
                stdout=self.stdout if self.verbosity > 1 else io.StringIO(),
            )
            article = find_imported(path)
            if article is None:
                raise CommandError(f"import_articles did not create an article for {entry['file']!r}.")
            created = existing is None
            wanted = {
                field: entry.get(field, Article._meta.get_field(field).get_default())
                for field in ARTICLE_DEMO_FIELDS
            }
            if created:
                wanted.update(published_at=publish_at, first_published_at=publish_at)
            changed = {field: value for field, value in wanted.items() if getattr(article, field) != value}
            if changed:
                Article.objects.filter(pk=article.pk).update(**changed)
                for field, value in changed.items():
                    setattr(article, field, value)
            articles[entry["file"]] = article
            self.count("articles", created)
        return articles

    def load_notes(self, entries, articles):
        now = timezone.now()
        for entry in entries:
            article = articles.get(entry["file"])
            if article is None:
                raise CommandError(f"demo.toml: note for {entry['file']!r}, which is not a demo article.")
            published_at = min(
                now, (article.published_at or now) + timedelta(hours=entry.get("hours_after", 0))
            )
            _note, created = Correction.objects.get_or_create(
                article=article,
                kind=entry["kind"],
                body=entry["body"],
                defaults={"published_at": published_at},
            )
            self.count("notes", created)

    # --- Live coverage ---------------------------------------------------------------------

    def load_live(self, entries, articles):
        """Run the demo's live coverages: each update published through the live services, once."""
        now = timezone.now().replace(microsecond=0)
        for entry in entries:
            article = articles.get(entry["file"])
            if article is None:
                raise CommandError(
                    f"demo.toml: live coverage for {entry['file']!r}, which is not a demo article."
                )
            # As stored now: the illustrations were written past this object (update()).
            article = Article.objects.get(pk=article.pk)
            if not article.is_live_coverage:
                started = now - timedelta(minutes=entry.get("started_minutes_ago", 0))
                article = live_coverage_start(article=article, by=None, at=max(started, article.published_at))
            for update in entry.get("updates", []):
                self.load_live_update(article, update, now)

    def load_live_update(self, article, entry, now):
        body = sanitize_body(f"<p>{escape(entry['body'])}</p>")
        edited = sanitize_body(f"<p>{escape(entry['edited_body'])}</p>") if entry.get("edited_body") else None
        existing = LiveUpdate.objects.filter(article=article, body__in=[body, edited or body]).exists()
        self.count("live updates", not existing)
        if existing:
            return
        author = Author.objects.filter(name=entry["author"]).first() if entry.get("author") else None
        update = live_update_add(
            article=article,
            by=None,
            body=body,
            title=entry.get("title", ""),
            author=author,
            is_key=entry.get("key", False),
            is_correction=entry.get("correction", False),
            publish=True,
        )
        # The demo's story unfolded over the last hours: each update at its own time.
        published_at = max(now - timedelta(minutes=entry.get("minutes_ago", 0)), article.live_started_at)
        LiveUpdate.objects.filter(pk=update.pk).update(published_at=published_at)
        update.published_at = published_at
        if edited:
            live_update_edit(update=update, by=None, changes={"body": edited})

    # --- Pages -------------------------------------------------------------------------

    def load_pages(self, entries):
        for entry in entries:
            body = sanitize_body((DEMO_DIR / entry["body"]).read_text(encoding="utf-8"))
            _page, created = sync(
                Page,
                {"slug": entry["slug"]},
                {
                    "title": entry["title"],
                    "position": entry.get("position", 0),
                    "body": body,
                    "is_in_footer": entry.get("is_in_footer", True),
                },
            )
            self.count("pages", created)

    # --- Lead images ---------------------------------------------------------------------

    def load_images(self, articles):
        for article in articles:
            if article.kind == Article.Kind.GALLERY:
                continue  # its lead image is its cover photo (load_gallery_photos)
            image = article.lead_image
            created = not (image and image.storage.exists(image.name))
            if created:
                # Short enough that upload_to's folders plus the name fit the field's 100 characters.
                name = f"demo-{article.slug[:60].rstrip('-')}.jpg"
                picture, (focal_x, focal_y) = draw_illustration(article.section, article.slug)
                image.save(name, ContentFile(picture), save=False)
                Article.objects.filter(pk=article.pk).update(
                    lead_image=image.name,
                    lead_image_focal_x=focal_x,
                    lead_image_focal_y=focal_y,
                    lead_image_alt=illustration_alt(article.section),
                    lead_image_caption=(
                        f"Ilustrasi rubrik {article.section.name}; bukan foto peristiwa dalam berita ini."
                    ),
                    lead_image_credit=IMAGE_CREDIT,
                )
            article.refresh_from_db(fields=["lead_image", "lead_image_renditions"])
            if article.lead_image:
                # Responsive sizes and crops around the focal point, made once; later runs find them.
                lead_image_renditions.call(article.pk)
            self.count("images", created)

    # --- Embeds ---------------------------------------------------------------------------

    def load_embeds(self, entries):
        """Keep each demo embed with its title and a drawn thumbnail, as if fetched: no network needed."""
        for entry in entries:
            ref = embed_ref(entry["url"])
            if ref is None:
                raise CommandError(
                    f"demo.toml: embed {entry['url']!r} is not an address of a supported provider."
                )
            before = Embed.objects.filter(url=ref.url).values("title", "author_name").first()
            embed, created = sync(
                Embed,
                {"url": ref.url},
                {
                    "provider": ref.provider.key,
                    "title": entry["title"],
                    "author_name": entry.get("author_name", ""),
                    "width": 1280,
                    "height": 720,
                    "fetch_error": "",
                },
            )
            changed = before != {"title": embed.title, "author_name": embed.author_name}
            if not (embed.thumbnail and embed.thumbnail.storage.exists(embed.thumbnail.name)):
                picture = ContentFile(draw_embed_thumbnail())
                embed.thumbnail.save(f"demo-{ref.provider.key}.jpg", picture, save=False)
                embed.thumbnail_renditions = renditions_create(embed.thumbnail.name)
                changed = True
            if embed.fetched_at is None:
                embed.fetched_at = timezone.now()
                changed = True
            if changed:
                embed.save()
                # An article already holding the address shows the new title and picture.
                articles_render_again(Article.objects.filter(body__contains=ref.url))
            self.count("embeds", created)

    # --- Gallery photos -------------------------------------------------------------------

    def load_gallery_photos(self, entries, articles):
        """Give each demo gallery its drawn photos, once, through the editors' own services."""
        by_gallery = {}
        for entry in entries:
            by_gallery.setdefault(entry["file"], []).append(entry)
        for file, photos in by_gallery.items():
            article = articles.get(file)
            if article is None or article.kind != Article.Kind.GALLERY:
                raise CommandError(f"demo.toml: gallery photos for {file!r}, which is not a demo gallery.")
            if article.photos.exists():
                self.count("gallery photos", False)
                continue
            added = []
            for number, entry in enumerate(photos, 1):
                upload = SimpleUploadedFile(
                    f"demo-{article.slug[:40]}-{number}.jpg",
                    draw_gallery_photo(entry["light"], entry["focal"], f"{article.slug}-{number}"),
                    content_type="image/jpeg",
                )
                added.append(gallery_photo_add(article=article, upload=upload))
            gallery_save(
                article=article,
                edits=[
                    PhotoEdit(
                        photo.pk, entry["alt"], entry["caption"], entry.get("credit", ""), *entry["focal"]
                    )
                    for photo, entry in zip(added, photos, strict=True)
                ],
                cover=added[0].pk,
            )
            self.count("gallery photos", True)

    # --- Reads ----------------------------------------------------------------------------

    def load_reads(self, articles):
        """Give the demo a plausible "Terpopuler": invented hourly reads, once, for a fresh demo.

        Real sites count reads with the beacon (services.article_count_read); these
        rows only exist so the widget is not empty on a brand-new demo.
        """
        articles = [article for article in articles if article.published_at]
        created = not ArticleReadCount.objects.filter(article__in=articles).exists()
        if created:
            now = timezone.now().replace(minute=0, second=0, microsecond=0)
            rows = []
            for article in articles:
                rng = random.Random(hashlib.sha256(f"reads:{article.slug}".encode()).digest())
                popularity = rng.randint(5, 60)
                hours = min(int((now - article.published_at).total_seconds() // 3600), 7 * 24)
                for hour in range(0, hours + 1, 3):
                    rows.append(
                        ArticleReadCount(
                            article=article,
                            hour_at=now - timedelta(hours=hour),
                            count=max(1, popularity - hour // 12 + rng.randint(0, 10)),
                        )
                    )
            ArticleReadCount.objects.bulk_create(rows, ignore_conflicts=True)
        self.count("read counts", created)


def load_manifest():
    try:
        with MANIFEST.open("rb") as manifest:
            return tomllib.load(manifest)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CommandError(f"Cannot read the demo manifest {MANIFEST}: {error}") from error


def sync(model, lookup, values):
    """Get or create a row by lookup and save it only if a value differs; return (obj, created).

    Unlike update_or_create, an unchanged row is not saved again, so auto_now
    timestamps (and the sitemaps' lastmod) stay put when the demo is reloaded.
    """
    obj, created = model.objects.get_or_create(**lookup, defaults=values)
    if not created:
        changed = [field for field, value in values.items() if getattr(obj, field) != value]
        if changed:
            for field in changed:
                setattr(obj, field, values[field])
            obj.save()
    return obj, created


def find_imported(path):
    """Return the article import_articles made from path, found the way the importer finds it."""
    data = path.read_bytes()
    headline = next((line.strip() for line in data.decode("utf-8-sig").splitlines() if line.strip()), "")
    articles = Article.objects.select_related("section__parent")
    return (
        articles.filter(slug=article_import_slug(headline=" ".join(headline.split()))).first()
        # An editor may have changed the slug since; the file's checksum still finds it.
        or articles.filter(import_checksum=hashlib.sha256(data).hexdigest()).first()
    )


# --- Illustrations -------------------------------------------------------------------
# Flat, obviously drawn pictures: a gradient, one white geometric motif and the
# section's name. Nothing in them pretends to be a photograph.


def hex_rgb(value):
    return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))


def illustration_alt(section):
    root = section.parent or section
    _start, _end, colour = PALETTES.get(root.slug, DEFAULT_PALETTE)
    _motif, motif_text = MOTIFS.get(section.slug, DEFAULT_MOTIF)
    return f"Ilustrasi rubrik {section.name}: {motif_text} di atas latar {colour}"


def draw_illustration(section, seed):
    """Return (JPEG bytes illustrating section, the motif's centre as focal point); seed varies the motif."""
    width, height = IMAGE_SIZE
    root = section.parent or section
    start, end, _colour = PALETTES.get(root.slug, DEFAULT_PALETTE)
    # Dark at the bottom left, where the text goes, lighter towards the top right.
    # Mixed at a small size and scaled up: a smooth gradient needs no more, and it is fast.
    small_size = (width // 8, height // 8)
    rising = Image.linear_gradient("L").transpose(Image.Transpose.FLIP_TOP_BOTTOM).resize(small_size)
    rightward = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90).resize(small_size)
    mask = ImageChops.add(rising, rightward, scale=2).resize(IMAGE_SIZE, Image.Resampling.BILINEAR)
    canvas = Image.composite(
        Image.new("RGB", IMAGE_SIZE, hex_rgb(end)), Image.new("RGB", IMAGE_SIZE, hex_rgb(start)), mask
    )

    overlay = Image.new("RGBA", IMAGE_SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    rng = random.Random(hashlib.sha256(seed.encode()).digest())
    motif, _text = MOTIFS.get(section.slug, DEFAULT_MOTIF)
    cx = int(width * rng.uniform(0.62, 0.70))
    cy = int(height * rng.uniform(0.40, 0.52))
    MOTIF_PAINTERS[motif](draw, rng, cx, cy, width, height)
    canvas = Image.alpha_composite(canvas.convert("RGBA"), overlay).convert("RGB")

    draw = ImageDraw.Draw(canvas)
    small = ImageFont.load_default(size=30)
    large = ImageFont.load_default(size=84)
    draw.text((64, 56), "ILUSTRASI · NEWSPORTAL", font=small, fill=(255, 255, 255))
    if section.parent:
        draw.text((64, height - 196), section.parent.name.upper(), font=small, fill=(255, 255, 255))
    draw.text((60, height - 150), section.name, font=large, fill=(255, 255, 255))

    canvas = canvas.resize((width * IMAGE_SCALE, height * IMAGE_SCALE), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    canvas.save(output, format="JPEG", quality=85)
    return output.getvalue(), (round(cx / width, 3), round(cy / height, 3))


def draw_embed_thumbnail():
    """Return JPEG bytes of a drawn video thumbnail; the placeholder adds the play mark and the title."""
    width, height = 1280, 720
    mask = Image.linear_gradient("L").rotate(45).resize((width, height), Image.Resampling.BILINEAR)
    canvas = Image.composite(
        Image.new("RGB", (width, height), "#2f7f8c"), Image.new("RGB", (width, height), "#0b1320"), mask
    )
    draw = ImageDraw.Draw(canvas)
    # Film-strip perforations along the top and bottom edges.
    for x in range(40, width, 80):
        for y in (24, height - 56):
            draw.rounded_rectangle((x, y, x + 40, y + 32), radius=6, fill=(255, 255, 255))
    draw.text(
        (64, 96), "VIDEO CONTOH · NEWSPORTAL", font=ImageFont.load_default(size=34), fill=(255, 255, 255)
    )
    output = io.BytesIO()
    canvas.save(output, format="JPEG", quality=85)
    return output.getvalue()


LINE = (255, 255, 255, 150)
FILL = (255, 255, 255, 46)


def paint_rings(draw, rng, cx, cy, width, height):
    for radius in range(40, 340, rng.choice([36, 44, 52])):
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=LINE, width=5)
    draw.ellipse((cx - 24, cy - 24, cx + 24, cy + 24), fill=(255, 255, 255, 170))


def paint_globe(draw, rng, cx, cy, width, height):
    radius = 250
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=FILL, outline=LINE, width=6)
    for fraction in (0.35, 0.7):
        half = int(radius * fraction)
        draw.ellipse((cx - half, cy - radius, cx + half, cy + radius), outline=LINE, width=4)
    draw.line((cx, cy - radius, cx, cy + radius), fill=LINE, width=4)
    for offset in (-0.6, -0.3, 0, 0.3, 0.6):
        y = cy + int(radius * offset)
        half = int(math.sqrt(radius**2 - (y - cy) ** 2))
        draw.line((cx - half, y, cx + half, y), fill=LINE, width=4)


def paint_dunes(draw, rng, cx, cy, width, height):
    sun = 90
    draw.ellipse((cx - sun, cy - 140 - sun, cx + sun, cy - 140 + sun), fill=(255, 255, 255, 120))
    for index, base in enumerate((height * 0.62, height * 0.72, height * 0.82)):
        peak = int(width * rng.uniform(0.45, 0.85))
        draw.ellipse(
            (peak - 520, int(base) - 60 + index * 10, peak + 520, int(base) + 420),
            fill=(255, 255, 255, 36 + index * 18),
        )


def paint_waves(draw, rng, cx, cy, width, height):
    phase = rng.uniform(0, math.tau)
    for row in range(7):
        y0 = cy - 180 + row * 60
        points = [
            (x, y0 + 22 * math.sin(x / 70 + phase + row * 0.6))
            for x in range(int(width * 0.42), width - 60, 12)
        ]
        draw.line(points, fill=LINE, width=5, joint="curve")


def paint_bars(draw, rng, cx, cy, width, height):
    left, base, bar, gap = cx - 250, cy + 200, 60, 28
    level = rng.uniform(0.25, 0.35)
    for index in range(6):
        level = min(1.0, level + rng.uniform(0.06, 0.16))
        top = base - int(400 * level)
        x = left + index * (bar + gap)
        draw.rectangle((x, top, x + bar, base), fill=FILL, outline=LINE, width=4)
    draw.line((left - 30, base, left + 6 * (bar + gap), base), fill=LINE, width=6)


def paint_grid(draw, rng, cx, cy, width, height):
    step, nodes = 80, []
    for column in range(-3, 4):
        for row in range(-2, 3):
            x, y = cx + column * step, cy + row * step
            nodes.append((x, y))
            if column < 3 and rng.random() < 0.55:
                draw.line((x, y, x + step, y), fill=LINE, width=4)
            if row < 2 and rng.random() < 0.45:
                draw.line((x, y, x, y + step), fill=LINE, width=4)
    for x, y in nodes:
        radius = 14 if rng.random() < 0.3 else 8
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(255, 255, 255, 190))


def paint_track(draw, rng, cx, cy, width, height):
    for lane in range(5):
        inset = lane * 34
        draw.rounded_rectangle(
            (cx - 330 + inset, cy - 190 + inset, cx + 330 - inset, cy + 190 - inset),
            radius=190 - inset,
            outline=LINE,
            width=5,
        )
    draw.line((cx, cy + 190 - 4 * 34, cx, cy + 190), fill=(255, 255, 255, 200), width=8)


def paint_petals(draw, rng, cx, cy, width, height):
    count, radius = rng.choice([6, 7, 8]), 120
    for index in range(count):
        angle = math.tau * index / count
        x, y = cx + 110 * math.cos(angle), cy + 110 * math.sin(angle)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=FILL, outline=LINE, width=4)
    draw.ellipse((cx - 46, cy - 46, cx + 46, cy + 46), fill=(255, 255, 255, 170))


MOTIF_PAINTERS = {
    "rings": paint_rings,
    "globe": paint_globe,
    "dunes": paint_dunes,
    "waves": paint_waves,
    "bars": paint_bars,
    "grid": paint_grid,
    "track": paint_track,
    "petals": paint_petals,
}


GALLERY_PHOTO_SIZE = (1200, 800)
# Sky from the top down, the sea, the sand, for each time of day a demo photo shows.
LIGHTS = {
    "morning": ("#8fc7f0", "#e8f3fb", "#2f7fb5", "#e9d6a8"),
    "noon": ("#3f8fdc", "#bfe0fa", "#1f6fa8", "#f0dfb0"),
    "afternoon": ("#5d9fd6", "#f4d9a6", "#2a6a96", "#e6c98f"),
    "sunset": ("#3a3f7a", "#f29b5c", "#2a3158", "#b98a5e"),
}
KITE_COLOURS = ((230, 57, 70), (255, 183, 3), (42, 157, 143), (131, 56, 236), (251, 133, 0), (6, 214, 160))


def draw_gallery_photo(light, focal, seed):
    """Return JPEG bytes of a drawn beach festival scene, its main kite at focal ((x, y) from 0 to 1)."""
    width, height = GALLERY_PHOTO_SIZE
    top, horizon, sea, sand = (hex_rgb(colour) for colour in LIGHTS[light])
    rng = random.Random(hashlib.sha256(seed.encode()).digest())
    sky = Image.linear_gradient("L").resize((width, int(height * 0.62)))
    canvas = Image.new("RGB", (width, height), sand)
    canvas.paste(Image.composite(Image.new("RGB", sky.size, horizon), Image.new("RGB", sky.size, top), sky))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, int(height * 0.62), width, int(height * 0.74)), fill=sea)
    for _ in range(rng.randint(6, 11)):  # kites far away
        x, y = rng.uniform(0.05, 0.95) * width, rng.uniform(0.08, 0.5) * height
        paint_kite(
            draw,
            x,
            y,
            rng.uniform(14, 34),
            rng.choice(KITE_COLOURS),
            (x + rng.uniform(-40, 40), height * 0.8),
        )
    x, y = focal[0] * width, focal[1] * height
    paint_kite(draw, x, y, 120, rng.choice(KITE_COLOURS), (x - 160, height * 0.86))
    for _ in range(rng.randint(10, 18)):  # people on the sand
        px, py = rng.uniform(0.02, 0.98) * width, rng.uniform(0.78, 0.95) * height
        draw.ellipse((px - 7, py - 34, px + 7, py - 20), fill=(40, 40, 48))
        draw.rectangle((px - 8, py - 20, px + 8, py + 6), fill=rng.choice(KITE_COLOURS))
    ImageDraw.Draw(canvas).text(
        (32, height - 52),
        "ILUSTRASI · NEWSPORTAL",
        font=ImageFont.load_default(size=24),
        fill=(255, 255, 255),
    )
    canvas = canvas.resize((width * IMAGE_SCALE, height * IMAGE_SCALE), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    canvas.save(output, format="JPEG", quality=82)
    return output.getvalue()


def paint_kite(draw, x, y, size, colour, anchor):
    """A diamond kite centred on (x, y), its string down to anchor."""
    draw.line((x, y + size * 1.3, *anchor), fill=(250, 250, 250), width=max(1, int(size / 30)))
    draw.polygon(
        ((x, y - size), (x + size * 0.75, y), (x, y + size * 1.3), (x - size * 0.75, y)), fill=colour
    )
    draw.line((x, y - size, x, y + size * 1.3), fill=(255, 255, 255), width=max(1, int(size / 25)))
    draw.line((x - size * 0.75, y, x + size * 0.75, y), fill=(255, 255, 255), width=max(1, int(size / 25)))
