"""The WXR parser (issue 14): WordPress exports in, dataclasses out, nothing written."""

import io
import tracemalloc

import pytest

from articles.importers.wordpress import (
    Site,
    WPAuthor,
    WPItem,
    WPTerm,
    WXRError,
    WXRReader,
    parse_wxr,
    validate_wxr,
)

HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="{scheme}://wordpress.org/export/{version}/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="{scheme}://wordpress.org/export/{version}/"
>
<channel>
	<title>Kabar Kota</title>
	<link>https://kabarkota.example</link>
	<description>Berita</description>
	<language>id-ID</language>
	<wp:wxr_version>{version}</wp:wxr_version>
	<wp:base_site_url>https://kabarkota.example</wp:base_site_url>
	<wp:base_blog_url>https://kabarkota.example</wp:base_blog_url>
"""
FOOTER = "</channel>\n</rss>\n"

AUTHOR = """
	<wp:author>
		<wp:author_id>3</wp:author_id>
		<wp:author_login><![CDATA[rina]]></wp:author_login>
		<wp:author_email><![CDATA[rina@example.com]]></wp:author_email>
		<wp:author_display_name><![CDATA[Rina Wulandari]]></wp:author_display_name>
		<wp:author_first_name><![CDATA[Rina]]></wp:author_first_name>

		<wp:author_last_name><![CDATA[Wulandari]]></wp:author_last_name>
	</wp:author>
"""
TERMS = """
	<wp:category>
		<wp:term_id>5</wp:term_id>
		<wp:category_nicename><![CDATA[berita]]></wp:category_nicename>
		<wp:category_parent><![CDATA[]]></wp:category_parent>
		<wp:cat_name><![CDATA[Berita]]></wp:cat_name>
	</wp:category>
	<wp:category>
		<wp:term_id>6</wp:term_id>
		<wp:category_nicename><![CDATA[politik]]></wp:category_nicename>
		<wp:category_parent><![CDATA[berita]]></wp:category_parent>
		<wp:cat_name><![CDATA[Politik &amp; Hukum]]></wp:cat_name>
		<wp:category_description><![CDATA[Dari DPR sampai MK]]></wp:category_description>
	</wp:category>
	<wp:tag>
		<wp:term_id>9</wp:term_id>
		<wp:tag_slug><![CDATA[banjir]]></wp:tag_slug>
		<wp:tag_name><![CDATA[Banjir]]></wp:tag_name>
	</wp:tag>
	<wp:term>
		<wp:term_id>12</wp:term_id>
		<wp:term_taxonomy><![CDATA[author]]></wp:term_taxonomy>
		<wp:term_slug><![CDATA[cap-budi]]></wp:term_slug>
		<wp:term_parent><![CDATA[]]></wp:term_parent>
		<wp:term_name><![CDATA[budi]]></wp:term_name>
		<wp:term_description><![CDATA[Budi Santoso Budi Santoso 0 budi@example.com]]></wp:term_description>
	</wp:term>
"""
GUTENBERG = (
    "<!-- wp:paragraph -->\n<p>Hujan deras &amp; angin kencang.</p>\n<!-- /wp:paragraph -->\n\n"
    '<!-- wp:image {"id":42,"sizeSlug":"large"} -->\n<figure class="wp-block-image size-large">'
    '<img src="https://kabarkota.example/wp-content/uploads/banjir.jpg" alt="" class="wp-image-42"/>'
    "</figure>\n<!-- /wp:image -->"
)
POST = f"""
	<item>
		<title><![CDATA[Banjir Rendam Jakarta &#8217;Lagi&#8217;]]></title>
		<link>https://kabarkota.example/2024/03/banjir/</link>
		<pubDate>Fri, 01 Mar 2024 01:15:00 +0000</pubDate>
		<dc:creator><![CDATA[rina]]></dc:creator>
		<guid isPermaLink="false">https://kabarkota.example/?p=41</guid>
		<description></description>
		<content:encoded><![CDATA[{GUTENBERG}]]></content:encoded>
		<excerpt:encoded><![CDATA[Ringkas.]]></excerpt:encoded>
		<wp:post_id>41</wp:post_id>
		<wp:post_date><![CDATA[2024-03-01 08:15:00]]></wp:post_date>
		<wp:post_date_gmt><![CDATA[2024-03-01 01:15:00]]></wp:post_date_gmt>
		<wp:post_modified><![CDATA[2024-03-02 09:00:00]]></wp:post_modified>
		<wp:post_modified_gmt><![CDATA[2024-03-02 02:00:00]]></wp:post_modified_gmt>
		<wp:comment_status><![CDATA[open]]></wp:comment_status>
		<wp:post_name><![CDATA[banjir-rendam-jakarta]]></wp:post_name>
		<wp:status><![CDATA[publish]]></wp:status>
		<wp:post_parent>0</wp:post_parent>
		<wp:menu_order>0</wp:menu_order>
		<wp:post_type><![CDATA[post]]></wp:post_type>
		<wp:post_password><![CDATA[]]></wp:post_password>
		<wp:is_sticky>1</wp:is_sticky>
		<category domain="category" nicename="politik"><![CDATA[Politik &amp; Hukum]]></category>
		<category domain="post_tag" nicename="banjir"><![CDATA[Banjir]]></category>
		<category domain="author" nicename="cap-budi"><![CDATA[budi]]></category>
		<wp:postmeta>
			<wp:meta_key><![CDATA[_thumbnail_id]]></wp:meta_key>
			<wp:meta_value><![CDATA[42]]></wp:meta_value>
		</wp:postmeta>
		<wp:postmeta>
			<wp:meta_key><![CDATA[_wp_old_slug]]></wp:meta_key>
			<wp:meta_value><![CDATA[banjir-jakarta]]></wp:meta_value>
		</wp:postmeta>
		<wp:postmeta>
			<wp:meta_key><![CDATA[_wp_old_slug]]></wp:meta_key>
			<wp:meta_value><![CDATA[banjir-lagi]]></wp:meta_value>
		</wp:postmeta>
		<wp:postmeta>
			<wp:meta_key><![CDATA[_yoast_wpseo_title]]></wp:meta_key>
			<wp:meta_value><![CDATA[Banjir %%sep%% %%sitename%%]]></wp:meta_value>
		</wp:postmeta>
		<wp:postmeta>
			<wp:meta_key><![CDATA[_yoast_wpseo_metadesc]]></wp:meta_key>
			<wp:meta_value><![CDATA[Jakarta terendam lagi.]]></wp:meta_value>
		</wp:postmeta>
		<wp:postmeta>
			<wp:meta_key><![CDATA[_yoast_wpseo_primary_category]]></wp:meta_key>
			<wp:meta_value><![CDATA[6]]></wp:meta_value>
		</wp:postmeta>
		<wp:comment>
			<wp:comment_id>1</wp:comment_id>
			<wp:comment_content><![CDATA[Semoga cepat surut.]]></wp:comment_content>
		</wp:comment>
		<wp:comment>
			<wp:comment_id>2</wp:comment_id>
			<wp:comment_content><![CDATA[Amin.]]></wp:comment_content>
		</wp:comment>
	</item>
"""
ATTACHMENT = """
	<item>
		<title><![CDATA[banjir]]></title>
		<dc:creator><![CDATA[rina]]></dc:creator>
		<guid isPermaLink="false">https://kabarkota.example/wp-content/uploads/banjir.jpg</guid>
		<content:encoded><![CDATA[]]></content:encoded>
		<excerpt:encoded><![CDATA[Warga mengungsi.]]></excerpt:encoded>
		<wp:post_id>42</wp:post_id>
		<wp:post_date><![CDATA[2024-03-01 08:10:00]]></wp:post_date>
		<wp:post_date_gmt><![CDATA[2024-03-01 01:10:00]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[banjir]]></wp:post_name>
		<wp:status><![CDATA[inherit]]></wp:status>
		<wp:post_parent>41</wp:post_parent>
		<wp:menu_order>0</wp:menu_order>
		<wp:post_type><![CDATA[attachment]]></wp:post_type>
		<wp:attachment_url><![CDATA[https://kabarkota.example/wp-content/uploads/banjir.jpg]]></wp:attachment_url>
		<wp:postmeta>
			<wp:meta_key><![CDATA[_wp_attachment_image_alt]]></wp:meta_key>
			<wp:meta_value><![CDATA[Warga menembus banjir]]></wp:meta_value>
		</wp:postmeta>
	</item>
"""


def item(**values):
    """A minimal <item>; values override wp:* elements (post_id, status, post_type, ...)."""
    fields = {"post_id": "1", "status": "publish", "post_type": "post", **values}
    title = fields.pop("title", "Judul")
    content = fields.pop("content", "<p>Isi.</p>")
    wp = "".join(f"<wp:{name}><![CDATA[{value}]]></wp:{name}>" for name, value in fields.items())
    return (
        f"<item><title>{title}</title><content:encoded><![CDATA[{content}]]></content:encoded>{wp}</item>\n"
    )


def wxr(*records, version="1.2", scheme="http"):
    return (HEADER.format(version=version, scheme=scheme) + "".join(records) + FOOTER).encode()


def read(data):
    reader = WXRReader(io.BytesIO(data))
    return reader, list(reader.records())


def items(data):
    return [record for record in read(data)[1] if isinstance(record, WPItem)]


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_every_wxr_version_and_namespace_spelling(version, scheme):
    reader, records = read(wxr(AUTHOR, TERMS, POST, ATTACHMENT, version=version, scheme=scheme))

    assert reader.site == Site(
        title="Kabar Kota",
        link="https://kabarkota.example",
        base_site_url="https://kabarkota.example",
        base_blog_url="https://kabarkota.example",
        language="id-ID",
        wxr_version=version,
    )
    assert [type(record) for record in records] == [WPAuthor, WPTerm, WPTerm, WPTerm, WPTerm, WPItem, WPItem]
    post = records[5]
    assert post.post_id == 41
    assert post.content == GUTENBERG
    assert post.excerpt == "Ringkas."
    assert post.creator == "rina"
    assert reader.counts == {"author": 1, "term": 4, "item": 2, "item:post": 1, "item:attachment": 1}


def test_site_is_available_before_the_records():
    reader = WXRReader(io.BytesIO(wxr(AUTHOR, POST)))

    assert reader.site.wxr_version == "1.2"
    records = list(reader.records())
    assert [type(record) for record in records] == [WPAuthor, WPItem]


def test_records_is_a_single_pass():
    reader = WXRReader(io.BytesIO(wxr(POST)))
    list(reader.records())

    with pytest.raises(RuntimeError):
        list(reader.records())


def test_path_source_and_parse_wxr(tmp_path):
    path = tmp_path / "export.xml"
    path.write_bytes(wxr(AUTHOR, POST))

    assert [type(record) for record in parse_wxr(path)] == [WPAuthor, WPItem]
    assert [type(record) for record in parse_wxr(str(path))] == [WPAuthor, WPItem]
    assert validate_wxr(path).title == "Kabar Kota"


def test_multi_line_author_block_with_blank_lines():
    _reader, records = read(wxr(AUTHOR))

    assert records == [
        WPAuthor(
            id=3,
            login="rina",
            email="rina@example.com",
            display_name="Rina Wulandari",
            first_name="Rina",
            last_name="Wulandari",
        )
    ]


def test_category_hierarchy_tags_and_co_authors_plus_terms():
    _reader, records = read(wxr(TERMS))

    assert records == [
        WPTerm(kind="category", term_id=5, slug="berita", name="Berita", parent="", description=""),
        WPTerm(
            kind="category",
            term_id=6,
            slug="politik",
            # WordPress stores term names HTML-escaped; CDATA keeps them as stored, the caller unescapes.
            name="Politik &amp; Hukum",
            parent="berita",
            description="Dari DPR sampai MK",
        ),
        WPTerm(kind="post_tag", term_id=9, slug="banjir", name="Banjir", parent="", description=""),
        WPTerm(
            kind="author",
            term_id=12,
            slug="cap-budi",
            name="budi",
            parent="",
            description="Budi Santoso Budi Santoso 0 budi@example.com",
        ),
    ]


def test_post_fields_meta_categories_and_comment_count():
    (post,) = items(wxr(POST))

    assert post.title == "Banjir Rendam Jakarta &#8217;Lagi&#8217;"  # inside CDATA: as WordPress stored it
    assert post.link == "https://kabarkota.example/2024/03/banjir/"
    assert post.guid == "https://kabarkota.example/?p=41"
    assert post.post_type == "post"
    assert post.post_date == "2024-03-01 08:15:00"
    assert post.post_date_gmt == "2024-03-01 01:15:00"
    assert post.post_modified == "2024-03-02 09:00:00"
    assert post.post_modified_gmt == "2024-03-02 02:00:00"
    assert post.status == "publish"
    assert post.post_parent is None
    assert post.menu_order == 0
    assert post.post_name == "banjir-rendam-jakarta"
    assert post.is_sticky is True
    assert post.password == ""
    assert post.categories == [
        ("category", "politik", "Politik &amp; Hukum"),
        ("post_tag", "banjir", "Banjir"),
        ("author", "cap-budi", "budi"),
    ]
    assert post.meta("_thumbnail_id") == "42"
    assert post.postmeta["_wp_old_slug"] == ["banjir-jakarta", "banjir-lagi"]
    assert post.meta("_yoast_wpseo_title") == "Banjir %%sep%% %%sitename%%"
    assert post.meta("_yoast_wpseo_metadesc") == "Jakarta terendam lagi."
    assert post.meta("_yoast_wpseo_primary_category") == "6"
    assert post.meta("rank_math_title") == ""
    assert post.comment_count == 2


def test_attachment_item_for_the_featured_image():
    post, attachment = items(wxr(POST, ATTACHMENT))

    assert attachment.post_type == "attachment"
    assert attachment.post_id == int(post.meta("_thumbnail_id"))
    assert attachment.post_parent == 41
    assert attachment.status == "inherit"
    assert attachment.attachment_url == "https://kabarkota.example/wp-content/uploads/banjir.jpg"
    assert attachment.meta("_wp_attachment_image_alt") == "Warga menembus banjir"
    assert attachment.excerpt == "Warga mengungsi."  # the caption


def test_classic_post_content_is_kept_verbatim():
    classic = (
        'Paragraf satu.\n\nParagraf dua dengan <strong>tebal</strong>.\r\n\n[caption id="x"]Foto[/caption]\n'
    )
    (post,) = items(wxr(item(content=classic)))

    assert post.content == classic.replace("\r\n", "\n")  # XML normalises line ends, nothing else


def test_split_cdata_brings_back_a_literal_cdata_end():
    # WordPress writes "]]>" inside content as "]]]]><![CDATA[>".
    raw = (
        "<item><content:encoded><![CDATA[a ]]]]><![CDATA[> b]]></content:encoded>"
        "<wp:post_id>1</wp:post_id></item>"
    )
    (post,) = items(wxr(raw))

    assert post.content == "a ]]> b"


def test_cdata_and_escaped_text_and_character_references():
    raw = (
        "<item><title>Tom &amp; Jerry &#8217;s &lt;b&gt;</title>"
        "<content:encoded>&lt;p&gt;escaped&lt;/p&gt;<![CDATA[<p>&amp; stays</p>]]></content:encoded>"
        "<wp:post_id>1</wp:post_id></item>"
    )
    (post,) = items(wxr(raw))

    assert post.title == "Tom & Jerry \u2019s <b>"
    assert post.content == "<p>escaped</p><p>&amp; stays</p>"


@pytest.mark.parametrize("status", ["publish", "draft", "pending", "private", "future", "trash"])
def test_statuses(status):
    (post,) = items(wxr(item(status=status)))

    assert post.status == status


def test_password_and_zero_dates_and_missing_optional_elements():
    raw = item(post_password="rahasia", post_date="0000-00-00 00:00:00", post_date_gmt="0000-00-00 00:00:00")
    (post,) = items(wxr(raw))

    assert post.password == "rahasia"
    assert post.post_date is None
    assert post.post_date_gmt is None
    assert post.post_modified is None
    assert post.excerpt == ""
    assert post.creator == ""
    assert post.categories == []
    assert post.postmeta == {}
    assert post.is_sticky is False
    assert post.comment_count == 0


def test_rank_math_meta():
    raw = (
        "<item><wp:post_id>7</wp:post_id>"
        "<wp:postmeta><wp:meta_key>rank_math_title</wp:meta_key>"
        "<wp:meta_value>Judul SEO</wp:meta_value></wp:postmeta>"
        "<wp:postmeta><wp:meta_key>rank_math_description</wp:meta_key>"
        "<wp:meta_value>Deskripsi</wp:meta_value></wp:postmeta></item>"
    )
    (post,) = items(wxr(raw))

    assert post.meta("rank_math_title") == "Judul SEO"
    assert post.meta("rank_math_description") == "Deskripsi"


def test_an_export_with_only_a_header():
    site = validate_wxr(io.BytesIO(wxr()))

    assert site.title == "Kabar Kota"


def test_a_declared_latin_1_export_is_decoded():
    data = wxr(item(title="Caf\u00e9")).replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    data = data.decode().encode("latin-1")

    (post,) = items(data)
    assert post.title == "Caf\u00e9"


# Hostile and broken files


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss><channel><title>&lol3;</title></channel></rss>
"""


def test_billion_laughs_is_refused():
    with pytest.raises(WXRError, match=r"line 2, column \d+: the file has a DTD"):
        validate_wxr(io.BytesIO(BILLION_LAUGHS))


def test_external_entity_is_refused_and_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    data = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "' + secret.as_uri() + '">]>\n'
    ).encode() + wxr(item(title="&xxe;")).split(b"?>", 1)[1]

    with pytest.raises(WXRError) as raised:
        list(parse_wxr(io.BytesIO(data)))

    assert "DTD" in str(raised.value)
    assert "TOP-SECRET" not in str(raised.value)


def test_external_entity_in_a_dtd_without_internal_subset_is_refused():
    data = b'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "file:///etc/passwd">\n<rss><channel/></rss>'

    with pytest.raises(WXRError, match="DTD"):
        validate_wxr(io.BytesIO(data))


def test_undeclared_entity_is_a_parse_error_not_a_lookup():
    with pytest.raises(WXRError, match="undefined entity"):
        validate_wxr(io.BytesIO(wxr(item(title="&passwd;"))))


def test_malformed_file_names_line_and_column():
    data = wxr(POST).replace(b"</wp:post_name>", b"</wp:post_nama>")
    line = data[: data.index(b"</wp:post_nama>")].count(b"\n") + 1

    with pytest.raises(WXRError, match=rf"^line {line}, column \d+: mismatched tag$"):
        validate_wxr(io.BytesIO(data))


def test_malformed_file_fails_after_some_records_so_validate_first():
    data = wxr(item(post_id="1"), item(post_id="2"))[: -len(FOOTER) - 20]
    records = parse_wxr(io.BytesIO(data))

    assert next(records).post_id == 1  # streaming: the good record comes before the error
    with pytest.raises(WXRError, match="no element found|unclosed token|not well-formed"):
        list(records)
    with pytest.raises(WXRError):
        validate_wxr(io.BytesIO(data))


def test_invalid_utf_8_without_declaration_names_line_and_column():
    data = wxr(item(title="Caf\u00e9")).replace(b' encoding="UTF-8"', b"")
    data = data.decode().encode("latin-1")

    with pytest.raises(WXRError, match=r"^line \d+, column \d+: not well-formed \(invalid token\)$"):
        validate_wxr(io.BytesIO(data))


def test_empty_file():
    with pytest.raises(WXRError, match="line 1, column 1: no element found"):
        validate_wxr(io.BytesIO(b""))


def test_a_huge_attribute_parses():
    huge = "x" * (5 * 1024 * 1024)
    raw = f'<item><guid isPermaLink="{huge}">g</guid><wp:post_id>1</wp:post_id></item>'

    (post,) = items(wxr(raw))
    assert post.guid == "g"


def test_plain_rss_is_not_wxr():
    data = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>
<item><title>Hello</title></item></channel></rss>"""

    with pytest.raises(WXRError, match="Not a WordPress export: the channel has no wp:wxr_version"):
        validate_wxr(io.BytesIO(data))


def test_wxr_version_in_a_foreign_namespace_is_not_wxr():
    data = wxr(POST).replace(b'wordpress.org/export/1.2/"\n>', b'example.com/export/1.2/"\n>')

    with pytest.raises(WXRError, match="no wp:wxr_version"):
        validate_wxr(io.BytesIO(data))


def test_other_xml_is_not_wxr():
    with pytest.raises(WXRError, match="the root element is <feed>"):
        validate_wxr(io.BytesIO(b"<feed><entry/></feed>"))
    with pytest.raises(WXRError, match="no <channel>"):
        validate_wxr(io.BytesIO(b"<rss/>"))


def test_unsupported_wxr_version():
    with pytest.raises(WXRError, match="Unsupported WXR version '2.0'"):
        validate_wxr(io.BytesIO(wxr(POST).replace(b"<wp:wxr_version>1.2<", b"<wp:wxr_version>2.0<")))


def test_a_large_export_is_read_in_bounded_memory(tmp_path):
    path = tmp_path / "big.xml"
    body = "<p>" + "Paragraf berita yang cukup panjang. " * 60 + "</p>"  # ~2 KB per item
    with open(path, "wb") as file:
        file.write(HEADER.format(version="1.2", scheme="https").encode())
        for number in range(1, 20_001):
            file.write(item(post_id=str(number), post_name=f"berita-{number}", content=body).encode())
        file.write(FOOTER.encode())
    assert path.stat().st_size > 40 * 1024 * 1024

    tracemalloc.start()
    try:
        count = 0
        for record in parse_wxr(path):
            count += 1
            assert record.post_id == count
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == 20_000
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MB"


def test_an_item_without_post_id_takes_the_id_of_its_guid_or_link():
    export = (
        b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:wp="https://wordpress.org/export/1.2/">'
        b"<channel><wp:wxr_version>1.2</wp:wxr_version>"
        b'<item><title>A</title><guid isPermaLink="false">http://situs.example/?p=19</guid></item>'
        b"<item><title>B</title><link>https://situs.example/?page_id=7&amp;x=1</link></item>"
        b"<item><title>C</title><link>https://situs.example/judul/</link></item>"
        b"</channel></rss>"
    )
    items = [record for record in WXRReader(io.BytesIO(export)).records() if isinstance(record, WPItem)]
    assert [item.post_id for item in items] == [19, 7, None]
