"""Search at /cari/: published only, filters, pagination, safe snippets, any query gives a page.

Tests marked postgres_only need PostgreSQL's full-text search (stemming,
websearch syntax, ranking, the triggers); on SQLite the fallback is tested.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from taggit.models import Tag

from articles.models import Article
from articles.search import (
    MAX_QUERY_LENGTH,
    clean_query,
    highlight_results,
    installed_search_config,
    mark_highlights,
    parse_query,
    positive_query,
    search_articles,
    sync_search_config,
    websearch_query,
)

from .factories import make_article, make_section
from .test_views import HIDDEN_STATES, hidden_article

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL full-text search (stemming, websearch_to_tsquery, ts_rank); "
    f"this run uses {connection.vendor}, where search falls back to a contains search",
)


def found(client, query, **params):
    response = client.get("/cari/", {"q": query, **params})
    assert response.status_code == 200
    return [article.headline for article in response.context["article_list"]]


# --- Cleaning and parsing queries -----------------------------------------------------


def test_clean_query_strips_nul_control_characters_and_lone_surrogates():
    assert clean_query("qatar\x00 \x07dan\ud800  AS\n") == "qatar dan? AS"


def test_clean_query_caps_length():
    assert len(clean_query("kata " * 2000)) <= MAX_QUERY_LENGTH


def test_parse_query_understands_phrases_or_and_exclusions():
    parsed = parse_query('"perjanjian pertahanan" qatar OR doha -israel -"jalur gaza"')
    assert parsed.groups == [["perjanjian pertahanan", "qatar"], ["doha"]]
    assert parsed.excluded == ["israel", "jalur gaza"]


def test_positive_query_drops_exclusions_for_ranking():
    assert positive_query('"perjanjian pertahanan" -israel OR doha') == '"perjanjian pertahanan" OR doha'


def test_mark_highlights_escapes_everything_but_the_marks():
    marked = mark_highlights("<script>alert(1)</script> \ue000serangan\ue001 &amp; \ue000AS")
    assert marked == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>serangan</mark> &amp; <mark>AS</mark>"


# --- The page ---------------------------------------------------------------------------


def test_search_finds_by_headline_summary_body_and_tag(client):
    make_article(headline="Qatar Percepat Perjanjian Pertahanan")
    make_article(headline="Berita kedua", dek="Doha menyambut Qatar Airways.")
    make_article(headline="Berita ketiga", body="<p>Delegasi Qatar tiba.</p>")
    make_article(headline="Berita keempat", tags=["Qatar"])
    make_article(headline="Tidak terkait", body="<p>Harga cabai naik.</p>")
    assert set(found(client, "qatar")) == {
        "Qatar Percepat Perjanjian Pertahanan",
        "Berita kedua",
        "Berita ketiga",
        "Berita keempat",
    }


def test_headline_matches_rank_above_body_matches(client):
    make_article(headline="Sidang kabinet", body="<p>Soal banjir dibahas.</p>", published_at=timezone.now())
    make_article(headline="Banjir melanda Wanaraya", published_at=timezone.now() - timedelta(days=3))
    assert found(client, "banjir")[0] == "Banjir melanda Wanaraya"


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_search_never_finds_unpublished_articles(client, state):
    hidden_article(state, headline="Rahasia redaksi tentang banjir")
    make_article(headline="Banjir yang sudah terbit")
    assert found(client, "banjir") == ["Banjir yang sudah terbit"]


def test_section_filter_includes_child_sections(client):
    internasional = make_section(slug="internasional")
    timur_tengah = make_section(slug="timur-tengah", parent=internasional)
    make_article(headline="Banjir di Doha", section=timur_tengah)
    make_article(headline="Banjir di Jakarta")
    assert found(client, "banjir", section="internasional") == ["Banjir di Doha"]
    assert found(client, "banjir", section="timur-tengah") == ["Banjir di Doha"]


def test_date_range_filter_uses_jakarta_days(client):
    jakarta_noon = timezone.make_aware(timezone.datetime(2026, 3, 10, 12, 0))
    make_article(headline="Banjir hari Selasa", published_at=jakarta_noon)
    make_article(headline="Banjir sehari kemudian", published_at=jakarta_noon + timedelta(days=1))
    # 00:30 on 11 March in Jakarta is still 10 March in UTC: the Jakarta day decides.
    make_article(
        headline="Banjir lewat tengah malam", published_at=jakarta_noon + timedelta(hours=12, minutes=30)
    )
    assert found(client, "banjir", **{"from": "2026-03-10", "to": "2026-03-10"}) == ["Banjir hari Selasa"]
    assert set(found(client, "banjir", **{"from": "2026-03-11"})) == {
        "Banjir sehari kemudian",
        "Banjir lewat tengah malam",
    }


def test_results_are_paginated_and_keep_the_query(client):
    for n in range(12):
        make_article(headline=f"Banjir nomor {n}", published_at=timezone.now() - timedelta(hours=n + 1))
    first = client.get("/cari/", {"q": "banjir"})
    assert len(first.context["article_list"]) == 10
    assert first.context["paginator"].count == 12
    assert 'href="?q=banjir&amp;page=2"' in first.content.decode()
    second = client.get("/cari/", {"q": "banjir", "page": 2})
    assert len(second.context["article_list"]) == 2
    assert client.get("/cari/", {"q": "banjir", "page": 9}).status_code == 404


def test_empty_query_shows_a_helpful_page(client):
    make_section(name="Nasional", slug="nasional")
    response = client.get("/cari/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Ketik kata kunci untuk mencari berita." in content
    assert 'href="/nasional/"' in content


def test_no_results_page_offers_tips_and_a_way_out(client):
    make_section(slug="nasional")
    response = client.get("/cari/", {"q": "zzzyyyxxx", "section": "nasional"})
    content = response.content.decode()
    assert "Tidak ada berita yang cocok dengan “zzzyyyxxx”." in content
    assert "Cari tanpa saringan rubrik dan tanggal" in content
    assert 'href="/indeks/"' in content


def test_search_page_is_not_indexed_by_search_engines(client):
    assert '<meta name="robots" content="noindex, follow">' in client.get("/cari/?q=x").content.decode()


def test_snippets_mark_matches_and_escape_article_text(client):
    make_article(
        headline="Banjir <b>besar</b>",
        dek="",
        body="<p>Warga menulis &lt;script&gt;alert(1)&lt;/script&gt; saat banjir datang.</p>",
    )
    content = client.get("/cari/", {"q": "banjir"}).content.decode()
    assert "<mark>" in content
    assert "<script>alert(1)" not in content
    assert "&lt;script&gt;alert(1)" in content
    assert "&lt;b&gt;besar&lt;/b&gt;" in content


@pytest.mark.parametrize(
    "query",
    [
        "banjir " * 1000,  # 7 KB
        "banjir\x00",
        "\x00",
        "'; DROP TABLE articles_article; --",
        '" OR 1=1 --',
        "<script>alert(1)</script>",
        "\ufffd\u200b\u202e",  # lone surrogates arrive as U+FFFD; see the raw-bytes test
        "🌊 banjir 🌧️",
        "&&& ||| !!! ((( :*",
        '"""',
        "-",
        "OR OR OR",
        "%",
        "_",
    ],
)
def test_any_query_gives_a_page(client, query):
    make_article(headline="Banjir melanda")
    response = client.get("/cari/", {"q": query})
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content


def test_raw_bytes_in_the_query_string_give_a_page(client):
    assert client.get("/cari/?q=%00%ED%A0%80%FF%FE").status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-02-31"},
        {"to": "kemarin"},
        {"from": "0001-01-01"},
        {"to": "9999-12-31"},
        {"from": "2026-05-02", "to": "2026-05-01"},
        {"section": "tidak-ada"},
    ],
)
def test_bad_filters_answer_400_with_the_form(client, params):
    response = client.get("/cari/", {"q": "banjir", **params})
    assert response.status_code == 400
    assert "Periksa kembali isian pencarian Anda" in response.content.decode()


def test_header_search_box_is_on_every_page(client):
    content = client.get("/").content.decode()
    assert 'action="/cari/"' in content and 'role="search"' in content


def test_search_uses_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    for n in range(15):
        make_article(headline=f"Banjir {n}", tags=["Cuaca", f"Wilayah {n}"])
    with django_assert_max_num_queries(12):
        assert client.get("/cari/", {"q": "banjir"}).status_code == 200


# --- PostgreSQL full-text search ---------------------------------------------------------


def search(query):
    return [article.headline for article in search_articles(Article.objects.published(), query=query)]


@postgres_only
def test_indonesian_stemming_finds_prefixed_and_suffixed_forms():
    make_article(headline="Militer menyerang pangkalan", body="<p>x</p>")
    make_article(headline="Kota itu diserang semalam", body="<p>x</p>")
    make_article(headline="Pertahanan udara diperkuat", body="<p>Setelah serangan rudal.</p>")
    make_article(headline="Harga cabai", body="<p>Naik lagi.</p>")
    assert set(search("serang")) == {
        "Militer menyerang pangkalan",
        "Kota itu diserang semalam",
        "Pertahanan udara diperkuat",
    }
    # And the other way round: a derived form finds the others.
    assert "Militer menyerang pangkalan" in search("penyerangan")
    assert search("bertahan") == ["Pertahanan udara diperkuat"]


@postgres_only
def test_websearch_phrase_or_and_exclusion():
    make_article(headline="Perjanjian pertahanan Qatar", body="<p>x</p>")
    make_article(headline="Pertahanan dan perjanjian dagang", body="<p>x</p>")
    make_article(headline="Israel menolak perjanjian pertahanan", body="<p>x</p>")
    make_article(headline="Doha membuka forum air", body="<p>x</p>")
    assert set(search('"perjanjian pertahanan"')) == {
        "Perjanjian pertahanan Qatar",
        "Israel menolak perjanjian pertahanan",
    }
    assert search('"perjanjian pertahanan" -israel') == ["Perjanjian pertahanan Qatar"]
    assert set(search("qatar OR doha")) == {"Perjanjian pertahanan Qatar", "Doha membuka forum air"}


@postgres_only
def test_ranking_weights_headline_over_summary_over_body():
    now = timezone.now() - timedelta(minutes=5)
    make_article(headline="Laporan cuaca", dek="", body="<p>Waspada banjir di pesisir.</p>", published_at=now)
    make_article(
        headline="Ringkasan pekan", dek="Banjir di pesisir meluas.", body="<p>x</p>", published_at=now
    )
    make_article(headline="Banjir di pesisir", dek="", body="<p>x</p>", published_at=now)
    assert search("banjir") == ["Banjir di pesisir", "Ringkasan pekan", "Laporan cuaca"]


@postgres_only
def test_recency_boost_breaks_ties_but_does_not_beat_relevance():
    make_article(
        headline="Banjir lama", dek="", body="<p>x</p>", published_at=timezone.now() - timedelta(days=200)
    )
    make_article(
        headline="Banjir baru", dek="", body="<p>x</p>", published_at=timezone.now() - timedelta(hours=2)
    )
    make_article(headline="Cuaca hari ini", dek="", body="<p>Banjir.</p>", published_at=timezone.now())
    assert search("banjir") == ["Banjir baru", "Banjir lama", "Cuaca hari ini"]


@postgres_only
def test_exclusion_queries_still_rank():
    make_article(headline="Banjir di Doha", body="<p>x</p>")
    make_article(headline="Pasar", body="<p>Banjir kecil.</p>")
    results = list(search_articles(Article.objects.published(), query="banjir -jakarta"))
    assert [article.headline for article in results] == ["Banjir di Doha", "Pasar"]
    assert all(article.score > 0 for article in results)


@postgres_only
def test_ts_headline_snippets_mark_stemmed_words():
    make_article(headline="Pangkalan diserang", body="<p>Pasukan menyerang pada pagi hari &amp; siang.</p>")
    (article,) = highlight_results(
        search_articles(Article.objects.published(), query="serang"), query="serang"
    )
    assert article.headline_html == "Pangkalan <mark>diserang</mark>"
    assert "<mark>menyerang</mark>" in article.snippet_html
    assert "&amp; siang" in article.snippet_html


@postgres_only
def test_vector_follows_saves_bulk_updates_and_tag_changes():
    article = make_article(headline="Rapat anggaran", body="<p>x</p>")
    assert search("rapat") == ["Rapat anggaran"]
    Article.objects.filter(pk=article.pk).update(headline="Sidang anggaran")
    assert search("rapat") == [] and search("sidang") == ["Sidang anggaran"]
    article.refresh_from_db()
    article.tags.add("Parlemen")
    assert search("parlemen") == ["Sidang anggaran"]
    tag = Tag.objects.get(name="Parlemen")
    tag.name = "Dewan"
    tag.save()
    assert search("parlemen") == [] and search("dewan") == ["Sidang anggaran"]
    article.tags.clear()
    assert search("dewan") == []


@postgres_only
def test_imported_articles_are_searchable(tmp_path):
    from articles.services import import_article_files

    source = tmp_path / "berita.txt"
    source.write_text(
        "Nelayan Sambiran Membentuk Koperasi\n\nPara nelayan sepakat menghimpun modal bersama.\n",
        encoding="utf-8",
    )
    import_article_files([source], section=make_section(), tags=["Perikanan"], status="published")
    assert search("koperasi") == ["Nelayan Sambiran Membentuk Koperasi"]
    assert search("perikanan") == ["Nelayan Sambiran Membentuk Koperasi"]
    assert search("menghimpun") == ["Nelayan Sambiran Membentuk Koperasi"]


@postgres_only
def test_changing_the_search_config_reindexes_after_migrate():
    make_article(headline="Running shoes", body="<p>x</p>")
    assert installed_search_config(connection) == "indonesian"
    try:
        with override_settings(ARTICLES_SEARCH_CONFIG="english"):
            assert sync_search_config(connection) is True
            assert installed_search_config(connection) == "english"
            assert search("run") == ["Running shoes"]  # English stemming now.
            assert sync_search_config(connection) is False
    finally:
        sync_search_config(connection)
    assert installed_search_config(connection) == "indonesian"


@postgres_only
def test_search_page_on_postgres_finds_stemmed_words(client):
    make_article(headline="Kota itu diserang semalam", body="<p>x</p>")
    content = client.get("/cari/", {"q": "serangan"}).content.decode()
    assert "<mark>diserang</mark>" in content


# --- Hostile search syntax: every query gives a page, on the site and in the admin ------------

DEEP_NEGATIONS = [
    "-" * 33,
    "- " * 40,
    "OR " + "-" * 33,
    "-" * 40 + "banjir",
    "banjir " + "-" * 40 + "melanda",
    "banjir OR " + "- " * 40,
    "(-" * 40 + "banjir",
    "banjir(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-(-a",
    '-"' * 40 + "banjir",
    "!-" * 40 + "banjir",
    "OR - OR - OR - " * 10,
]
CHANGELIST = "/admin/articles/article/"


@pytest.mark.parametrize("query", DEEP_NEGATIONS)
def test_deep_negation_gives_a_page_on_the_site_and_in_the_admin(client, editor_client, query):
    make_article(headline="Banjir melanda")
    assert client.get("/cari/", {"q": query}).status_code == 200
    assert editor_client.get(CHANGELIST, {"q": query}).status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("banjir -melanda", ["Banjir surut"]),
        ('"banjir melanda"', ["Banjir melanda"]),
        ("melanda OR surut", ["Banjir surut", "Banjir melanda"]),
        ("---melanda banjir", ["Banjir surut"]),  # a run of dashes is one exclusion
        ("banjir - melanda", ["Banjir melanda"]),  # a lone dash excludes nothing
        ("OR banjir OR OR", ["Banjir surut", "Banjir melanda"]),  # an OR without operands is dropped
    ],
)
def test_search_syntax_keeps_its_meaning(client, editor_client, query, expected):
    make_article(headline="Banjir melanda", published_at=timezone.now() - timedelta(hours=2))
    make_article(headline="Banjir surut", published_at=timezone.now() - timedelta(hours=1))
    make_article(headline="Harga cabai")
    assert found(client, query) == expected
    if connection.vendor != "postgresql":
        return  # The admin's SQLite search is a plain "contains" over the whole query.
    admin_list = editor_client.get(CHANGELIST, {"q": query}).content.decode()
    for headline in ["Banjir melanda", "Banjir surut", "Harga cabai"]:
        assert (headline in admin_list) == (headline in expected), headline


@postgres_only
def test_websearch_query_keeps_postgres_meaning_for_normal_queries():
    normal = [
        "qatar",
        '"perjanjian pertahanan" qatar OR doha -israel -"jalur gaza"',
        "covid-19 e-ktp",
        "banjir OR -jakarta",
        "a OR b c -d OR e",
    ]
    with connection.cursor() as cursor:
        for query in normal:
            cursor.execute(
                "SELECT websearch_to_tsquery('indonesian', %s)::text, "
                "websearch_to_tsquery('indonesian', %s)::text",
                [query, websearch_query(query)],
            )
            original, rewritten = cursor.fetchone()
            assert rewritten == original, query


SEARCH_WORDS = st.one_of(
    st.sampled_from(['"', " ", "OR", "or", "banjir", "melanda"]),
    st.sampled_from(["(", ")", "!", "&", "|", "<", ":*", "\\", "'"]),
    # Runs, as an attacker types them: websearch_to_tsquery nests one NOT per dash.
    st.builds(lambda n, unit: unit * n, st.integers(1, 45), st.sampled_from(["-", "- ", "(-", "!-", '-"'])),
)
SEARCH_SYNTAX = st.lists(SEARCH_WORDS, max_size=40).map("".join)


@postgres_only
@given(query=SEARCH_SYNTAX)
@hypothesis_settings(max_examples=300, deadline=None)
def test_any_rewritten_query_is_a_valid_tsquery(query):
    with connection.cursor() as cursor:
        cursor.execute("SELECT websearch_to_tsquery('indonesian', %s)", [websearch_query(clean_query(query))])
        cursor.execute("SELECT websearch_to_tsquery('indonesian', %s)", [positive_query(clean_query(query))])


@given(query=SEARCH_SYNTAX)
@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_search_syntax_gives_a_page_on_the_site_and_in_the_admin(client, editor_client, query):
    assert client.get("/cari/", {"q": query}).status_code == 200
    assert editor_client.get(CHANGELIST, {"q": query}).status_code == 200
