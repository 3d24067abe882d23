import hashlib
import html
import re
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone, translation
from reversion.models import Version
from taggit.models import Tag

from articles.importers import ImportFileError, decode_article_file, parse_article
from articles.models import Article, Author, Credit
from articles.services import import_article_data, import_article_files, import_article_preview

from .factories import make_article, make_author, make_section

SEED = Path(settings.BASE_DIR) / "articles" / "demo" / "qatar-perjanjian-pertahanan.txt"
SEED_HEADLINE = "Qatar Percepat Perjanjian Pertahanan dengan AS Setelah Serangan Israel"
SEED_HEADINGS = [
    "Peran Qatar dalam Sistem Keamanan Regional di Timur Tengah",
    "Dampak Keamanan Strategis bagi Diplomasi Qatar",
    "Kepentingan AS di Qatar dan Timur Tengah",
]
SEED_BOILERPLATE = [
    "Join channel telegram websitekami.com agar tidak ketinggalan berita loker terbaru lainnya",
    "Join now",
]
PARAGRAPH = "Pemerintah menyampaikan keterangan resmi kepada wartawan di Jakarta pada Senin pagi ini."
GOOD_TEXT = f"Judul Berita yang Baik\n\n{PARAGRAPH}\n"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in the source language, whatever the site default is.
    with translation.override("en"):
        yield


@pytest.fixture
def section():
    return make_section(name="Internasional", slug="internasional")


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def run_import(*args):
    out = StringIO()
    call_command("import_articles", *map(str, args), stdout=out)
    return out.getvalue()


def paragraphs(body):
    return [html.unescape(text) for text in re.findall(r"<p>(.*?)</p>", body, re.DOTALL)]


def headings(body):
    return [html.unescape(text) for text in re.findall(r"<h2[^>]*>(.*?)</h2>", body)]


def byline(article):
    return [
        (credit.role, credit.author.name)
        for credit in article.credits.select_related("author").order_by("position")
    ]


# --- The seed article -------------------------------------------------------------


def test_seed_import_creates_the_article_with_headings_and_paragraphs(section):
    out = run_import(SEED, "--section", "internasional")

    article = Article.objects.get()
    assert article.headline == SEED_HEADLINE
    assert article.slug == "qatar-percepat-perjanjian-pertahanan-dengan-as-setelah-serangan-israel"
    assert article.section == section
    assert article.status == Article.Status.DRAFT
    assert article.import_checksum == hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert article.outline == [
        (2, "peran-qatar-dalam-sistem-keamanan-regional-di-timur-tengah", SEED_HEADINGS[0]),
        (2, "dampak-keamanan-strategis-bagi-diplomasi-qatar", SEED_HEADINGS[1]),
        (2, "kepentingan-as-di-qatar-dan-timur-tengah", SEED_HEADINGS[2]),
    ]
    assert f"created: {SEED_HEADLINE} -> {article.get_absolute_url()}" in out
    assert "1 file(s) imported: 1 created, 0 updated, 0 unchanged." in out


def test_seed_import_keeps_every_paragraph_verbatim_and_in_order(section):
    run_import(SEED, "--section", "internasional")

    source_lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    not_paragraphs = {SEED_HEADLINE, "Daftar isi:", *SEED_HEADINGS, *SEED_BOILERPLATE}
    expected = [line for line in source_lines if line not in not_paragraphs]
    assert len(expected) == 12
    body = Article.objects.get().body
    assert paragraphs(body) == expected
    assert headings(body) == SEED_HEADINGS
    # Headings sit between the paragraphs where the source has them.
    assert body.index(SEED_HEADINGS[0]) < body.index(expected[3]) < body.index(SEED_HEADINGS[1])


def test_seed_import_drops_table_of_contents_and_boilerplate(section):
    run_import(SEED, "--section", "internasional")

    body = Article.objects.get().body
    assert "daftar isi" not in body.lower()
    assert "Join" not in body
    assert "telegram" not in body.lower()


def test_seed_parse_reports_what_it_stripped():
    parsed = parse_article(SEED.read_text(encoding="utf-8"))

    assert parsed.stripped_lines == ["Daftar isi:", *SEED_BOILERPLATE]
    assert parsed.credits == []


# --- Parsing rules ------------------------------------------------------------------


def test_question_lines_become_headings_but_quoted_questions_stay_paragraphs():
    parsed = parse_article(
        f"Judul\n{PARAGRAPH}\nApa Dampaknya bagi Indonesia?\n{PARAGRAPH}\n“Apa kabar?”\n{PARAGRAPH}\n"
    )

    assert headings(parsed.body_html) == ["Apa Dampaknya bagi Indonesia?"]
    assert paragraphs(parsed.body_html) == [PARAGRAPH, PARAGRAPH, "“Apa kabar?”", PARAGRAPH]


@pytest.mark.parametrize(
    "line",
    [
        "Harga minyak naik.",
        "Kami siap!",
        "Ia berkata:",
        "Tunggu dulu…",
        "“Kami akan terus berjuang”",
        "Kata dia, 'selesai'",
        "Ini jelas «akhir»",
    ],
)
def test_short_lines_that_end_like_a_sentence_stay_paragraphs(line):
    parsed = parse_article(f"Judul\n{PARAGRAPH}\n{line}\n{PARAGRAPH}\n")

    assert headings(parsed.body_html) == []
    assert line in paragraphs(parsed.body_html)


def test_short_line_becomes_heading_only_when_a_paragraph_follows():
    parsed = parse_article(
        f"Judul\n{PARAGRAPH}\nSatu Baris Pendek\nBaris Pendek Kedua\n{PARAGRAPH}\nPenutup Singkat\n"
    )

    assert headings(parsed.body_html) == ["Baris Pendek Kedua"]
    assert paragraphs(parsed.body_html) == [PARAGRAPH, "Satu Baris Pendek", PARAGRAPH, "Penutup Singkat"]


def test_thirteen_word_line_without_full_stop_is_a_paragraph():
    long_line = " ".join(["kata"] * 13)
    twelve = " ".join(["Kata"] * 12)

    parsed = parse_article(f"Judul\n{long_line}\n{PARAGRAPH}\n{twelve}\n{PARAGRAPH}\n")

    assert headings(parsed.body_html) == [twelve]
    assert paragraphs(parsed.body_html)[0] == long_line


def test_daftar_isi_is_dropped_in_any_case_with_its_pasted_entries():
    parsed = parse_article(
        "Judul\nDAFTAR ISI\n- Latar Belakang\n- Dampak bagi Warga\n"
        f"{PARAGRAPH}\nLatar Belakang\n{PARAGRAPH}\ndaftar isi :\nDampak bagi Warga\n{PARAGRAPH}\n"
    )

    assert headings(parsed.body_html) == ["Latar Belakang", "Dampak bagi Warga"]
    assert paragraphs(parsed.body_html) == [PARAGRAPH] * 3
    assert "<li>" not in parsed.body_html
    assert parsed.stripped_lines == ["DAFTAR ISI", "- Latar Belakang", "- Dampak bagi Warga", "daftar isi :"]


def test_bullets_and_numbers_become_grouped_lists():
    parsed = parse_article(
        f"Judul\n{PARAGRAPH}\n- Pertama\n• Kedua\n* Ketiga\n{PARAGRAPH}\n1. Satu\n2) Dua\n5. Lima\n"
    )

    assert parsed.body_html == (
        f"<p>{PARAGRAPH}</p>\n<ul>\n<li>Pertama</li>\n<li>Kedua</li>\n<li>Ketiga</li>\n</ul>\n"
        f"<p>{PARAGRAPH}</p>\n<ol>\n<li>Satu</li>\n<li>Dua</li>\n<li>Lima</li>\n</ol>"
    )


def test_inner_whitespace_is_collapsed_and_crlf_and_bom_are_accepted():
    text = decode_article_file(
        f"\ufeffJudul  Berita\r\n\r\n{PARAGRAPH}  \tdan\u00a0lagi.\r\n".encode(), name="a.txt"
    )

    parsed = parse_article(text)

    assert parsed.headline == "Judul Berita"
    assert paragraphs(parsed.body_html) == [f"{PARAGRAPH} dan lagi."]


def test_html_in_the_source_is_text():
    parsed = parse_article(
        "Judul <b>tebal</b>\n"
        f"{PARAGRAPH}\n"
        "<script>alert(1)</script>\n"
        'Klaim "A & B" <img src=x onerror=alert(2)> diuji.\n'
    )

    assert parsed.headline == "Judul <b>tebal</b>"  # stored as text; templates escape it
    assert "<script" not in parsed.body_html and "<img" not in parsed.body_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in parsed.body_html
    # A short unpunctuated line before a paragraph is a subheading, escaped like any text.
    assert headings(parsed.body_html) == ["<script>alert(1)</script>"]
    assert paragraphs(parsed.body_html)[1:] == ['Klaim "A & B" <img src=x onerror=alert(2)> diuji.']


def test_html_in_the_source_stays_escaped_after_saving(tmp_path, section):
    path = write(tmp_path, "xss.txt", f"Uji Keamanan\n{PARAGRAPH}\n<script>alert(1)</script>\n")

    run_import(path, "--section", "internasional", "--status", "published")

    body = Article.objects.get().body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script" not in body


def test_html_in_the_source_never_runs_on_the_article_page(tmp_path, client, section):
    try:
        get_template("articles/article_detail.html")
    except TemplateDoesNotExist:
        pytest.skip("article page template not there yet")
    path = write(tmp_path, "xss.txt", f"Uji Keamanan\n{PARAGRAPH}\n<script>alert(1)</script>\n")
    run_import(path, "--section", "internasional", "--status", "published")

    response = client.get(Article.objects.get().get_absolute_url())

    assert response.status_code == 200
    content = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<script>alert" not in content


# --- Credits --------------------------------------------------------------------------


def test_credit_lines_at_the_end_set_credits_and_leave_the_body():
    parsed = parse_article(
        f"Judul\n{PARAGRAPH}\nPenulis: Budi Santoso, Siti Aminah & Joko dan Ani\nEditor: Rina Marlina\n"
    )

    assert parsed.credits == [
        ("writer", "Budi Santoso"),
        ("writer", "Siti Aminah"),
        ("writer", "Joko"),
        ("writer", "Ani"),
        ("editor", "Rina Marlina"),
    ]
    assert paragraphs(parsed.body_html) == [PARAGRAPH]
    assert "Penulis" not in parsed.body_html and "Editor" not in parsed.body_html


@pytest.mark.parametrize(
    ("line", "credits"),
    [
        ("Reporter: Andi | Editor: Rina", [("reporter", "Andi"), ("editor", "Rina")]),
        ("Pewarta: Andi / Redaktur: Rina", [("reporter", "Andi"), ("editor", "Rina")]),
        (
            "Penulis: Andi, Editor: Rina, Foto: Reuters",
            [("writer", "Andi"), ("editor", "Rina"), ("photographer", "Reuters")],
        ),
        ("(Pewarta Foto: Dewi; Kontributor: Made)", [("photographer", "Dewi"), ("contributor", "Made")]),
        ("Penulis: Andi, Catatan: Rina", None),
        ("(Pewarta Foto: Dewi | Kontributor: Made)", [("photographer", "Dewi"), ("contributor", "Made")]),
        ("fotografer : Dewi", [("photographer", "Dewi")]),
    ],
)
def test_credit_line_variants(line, credits):
    parsed = parse_article(f"Judul\n{PARAGRAPH}\n{line}\n")

    if credits is None:
        assert parsed.credits == [] and line in paragraphs(parsed.body_html)
    else:
        assert parsed.credits == credits
        assert paragraphs(parsed.body_html) == [PARAGRAPH]


def test_credit_lines_before_trailing_boilerplate_are_found():
    parsed = parse_article(f"Judul\n{PARAGRAPH}\nPenulis: Andi\nBaca juga: Harga Emas Turun\nJoin now\n")

    assert parsed.credits == [("writer", "Andi")]
    assert paragraphs(parsed.body_html) == [PARAGRAPH]


def test_credit_like_lines_in_the_middle_or_too_long_stay_paragraphs():
    caption = "Foto: Presiden memberikan keterangan pers kepada wartawan di Istana Negara, Jakarta"
    parsed = parse_article(f"Judul\nEditor: Rina\n{PARAGRAPH}\n{caption}\n")

    assert parsed.credits == []
    assert paragraphs(parsed.body_html) == ["Editor: Rina", PARAGRAPH, caption]


def test_imported_credits_create_authors_and_reuse_existing_ones(tmp_path, section):
    existing = make_author(name="Budi Santoso", slug="budi-santoso")
    path = write(
        tmp_path, "a.txt", f"Judul Kredit\n{PARAGRAPH}\nPenulis: BUDI SANTOSO dan Siti Aminah\nEditor: Rina\n"
    )

    run_import(path, "--section", "internasional")

    article = Article.objects.get()
    assert byline(article) == [("writer", "Budi Santoso"), ("writer", "Siti Aminah"), ("editor", "Rina")]
    assert article.credits.get(author=existing).role == Credit.Role.WRITER
    assert Author.objects.get(name="Siti Aminah").slug == "siti-aminah"
    assert [author.name for author in article.byline_authors()] == ["Budi Santoso", "Siti Aminah"]


def test_new_author_gets_a_unique_slug(tmp_path, section):
    make_author(name="Budi Santoso Senior", slug="budi-santoso")
    path = write(tmp_path, "a.txt", f"Judul Kredit\n{PARAGRAPH}\nPenulis: Budi Santoso\n")

    run_import(path, "--section", "internasional")

    assert Author.objects.get(name="Budi Santoso").slug == "budi-santoso-2"


def test_author_option_overrides_byline_but_keeps_editor(tmp_path, section):
    make_author(name="Citra Lestari", slug="citra-lestari")
    path = write(
        tmp_path, "a.txt", f"Judul Kredit\n{PARAGRAPH}\nPenulis: Budi\nReporter: Andi\nEditor: Rina\n"
    )

    run_import(
        path, "--section", "internasional", "--author", "Ani Wijaya", "--author", "citra lestari, Dodi"
    )

    article = Article.objects.get()
    assert byline(article) == [
        ("writer", "Ani Wijaya"),
        ("writer", "Citra Lestari"),
        ("writer", "Dodi"),
        ("editor", "Rina"),
    ]
    assert not Author.objects.filter(name__in=["Budi", "Andi"]).exists()
    assert Author.objects.filter(name__iexact="citra lestari").count() == 1


def test_file_without_credits_imports_without_byline(tmp_path, section):
    path = write(tmp_path, "a.txt", GOOD_TEXT)

    run_import(path, "--section", "internasional")

    assert byline(Article.objects.get()) == []


# --- Boilerplate ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Join channel telegram websitekami.com agar tidak ketinggalan berita loker terbaru lainnya",
        "JOIN NOW",
        "Join now!",
        "Baca juga: Harga Minyak Dunia Naik Tajam",
        "BACA JUGA - Harga Minyak Dunia Naik Tajam",
        "Baca Juga : Harga Minyak Dunia Naik Tajam",
        "Simak berita lainnya di Google News",
        "Simak breaking news dan berita pilihan kami langsung di WhatsApp Channel",
        "Cek berita dan artikel yang lain di Google News",
        "Ikuti kami di Instagram dan TikTok",
        "Gabung grup WhatsApp kami untuk info terbaru",
        "Dapatkan update berita pilihan dan breaking news setiap hari",
        "Artikel ini telah tayang di Kompas.com",
        "ADVERTISEMENT",
        "SCROLL TO CONTINUE WITH CONTENT",
    ],
)
def test_boilerplate_lines_are_stripped_anywhere(line):
    parsed = parse_article(f"Judul\n{PARAGRAPH}\n{line}\n{PARAGRAPH}\n")

    assert paragraphs(parsed.body_html) == [PARAGRAPH, PARAGRAPH]
    assert parsed.stripped_lines == [line]


@pytest.mark.parametrize(
    "line",
    [
        "Bergabung dengan grup itu sejak 2010, ia kini memimpin channel berita di Telegram.",
        "Pengguna Telegram di Indonesia bertambah pesat tahun ini, kata peneliti.",
        "Ia meminta publik membaca juga laporan tahunan kementerian sebelum menilai.",
        "Google News menjadi salah satu sumber lalu lintas terbesar bagi media daring.",
        "Simak menjadi kata yang sering dipakai penyiar radio pada era 1990-an.",
        "Iklan politik dilarang selama masa tenang, ujar Bawaslu.",
    ],
)
def test_news_sentences_mentioning_platforms_are_kept(line):
    parsed = parse_article(f"Judul\n{PARAGRAPH}\n{line}\n")

    assert paragraphs(parsed.body_html) == [PARAGRAPH, line]
    assert parsed.stripped_lines == []


def test_boilerplate_patterns_come_from_settings(settings):
    settings.ARTICLES_IMPORT_BOILERPLATE_PATTERNS = [r"^promo\b"]

    parsed = parse_article(f"Judul\n{PARAGRAPH}\nPromo spesial hari ini\nJoin now\n")

    assert parsed.stripped_lines == ["Promo spesial hari ini"]
    assert "Join now" in paragraphs(parsed.body_html)


# --- Re-import --------------------------------------------------------------------------------


def test_reimporting_the_same_file_with_the_same_options_changes_nothing(tmp_path, section):
    path = write(tmp_path, "a.txt", f"Judul Berita\n{PARAGRAPH}\nPenulis: Andi\n")
    run_import(path, "--section", "internasional", "--tags", "Qatar", "--status", "published")
    article = Article.objects.get()

    out = run_import(path, "--section", "internasional", "--tags", "qatar", "--status", "published")

    assert Article.objects.count() == 1
    assert f"unchanged: Judul Berita -> {article.get_absolute_url()}" in out
    assert "0 created, 0 updated, 1 unchanged" in out and "not applied" not in out
    again = Article.objects.get()
    assert (again.modified_at, again.version) == (article.modified_at, article.version)
    assert list(again.tags.names()) == ["Qatar"]
    assert Author.objects.count() == 1


def test_reimporting_an_unchanged_file_applies_the_options_given(tmp_path, section):
    other = make_section(name="Nasional", slug="nasional")
    path = write(tmp_path, "a.txt", f"Judul Berita\n{PARAGRAPH}\nPenulis: Andi\nEditor: Rina\n")
    run_import(path, "--section", "internasional", "--tags", "Qatar")
    before = Article.objects.get()

    out = run_import(
        path, "--section", "nasional", "--tags", "Lain", "--status", "published", "--author", "Budi"
    )

    article = Article.objects.get()
    assert "updated (options: --section, --tags, --author, --status): Judul Berita -> " in out
    assert article.get_absolute_url() in out
    assert "1 file(s) imported: 0 created, 0 updated, 1 unchanged with options applied, 0 unchanged." in out
    assert article.body == before.body and article.import_checksum == before.import_checksum
    assert article.section == other
    assert list(article.tags.names()) == ["Lain"]
    assert byline(article) == [("writer", "Budi"), ("editor", "Rina")]
    # Published through the editorial service: a revision, the first-publication stamp, readers see it.
    assert article.is_published() and article.first_published_at == article.published_at
    assert list(Article.objects.published()) == [article]
    assert article.version > before.version
    assert Version.objects.get_for_object(article).count() == 2


def test_reimporting_an_unchanged_file_with_a_future_time_schedules_it(tmp_path, section):
    path = write(tmp_path, "a.txt", GOOD_TEXT)
    run_import(path, "--section", "internasional")
    at = (timezone.now() + timedelta(days=1)).replace(microsecond=0)

    out = run_import(
        path, "--section", "internasional", "--status", "published", "--publish-at", at.isoformat()
    )

    article = Article.objects.get()
    assert "updated (options: --status): Judul Berita yang Baik" in out
    assert article.is_scheduled() and article.published_at == at
    assert not Article.objects.published().exists()


def test_options_a_workflow_step_cannot_honour_are_named_with_the_reason(tmp_path, section):
    path = write(tmp_path, "a.txt", GOOD_TEXT)
    run_import(path, "--section", "internasional", "--status", "published")
    live = Article.objects.get()
    later = (timezone.now() + timedelta(days=1)).isoformat()

    out = run_import(path, "--section", "internasional", "--status", "draft", "--publish-at", later)

    assert out.splitlines()[:3] == [
        f"unchanged: Judul Berita yang Baik -> {live.get_absolute_url()}",
        "  " + str(path) + ": --status not applied: the article is published; an import does not take it "
        "back to draft, the admin does.",
        "  " + str(path) + ": --publish-at not applied: the article is already live; unpublish it first to "
        "give it a new publish time.",
    ]
    article = Article.objects.get()
    assert article.is_published() and article.published_at == live.published_at
    assert article.version == live.version


def test_service_and_preview_agree_on_an_unchanged_file_with_options(section, editor):
    data = [("a.txt", GOOD_TEXT.encode())]
    import_article_data(data, section=section)
    other = make_section(slug="nasional")
    options = {"section": other, "tags": ["Qatar"], "status": Article.Status.REVIEW, "by": editor}

    assert import_article_preview(data)[0].action == "unchanged"
    (preview,) = import_article_preview(data, **options)
    assert (preview.action, preview.applied, preview.not_applied) == (
        "options",
        ("section", "tags", "status"),
        (),
    )
    assert Article.objects.get().status == Article.Status.DRAFT  # The preview wrote nothing.

    (result,) = import_article_data(data, **options)

    assert (result.action, result.applied, result.not_applied) == (preview.action, preview.applied, ())
    article = Article.objects.get()
    assert article.status == Article.Status.REVIEW and article.section == other
    assert import_article_preview(data, **options)[0].action == "unchanged"


def test_changed_file_finds_the_article_imported_under_the_old_decimal_slug(tmp_path, section):
    path = write(tmp_path, "a.txt", f"Gempa Magnitudo 5,6 Guncang Bali\n{PARAGRAPH}\n")
    run_import(path, "--section", "internasional")
    Article.objects.update(slug="gempa-magnitudo-56-guncang-bali", import_checksum="lama")

    out = run_import(path, "--section", "internasional")

    article = Article.objects.get()
    assert out.startswith("updated: Gempa Magnitudo 5,6 Guncang Bali")
    assert article.slug == "gempa-magnitudo-56-guncang-bali"


def test_reimporting_a_changed_file_updates_the_article(tmp_path, section):
    other = make_section(slug="nasional")
    path = write(tmp_path, "a.txt", f"Judul Berita\n{PARAGRAPH}\nPenulis: Andi\n")
    run_import(path, "--section", "internasional", "--tags", "Qatar")
    first = Article.objects.get()
    write(
        tmp_path,
        "a.txt",
        "Judul Berita\nParagraf baru yang menggantikan teks lama sepenuhnya di sini.\nPenulis: Budi\n",
    )

    out = run_import(path, "--section", "nasional", "--tags", "Timur Tengah", "--status", "published")

    article = Article.objects.get()
    assert article.pk == first.pk
    assert "updated: Judul Berita ->" in out
    assert paragraphs(article.body) == ["Paragraf baru yang menggantikan teks lama sepenuhnya di sini."]
    assert article.section == other
    assert article.status == Article.Status.PUBLISHED and article.is_published()
    assert article.first_published_at == article.published_at
    assert byline(article) == [("writer", "Budi")]
    assert list(article.tags.names()) == ["Timur Tengah"]
    assert article.import_checksum != first.import_checksum


def test_reimport_of_a_published_article_marks_it_updated_and_keeps_status_and_tags(tmp_path, section):
    path = write(tmp_path, "a.txt", GOOD_TEXT)
    run_import(path, "--section", "internasional", "--status", "published", "--tags", "Qatar")
    published_at = Article.objects.get().published_at
    write(tmp_path, "a.txt", GOOD_TEXT + "Paragraf tambahan setelah ralat dari narasumber.\n")

    run_import(path, "--section", "internasional")

    article = Article.objects.get()
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == published_at == article.first_published_at
    assert article.updated_at is not None and article.updated_at > published_at
    assert list(article.tags.names()) == ["Qatar"]


def test_slug_of_an_article_not_made_by_the_importer_is_refused(tmp_path, section):
    own = make_article(headline="Judul Berita yang Baik", slug="judul-berita-yang-baik", body="<p>Asli.</p>")
    good = write(tmp_path, "lain.txt", f"Berita Lain\n{PARAGRAPH}\n")
    clash = write(tmp_path, "a.txt", GOOD_TEXT)

    with pytest.raises(CommandError, match="judul-berita-yang-baik") as error:
        run_import(good, clash, "--section", "internasional")

    assert "a.txt" in str(error.value)
    assert list(Article.objects.all()) == [own]
    own.refresh_from_db()
    assert own.body == "<p>Asli.</p>" and own.import_checksum == ""


def test_two_files_with_the_same_headline_are_refused(tmp_path, section):
    one = write(tmp_path, "satu.txt", GOOD_TEXT)
    two = write(tmp_path, "dua.txt", GOOD_TEXT + "Paragraf lain yang berbeda dari file pertama tadi.\n")

    with pytest.raises(CommandError, match="judul-berita-yang-baik"):
        run_import(one, two, "--section", "internasional")

    assert not Article.objects.exists()


def test_non_ascii_headline_gets_a_slug(tmp_path, section):
    path = write(tmp_path, "a.txt", f"日本の防衛政策\n{PARAGRAPH}\n")

    run_import(path, "--section", "internasional")

    article = Article.objects.get()
    assert re.fullmatch(r"artikel-[0-9a-f]{8}", article.slug)
    assert run_import(path, "--section", "internasional").startswith("unchanged:")


# --- Bad files: a clear error, nothing imported ------------------------------------------


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b"  \n\t\r\n   \n", "only whitespace"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (bytes(range(1, 32)) * 4, "binary"),
        ("Berita Café\n\nWarga menikmati kopi di café baru itu.\n".encode("latin-1"), "not valid UTF-8"),
        ("\ufeffJudul".encode("utf-16"), "UTF-16"),
        (f"Daftar isi:\n{PARAGRAPH}\n".encode(), "no headline"),
        (f"Penulis: Budi Santoso\n{PARAGRAPH}\n".encode(), "credit line"),
        (f"Join now\n{PARAGRAPH}\n".encode(), "no headline"),
        (f"{PARAGRAPH} {PARAGRAPH}\n{PARAGRAPH}\n".encode(), "no headline"),
        ((("Sangat " * 40) + "\n" + PARAGRAPH).encode(), "too long"),
        (b"Judul Saja Tanpa Isi\n\n\n", "no article text"),
        (b"Judul Saja\nDaftar isi\nJoin now\nPenulis: Budi\n", "no article text"),
    ],
)
def test_bad_file_is_refused_and_nothing_is_imported(tmp_path, section, content, problem):
    good = write(tmp_path, "baik.txt", GOOD_TEXT)
    bad = write(tmp_path, "rusak.txt", content)

    with pytest.raises(CommandError) as error:
        run_import(good, bad, "--section", "internasional", "--author", "Andi", "--tags", "Qatar")

    message = str(error.value)
    assert "rusak.txt" in message
    assert problem in message
    assert not Article.objects.exists()
    assert not Author.objects.exists()


def test_missing_file_is_named(tmp_path, section):
    good = write(tmp_path, "baik.txt", GOOD_TEXT)

    with pytest.raises(CommandError, match=r"tidak-ada\.txt: no such file"):
        run_import(good, tmp_path / "tidak-ada.txt", "--section", "internasional")

    assert not Article.objects.exists()


def test_service_raises_import_file_error_which_is_a_value_error(tmp_path, section):
    path = write(tmp_path, "kosong.txt", b"")

    with pytest.raises(ValueError, match="kosong.txt: the file is empty"):
        import_article_files([path], section=section)
    assert issubclass(ImportFileError, ValueError)


# --- Options ----------------------------------------------------------------------------------


def test_unknown_section_lists_the_available_ones(tmp_path, section):
    make_section(slug="nasional")
    path = write(tmp_path, "a.txt", GOOD_TEXT)

    with pytest.raises(CommandError, match="Unknown section “olahraga”. Available: internasional, nasional"):
        run_import(path, "--section", "olahraga")


def test_section_is_required(tmp_path):
    with pytest.raises(CommandError, match="--section"):
        run_import(write(tmp_path, "a.txt", GOOD_TEXT))


@pytest.mark.parametrize("value", ["besok", "2026-13-01", "25/11/2026 17:48"])
def test_bad_publish_at_is_refused(tmp_path, section, value):
    path = write(tmp_path, "a.txt", GOOD_TEXT)

    with pytest.raises(CommandError, match="--publish-at"):
        run_import(path, "--section", "internasional", "--publish-at", value)
    assert not Article.objects.exists()


def test_status_accepts_only_draft_or_published(tmp_path, section):
    path = write(tmp_path, "a.txt", GOOD_TEXT)

    with pytest.raises(CommandError, match="invalid choice: 'withdrawn'"):
        run_import(path, "--section", "internasional", "--status", "withdrawn")


def test_published_without_publish_at_is_visible_now(tmp_path, section):
    path = write(tmp_path, "a.txt", GOOD_TEXT)
    before = timezone.now()

    run_import(path, "--section", "internasional", "--status", "published")

    article = Article.objects.get()
    assert before <= article.published_at <= timezone.now()
    assert article.first_published_at == article.published_at
    assert list(Article.objects.published()) == [article]


def test_future_publish_at_schedules_the_article(tmp_path, section, monkeypatch):
    path = write(tmp_path, "a.txt", GOOD_TEXT)
    publish_at = (timezone.now() + timedelta(days=2)).replace(microsecond=0)

    run_import(
        path, "--section", "internasional", "--status", "published", "--publish-at", publish_at.isoformat()
    )

    article = Article.objects.get()
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == publish_at
    assert article.is_scheduled()
    assert not Article.objects.published().exists()
    monkeypatch.setattr(timezone, "now", lambda: publish_at - timedelta(seconds=1))
    assert not Article.objects.published().exists()
    monkeypatch.setattr(timezone, "now", lambda: publish_at)
    assert list(Article.objects.published()) == [article]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2030-01-02T08:00", datetime(2030, 1, 2, 1, 0, tzinfo=UTC)),
        ("2030-01-02 08:00:30", datetime(2030, 1, 2, 1, 0, 30, tzinfo=UTC)),
        ("2030-01-02", datetime(2030, 1, 1, 17, 0, tzinfo=UTC)),
        ("2030-01-02T08:00:00+00:00", datetime(2030, 1, 2, 8, 0, tzinfo=UTC)),
        ("2030-01-02T08:00Z", datetime(2030, 1, 2, 8, 0, tzinfo=UTC)),
    ],
)
def test_naive_publish_at_is_site_time(tmp_path, section, value, expected):
    path = write(tmp_path, "a.txt", GOOD_TEXT)

    run_import(path, "--section", "internasional", "--status", "published", "--publish-at", value)

    assert Article.objects.get().published_at == expected


def test_draft_stays_invisible(tmp_path, section):
    path = write(tmp_path, "a.txt", GOOD_TEXT)

    run_import(path, "--section", "internasional")

    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT and article.published_at is None
    assert not Article.objects.published().exists()


def test_tags_option_sets_tags_and_reuses_existing_ones_in_any_case(tmp_path, section):
    make_article(tags=["Qatar"], section=section)
    path = write(tmp_path, "a.txt", GOOD_TEXT)

    run_import(path, "--section", "internasional", "--tags", "qatar, Timur Tengah", "--tags", "Diplomasi,")

    article = Article.objects.get(slug="judul-berita-yang-baik")
    assert sorted(article.tags.names()) == ["Diplomasi", "Qatar", "Timur Tengah"]
    assert Tag.objects.filter(name__iexact="qatar").count() == 1


def test_several_files_in_one_run(tmp_path, section):
    one = write(tmp_path, "satu.txt", GOOD_TEXT)
    two = write(tmp_path, "dua.txt", f"Berita Kedua Hari Ini\n{PARAGRAPH}\n")
    run_import(one, "--section", "internasional")

    out = run_import(one, two, "--section", "internasional", "-v", "2")

    first, second = (
        Article.objects.get(slug=slug) for slug in ("judul-berita-yang-baik", "berita-kedua-hari-ini")
    )
    assert out.splitlines()[:2] == [
        f"unchanged: Judul Berita yang Baik -> {first.get_absolute_url()}",
        f"created: Berita Kedua Hari Ini -> {second.get_absolute_url()}",
    ]
    assert "2 file(s) imported: 1 created, 0 updated, 1 unchanged." in out


def test_verbose_output_lists_stripped_lines(tmp_path, section):
    path = write(tmp_path, "a.txt", f"Judul\n{PARAGRAPH}\nJoin now\n")

    out = run_import(path, "--section", "internasional", "-v", "2")

    assert "a.txt: stripped “Join now”" in out
