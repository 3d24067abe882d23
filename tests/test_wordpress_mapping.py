"""WordPress's fields read the portal's way (articles/importers/wordpress_mapping.py), and a bare export."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from articles.importers.wordpress_mapping import local_offset, moment, rss_date_gmt
from articles.models import Article

# A WXR as some tools and hand-made test sets write it: no post_id, no _gmt dates, no post_name.
BARE_EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="https://wordpress.org/export/1.2/">
<channel><title>Situs</title><link>https://situs.example</link><wp:wxr_version>1.2</wp:wxr_version>
<item><title>Hari Pertama di Kota!</title><link>https://situs.example/?p=19</link>
  <pubDate>Fri, 17 Oct 2008 04:33:51 +0000</pubDate><wp:post_date>2008-10-17 11:33:51</wp:post_date>
  <dc:creator>Admin Situs</dc:creator><guid isPermaLink="false">http://situs.example/?p=19</guid>
  <content:encoded><![CDATA[<p>Isi.</p>]]></content:encoded>
  <wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>
<item><title>Kedua</title><link>https://situs.example/?p=20</link>
  <pubDate>Sat, 18 Oct 2008 01:00:00 +0000</pubDate><wp:post_date>2008-10-18 08:00:00</wp:post_date>
  <content:encoded><![CDATA[Isi kedua.]]></content:encoded>
  <wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>
</channel></rss>
"""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Fri, 01 Mar 2024 01:00:00 +0000", "2024-03-01 01:00:00"),
        ("Fri, 01 Mar 2024 08:00:00 +0700", "2024-03-01 01:00:00"),
        ("Thu, 01 Jan 1970 00:00:00 +0000", None),  # a draft's
        ("Mon, 30 Nov -0001 00:00:00 +0000", None),
        ("kemarin", None),
        ("", None),
    ],
)
def test_rss_date_gmt(value, expected):
    assert rss_date_gmt(value) == expected


def test_the_export_s_offset_is_the_commonest_difference():
    samples = [("2024-03-01 08:00:00", "2024-03-01 01:00:00")] * 3 + [
        ("2024-03-02 08:00:00", "2024-03-02 08:00:00")
    ]
    assert local_offset(samples) == timedelta(hours=7)
    assert local_offset([("2024-03-01 08:00:00", None)]) is None
    assert moment(None, "2024-03-01 08:00:00", timedelta(hours=7)) == datetime(2024, 3, 1, 1, tzinfo=UTC)
    assert moment("2024-03-01 01:00:00", "2024-03-01 23:00:00", timedelta(hours=7)) == datetime(
        2024, 3, 1, 1, tzinfo=UTC
    )


@pytest.mark.django_db
def test_a_bare_export_takes_ids_from_guids_times_from_pubdate_and_slugs_from_titles(tmp_path, client):
    export = tmp_path / "bare.xml"
    export.write_text(BARE_EXPORT, encoding="utf-8")
    out = io.StringIO()
    call_command("import_wordpress", str(export), "--no-renditions", stdout=out, stderr=io.StringIO())
    first = Article.objects.get(headline="Hari Pertama di Kota!")
    assert first.slug == "hari-pertama-di-kota"
    assert first.published_at == datetime(2008, 10, 17, 4, 33, 51, tzinfo=UTC)
    assert Article.objects.get(headline="Kedua").published_at == datetime(2008, 10, 18, 1, tzinfo=UTC)
    response = client.get("/?p=19")
    assert response.status_code == 301
    assert response["Location"] == first.get_absolute_url()
    assert "no wp:post_id" not in out.getvalue()
