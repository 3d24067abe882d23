"""tools/wxr_fixture.py writes exports our own WXR reader reads, with real images beside them."""

import hashlib

import pytest
from PIL import Image

from articles.importers.wordpress import WPAuthor, WPItem, WPTerm, WXRReader
from tools.wxr_fixture import cdata, write_export


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    root = tmp_path_factory.mktemp("wxr")
    path, media = root / "export.xml", root / "uploads"
    summary = write_export(path, posts=30, pages=8, images=10, media_dir=media, seed=1, jobs=1)
    records = list(WXRReader(path).records())
    return {"path": path, "media": media, "summary": summary, "records": records}


def items(export, post_type):
    return [r for r in export["records"] if isinstance(r, WPItem) and r.post_type == post_type]


def test_export_has_the_expected_counts(export):
    records = export["records"]
    terms = [r for r in records if isinstance(r, WPTerm)]
    assert len([r for r in records if isinstance(r, WPAuthor)]) == 5
    assert len(items(export, "post")) == 30
    assert len(items(export, "page")) == 8
    assert len(items(export, "attachment")) == 10
    assert len([t for t in terms if t.kind == "post_tag"]) == 300
    categories = [t for t in terms if t.kind == "category"]
    assert len([c for c in categories if not c.parent]) == 8
    assert len([c for c in categories if c.parent]) == 20
    assert [t.slug for t in terms if t.kind == "author"][:3] == [
        "cap-arief-nugraha",
        "cap-dewi-anggraini",
        "cap-made-wirawan",
    ]


def test_export_header_is_the_old_site(export):
    site = WXRReader(export["path"]).site
    assert (site.link, site.base_site_url, site.language, site.wxr_version) == (
        "https://lama.example.id",
        "https://lama.example.id",
        "id-ID",
        "1.2",
    )


def test_posts_have_every_status_and_their_wordpress_fields(export):
    posts = items(export, "post")
    assert {p.status for p in posts} == {"publish", "draft", "pending", "private", "future", "trash"}
    assert any(p.password for p in posts)
    assert all(p.post_date_gmt is None for p in posts if p.status in ("draft", "pending"))
    attachment_ids = {a.post_id for a in items(export, "attachment")}
    featured = [p.meta("_thumbnail_id") for p in posts if p.meta("_thumbnail_id")]
    assert featured and {int(f) for f in featured} <= attachment_ids
    assert len(featured) > len(set(featured))  # some posts share an image
    published = [p for p in posts if p.status == "publish"]
    assert all(p.link.startswith("https://lama.example.id/20") for p in published)
    assert len({p.post_name for p in published}) == len(published)


def test_cdata_end_in_content_round_trips(export):
    assert "]]]]><![CDATA[>" in export["path"].read_text(encoding="utf-8")
    assert any("slot[0][0]]>0" in p.content for p in items(export, "post"))
    assert cdata("a]]>b") == "<![CDATA[a]]]]><![CDATA[>b]]>"


def test_media_files_are_distinct_real_jpegs_except_the_missing_one(export):
    media = export["media"]
    attachments = items(export, "attachment")
    prefix = "https://lama.example.id/wp-content/uploads/"
    present = [media / a.attachment_url.removeprefix(prefix) for a in attachments]
    missing = [path for path in present if not path.exists()]
    assert len(missing) == export["summary"]["missing"] == 1
    files = sorted(media.rglob("*.jp*g"))
    assert len(files) == export["summary"]["media_files"]
    for path in files:
        with Image.open(path) as image:
            assert image.format == "JPEG"
            if "-300x" not in path.name:
                assert image.size in ((1600, 900), (800, 600))
    assert any("-300x169" in path.name for path in files)
    assert len({hashlib.sha256(path.read_bytes()).digest() for path in files}) == len(files)


def test_same_seed_writes_the_same_bytes(tmp_path):
    first, second, other = tmp_path / "a.xml", tmp_path / "b.xml", tmp_path / "c.xml"
    write_export(first, posts=12, seed=7)
    write_export(second, posts=12, seed=7)
    write_export(other, posts=12, seed=8)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()
