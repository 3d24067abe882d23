"""The WordPress import (issue 14), end to end: an export and its uploads in, articles and old addresses out.

The fixture tests/fixtures/wordpress/kabarkota.xml has an item for each rule;
its uploads are drawn here, as WordPress would have stored them.
"""

import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from taggit.models import Tag

from articles import services
from articles.models import Article, ArticleOldSlug, Author, ImportedItem, InlineImage, Page, Section
from redirects.models import Redirect

from .factories import make_section, make_user

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "wordpress"
EXPORT = FIXTURES / "kabarkota.xml"
STRUCTURE = "/%year%/%monthnum%/%day%/%postname%/"


def draw(path, size, color, image_format="JPEG"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, image_format)


@pytest.fixture
def uploads(tmp_path):
    """wp-content/uploads as WordPress left it: originals, some resized copies, one file missing."""
    root = tmp_path / "uploads"
    draw(root / "2024/03/banjir.jpg", (1600, 900), (20, 80, 160))
    draw(root / "2024/03/banjir-1024x576.jpg", (1024, 576), (20, 80, 160))
    draw(root / "2024/03/balai-kota.jpg", (1400, 800), (160, 60, 20))
    draw(root / "2024/03/balai-kota-300x169.jpg", (300, 169), (160, 60, 20))
    draw(root / "2024/04/pantai.png", (1200, 800), (30, 160, 90), "PNG")
    (root / "2024/04/laporan.pdf").write_bytes(b"%PDF-1.4 not an image")
    return root


def run_import(*args, export=EXPORT):
    out = io.StringIO()
    call_command("import_wordpress", str(export), *args, "--no-renditions", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts_line(report, kind):
    """Return {action: n} from the report's table row for kind."""
    line = next(line for line in report.splitlines() if line.strip().startswith(kind + " "))
    numbers = [int(value) for value in line.split()[1:]]
    return dict(zip(("created", "updated", "unchanged", "conflict", "skipped"), numbers, strict=True))


@pytest.fixture
def imported(uploads):
    return run_import("--media-dir", str(uploads), "--permalink-structure", STRUCTURE)


def article(post_id):
    row = ImportedItem.objects.get(kind="post", key=str(post_id))
    return Article.objects.get(pk=row.object_id)


def test_statuses_map_and_nothing_private_becomes_public(imported):
    assert article(100).status == "published" and article(100).is_published()
    scheduled = article(102)
    assert scheduled.is_scheduled()
    assert scheduled.published_at.isoformat() == "2030-01-10T12:00:00+00:00"
    assert article(103).status == "draft"
    assert article(104).status == "review"
    assert article(105).status == "draft"  # private
    assert article(106).status == "draft"  # password-protected
    assert not ImportedItem.objects.filter(kind="post", key="107").exists()  # trash
    assert counts_line(imported, "post") == {
        "created": 8,
        "updated": 0,
        "unchanged": 0,
        "conflict": 0,
        "skipped": 1,
    }
    assert "comments: 2 not imported" in imported
    assert "1 items of type “nav_menu_item”" in imported


def test_times_come_from_gmt_and_modified_is_the_update(imported):
    story = article(100)
    assert story.published_at.isoformat() == "2024-03-01T01:15:00+00:00"
    assert story.updated_at.isoformat() == "2024-03-01T03:30:00+00:00"
    assert article(108).updated_at is None  # never modified after publication
    # The draft has no GMT date (0000-00-00) and no publish time here.
    assert article(103).published_at is None


def test_category_tree_becomes_sections_and_primary_category_wins(imported):
    berita = Section.objects.get(slug="berita")
    politik = Section.objects.get(slug="politik")
    assert politik.parent == berita and politik.name == "Politik & Hukum"
    assert politik.description == "Dari DPR sampai MK"
    story = article(100)
    assert story.section == berita  # Yoast's primary category, over the more specific child
    assert set(story.tags.names()) == {"Banjir", "Politik & Hukum"}
    # A third-level category joins its parent section and stays a tag.
    assert not Section.objects.filter(slug="pilkada").exists()
    pilkada = article(101)
    assert pilkada.section == politik
    assert set(pilkada.tags.names()) == {"Pilkada", "Pemilu 2024"}
    # No category: the default (WordPress's "uncategorized" here, as no --default-section was given).
    assert article(108).section.slug == "uncategorized"
    assert article(100).is_pinned and not article(101).is_pinned


def test_authors_and_co_authors(imported):
    assert [author.name for author in article(100).byline_authors()] == ["Rina Wulandari"]
    assert [author.name for author in article(101).byline_authors()] == ["Budi Santoso", "Sari Dewi"]
    assert Author.objects.get(name="Sari Dewi").bio == "Kontributor Kabar Kota di Bekasi."


def test_seo_fields_excerpt_and_old_slugs(imported):
    story = article(100)
    assert story.dek == "Ribuan warga mengungsi setelah Kali Ciliwung meluap."
    assert story.seo_title == "Banjir Jakarta Timur: ribuan mengungsi - Kabar Kota"
    assert story.seo_description.startswith("Kali Ciliwung meluap")
    assert article(101).seo_title == "Pilkada Bekasi: tiga pasangan mendaftar - Pilkada Kabar Kota"
    assert ArticleOldSlug.objects.get(slug="banjir-jaktim").article == story
    assert story.headline == "Banjir rendam Jakarta Timur & Bekasi"


def test_body_is_sanitized_and_translated(imported):
    body = article(100).body
    assert "<script" not in body and "onclick" not in body and "style=" not in body
    assert "<!-- wp:" not in body
    assert re.search(r'<h2 id="[^"]+">Ribuan warga mengungsi</h2>', body)
    assert "<ul><li>Kampung Melayu</li>" in body
    assert "<blockquote>" in body and "<hr>" in body
    assert "]]&gt; ditulis apa adanya" in body  # the split CDATA, joined again
    # The image points at the library's copy of the original, with its alt text from the library.
    image = InlineImage.objects.get(image__contains="banjir")
    assert f'src="{image.image.url}"' in body
    assert 'alt="Warga menerobos banjir setinggi pinggang di Kampung Melayu"' in body
    assert "<figcaption>Banjir di Kampung Melayu, Jumat pagi.</figcaption>" in body
    # Internal links go to the new addresses.
    assert f'href="{article(101).get_absolute_url()}"' in body
    assert 'href="/halaman/tentang/"' in body
    # The embed is the portal's click-to-load placeholder: no third-party script.
    assert "youtube" in article(100).body_html and "<iframe" not in article(100).body_html


def test_classic_content_shortcodes_and_hostile_markup(imported):
    story = article(101)
    body = story.body
    assert "[caption" not in body and "[gallery" not in body and "[contact-form-7" not in body
    assert "<figcaption>Balai Kota Bekasi.</figcaption>" in body
    assert "stats.example.com" not in body  # the tracking pixel
    assert "onmouseover" not in body and "style=" not in body
    assert "<p>Tiga pasangan calon mendaftar ke KPU Bekasi, Selasa.</p>" in body
    assert "9bZkp7q19f0" in body and "x.com/kpu_id/status/1234567890123456789" in body
    # A link to a draft does not reveal its new address.
    assert article(103).slug not in body
    assert f'href="{article(100).get_absolute_url()}"' in body
    # A video the portal does not store keeps its address on the old media host.
    assert 'href="https://kabarkota.example/wp-content/uploads/2024/03/debat.mp4"' in body


def test_media_stored_once_with_alt_and_caption(imported):
    banjir = InlineImage.objects.get(image__contains="banjir")
    assert banjir.alt_text == "Warga menerobos banjir setinggi pinggang di Kampung Melayu"
    assert banjir.caption == "Warga menerobos banjir di Kampung Melayu. (Foto: Rina)"
    assert banjir.description == "Warga mengungsi ke masjid terdekat."
    assert (banjir.width, banjir.height) == (1600, 900)  # the original, not the 1024 px copy
    # balai-kota.jpg is the featured image of 108, in a caption and a gallery: stored once.
    assert InlineImage.objects.filter(image__contains="balai-kota").count() == 1
    assert InlineImage.objects.count() == 3
    assert "missing" in imported and "attachment 46" in imported
    assert "attachment 45" in imported  # the PDF: not an image, not imported


def test_featured_image_becomes_the_lead_image(imported):
    story = article(100)
    banjir = InlineImage.objects.get(image__contains="banjir")
    assert story.lead_image.name == banjir.image.name
    assert story.lead_image_alt == banjir.alt_text
    assert story.lead_image_caption == "Warga menerobos banjir di Kampung Melayu. (Foto: Rina)"
    assert not article(101).lead_image  # its featured image is missing: a warning, the post still imported
    assert "post 101: featured image 46" in imported


def test_pages_keep_their_tree_and_drafts_stay_out(imported, client):
    about = Page.objects.get(slug="tentang")
    staff = Page.objects.get(slug="redaksi")
    assert staff.parent == about
    assert staff.get_absolute_url() == "/halaman/tentang/redaksi/"
    assert client.get("/halaman/tentang/redaksi/").status_code == 200
    assert client.get("/halaman/redaksi/").status_code == 301
    assert not Page.objects.filter(slug="halaman-draf").exists()
    assert counts_line(imported, "page")["skipped"] == 1


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("https://kabarkota.example/2024/03/01/banjir-jakarta-timur/", "article:100"),
        ("/2024/03/01/banjir-jakarta-timur", "article:100"),
        ("/2024/03/01/banjir-jaktim/", "article:100"),  # the old slug
        ("/?p=100", "article:100"),
        ("/2024/03/01/banjir-jakarta-timur/amp/", "article:100"),
        ("/2024/03/07/persija-menang/", "article:108"),
        ("/tentang/redaksi/", "/halaman/tentang/redaksi/"),
        ("/?page_id=200", "/halaman/tentang/"),
        ("/category/berita/politik/", "/berita/politik/"),
        ("/category/berita/politik/page/2/", "/berita/politik/?page=2"),
        ("/category/berita/", "/berita/"),
        ("/author/rina/", "author:Rina Wulandari"),
    ],
)
def test_old_addresses_answer_301_straight_to_the_new_one(imported, client, old, new):
    if new.startswith("article:"):
        new = article(int(new.split(":")[1])).get_absolute_url()
    elif new.startswith("author:"):
        new = Author.objects.get(name=new.split(":")[1]).get_absolute_url()
    path = re.sub(r"^https://kabarkota\.example", "", old)
    response = client.get(path)
    assert response.status_code == 301, path
    assert response["Location"] == new
    assert client.get(new).status_code in (200, 404 if "page=2" in new else 200)


def test_uploads_address_answers_with_the_stored_original(imported, client):
    banjir = InlineImage.objects.get(image__contains="banjir")
    for path in ("/wp-content/uploads/2024/03/banjir.jpg", "/wp-content/uploads/2024/03/banjir-1024x576.jpg"):
        response = client.get(path)
        assert response.status_code == 301
        assert response["Location"] == banjir.image.url


def test_old_addresses_of_unpublished_posts_stay_404(imported, client):
    response = client.get("/?p=103")
    assert article(103).slug not in response.get("Location", "")
    assert client.get("/2024/03/06/catatan-internal/").status_code == 404
    assert client.get("/2024/03/06/untuk-pelanggan/").status_code == 404


def test_running_it_again_changes_nothing(imported, uploads):
    before = (
        Article.objects.count(),
        InlineImage.objects.count(),
        Redirect.objects.count(),
        list(Article.objects.values_list("pk", "version", "modified_at").order_by("pk")),
    )
    again = run_import("--media-dir", str(uploads), "--permalink-structure", STRUCTURE)
    assert counts_line(again, "post") == {
        "created": 0,
        "updated": 0,
        "unchanged": 8,
        "conflict": 0,
        "skipped": 1,
    }
    assert counts_line(again, "page")["unchanged"] == 2
    assert "fetched" not in again.split("media:")[1].splitlines()[0]
    after = (
        Article.objects.count(),
        InlineImage.objects.count(),
        Redirect.objects.count(),
        list(Article.objects.values_list("pk", "version", "modified_at").order_by("pk")),
    )
    assert after == before


def newer_export(tmp_path, old, new, modified="2024-03-01 03:30:00", new_modified="2024-03-09 03:30:00"):
    text = EXPORT.read_text(encoding="utf-8").replace(old, new, 1).replace(modified, new_modified, 1)
    path = tmp_path / "newer.xml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_newer_export_updates_what_changed(imported, uploads, tmp_path):
    export = newer_export(
        tmp_path, "Banjir rendam Jakarta Timur &amp; Bekasi", "Banjir surut di Jakarta Timur"
    )
    report = run_import("--media-dir", str(uploads), "--permalink-structure", STRUCTURE, export=export)
    assert counts_line(report, "post")["updated"] == 1
    assert counts_line(report, "post")["unchanged"] == 7
    assert article(100).headline == "Banjir surut di Jakarta Timur"


def test_an_article_edited_here_is_a_conflict_unless_overwrite(imported, uploads, tmp_path):
    story = article(100)
    story.headline = "Judul dari redaksi"
    services.article_save(article=story, by=make_user(group="Editor"))
    export = newer_export(tmp_path, "Hujan deras sejak Kamis malam", "Hujan lebat sejak Kamis malam")
    report = run_import("--media-dir", str(uploads), export=export)
    assert counts_line(report, "post")["conflict"] == 1
    assert "post 100: changed here since it was imported" in report
    assert article(100).headline == "Judul dari redaksi"
    report = run_import("--media-dir", str(uploads), "--overwrite", export=export)
    assert counts_line(report, "post")["updated"] == 1
    assert "Hujan lebat" in article(100).body


def test_posts_no_longer_in_the_export_are_reported_not_deleted(imported, uploads, tmp_path):
    text = EXPORT.read_text(encoding="utf-8")
    start = text.index("<title><![CDATA[Persija menang 2-0]]></title>")
    start = text.rindex("<item>", 0, start)
    end = text.index("</item>", start) + len("</item>")
    export = tmp_path / "smaller.xml"
    export.write_text(text[:start] + text[end:], encoding="utf-8")
    report = run_import("--media-dir", str(uploads), export=export)
    assert "no longer in the export (post, kept here): 1: 108" in report
    assert article(108).is_published()


def test_dry_run_writes_nothing(uploads):
    report = run_import("--media-dir", str(uploads), "--dry-run")
    assert report.startswith("Dry run")
    assert counts_line(report, "post")["created"] == 8
    assert not Article.objects.exists() and not Redirect.objects.exists() and not Section.objects.exists()
    assert not InlineImage.objects.exists() and not ImportedItem.objects.exists()


def test_section_map_and_default_section(uploads):
    news = make_section(name="Nasional", slug="nasional")
    sport = make_section(name="Sport", slug="sport")
    run_import(
        "--section-map", "berita=nasional", "--section-map", "olahraga=sport", "--default-section", "sport"
    )
    assert article(100).section == news
    assert article(108).section == sport  # uncategorized -> the default section
    assert Section.objects.get(slug="politik").parent == news


def test_author_map(uploads):
    run_import("--author-map", "budi=Budi S.")
    assert [author.name for author in article(108).byline_authors()] == ["Budi S."]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--section-map", "berita=tidak-ada"], "No section with the slug “tidak-ada”"),
        (["--default-section", "tidak-ada"], "No section with the slug “tidak-ada”"),
        (["--section-map", "berita"], "is not CAT=SLUG"),
        (["--permalink-structure", "%postname%"], "must start with “/”"),
        (["--permalink-structure", "/%tahun%/%postname%/"], "unknown tags: %tahun%"),
        (["--since", "kemarin"], "is not an ISO 8601 date"),
        (["--media-dir", "/tidak/ada"], "/tidak/ada"),
    ],
)
def test_bad_options_are_clear_errors_and_write_nothing(args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        run_import(*args)
    assert not Article.objects.exists()


def test_a_malformed_export_stops_with_line_and_column_and_writes_nothing(tmp_path):
    text = EXPORT.read_text(encoding="utf-8")
    broken = tmp_path / "broken.xml"
    # An unclosed element far down the file: everything before it parses.
    broken.write_text(
        text.replace("<wp:post_name><![CDATA[persija-menang]]></wp:post_name>", "<wp:post_name>"), "utf-8"
    )
    with pytest.raises(CommandError, match=r"line \d+, column \d+"):
        run_import(export=broken)
    assert not Article.objects.exists() and not Section.objects.exists()


def test_since_imports_only_recent_items(uploads):
    report = run_import("--since", "2024-03-07")
    # 108, modified on 2024-03-07, and 102, dated 2030 and never modified.
    assert counts_line(report, "post")["created"] == 2
    assert {row.key for row in ImportedItem.objects.filter(kind="post")} == {"102", "108"}


def test_redirect_lookup_is_one_query(imported, client):
    path = "/2024/03/01/banjir-jakarta-timur/amp/"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 301
    lookups = [query for query in queries.captured_queries if "redirects_redirect" in query["sql"]]
    assert len(lookups) == 1


def test_import_without_media_keeps_image_addresses(tmp_path):
    report = run_import()
    assert "keep their old addresses" in report
    assert "https://kabarkota.example/wp-content/uploads/2024/03/banjir.jpg" in article(100).body
    assert not InlineImage.objects.exists()


def test_attachment_pages_whose_file_stayed_behind_lead_to_their_post(client):
    run_import()
    story = article(100).get_absolute_url()
    for old in ("/2024/03/01/banjir-jakarta-timur/banjir/", "/?attachment_id=42"):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == story


def test_tags_are_matched_not_duplicated(uploads):
    Tag.objects.create(name="banjir", slug="banjir")
    run_import()
    assert Tag.objects.filter(slug__startswith="banjir").count() == 1
