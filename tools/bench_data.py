"""Generate a newsroom-sized archive for benchmarks: never part of make test or production.

    python -m tools.bench_data [--articles 100000] [--replace] ...   (make bench-data)

A management command run without being installed: tools/ is not a Django app, so
the command exists only in a development checkout, never in production's manage.py.
"""

import os
import random
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsportal.settings")
django.setup()

from django.core.management.base import BaseCommand, CommandError  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from taggit.models import Tag  # noqa: E402

from articles.models import (  # noqa: E402
    Article,
    ArticleReadCount,
    Author,
    Credit,
    Section,
    TaggedArticle,
    headline_slug,
)

WORDS = (
    "pemerintah daerah warga kota desa pasar harga kebijakan anggaran menteri presiden rapat sidang "
    "ekonomi pertumbuhan inflasi ekspor impor petani nelayan sekolah guru siswa rumah sakit dokter "
    "pasien banjir hujan cuaca jalan tol kereta bandara pelabuhan kapal listrik energi tambang hutan "
    "lingkungan sampah air bersih teknologi aplikasi digital data keamanan polisi pengadilan hakim "
    "jaksa korupsi pemilu partai kampanye calon suara tim pertandingan liga gol pelatih pemain juara "
    "festival budaya musik film wisata kuliner kesehatan vaksin gizi keluarga anak perempuan pemuda "
    "menyerang serangan diserang membangun pembangunan dibangun menolak penolakan mengumumkan pengumuman "
    "meningkat peningkatan menurun penurunan investasi investor bank kredit saham rupiah dolar"
).split()
RARE_WORDS = ["kriptografi", "vulkanologi", "numismatik", "paleontologi", "ornitologi"]
SECTION_TREE = {
    "Nasional": ["Politik", "Hukum", "Pendidikan", "Kesehatan"],
    "Internasional": ["Asia Pasifik", "Timur Tengah", "Eropa", "Amerika", "Afrika"],
    "Ekonomi": ["Bisnis", "Keuangan", "Energi", "Properti"],
    "Teknologi": ["Gawai", "Internet", "Sains", "Startup"],
    "Olahraga": ["Sepak Bola", "Bulu Tangkis", "Basket", "Otomotif"],
    "Gaya Hidup": ["Kuliner", "Wisata", "Mode"],
}


def sentence(rng, words=14):
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def body_html(rng, n):
    parts = []
    for block in range(6):
        if block in (2, 4):
            heading = sentence(rng, 5).rstrip(".")
            parts.append(f'<h2 id="bagian-{block}">{heading}</h2>')
        text = " ".join(sentence(rng) for _ in range(4))
        if n % 997 == 0 and block == 0:
            text += f" {RARE_WORDS[n % len(RARE_WORDS)]}."
        parts.append(f"<p>{text}</p>")
    return "".join(parts)


class Command(BaseCommand):
    help = "Fill the configured database with a realistic archive (default 100,000 articles) for make bench."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=100_000)
        parser.add_argument("--tags", type=int, default=2_000)
        parser.add_argument("--authors", type=int, default=300)
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--seed", type=int, default=20261125)
        parser.add_argument("--batch", type=int, default=2_000)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete all existing articles, sections, authors and tags first.",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        if Article.objects.exists() and not options["replace"]:
            raise CommandError("The database already has articles; pass --replace to wipe them first.")
        rng = random.Random(options["seed"])
        with transaction.atomic():
            if options["replace"]:
                ArticleReadCount.objects.all().delete()
                TaggedArticle.objects.all().delete()
                Credit.objects.all().delete()
                Article.objects.all().delete()
                Author.objects.all().delete()
                Tag.objects.all().delete()
                Section.objects.filter(parent__isnull=False).delete()
                Section.objects.all().delete()
            leaves = self.make_sections()
            authors = self.make_authors(options["authors"])
            tags = self.make_tags(options["tags"])
        self.stdout.write(f"{len(leaves)} sections, {len(authors)} authors, {len(tags)} tags")
        self.before_bulk_insert()
        try:
            self.make_articles(rng, options, leaves, authors, tags)
        finally:
            self.after_bulk_insert()
        self.make_read_counts(rng)
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.0f}s."))

    def make_sections(self):
        sections = []
        for position, (name, children) in enumerate(SECTION_TREE.items()):
            parent = Section.objects.create(name=name, slug=headline_slug(name), position=position)
            sections.append(parent)
            for child_position, child in enumerate(children):
                child_section = Section(
                    name=child, slug=headline_slug(child), parent=parent, position=child_position
                )
                child_section.save()
                sections.append(child_section)
        return sections

    def make_authors(self, count):
        first = ["Siti", "Budi", "Dewi", "Agus", "Rina", "Hendra", "Nadia", "Yoga", "Sari", "Bagus"]
        last = ["Rahma", "Santoso", "Lubis", "Siregar", "Wulandari", "Pratama", "Kusuma", "Hidayat"]
        return Author.objects.bulk_create(
            Author(name=f"{first[n % 10]} {last[n % 8]} {n}", slug=f"penulis-{n}", bio="Wartawan.")
            for n in range(count)
        )

    def make_tags(self, count):
        return Tag.objects.bulk_create(Tag(name=f"Topik {n}", slug=f"topik-{n}") for n in range(count))

    def make_articles(self, rng, options, sections, authors, tags):
        now = timezone.now()
        span = timedelta(days=365 * options["years"]).total_seconds()
        # Zipf-like weights: a few tags are on a large share of articles, most are rare.
        tag_weights = [1 / (rank + 1) ** 1.1 for rank in range(len(tags))]
        total, batch = options["articles"], options["batch"]
        for start in range(0, total, batch):
            articles = []
            for n in range(start, min(start + batch, total)):
                published_at = now - timedelta(seconds=span * (n / total)) - timedelta(minutes=5)
                status = Article.Status.PUBLISHED
                if n % 200 == 1:
                    status = Article.Status.DRAFT
                elif n % 500 == 2:
                    published_at = now + timedelta(days=rng.randint(1, 30))
                headline = sentence(rng, rng.randint(7, 12)).rstrip(".")
                articles.append(
                    Article(
                        headline=headline,
                        slug=f"{headline_slug(headline)[:150]}-{n}",
                        dek=sentence(rng, 20),
                        body=body_html(rng, n),
                        section=rng.choice(sections),
                        status=status,
                        published_at=published_at,
                        first_published_at=published_at if status == Article.Status.PUBLISHED else None,
                        is_featured=n % 50 == 0,
                    )
                )
            # bulk_create skips save(): bodies above are built already clean.
            articles = Article.objects.bulk_create(articles)
            credits, tagged = [], []
            for article in articles:
                for position, author in enumerate(rng.sample(authors, rng.choice((1, 1, 2)))):
                    credits.append(Credit(article=article, author=author, position=position))
                for tag in set(rng.choices(tags, weights=tag_weights, k=rng.randint(1, 5))):
                    tagged.append(TaggedArticle(content_object=article, tag=tag))
            Credit.objects.bulk_create(credits)
            TaggedArticle.objects.bulk_create(tagged)
            self.stdout.write(f"  {start + len(articles):>7} articles")

    def make_read_counts(self, rng, articles=3_000, hours=24 * 7):
        """Hourly read counters for the newest articles over the last week, so "Terpopuler" has work to do."""
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        recent = list(
            Article.objects.published().order_by("-published_at").values_list("pk", flat=True)[:articles]
        )
        counts = [
            ArticleReadCount(article_id=pk, hour_at=now - timedelta(hours=hour), count=rng.randint(1, 500))
            for pk in recent
            for hour in rng.sample(range(hours), 12)
        ]
        ArticleReadCount.objects.bulk_create(counts, batch_size=5_000)
        self.stdout.write(f"  {len(counts):,} hourly read counts")

    # The search triggers (search.py) recompute an article's document for every tag row
    # inserted; for a bulk load, index each article once at the end instead.
    BULK_TABLES = ("articles_article", "articles_taggedarticle")

    def before_bulk_insert(self):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in self.BULK_TABLES:
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")

    def after_bulk_insert(self):
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for table in self.BULK_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            self.stdout.write("  indexing for search...")
            cursor.execute("SELECT articles_article_search_reindex(array_agg(id)) FROM articles_article")
        # VACUUM (outside a transaction) sets the visibility map, so counts use index-only scans.
        connection.ensure_connection()
        connection.connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


if __name__ == "__main__":
    Command().run_from_argv(["manage.py", "bench_data", *sys.argv[1:]])
