"""A synthetic WordPress export (WXR 1.2) like an Indonesian news site's, with its uploads folder.

    python -m tools.wxr_fixture OUT.xml --posts 10000 --media-dir DIR [--images 1000] [--seed 1]

or write_export(path, posts=..., ...) from a test. For the importer's benchmark
(tools/bench_import.py) and tests (issue 14); never part of production.

Everything a real export holds, at a news site's proportions: authors, a category
tree, 300 tags, Co-Authors Plus guest authors, attachments with alt text and
captions, posts in Gutenberg and classic markup (shortcodes, embeds, inline
images, "Baca juga" links to other posts, the script, handler, style and pixel
junk of years of copy-paste), every status, sticky posts, featured images, Yoast
fields, old slugs, pages in a tree and a few comments.

Streaming: each item is written as soon as it is made, and anything another item
needs (a linked post's address, a shared image's alt text) is recomputed from the
seed and its index, never kept. 100,000 posts take a few MB.

Deterministic: the same arguments write the same bytes. Dates are fixed
(2020-01 to 2026-11, exported 2026-12-01), so "future" posts are scheduled for
2027.
"""

import argparse
import os
import random
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

SITE = "https://lama.example.id"
SITE_TITLE = "Warta Lama"
UPLOADS = f"{SITE}/wp-content/uploads"
JAKARTA = timedelta(hours=7)  # Asia/Jakarta has no daylight saving time
START = datetime(2020, 1, 1, 6, 0)  # site-local
END = datetime(2026, 11, 30, 22, 0)
EXPORTED_AT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
ZERO_DATE = "0000-00-00 00:00:00"
# What WordPress writes as <pubDate> for a post that was never published.
ZERO_PUBDATE = "Mon, 30 Nov -0001 00:00:00 +0000"
FIRST_PAGE_ID = 20
STATUS_CYCLE = 53  # one of each unusual status per 53 posts: a 30-post export has them all
STATUS_AT = {4: "draft", 9: "pending", 14: "private", 19: "trash", 23: "draft"}
PASSWORD_AT = 26
CDATA_END_AT = (3, 50)  # post j with j % 50 == 3 has "]]>" in its content
MISSING_AT = (7, 200)  # image i with i % 200 == 7 is in the export but not in the folder
RESIZED_EVERY = 3  # every third image also has WordPress's -300x169 copy

AUTHORS = [
    (2, "redaksi", "Redaksi Warta Lama", "", ""),
    (3, "bagus.prasetyo", "Bagus Prasetyo", "Bagus", "Prasetyo"),
    (4, "rina", "Rina Wulandari", "Rina", "Wulandari"),
    (5, "yoga", "Yoga Pratama", "Yoga", "Pratama"),
    (6, "lilis.m", "Lilis Marlina", "Lilis", "Marlina"),
]
# Co-Authors Plus guest authors: (slug, display name, bio).
GUESTS = [
    ("arief-nugraha", "Arief Nugraha", "Kontributor Warta Lama di Tirtamulya."),
    ("dewi-anggraini", "Dewi Anggraini", "Jurnalis lepas, menulis soal pangan dan lingkungan."),
    ("made-wirawan", "Made Wirawan", "Fotografer dan kontributor wilayah timur."),
]
# Also CAP terms: the WordPress users who appear as co-authors.
CAP_USERS = ("rina", "yoga")

# (name, slug, children); a child may have children of its own. 8 top level, 20 below.
CATEGORY_TREE = [
    ("Uncategorized", "uncategorized", []),
    (
        "Nasional",
        "nasional",
        [("Politik", "politik", []), ("Hukum &amp; Kriminal", "hukum", []), ("Pendidikan", "pendidikan", [])],
    ),
    (
        "Daerah",
        "daerah",
        [("Jawa Barat", "jawa-barat", [("Bandung Raya", "bandung-raya", [])]), ("Sumatera", "sumatera", [])],
    ),
    (
        "Ekonomi",
        "ekonomi",
        [("Bisnis", "bisnis", []), ("Keuangan", "keuangan", []), ("Energi", "energi", [])],
    ),
    (
        "Internasional",
        "internasional",
        [("Asia Pasifik", "asia-pasifik", []), ("Timur Tengah", "timur-tengah", []), ("Eropa", "eropa", [])],
    ),
    (
        "Olahraga",
        "olahraga",
        [("Sepak Bola", "sepak-bola", []), ("Bulu Tangkis", "bulu-tangkis", []), ("MotoGP", "motogp", [])],
    ),
    ("Teknologi", "teknologi", [("Gawai", "gawai", []), ("Startup", "startup", [])]),
    (
        "Gaya Hidup",
        "gaya-hidup",
        [("Kuliner", "kuliner", []), ("Wisata", "wisata", []), ("Kesehatan", "kesehatan", [])],
    ),
]

# (title, slug, parent slug or None, status)
PAGE_TREE = [
    ("Tentang Kami", "tentang-kami", None, "publish"),
    ("Redaksi", "redaksi", None, "publish"),
    ("Tim Redaksi", "tim", "redaksi", "publish"),
    ("Pedoman Media Siber", "pedoman-media-siber", "tentang-kami", "publish"),
    ("Biro Daerah", "biro", "redaksi", "publish"),
    ("Biro Jawa Barat", "jawa-barat", "biro", "publish"),
    ("Kontak", "kontak", None, "publish"),
    ("Karier", "karier", "tentang-kami", "draft"),
    ("Kebijakan Privasi", "kebijakan-privasi", None, "publish"),
    ("Iklan", "iklan", None, "publish"),
    ("Tarif Iklan", "tarif", "iklan", "publish"),
]

# Fictional, as in the demo content (articles/demo/demo.toml): no invented news about real places.
PLACES = (
    "Wanaraya Tirtamulya Sambiran Karangsela Sensawa Lembahsari Mekarjaya Cibening Sukamaju Pasirwangi "
    "Tanjungsari Rawabening Gunungjati Sindangrasa Batujajar Cikahuripan Kedungwaru Purwasari Margahayu "
    "Banyuasri Telukjambe Sumberejo Karanganyar Pagerwangi Wonosari Bukitraya Lautmas Sirnagalih Pandanwangi "
    "Kotabaru Ciwaringin Sidamulya Tegalrejo Ranuwangi Selaparang Batuampar Muarasari Kalisari Padangjaya "
    "Rimbaraya"
).split()
TOPICS = [
    "Harga Cabai", "Harga Beras", "Banjir", "Tanah Longsor", "Proyek Jalan Tol", "Bus Listrik",
    "Festival Layang-Layang", "Koperasi Nelayan", "Ekspor Kopi", "Vaksinasi Anak", "Penerimaan Siswa Baru",
    "Pasar Tradisional", "Tanggul Laut", "Jalur Kereta", "Bandara Baru", "Pelabuhan Ikan", "Listrik Desa",
    "Air Bersih", "Sampah Plastik", "Hutan Pangan", "Pupuk Bersubsidi", "Sensor Tanah", "Aplikasi Pajak",
    "Penipuan APK", "Liga Pelajar", "Maraton", "Bulu Tangkis Junior", "Pilkada", "Anggaran Daerah",
    "Gaji Guru Honorer", "Puskesmas Keliling", "Demam Berdarah", "Stunting", "Wisata Pantai", "UMKM Batik",
    "Produksi Garam", "Kredit Usaha Rakyat", "Perbaikan Jembatan", "Ojek Daring", "Sekolah Rakyat",
]  # fmt: skip
PREDICATES = [
    "Naik {n} Persen", "Turun {n} Persen", "Libatkan {n} Desa", "Rampung dalam {n} Bulan",
    "Diikuti {n} Peserta", "Tembus {n} Ribu Pengunjung", "Butuh Dana Rp{n} Miliar", "Berlangsung {n} Hari",
    "Rendam {n} Rumah Warga", "Paksa {n} Keluarga Mengungsi", "Serap {n} Tenaga Kerja",
    "Ditargetkan {n} Ribu Ton", "Tertunda {n} Pekan", "Sasar {n} Sekolah", "Jangkau {n} Kecamatan",
    "Raup Rp{n} Miliar", "Catat {n} Kasus Baru", "Dikunjungi {n} Ribu Orang", "Dapat Tambahan {n} Unit",
    "Dibuka di {n} Titik", "Ditunda hingga {n} Hari", "Hadirkan {n} Pelaku Usaha",
    "Targetkan {n} Ribu Penerima", "Usung {n} Program Prioritas", "Masuk {n} Besar Nasional",
    "Hemat Anggaran {n} Persen", "Libatkan {n} Relawan", "Dipantau {n} Kamera",
    "Dievaluasi setelah {n} Tahun", "Cakup {n} Ribu Hektare",
]  # fmt: skip
QUALIFIERS = [
    "Pekan Ini", "Jelang Lebaran", "Usai Rapat Koordinasi", "Akhir Tahun Ini", "Menurut BPS", "Kata Bupati",
    "Sejak Januari", "Tahun Depan", "Meski Hujan Deras", "di Tengah Kemarau", "Jelang Musim Hujan",
    "Awal Bulan Depan", "Sepekan Terakhir", "Selama Libur Sekolah", "Kata Pengamat", "Menurut Warga",
    "Usai Sidak Gubernur", "Tahun Ini", "Jelang Natal", "Setelah Diprotes Warga", "Hingga Akhir Pekan",
    "Mulai Senin", "Dalam Tiga Tahun", "Versi Dinas Setempat", "di Tengah Kenaikan Harga",
]  # fmt: skip
HEADLINE_TEMPLATES = [
    "{topic} di {place} {pred} {qual}",
    "{topic} {place} {pred}, {qual}",
    "{qual}, {topic} di {place} {pred}",
    "Pemkab {place}: {topic} {pred} {qual}",
    "{topic} di {place} Diprediksi {pred} {qual}",
    "Warga {place} Soroti {topic} yang {pred} {qual}",
]
NUMBERS = range(2, 101)
# Headlines are a bijection of the post's index (a 29-bit mix, decoded in mixed radix over
# these lists), so 100,000 posts get distinct headlines and slugs without remembering any.
HEADLINE_BITS = 29
HEADLINE_MASK = (1 << HEADLINE_BITS) - 1
assert (
    len(HEADLINE_TEMPLATES) * len(TOPICS) * len(PLACES) * len(PREDICATES) * len(NUMBERS) * len(QUALIFIERS)
    >= 1 << HEADLINE_BITS
)

FIRST_NAMES = (
    "Sutrisno Lilis Arief Ratna Bagus Yoga Siti Agus Dewi Hendra Nur Rudi Wahyu Fitri Made Yohana Andi Rizky "
    "Indah Joko"
).split()
LAST_NAMES = (
    "Adiwinata Marlina Nugraha Kemuning Prasetyo Pratama Rahayu Saputra Anggraini Gunawan Hidayat Susanto "
    "Wirawan Lestari Siregar Manurung Pangaribuan Lumbanraja Tanoto Halim"
).split()
ROLES = [
    "Kepala Dinas Perhubungan", "Kepala Pelaksana BPBD", "Bupati", "Wali Kota", "Ketua DPRD",
    "Kepala Dinas Kesehatan", "Camat", "Kepala Desa", "Kapolres", "Kepala Dinas Pendidikan",
    "Ketua Koperasi", "peneliti Universitas Tirtamulya", "pengamat kebijakan publik", "Sekretaris Daerah",
]  # fmt: skip
ORGS = [
    "BPBD", "Dinas Kesehatan", "Pemerintah Kabupaten", "Badan Pusat Statistik", "Dinas Perhubungan",
    "Polres", "DPRD", "Dinas Pertanian", "Dinas Pendidikan", "Dinas Koperasi dan UKM", "PDAM",
]  # fmt: skip
DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
COMPLAINTS = [
    "lambatnya penyaluran bantuan", "antrean panjang di loket pelayanan", "jalan rusak menuju lokasi",
    "minimnya sosialisasi dari petugas", "harga yang terus naik", "air yang keruh selama sepekan",
]  # fmt: skip
PURPOSES = [
    "perbaikan infrastruktur", "bantuan sosial bagi warga terdampak", "pelatihan pelaku usaha kecil",
    "pengadaan armada baru", "pembangunan tanggul", "beasiswa pelajar berprestasi",
]  # fmt: skip
QUOTES = [
    "Prioritas kami saat ini adalah keselamatan warga",
    "Kami minta warga tetap tenang dan mengikuti arahan petugas di lapangan",
    "Anggarannya sudah ada, tinggal pelaksanaannya yang harus dikawal bersama",
    "Ini bukan pekerjaan satu dinas saja, semua pihak harus terlibat",
    "Kami akan evaluasi setiap pekan supaya hasilnya terukur",
    "Warga jangan ragu melapor kalau menemukan kejanggalan",
]
SENTENCES = [
    "{org} {place} mencatat sedikitnya {many} warga terdampak sejak {day} pekan lalu.",
    "{role} {place}, {person}, mengatakan pihaknya akan mengevaluasi {topic} dalam waktu dekat.",
    '"{quote}," ujar {person}.',
    "Menurut data {org}, jumlah tersebut naik sekitar {pct} persen dibanding periode yang sama tahun lalu.",
    "Di sisi lain, sejumlah warga mengeluhkan {complaint}.",
    "Rapat koordinasi digelar di kantor {org} {place} pada {day} pagi dan dihadiri perwakilan {n} desa.",
    "Hingga berita ini diturunkan, petugas masih melakukan pendataan di lokasi.",
    "Pemerintah daerah menyiapkan anggaran sekitar Rp{n} miliar untuk {purpose}.",
    '"{quote}," kata {person}, {role} {place}, saat ditemui di kantornya.',
    "{person}, seorang pedagang di Pasar {place}, mengaku omzetnya turun sejak awal bulan.",
    "Program ini ditargetkan rampung pada akhir tahun dan melibatkan {many} tenaga kerja lokal.",
    "Warga berharap pemerintah segera turun tangan agar persoalan serupa tidak terulang.",
    "Persoalan {topic} di {place} sebenarnya sudah dibahas sejak tahun lalu, namun belum ada tindak lanjut.",
    "Petugas gabungan dikerahkan ke {n} titik untuk memastikan situasi tetap kondusif.",
    "{person} menambahkan, pihaknya telah berkoordinasi dengan {org} untuk mempercepat penanganan.",
    "Sejumlah relawan membuka posko di balai desa dan menyalurkan kebutuhan pokok kepada warga.",
    "Berdasarkan pantauan di lapangan, aktivitas warga berangsur normal pada {day} sore.",
    "Kebijakan tersebut menuai beragam tanggapan, terutama dari pelaku usaha kecil di {place}.",
    "Pengamat menilai langkah itu tepat, asalkan dibarengi pengawasan yang ketat.",
    "Data sementara menunjukkan {n} kecamatan masuk kategori rawan dan perlu perhatian khusus.",
]
HEADINGS = [
    "Kondisi di Lokasi", "Langkah Pemerintah Daerah", "Apa Kata Warga?", "Harapan ke Depan", "Kronologi",
    "Tanggapan Pemerintah", "Dampak bagi Warga", "Apa Penyebabnya?", "Data Terbaru",
]  # fmt: skip
LIST_ITEMS = [
    "Membawa dokumen penting dalam kantong kedap air", "Mencatat nomor telepon posko terdekat",
    "Menyiapkan obat-obatan pribadi", "Memantau informasi resmi dari pemerintah daerah",
    "Mematikan aliran listrik sebelum meninggalkan rumah", "Mendaftar melalui aplikasi resmi",
    "Menyiapkan fotokopi KTP dan kartu keluarga", "Datang sesuai jadwal yang ditentukan",
]  # fmt: skip
ALTS = [
    "Warga menerobos genangan di {place}", "Petugas memeriksa tanggul di {place}",
    "Suasana pasar tradisional {place} pada pagi hari", "Pedagang cabai melayani pembeli di {place}",
    "Peserta lomba berlari di jalan utama {place}", "Nelayan menurunkan hasil tangkapan di {place}",
    "Siswa mengikuti upacara di halaman sekolah {place}", "Bus listrik melintas di pusat kota {place}",
]  # fmt: skip
TWITTER_HANDLES = ["wartalama", "bpbd_wanaraya", "infotirtamulya", "pemkabsambiran"]
UNKNOWN_SHORTCODES = ['[adsense id="4"]', "[related_posts]", '[contact-form-7 id="12" title="Kontak"]']
YOUTUBE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


def cdata(text):
    """Return text in a CDATA section, as WordPress's wxr_cdata() writes it ("]]>" split in two)."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def slugify(text):
    """Return WordPress's sanitize_title() of an ASCII headline, near enough."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def mix(value):
    """Return a bijective scramble of a 29-bit integer (xor-shift and odd-multiply rounds)."""
    value &= HEADLINE_MASK
    value ^= value >> 15
    value = (value * 0x2C1B3C6D) & HEADLINE_MASK
    value ^= value >> 12
    value = (value * 0x297A2D39) & HEADLINE_MASK
    value ^= value >> 15
    return value


def headline(index, seed):
    k = mix(index ^ ((seed * 0x9E3779B1) & HEADLINE_MASK))
    parts = {}
    for name, values in (
        ("template", HEADLINE_TEMPLATES),
        ("topic", TOPICS),
        ("place", PLACES),
        ("pred", PREDICATES),
        ("n", NUMBERS),
        ("qual", QUALIFIERS),
    ):
        k, digit = divmod(k, len(values))
        parts[name] = values[digit]
    # The predicate's own {n} survives the first format(): str.format does not recurse.
    text = parts.pop("template").format(**parts).replace("{n}", str(parts["n"]))
    return text, parts


def wp_date(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def rfc2822(moment_utc):
    return moment_utc.strftime("%a, %d %b %Y %H:%M:%S +0000")


def ceil_div(a, b):
    return -(-a // b)


class Export:
    """The plan of one export: every item's facts, computed from (seed, index) when asked."""

    def __init__(self, *, posts, pages, images, seed):
        self.posts, self.pages, self.images, self.seed = posts, pages, images, seed
        self.step = (END - START).total_seconds() / max(posts, 1)
        self.future_from = posts - max(1, posts // 200)
        self.slot_base = FIRST_PAGE_ID + 2 * pages + 100
        self.categories = list(flatten(CATEGORY_TREE))
        self.children = [c for c in self.categories if c[2]]
        self.tags = make_tags()
        self.page_plan = make_pages(pages)
        # Bounded caches: links and shared images mostly point at recent items.
        self.post = lru_cache(maxsize=4096)(self._post)
        self.image = lru_cache(maxsize=4096)(self._image)

    def rng(self, kind, index):
        # An int seed: Random(str) would hash, and that is slower for 100,000 items.
        return random.Random((self.seed * 1_000_003 + kind) * 10_000_019 + index)

    # Posts and their attachments share one ID sequence, each image just before the post
    # it was uploaded for, so the file is in ID order like WordPress's.
    def own_images(self, j):
        """Return the range of images uploaded with post j."""
        if not self.images:
            return range(0)
        return range(ceil_div(j * self.images, self.posts), ceil_div((j + 1) * self.images, self.posts))

    def images_before(self, j):
        """Return how many images exist once post j is written."""
        return ceil_div((j + 1) * self.images, self.posts) if self.images else 0

    def owner(self, i):
        return i * self.posts // self.images

    def post_id(self, j):
        return self.slot_base + 2 * (j + self.images_before(j))

    def image_id(self, i):
        return self.slot_base + 2 * (self.owner(i) + i)

    def _post(self, j):
        rng = self.rng(1, j)
        title, parts = headline(j, self.seed)
        status = STATUS_AT.get(j % STATUS_CYCLE, "publish")
        if j >= self.future_from and status == "publish":
            status = "future"
        if status == "future":
            local = (EXPORTED_AT + JAKARTA).replace(tzinfo=None) + timedelta(
                days=30 + j - self.future_from, hours=rng.randrange(0, 12)
            )
        else:
            local = START + timedelta(seconds=int(self.step * (j + 0.9 * rng.random())))
        slug = slugify(title)
        if status == "draft" and j % STATUS_CYCLE == 4:
            slug = ""  # WordPress leaves a never-saved draft without a slug
        return {
            "index": j,
            "id": self.post_id(j),
            "title": title,
            "parts": parts,
            "slug": slug,
            "status": status,
            "local": local,
            "password": "rahasia2024" if j % STATUS_CYCLE == PASSWORD_AT else "",
        }

    def permalink(self, post):
        if post["status"] in ("draft", "pending", "future") or not post["slug"]:
            return f"{SITE}/?p={post['id']}"
        slug = post["slug"] + ("__trashed" if post["status"] == "trash" else "")
        return f"{SITE}/{post['local']:%Y/%m/%d}/{slug}/"

    def _image(self, i):
        rng = self.rng(2, i)
        owner = self.post(self.owner(i))
        uploaded = min(owner["local"], (EXPORTED_AT + JAKARTA).replace(tzinfo=None)) - timedelta(
            minutes=rng.randrange(5, 180)
        )
        place = rng.choice(PLACES)
        scene = rng.choice(ALTS).format(place=place)
        style = rng.random()
        if style < 0.4:
            stem, ext = f"IMG_{4000 + i}", "jpg"
        elif style < 0.8:
            stem, ext = f"{slugify(owner['parts']['topic'])}-{place.lower()}-{i}", "jpg"
        else:
            stem, ext = f"WhatsApp-Image-{uploaded:%Y-%m-%d}-at-{uploaded:%H.%M.%S}-{i}", "jpeg"
        width, height = (1600, 900) if rng.random() < 0.85 else (800, 600)
        relative = f"{uploaded:%Y/%m}/{stem}.{ext}"
        thumb = (300, 169) if width == 1600 else (300, 225)
        return {
            "index": i,
            "id": self.image_id(i),
            "owner": owner,
            "uploaded": uploaded,
            "stem": stem,
            "relative": relative,
            "url": f"{UPLOADS}/{relative}",
            "width": width,
            "height": height,
            "resized": f"{uploaded:%Y/%m}/{stem}-{thumb[0]}x{thumb[1]}.{ext}"
            if i % RESIZED_EVERY == 0
            else "",
            "thumb": thumb,
            "missing": i % MISSING_AT[1] == MISSING_AT[0],
            "alt": scene if rng.random() < 0.8 else "",
            "caption": (
                f"{scene}, {DAYS[uploaded.weekday()]} ({uploaded.day}/{uploaded.month}/{uploaded.year}). "
                f"(Foto: {rng.choice(AUTHORS[1:])[2]}/{SITE_TITLE})"
                if rng.random() < 0.7
                else ""
            ),
            "description": sentence(rng) if rng.random() < 0.3 else "",
            "seed": rng.randrange(1 << 30),
        }


def flatten(tree, parent=""):
    """Yield (name, slug, parent slug), parents before children as WordPress exports them."""
    for name, slug, children in tree:
        yield name, slug, parent
        yield from flatten(children, slug)


def make_tags():
    names = list(dict.fromkeys([*TOPICS, *PLACES, *(f"Pilkada {p}" for p in PLACES)]))
    for year in range(2020, 2027):
        names += [f"{topic} {year}" for topic in TOPICS[:30]]
    names = list(dict.fromkeys(names))[:300]
    return [(name, slugify(name)) for name in names]


def make_pages(count):
    plan = list(PAGE_TREE[:count])
    plan += [
        (f"Halaman Khusus {n}", f"halaman-khusus-{n}", None, "publish")
        for n in range(len(plan) + 1, count + 1)
    ]
    return plan


def sentence(rng, topic=None, place=None, template=None):
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return (template or rng.choice(SENTENCES)).format(
        org=rng.choice(ORGS),
        place=place or rng.choice(PLACES),
        n=rng.randrange(2, 60),
        pct=rng.randrange(2, 40),
        # Indonesian groups thousands with a dot: 1.200 warga.
        many=f"{rng.randrange(50, 5000):,}".replace(",", "."),
        day=rng.choice(DAYS),
        role=rng.choice(ROLES),
        person=f"{first} {last}",
        topic=(topic or rng.choice(TOPICS)).lower(),
        quote=rng.choice(QUOTES),
        complaint=rng.choice(COMPLAINTS),
        purpose=rng.choice(PURPOSES),
    )


def paragraph(rng, post):
    parts = post["parts"]
    templates = rng.sample(SENTENCES, rng.randrange(2, 5))  # no sentence twice in one paragraph
    return " ".join(sentence(rng, parts["topic"], parts["place"], template) for template in templates)


# --- Content ------------------------------------------------------------------------


class Body:
    """One post's content, Gutenberg or classic, with what it refers to."""

    def __init__(self, export, post, rng):
        self.export, self.post, self.rng = export, post, rng

    def pick_image(self):
        available = self.export.images_before(self.post["index"])
        return self.export.image(self.rng.randrange(available)) if available else None

    def link(self):
        """Return a "Baca juga" link to an earlier published post, or None."""
        j = self.post["index"]
        if j == 0:
            return None
        target = self.export.post(self.rng.randrange(max(0, j - 2000), j))
        if target["status"] != "publish" or target["password"]:
            return None
        url = f"{SITE}/?p={target['id']}" if self.rng.random() < 0.1 else self.export.permalink(target)
        return f'<a href="{url}">{target["title"]}</a>'

    def youtube(self):
        return "https://www.youtube.com/watch?v=" + "".join(self.rng.choice(YOUTUBE_CHARS) for _ in range(11))

    def tweet(self):
        handle = self.rng.choice(TWITTER_HANDLES)
        return f"https://twitter.com/{handle}/status/{self.rng.randrange(10**18, 10**19)}"

    def gallery_ids(self):
        available = self.export.images_before(self.post["index"])
        if available < 3:
            return []
        picks = sorted({self.rng.randrange(available) for _ in range(self.rng.randrange(3, 6))})
        return [self.export.image(i) for i in picks]

    def cdata_trap(self):
        # Ad code of the kind that holds "]]>": the CDATA section must be split around it.
        return (
            "<script>var slot = [[1, 2]]; if (window.dataLayer && slot[0][0]]>0) "
            "{ dataLayer.push({event: 'artikel'}); }</script>"
        )

    def gutenberg(self, inline):
        rng, blocks = self.rng, []

        def para(text):
            blocks.append(f"<!-- wp:paragraph -->\n<p>{text}</p>\n<!-- /wp:paragraph -->")

        para(paragraph(rng, self.post))
        para(paragraph(rng, self.post))
        for image in inline:
            caption = (
                f'<figcaption class="wp-element-caption">{image["caption"]}</figcaption>'
                if image["caption"]
                else ""
            )
            blocks.append(
                f'<!-- wp:image {{"id":{image["id"]},"sizeSlug":"full","linkDestination":"none"}} -->\n'
                f'<figure class="wp-block-image size-full"><img src="{image["url"]}" alt="{image["alt"]}" '
                f'class="wp-image-{image["id"]}"/>{caption}</figure>\n<!-- /wp:image -->'
            )
        if rng.random() < 0.6 and (link := self.link()):
            para(f"<strong>Baca juga:</strong> {link}")
        for _ in range(rng.randrange(1, 4)):
            para(paragraph(rng, self.post))
        if rng.random() < 0.5:
            blocks.append(
                f'<!-- wp:heading -->\n<h2 class="wp-block-heading">{rng.choice(HEADINGS)}</h2>\n'
                "<!-- /wp:heading -->"
            )
            for _ in range(rng.randrange(1, 4)):
                para(paragraph(rng, self.post))
        if rng.random() < 0.2:
            items = "".join(
                f"<!-- wp:list-item -->\n<li>{item}</li>\n<!-- /wp:list-item -->"
                for item in rng.sample(LIST_ITEMS, rng.randrange(3, 6))
            )
            blocks.append(f'<!-- wp:list -->\n<ul class="wp-block-list">{items}</ul>\n<!-- /wp:list -->')
        if rng.random() < 0.2:
            person = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            blocks.append(
                '<!-- wp:quote -->\n<blockquote class="wp-block-quote"><!-- wp:paragraph -->\n'
                f"<p>{rng.choice(QUOTES)}.</p>\n<!-- /wp:paragraph --><cite>{person}</cite></blockquote>\n"
                "<!-- /wp:quote -->"
            )
        roll = rng.random()
        if roll < 0.1:
            url = self.youtube()
            blocks.append(
                f'<!-- wp:embed {{"url":"{url}","type":"video","providerNameSlug":"youtube",'
                '"responsive":true,'
                '"className":"wp-embed-aspect-16-9 wp-has-aspect-ratio"} -->\n'
                '<figure class="wp-block-embed is-type-video is-provider-youtube wp-block-embed-youtube '
                'wp-embed-aspect-16-9 wp-has-aspect-ratio"><div class="wp-block-embed__wrapper">\n'
                f"{url}\n</div></figure>\n<!-- /wp:embed -->"
            )
        elif roll < 0.15:
            url = self.tweet()
            blocks.append(
                f'<!-- wp:embed {{"url":"{url}","type":"rich","providerNameSlug":"twitter",'
                '"responsive":true} -->\n'
                '<figure class="wp-block-embed is-type-rich is-provider-twitter wp-block-embed-twitter">'
                f'<div class="wp-block-embed__wrapper">\n{url}\n</div></figure>\n<!-- /wp:embed -->'
            )
        if rng.random() < 0.08 and (gallery := self.gallery_ids()):
            inner = "".join(
                f'<!-- wp:image {{"id":{image["id"]},"sizeSlug":"large","linkDestination":"none"}} -->\n'
                f'<figure class="wp-block-image size-large"><img src="{image["url"]}" alt="{image["alt"]}" '
                f'class="wp-image-{image["id"]}"/></figure>\n<!-- /wp:image -->\n'
                for image in gallery
            )
            blocks.append(
                '<!-- wp:gallery {"linkTo":"none"} -->\n<figure class="wp-block-gallery has-nested-images '
                f'columns-default is-cropped">{inner}</figure>\n<!-- /wp:gallery -->'
            )
        if rng.random() < 0.03 or self.post["index"] % CDATA_END_AT[1] == CDATA_END_AT[0]:
            script = (
                self.cdata_trap()
                if self.post["index"] % CDATA_END_AT[1] == CDATA_END_AT[0]
                else '<script async src="https://ads.example.com/tag.js"></script>'
            )
            blocks.append(f"<!-- wp:html -->\n{script}\n<!-- /wp:html -->")
        if rng.random() < 0.1:
            blocks.append(
                '<!-- wp:separator -->\n<hr class="wp-block-separator has-alpha-channel-opacity"/>\n'
                "<!-- /wp:separator -->"
            )
            para(f"Penulis: {rng.choice(AUTHORS[1:])[2]}<br>Editor: {rng.choice(AUTHORS[1:])[2]}")
        return "\n\n".join(blocks)

    def classic(self, inline):
        rng, chunks = self.rng, []
        soup = rng.random() < 0.1  # pasted from a word processor: style attributes everywhere

        def para(text):
            chunks.append(f'<span style="font-weight: 400;">{text}</span>' if soup else text)

        para(paragraph(rng, self.post))
        for image in inline:
            if image["resized"]:
                src, (width, height) = f"{UPLOADS}/{image['resized']}", image["thumb"]
                size = "medium"
            else:
                src, width, height, size = image["url"], image["width"], image["height"], "full"
            tag = (
                f'<img class="size-{size} wp-image-{image["id"]}" src="{src}" alt="{image["alt"]}" '
                f'width="{width}" height="{height}" />'
            )
            if image["caption"]:
                chunks.append(
                    f'[caption id="attachment_{image["id"]}" align="aligncenter" width="{width}"]'
                    f"{tag} {image['caption']}[/caption]"
                )
            else:
                chunks.append(tag)
        para(paragraph(rng, self.post))
        if rng.random() < 0.6 and (link := self.link()):
            chunks.append(f"<strong>Baca juga: {link}</strong>")
        for _ in range(rng.randrange(1, 4)):
            # Single newlines inside a paragraph are line breaks in classic posts.
            text = paragraph(rng, self.post)
            if rng.random() < 0.1:
                text = text.replace(". ", ".\n", 1)
            para(text)
        roll = rng.random()
        if roll < 0.08:
            chunks.append(f"[embed]{self.youtube()}[/embed]")
        elif roll < 0.13:
            chunks.append(self.youtube())
        elif roll < 0.21:
            chunks.append(self.tweet())
        if rng.random() < 0.08 and (gallery := self.gallery_ids()):
            chunks.append(f'[gallery ids="{",".join(str(image["id"]) for image in gallery)}"]')
        if rng.random() < 0.05:
            chunks.append(
                '<p style="text-align: justify;" onclick="trackClick(\'artikel\')">'
                f"{paragraph(rng, self.post)}</p>"
            )
        if rng.random() < 0.05:
            chunks.append('<script type="text/javascript">var _wl = _wl || []; _wl.push(["view"]);</script>')
        if self.post["index"] % CDATA_END_AT[1] == CDATA_END_AT[0]:
            chunks.append(self.cdata_trap())
        if rng.random() < 0.02:
            chunks.append(rng.choice(UNKNOWN_SHORTCODES))
        if rng.random() < 0.05:
            chunks.append(
                f'<img src="https://pixel.example.net/t.gif?site=lama&amp;post={self.post["id"]}" width="1" '
                'height="1" alt="" style="display:none" />'
            )
        para(f"({rng.choice(AUTHORS[1:])[1]})")
        return "\n\n".join(chunks)


# --- Writing --------------------------------------------------------------------------

HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<!-- This is a WordPress eXtended RSS file generated by WordPress as an export of your site. -->
<!-- It contains information about your site's posts, pages, comments, categories, and other content. -->
<!-- You may use this file to transfer that content from one site to another. -->
<!-- This file is not intended to serve as a complete backup of your site. -->

<!-- generator="WordPress/6.7.1" created="{created}" -->
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/"
>

<channel>
	<title>{title}</title>
	<link>{site}</link>
	<description>Berita terkini dari seluruh Nusantara</description>
	<pubDate>{pubdate}</pubDate>
	<language>id-ID</language>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>{site}</wp:base_site_url>
	<wp:base_blog_url>{site}</wp:base_blog_url>

"""


def meta(key, value):
    return (
        f"\t\t<wp:postmeta>\n\t\t\t<wp:meta_key>{cdata(key)}</wp:meta_key>\n"
        f"\t\t\t<wp:meta_value>{cdata(str(value))}</wp:meta_value>\n\t\t</wp:postmeta>\n"
    )


def item(
    *,
    title,
    link,
    creator,
    guid,
    content,
    excerpt,
    post_id,
    local,
    gmt,
    modified,
    status,
    slug,
    post_type,
    parent=0,
    menu_order=0,
    password="",
    sticky=False,
    attachment_url="",
    categories=(),
    postmeta=(),
    comments="",
    comment_status="open",
):
    """Return one <item> as WordPress 6 writes it; gmt is None for a never-published post."""
    pubdate = rfc2822(gmt) if gmt else ZERO_PUBDATE
    gmt_text = wp_date(gmt) if gmt else ZERO_DATE
    out = [
        "\t<item>\n",
        f"\t\t<title>{cdata(title)}</title>\n",
        f"\t\t<link>{escape(link)}</link>\n",
        f"\t\t<pubDate>{pubdate}</pubDate>\n",
        f"\t\t<dc:creator>{cdata(creator)}</dc:creator>\n",
        f'\t\t<guid isPermaLink="false">{escape(guid)}</guid>\n',
        "\t\t<description></description>\n",
        f"\t\t<content:encoded>{cdata(content)}</content:encoded>\n",
        f"\t\t<excerpt:encoded>{cdata(excerpt)}</excerpt:encoded>\n",
        f"\t\t<wp:post_id>{post_id}</wp:post_id>\n",
        f"\t\t<wp:post_date>{cdata(wp_date(local))}</wp:post_date>\n",
        f"\t\t<wp:post_date_gmt>{cdata(gmt_text)}</wp:post_date_gmt>\n",
        f"\t\t<wp:post_modified>{cdata(wp_date(modified))}</wp:post_modified>\n",
        f"\t\t<wp:post_modified_gmt>{cdata(wp_date(modified - JAKARTA))}</wp:post_modified_gmt>\n",
        f"\t\t<wp:comment_status>{cdata(comment_status)}</wp:comment_status>\n",
        f"\t\t<wp:ping_status>{cdata('closed')}</wp:ping_status>\n",
        f"\t\t<wp:post_name>{cdata(slug)}</wp:post_name>\n",
        f"\t\t<wp:status>{cdata(status)}</wp:status>\n",
        f"\t\t<wp:post_parent>{parent}</wp:post_parent>\n",
        f"\t\t<wp:menu_order>{menu_order}</wp:menu_order>\n",
        f"\t\t<wp:post_type>{cdata(post_type)}</wp:post_type>\n",
        f"\t\t<wp:post_password>{cdata(password)}</wp:post_password>\n",
        f"\t\t<wp:is_sticky>{int(sticky)}</wp:is_sticky>\n",
    ]
    if attachment_url:
        out.append(f"\t\t<wp:attachment_url>{cdata(attachment_url)}</wp:attachment_url>\n")
    for domain, nicename, name in categories:
        out.append(
            f"\t\t<category domain={quoteattr(domain)} nicename={quoteattr(nicename)}>"
            f"{cdata(name)}</category>\n"
        )
    out += [meta(key, value) for key, value in postmeta]
    out += [comments, "\t</item>\n"]
    return "".join(out)


class Writer:
    def __init__(self, export, file):
        self.export, self.file = export, file
        self.counts = {"post": 0, "page": 0, "attachment": 0, "guest-author": 0, "comment": 0}
        self.statuses = {}

    def write(self):
        export, write = self.export, self.file.write
        write(
            HEADER.format(
                created=f"{EXPORTED_AT:%Y-%m-%d %H:%M}",
                title=SITE_TITLE,
                site=SITE,
                pubdate=rfc2822(EXPORTED_AT),
            )
        )
        for author_id, login, name, first, last in AUTHORS:
            # Multi-line, like WordPress's own export.
            write(
                f"\t<wp:author>\n\t\t<wp:author_id>{author_id}</wp:author_id>\n"
                f"\t\t<wp:author_login>{cdata(login)}</wp:author_login>\n"
                f"\t\t<wp:author_email>{cdata(login + '@lama.example.id')}</wp:author_email>\n"
                f"\t\t<wp:author_display_name>{cdata(name)}</wp:author_display_name>\n"
                f"\t\t<wp:author_first_name>{cdata(first)}</wp:author_first_name>\n"
                f"\t\t<wp:author_last_name>{cdata(last)}</wp:author_last_name>\n\t</wp:author>\n"
            )
        write("\n")
        term_id = 1
        self.category_ids = {}
        for name, slug, parent in export.categories:
            self.category_ids[slug] = term_id
            description = (
                f"Berita {name} terkini dari {SITE_TITLE}." if not parent and slug != "uncategorized" else ""
            )
            write(
                f"\t<wp:category>\n\t\t<wp:term_id>{term_id}</wp:term_id>\n"
                f"\t\t<wp:category_nicename>{cdata(slug)}</wp:category_nicename>\n"
                f"\t\t<wp:category_parent>{cdata(parent)}</wp:category_parent>\n"
                f"\t\t<wp:cat_name>{cdata(name)}</wp:cat_name>\n"
                + (
                    f"\t\t<wp:category_description>{cdata(description)}</wp:category_description>\n"
                    if description
                    else ""
                )
                + "\t</wp:category>\n"
            )
            term_id += 1
        for name, slug in export.tags:
            write(
                f"\t<wp:tag>\n\t\t<wp:term_id>{term_id}</wp:term_id>\n"
                f"\t\t<wp:tag_slug>{cdata(slug)}</wp:tag_slug>\n\t\t<wp:tag_name>{cdata(name)}</wp:tag_name>\n"
                "\t</wp:tag>\n"
            )
            term_id += 1
        # Co-Authors Plus: one "author" term per guest and per user credited as co-author;
        # the description is what CAP writes: display name, first, last, login, ID, email.
        users = {login: (author_id, name, first, last) for author_id, login, name, first, last in AUTHORS}
        cap_terms = [(slug, f"{name} {name} {slug} 0 {slug}@kontributor.example") for slug, name, _ in GUESTS]
        for login in CAP_USERS:
            author_id, name, first, last = users[login]
            cap_terms.append((login, f"{name} {first} {last} {login} {author_id} {login}@lama.example.id"))
        for slug, description in cap_terms:
            write(
                f"\t<wp:term>\n\t\t<wp:term_id>{term_id}</wp:term_id>\n"
                f"\t\t<wp:term_taxonomy>{cdata('author')}</wp:term_taxonomy>\n"
                f"\t\t<wp:term_slug>{cdata('cap-' + slug)}</wp:term_slug>\n"
                f"\t\t<wp:term_parent>{cdata('')}</wp:term_parent>\n"
                f"\t\t<wp:term_name>{cdata(slug)}</wp:term_name>\n"
                f"\t\t<wp:term_description>{cdata(description)}</wp:term_description>\n\t</wp:term>\n"
            )
            term_id += 1
        write("\n\t<generator>https://wordpress.org/?v=6.7.1</generator>\n\n")
        self.guest_items()
        self.page_items()
        for j in range(export.posts):
            for i in export.own_images(j):
                self.attachment_item(export.image(i))
            self.post_item(export.post(j))
        write("</channel>\n</rss>\n")

    def guest_items(self):
        created = START - timedelta(days=30)
        for n, (slug, name, bio) in enumerate(GUESTS):
            self.file.write(
                item(
                    title=name,
                    link=f"{SITE}/?guest-author=cap-{slug}",
                    creator="redaksi",
                    guid=f"{SITE}/?post_type=guest-author&p={10 + n}",
                    content="",
                    excerpt="",
                    post_id=10 + n,
                    local=created,
                    gmt=created - JAKARTA,
                    modified=created,
                    status="publish",
                    slug=f"cap-{slug}",
                    post_type="guest-author",
                    comment_status="closed",
                    postmeta=[("cap-display_name", name), ("cap-user_login", slug), ("cap-description", bio)],
                )
            )
            self.counts["guest-author"] += 1

    def page_items(self):
        ids = {}
        paths = {}
        for n, (title, slug, parent, status) in enumerate(self.export.page_plan):
            rng = self.export.rng(3, n)
            page_id = FIRST_PAGE_ID + 2 * n
            ids[slug] = page_id
            paths[slug] = f"{paths[parent]}{slug}/" if parent else f"/{slug}/"
            local = START - timedelta(days=60 - n)
            content = "\n\n".join(
                " ".join(sentence(rng) for _ in range(3)) for _ in range(rng.randrange(3, 6))
            )
            self.file.write(
                item(
                    title=title,
                    link=f"{SITE}{paths[slug]}" if status == "publish" else f"{SITE}/?page_id={page_id}",
                    creator="redaksi",
                    guid=f"{SITE}/?page_id={page_id}",
                    content=content,
                    excerpt="",
                    post_id=page_id,
                    local=local,
                    gmt=local - JAKARTA if status == "publish" else None,
                    modified=local + timedelta(days=rng.randrange(0, 400)),
                    status=status,
                    slug=slug,
                    post_type="page",
                    parent=ids[parent] if parent else 0,
                    menu_order=n,
                    comment_status="closed",
                    postmeta=[("_wp_page_template", "default"), ("_edit_last", "2")],
                )
            )
            self.counts["page"] += 1

    def attachment_item(self, image):
        owner = image["owner"]
        postmeta = [
            ("_wp_attached_file", image["relative"]),
            (
                "_wp_attachment_metadata",
                f'a:4:{{s:5:"width";i:{image["width"]};s:6:"height";i:{image["height"]};'
                f's:4:"file";s:{len(image["relative"])}:"{image["relative"]}";s:5:"sizes";a:0:{{}}}}',
            ),
        ]
        if image["alt"]:
            postmeta.append(("_wp_attachment_image_alt", image["alt"]))
        attached = image["index"] % 50 != 0  # a few were uploaded to the library directly
        if attached and owner["status"] == "publish" and owner["slug"]:
            link = f"{self.export.permalink(owner)}{image['stem'].lower()}/"
        else:
            link = f"{SITE}/?attachment_id={image['id']}"
        self.file.write(
            item(
                title=image["stem"].replace("-", " "),
                link=link,
                creator=AUTHORS[1 + image["index"] % 4][1],
                guid=image["url"],
                content=image["description"],
                excerpt=image["caption"],
                post_id=image["id"],
                local=image["uploaded"],
                gmt=image["uploaded"] - JAKARTA,
                modified=image["uploaded"],
                status="inherit",
                slug=slugify(image["stem"]),
                post_type="attachment",
                parent=owner["id"] if attached else 0,
                attachment_url=image["url"],
                comment_status="closed",
                postmeta=postmeta,
            )
        )
        self.counts["attachment"] += 1

    def post_item(self, post):
        export, j = self.export, post["index"]
        rng = export.rng(4, j)
        status = post["status"]
        self.counts["post"] += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        local = post["local"]
        published = status not in ("draft", "pending")
        if status == "publish" and rng.random() < 0.3:
            modified = min(local + timedelta(minutes=rng.randrange(10, 72 * 60)), END)
            modified = max(modified, local)
        else:
            # A scheduled post was last saved before the export, not at its publish time.
            modified = min(local, (EXPORTED_AT + JAKARTA).replace(tzinfo=None) - timedelta(hours=1))
        author = AUTHORS[rng.choices(range(5), weights=(1, 4, 4, 3, 3))[0]][1]

        own = list(export.own_images(j))
        featured = export.image(own[0]) if own else None
        body = Body(export, post, rng)
        if featured is None and rng.random() < 0.8:
            featured = body.pick_image()  # shared: the same photo on several posts
        elif featured is not None and rng.random() >= 0.8:
            featured = None
        inline = [export.image(i) for i in own[1:]]
        if rng.random() < 0.4 and (shared := body.pick_image()):
            inline.append(shared)
        content = body.gutenberg(inline) if rng.random() < 0.6 else body.classic(inline)

        categories = self.post_categories(rng)
        tags = sorted({int(len(export.tags) * rng.random() ** 2) for _ in range(rng.randrange(0, 7))})
        items = [("category", slug, name) for name, slug in categories]
        items += [("post_tag", export.tags[t][1], export.tags[t][0]) for t in tags]
        if rng.random() < 0.04:
            guest = rng.choice(GUESTS)[0]
            items += [("author", f"cap-{author}", author), ("author", f"cap-{guest}", guest)]
            if rng.random() < 0.3:
                items.append(("author", f"cap-{CAP_USERS[j % 2]}", CAP_USERS[j % 2]))
        items.sort(key=lambda entry: (entry[0], entry[2]))  # WordPress sorts an item's terms by name

        postmeta = [("_edit_last", str(AUTHORS[1][0]))]
        if featured is not None:
            postmeta.append(("_thumbnail_id", featured["id"]))
        if rng.random() < 0.3:
            seo = (
                "%%title%% %%page%% %%sep%% %%sitename%%"
                if rng.random() < 0.3
                else f"{post['title']} | {SITE_TITLE}"
            )
            postmeta.append(("_yoast_wpseo_title", seo))
        if rng.random() < 0.5:
            postmeta.append(
                ("_yoast_wpseo_metadesc", sentence(rng, post["parts"]["topic"], post["parts"]["place"]))
            )
        if len(categories) > 1 and rng.random() < 0.6:
            primary = rng.choice(categories)[1]
            postmeta.append(("_yoast_wpseo_primary_category", self.category_ids[primary]))
        if rng.random() < 0.03 and post["slug"] and status == "publish":
            postmeta.append(("_wp_old_slug", post["slug"] + "-2"))
            if rng.random() < 0.3:
                postmeta.append(("_wp_old_slug", post["slug"] + "-draf"))
        if status == "trash":
            postmeta += [
                ("_wp_trash_meta_status", "publish"),
                ("_wp_trash_meta_time", int((END - JAKARTA).replace(tzinfo=UTC).timestamp())),
                ("_wp_desired_post_slug", post["slug"]),
            ]
        slug = post["slug"] + "__trashed" if status == "trash" else post["slug"]
        excerpt = sentence(rng, post["parts"]["topic"], post["parts"]["place"]) if rng.random() < 0.6 else ""
        comments = self.comments(post, rng) if status == "publish" and rng.random() < 0.06 else ""
        sticky = status == "publish" and (j % 1009 == 500 or j == export.future_from - 2)
        self.file.write(
            item(
                title=post["title"],
                link=export.permalink(post),
                creator=author,
                guid=f"{SITE}/?p={post['id']}",
                content=content,
                excerpt=excerpt,
                post_id=post["id"],
                local=local,
                gmt=local - JAKARTA if published else None,
                modified=modified,
                status=status,
                slug=slug,
                post_type="post",
                password=post["password"],
                sticky=sticky,
                categories=items,
                postmeta=postmeta,
                comments=comments,
            )
        )

    def post_categories(self, rng):
        """Return [(name, slug)]: mostly a child category, often with its parent ticked too."""
        export = self.export
        roll = rng.random()
        if roll < 0.02:
            return [("Uncategorized", "uncategorized")]
        if roll < 0.2:
            top = [c for c in export.categories if not c[2] and c[1] != "uncategorized"]
            chosen = [rng.choice(top)]
        else:
            child = rng.choice(export.children)
            chosen = [child]
            if rng.random() < 0.4:
                chosen.append(next(c for c in export.categories if c[1] == child[2]))
        if rng.random() < 0.1:
            chosen.append(rng.choice(export.categories[1:]))
        return list(dict.fromkeys((name, slug) for name, slug, _parent in chosen))

    def comments(self, post, rng):
        out = []
        when = min(post["local"], END)
        for n in range(rng.randrange(1, 5)):
            when += timedelta(minutes=rng.randrange(5, 600))
            comment_id = post["id"] * 10 + n
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            approved = rng.choices(("1", "0", "spam"), weights=(90, 5, 5))[0]
            parent = post["id"] * 10 + n - 1 if n and rng.random() < 0.3 else 0
            out.append(
                "\t\t<wp:comment>\n"
                f"\t\t\t<wp:comment_id>{comment_id}</wp:comment_id>\n"
                f"\t\t\t<wp:comment_author>{cdata(name)}</wp:comment_author>\n"
                f"\t\t\t<wp:comment_author_email>{cdata(slugify(name) + '@surel.example')}"
                "</wp:comment_author_email>\n"
                "\t\t\t<wp:comment_author_url></wp:comment_author_url>\n"
                f"\t\t\t<wp:comment_author_IP>{cdata(f'10.{n}.{rng.randrange(256)}.{rng.randrange(1, 255)}')}"
                "</wp:comment_author_IP>\n"
                f"\t\t\t<wp:comment_date>{cdata(wp_date(when))}</wp:comment_date>\n"
                f"\t\t\t<wp:comment_date_gmt>{cdata(wp_date(when - JAKARTA))}</wp:comment_date_gmt>\n"
                f"\t\t\t<wp:comment_content>{cdata(rng.choice(QUOTES) + '.')}</wp:comment_content>\n"
                f"\t\t\t<wp:comment_approved>{cdata(approved)}</wp:comment_approved>\n"
                f"\t\t\t<wp:comment_type>{cdata('comment')}</wp:comment_type>\n"
                f"\t\t\t<wp:comment_parent>{parent}</wp:comment_parent>\n"
                "\t\t\t<wp:comment_user_id>0</wp:comment_user_id>\n"
                "\t\t</wp:comment>\n"
            )
            self.counts["comment"] += 1
        return "".join(out)


# --- Media ------------------------------------------------------------------------------


def draw_jpeg(task):
    """Write one distinct JPEG (gradient, shapes, grain) and its resized copy; return the bytes written."""
    from PIL import Image, ImageDraw

    path, width, height, seed, resized, thumb = task
    rng = random.Random(seed)
    gradient = Image.linear_gradient("L")

    def channel(source):
        low, high = rng.randrange(0, 120), rng.randrange(120, 256)
        return source.point([low + (high - low) * v // 255 for v in range(256)])

    red = gradient.rotate(rng.choice((0, 90, 180, 270))).resize((width, height))
    green = Image.radial_gradient("L").resize((width, height))
    blue = gradient.transpose(Image.Transpose.TRANSPOSE).resize((width, height))
    image = Image.merge("RGB", (channel(red), channel(green), channel(blue)))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randrange(3, 7)):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        box = (x0, y0, x0 + rng.randrange(40, width // 2), y0 + rng.randrange(40, height // 2))
        fill = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=fill)
    # Grain at half resolution: files the size of a news photo (~230 kB) at half the cost of full-size noise.
    noise = Image.effect_noise((width // 2, height // 2), 40).resize((width, height))
    image = Image.blend(image, Image.merge("RGB", (noise, noise, noise)), 0.25)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=80)
    written = path.stat().st_size
    if resized:
        image.resize(thumb).save(resized, "JPEG", quality=80)
        written += resized.stat().st_size
    return written


def write_media(export, media_dir, *, jobs=None):
    """Draw every image the export lists, except the missing ones; return (files, bytes)."""
    media_dir = Path(media_dir)
    tasks = []
    for i in range(export.images):
        image = export.image(i)
        if image["missing"]:
            continue
        resized = media_dir / image["resized"] if image["resized"] else None
        tasks.append(
            (
                media_dir / image["relative"],
                image["width"],
                image["height"],
                image["seed"],
                resized,
                image["thumb"],
            )
        )
    files = len(tasks) + sum(1 for task in tasks if task[4])
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(tasks) < 20:
        return files, sum(map(draw_jpeg, tasks))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return files, sum(pool.map(draw_jpeg, tasks, chunksize=8))


def write_export(path, *, posts, pages=8, images=None, media_dir=None, seed=1, jobs=None):
    """Write a WXR 1.2 export (and with media_dir, its uploads folder); return what was written.

    images defaults to one per ten posts. The returned dict counts items by type
    ("post", "page", "attachment", "guest-author", "comment"), posts by status
    ("statuses"), and the media ("media_files", "media_bytes", "missing").
    """
    images = max(1, posts // 10) if images is None else images
    if posts < 1:
        raise ValueError("An export needs at least one post.")
    export = Export(posts=posts, pages=min(pages, 400), images=images, seed=seed)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as file:
        writer = Writer(export, file)
        writer.write()
    summary = {
        **writer.counts,
        "statuses": dict(sorted(writer.statuses.items())),
        "missing": sum(1 for i in range(images) if i % MISSING_AT[1] == MISSING_AT[0]),
        "bytes": path.stat().st_size,
        "media_files": 0,
        "media_bytes": 0,
    }
    if media_dir is not None:
        summary["media_files"], summary["media_bytes"] = write_media(export, media_dir, jobs=jobs)
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tools.wxr_fixture", description="Write a synthetic WordPress export (WXR 1.2)."
    )
    parser.add_argument("out", metavar="OUT.xml")
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--images", type=int, help="Attachments (default: one per ten posts).")
    parser.add_argument("--media-dir", metavar="DIR", help="Also draw the images into this uploads folder.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, help="Processes drawing images (default: one per core).")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    summary = write_export(
        args.out,
        posts=args.posts,
        pages=args.pages,
        images=args.images,
        media_dir=args.media_dir,
        seed=args.seed,
        jobs=args.jobs,
    )
    print(
        f"Wrote {args.out}: {summary['post']:,} posts {summary['statuses']}, {summary['page']} pages, "
        f"{summary['attachment']:,} attachments ({summary['missing']} without a file), "
        f"{summary['comment']} comments, {summary['bytes'] / 2**20:.1f} MB"
    )
    if args.media_dir:
        print(
            f"Media in {args.media_dir}: {summary['media_files']:,} files, "
            f"{summary['media_bytes'] / 2**20:.1f} MB"
        )
    print(f"Done in {time.perf_counter() - started:.1f}s.")


if __name__ == "__main__":
    sys.exit(main())
