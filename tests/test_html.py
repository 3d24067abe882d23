"""Body sanitizing, heading ids and the outline the table of contents is built from."""

import pytest

from articles.html import article_outline, reading_minutes, sanitize_body, word_count


def test_sanitizer_strips_scripts_handlers_and_javascript_links():
    dirty = (
        '<p onclick="steal()">Halo<script>alert(1)</script></p>'
        '<a href="javascript:alert(1)">x</a><iframe src="https://evil"></iframe>'
        '<img src="x.png" onerror="alert(1)" alt="foto">'
    )
    clean = sanitize_body(dirty)
    assert "<script" not in clean and "onclick" not in clean and "onerror" not in clean
    assert "javascript:" not in clean and "<iframe" not in clean
    assert "<p>Halo</p>" in clean
    assert '<img src="x.png" alt="foto">' in clean


def test_sanitizer_keeps_the_allowed_structure():
    body = (
        '<h2>Judul</h2><p><strong>a</strong> <em>b</em> <a href="https://contoh.id">c</a></p>'
        "<ul><li>satu</li></ul><ol><li>dua</li></ol><blockquote><p>kutipan</p></blockquote><h3>Sub</h3>"
    )
    clean = sanitize_body(body)
    for fragment in [
        "<strong>a</strong>",
        "<em>b</em>",
        "<ul><li>satu</li></ul>",
        "<blockquote>",
        '<h3 id="sub">',
    ]:
        assert fragment in clean
    assert 'href="https://contoh.id"' in clean


def test_headings_get_readable_unique_ids():
    clean = sanitize_body(
        "<h2>Apa Dampaknya bagi Indonesia?</h2><h2>Dampak</h2><h2>Dampak</h2><h3>Ékonomi &amp; Pasar</h3>"
    )
    assert [anchor for _level, anchor, _text in article_outline(clean)] == [
        "apa-dampaknya-bagi-indonesia",
        "dampak",
        "dampak-2",
        "ekonomi-pasar",
    ]


def test_existing_heading_ids_are_kept_when_text_changes():
    first = sanitize_body("<h2>Dampak Keamanan</h2><p>x</p>")
    edited = first.replace("Dampak Keamanan", "Dampak Keamanan Strategis")
    assert article_outline(sanitize_body(edited)) == [(2, "dampak-keamanan", "Dampak Keamanan Strategis")]


def test_heading_ids_never_take_ids_the_page_uses():
    clean = sanitize_body("<h2>Konten</h2><h2>Daftar isi</h2>")
    assert [anchor for _level, anchor, _text in article_outline(clean)] == ["konten-2", "daftar-isi-2"]


def test_a_duplicate_existing_id_is_renamed():
    clean = sanitize_body('<h2 id="sama">A</h2><h2 id="sama">B</h2>')
    anchors = [anchor for _level, anchor, _text in article_outline(clean)]
    assert anchors[0] == "sama" and anchors[1] != "sama" and len(set(anchors)) == 2


@pytest.mark.parametrize(("words", "minutes"), [(0, 1), (200, 1), (201, 2), (1000, 5)])
def test_reading_minutes(words, minutes):
    assert reading_minutes(words) == minutes


def test_word_count_ignores_markup():
    assert word_count("<p>satu <strong>dua</strong></p><h2>tiga</h2>") == 3


def test_plain_text_separates_blocks():
    from articles.html import plain_text

    assert (
        plain_text("<h2>Judul</h2><p>Satu <em>dua</em>.</p><ul><li>a</li><li>b</li></ul>")
        == "Judul Satu dua. a b"
    )


def test_carry_heading_ids_puts_old_ids_back_on_unchanged_and_reworded_headings():
    from articles.html import carry_heading_ids, sanitize_body

    previous = sanitize_body("<h2>Satu</h2><p>a</p><h2>Dua</h2><p>b</p><h3>Tiga</h3>")
    edited = "<h2>Satu yang diubah</h2><p>a</p><h2>Dua</h2><p>b</p><h3>Tiga</h3>"
    assert sanitize_body(carry_heading_ids(edited, previous)) == (
        '<h2 id="satu">Satu yang diubah</h2><p>a</p><h2 id="dua">Dua</h2><p>b</p><h3 id="tiga">Tiga</h3>'
    )


def test_carry_heading_ids_gives_inserted_headings_new_ids_and_never_reuses_a_deleted_ones_twice():
    from articles.html import carry_heading_ids, sanitize_body

    previous = sanitize_body("<h2>Awal</h2><h2>Akhir</h2>")
    edited = "<h2>Awal</h2><h2>Sisipan baru</h2><h2>Akhir</h2><h2>Awal</h2>"
    assert sanitize_body(carry_heading_ids(edited, previous)) == (
        '<h2 id="awal">Awal</h2><h2 id="sisipan-baru">Sisipan baru</h2><h2 id="akhir">Akhir</h2>'
        '<h2 id="awal-2">Awal</h2>'
    )


def test_carry_heading_ids_keeps_ids_the_editor_kept():
    from articles.html import carry_heading_ids

    previous = '<h2 id="lama">Lama</h2>'
    edited = '<h2 id="sengaja">Lama</h2>'
    assert carry_heading_ids(edited, previous) == edited
