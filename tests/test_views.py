"""Every public page: status, key content, the visibility rule and bounded queries."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ArticleOldSlug, Correction, Credit

from .factories import make_article, make_article_raw, make_author, make_page, make_section, make_user

pytestmark = pytest.mark.django_db

HIDDEN_STATES = [
    {"status": Article.Status.DRAFT},
    {"status": Article.Status.REVIEW},
    {"status": Article.Status.UNPUBLISHED},
    {"status": Article.Status.PUBLISHED, "published_at_offset": timedelta(hours=2)},
]


def hidden_article(state, **fields):
    state = dict(state)
    offset = state.pop("published_at_offset", -timedelta(hours=1))
    return make_article(published_at=timezone.now() + offset, **state, **fields)


def h1_count(response):
    return len(re.findall(rb"<h1[\s>]", response.content))


# --- Home ----------------------------------------------------------------------


def test_home_shows_top_story_latest_and_a_block_per_navigation_section(client):
    nasional = make_section(name="Nasional", slug="nasional")
    ekonomi = make_section(name="Ekonomi", slug="ekonomi")
    make_section(name="Arsip", slug="arsip", is_in_navigation=False)
    top = make_article(headline="Berita Utama Hari Ini", section=nasional, is_featured=True)
    pasar = make_article(headline="Pasar Saham Menguat", section=ekonomi)
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["top_story"] == top
    assert pasar in response.context["latest_articles"]
    blocks = {section.slug: articles for section, articles in response.context["section_blocks"]}
    assert set(blocks) == {"nasional", "ekonomi"}
    assert blocks["ekonomi"] == [pasar]
    assert b"Pasar Saham Menguat" in response.content
    assert h1_count(response) == 1


def test_home_section_block_includes_child_sections_and_is_capped(client):
    parent = make_section(slug="internasional")
    child = make_section(slug="timur-tengah", parent=parent)
    for hours in range(6):
        make_article(section=child, published_at=timezone.now() - timedelta(hours=hours + 1))
    response = client.get("/")
    ((section, articles),) = response.context["section_blocks"]
    assert section == parent
    assert len(articles) == 4
    assert [a.published_at for a in articles] == sorted((a.published_at for a in articles), reverse=True)


def test_breaking_banner_shows_breaking_articles_only(client):
    breaking = make_article(headline="Gempa Kuat Guncang Wilayah Contoh", is_breaking=True)
    make_article(headline="Berita Biasa")
    response = client.get("/")
    banner = re.search(r'<aside class="breaking".*?</aside>', response.content.decode(), re.S).group(0)
    assert breaking.headline in banner and "Berita Biasa" not in banner
    # The banner is chrome: on every page, an article's included.
    assert breaking.headline in client.get(breaking.get_absolute_url()).content.decode()


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_home_never_lists_unpublished_articles(client, state):
    hidden_article(state, headline="Rahasia Redaksi", is_featured=True, is_breaking=True)
    response = client.get("/")
    assert b"Rahasia Redaksi" not in response.content


# --- Article page ----------------------------------------------------------------


def test_article_page_shows_everything_a_reader_needs(client):
    parent = make_section(name="Internasional", slug="internasional")
    child = make_section(name="Timur Tengah", slug="timur-tengah", parent=parent)
    writer = make_author(name="Siti Rahma", slug="siti-rahma")
    editor = make_author(name="Budi Santoso", slug="budi-santoso")
    article = make_article(
        section=child,
        kicker="Diplomasi",
        headline="Qatar Percepat Perjanjian Pertahanan",
        slug="qatar-percepat-perjanjian-pertahanan",
        dek="Doha ingin kerja sama segera diteken.",
        published_at=timezone.make_aware(timezone.datetime(2026, 11, 25, 17, 48)),
        authors=[writer],
        tags=["Qatar", "Amerika Serikat"],
    )
    Credit.objects.create(article=article, author=editor, role=Credit.Role.EDITOR, position=1)
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert article.get_absolute_url() == "/timur-tengah/2026/11/25/qatar-percepat-perjanjian-pertahanan/"
    assert h1_count(response) == 1
    assert "Qatar Percepat Perjanjian Pertahanan" in html
    assert "Diplomasi" in html and "Doha ingin kerja sama segera diteken." in html
    assert "Rabu, 25 November 2026 17:48 WIB" in html
    assert 'datetime="2026-11-25T17:48+07:00"' in html
    assert 'href="/penulis/siti-rahma/"' in html and 'href="/penulis/budi-santoso/"' in html
    assert 'href="/tag/qatar/"' in html and 'href="/tag/amerika-serikat/"' in html
    assert 'href="/internasional/"' in html and 'href="/internasional/timur-tengah/"' in html
    assert "menit baca" in html
    # Daftar isi: the factory body has two H2s, each linked by its id.
    assert "Daftar isi" in html
    assert 'href="#latar-belakang"' in html and 'id="latar-belakang"' in html


def test_table_of_contents_needs_two_headings_and_can_be_turned_off(client):
    single = make_article(body="<h2>Satu-satunya</h2><p>Teks.</p>")
    assert "Daftar isi" not in client.get(single.get_absolute_url()).content.decode()
    off = make_article(show_toc=False)
    assert 'href="#latar-belakang"' not in client.get(off.get_absolute_url()).content.decode()


def test_article_body_markup_is_rendered_but_scripts_never_are(client):
    article = make_article(body="<p>Aman <strong>tebal</strong></p><script>alert('x')</script>")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<strong>tebal</strong>" in html
    assert "alert('x')" not in html


def test_editor_text_outside_the_body_is_escaped(client):
    article = make_article(headline="<script>alert(1)</script> Judul", dek="<b>dek</b>")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Judul" in html
    assert "<b>dek</b>" not in html


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_unpublished_article_is_404_for_the_public(client, state):
    article = hidden_article(state)
    assert client.get(article.get_absolute_url()).status_code == 404


def test_scheduled_article_404s_until_publish_time(client):
    article = make_article(published_at=timezone.now() + timedelta(minutes=5))
    url = article.get_absolute_url()
    assert client.get(url).status_code == 404
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    assert client.get(url).status_code == 200


def test_staff_can_preview_unpublished_article_without_caching(client):
    article = make_article(status=Article.Status.DRAFT, headline="Draf Belum Terbit")
    client.force_login(make_user(group="Editor"))
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert response.context["is_preview"] is True
    assert "no-cache" in response["Cache-Control"]
    assert b"noindex" in response.content


def test_staff_without_article_permission_gets_404_for_drafts(client):
    article = make_article(status=Article.Status.DRAFT)
    client.force_login(make_user())
    assert client.get(article.get_absolute_url()).status_code == 404


def test_stale_section_or_date_in_article_url_redirects_permanently(client):
    article = make_article(slug="berita-pindah")
    response = client.get("/rubrik-lama/2020/01/01/berita-pindah/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_withdrawn_article_answers_410_with_its_reason(client):
    article = make_article(
        status=Article.Status.WITHDRAWN,
        withdrawn_reason="Sumber utama menarik pernyataannya.",
        first_published_at=timezone.now() - timedelta(days=1),  # readers saw it
    )
    response = client.get(article.get_absolute_url())
    assert response.status_code == 410
    assert "Sumber utama menarik pernyataannya." in response.content.decode()


@pytest.mark.parametrize("first_published", [None, timedelta(hours=2)], ids=["never", "future"])
@pytest.mark.parametrize("cache_seconds", [0, 60], ids=["uncached", "cached"])
def test_withdrawn_article_readers_never_saw_is_404_like_a_draft(
    client, settings, first_published, cache_seconds
):
    settings.PAGE_CACHE_SECONDS = cache_seconds
    article = make_article_raw(  # the state the defect made: forced, never public
        status=Article.Status.WITHDRAWN,
        headline="Draf Yang Dicabut",
        withdrawn_reason="Alasan rahasia.",
        first_published_at=None if first_published is None else timezone.now() + first_published,
    )
    ArticleOldSlug.objects.create(article=article, slug="alamat-lama-draf")
    for _ in range(2):  # the second answer would come from the page cache
        page = client.get(article.get_absolute_url())
        assert page.status_code == 404
        assert b"Draf Yang Dicabut" not in page.content and b"Alasan rahasia." not in page.content
        # Its old address does not reveal it either.
        assert (
            client.get(article.get_absolute_url().replace(article.slug, "alamat-lama-draf")).status_code
            == 404
        )


def test_corrections_and_replies_are_shown_on_the_article(client):
    article = make_article()
    Correction.objects.create(article=article, body="Nama menteri sebelumnya salah ditulis.")
    Correction.objects.create(
        article=article, kind=Correction.Kind.RIGHT_OF_REPLY, body="Tanggapan PT Contoh."
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Nama menteri sebelumnya salah ditulis." in html
    assert "Tanggapan PT Contoh." in html


def test_advertorial_is_labelled(client):
    article = make_article(is_advertorial=True)
    assert "Advertorial" in client.get(article.get_absolute_url()).content.decode()


def test_lead_image_is_shown_with_alt_caption_and_credit(client):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (64, 36), "navy").save(buffer, "JPEG")
    article = make_article(
        lead_image=SimpleUploadedFile("foto.jpg", buffer.getvalue(), content_type="image/jpeg"),
        lead_image_alt="Pelabuhan Doha saat senja",
        lead_image_caption="Suasana pelabuhan.",
        lead_image_credit="Foto: Arsip",
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'alt="Pelabuhan Doha saat senja"' in html
    assert "Suasana pelabuhan." in html and "Foto: Arsip" in html


# --- Section, tag, author, static pages -----------------------------------------


def test_section_page_lists_section_and_descendants_with_breadcrumbs(client):
    parent = make_section(name="Internasional", slug="internasional")
    child = make_section(name="Timur Tengah", slug="timur-tengah", parent=parent)
    in_child = make_article(section=child, headline="Berita Doha")
    in_parent = make_article(section=parent, headline="Berita Dunia")
    make_article(headline="Berita Lain")
    response = client.get("/internasional/")
    assert response.status_code == 200
    assert set(response.context["article_list"]) == {in_child, in_parent}
    assert response.context["child_sections"] == [child]
    child_response = client.get("/internasional/timur-tengah/")
    assert list(child_response.context["article_list"]) == [in_child]
    assert 'href="/internasional/"' in child_response.content.decode()
    assert h1_count(child_response) == 1


def test_child_section_at_the_wrong_level_redirects(client):
    parent = make_section(slug="internasional")
    make_section(slug="timur-tengah", parent=parent)
    response = client.get("/timur-tengah/")
    assert response.status_code == 301 and response["Location"] == "/internasional/timur-tengah/"
    assert client.get("/nasional/timur-tengah/").status_code == 301


def test_unknown_section_is_404(client):
    assert client.get("/tidak-ada/").status_code == 404
    assert client.get("/tidak-ada/juga/").status_code == 404


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_section_tag_and_author_pages_hide_unpublished_articles(client, state):
    section = make_section(slug="nasional")
    author = make_author(slug="siti")
    hidden_article(state, section=section, authors=[author], tags=["Rahasia"], headline="Draf Tersembunyi")
    make_article(section=section, authors=[author], tags=["Rahasia"], headline="Berita Terbit")
    for url in ["/nasional/", "/penulis/siti/", "/tag/rahasia/"]:
        html = client.get(url).content.decode()
        assert "Berita Terbit" in html, url
        assert "Draf Tersembunyi" not in html, url


def test_tag_page_lists_tagged_articles(client):
    tagged = make_article(tags=["Qatar"])
    make_article(tags=["Israel"])
    response = client.get("/tag/qatar/")
    assert response.status_code == 200
    assert list(response.context["article_list"]) == [tagged]
    assert client.get("/tag/tidak-ada/").status_code == 404


def test_author_page_shows_bio_and_articles(client):
    author = make_author(name="Siti Rahma", slug="siti-rahma", bio="Meliput Timur Tengah sejak 2015.")
    written = make_article(authors=[author])
    make_article()
    response = client.get("/penulis/siti-rahma/")
    assert list(response.context["article_list"]) == [written]
    assert "Meliput Timur Tengah sejak 2015." in response.content.decode()
    assert client.get("/penulis/tidak-ada/").status_code == 404


def test_static_page_and_footer_link(client):
    make_page(title="Tentang Kami", slug="tentang-kami", body="<p>Kami media contoh.</p>")
    response = client.get("/halaman/tentang-kami/")
    assert response.status_code == 200
    assert "Kami media contoh." in response.content.decode()
    assert 'href="/halaman/tentang-kami/"' in client.get("/").content.decode()
    assert client.get("/halaman/tidak-ada/").status_code == 404


def test_every_page_has_the_section_menu(client):
    make_section(name="Olahraga", slug="olahraga")
    article = make_article()
    for url in ["/", "/olahraga/", article.get_absolute_url()]:
        assert 'href="/olahraga/"' in client.get(url).content.decode(), url


def test_404_page_is_the_sites_own(client):
    make_section(name="Olahraga", slug="olahraga")
    response = client.get("/tidak/ada/halaman/ini/sama/sekali/")
    assert response.status_code == 404
    assert 'href="/olahraga/"' in response.content.decode()


# --- Pagination --------------------------------------------------------------------


@pytest.fixture
def long_section():
    section = make_section(slug="panjang")
    for hours in range(25):
        make_article(section=section, published_at=timezone.now() - timedelta(hours=hours + 1))
    return section


def test_section_pages_paginate(client, long_section):
    first = client.get("/panjang/")
    second = client.get("/panjang/?page=2")
    assert len(first.context["article_list"]) == 20
    assert len(second.context["article_list"]) == 5
    assert not set(first.context["article_list"]) & set(second.context["article_list"])
    assert client.get("/panjang/?page=last").status_code == 200


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999999", "1.5", "%00", "9" * 40])
def test_bad_page_numbers_are_404_not_500(client, long_section, page):
    assert client.get(f"/panjang/?page={page}").status_code == 404


def test_empty_section_still_renders_page_one(client):
    make_section(slug="kosong")
    response = client.get("/kosong/")
    assert response.status_code == 200
    assert client.get("/kosong/?page=2").status_code == 404


# --- Query bounds --------------------------------------------------------------------


def populate(count, tags_each):
    parent = make_section(slug=f"induk-{count}")
    child = make_section(slug=f"anak-{count}", parent=parent)
    other = make_section(slug=f"lain-{count}")
    articles = []
    for n in range(count):
        authors = [make_author(), make_author()]
        article = make_article(
            section=child if n % 2 else other,
            authors=authors,
            tags=[f"tag-{count}-{n}-{t}" for t in range(tags_each)],
            published_at=timezone.now() - timedelta(minutes=n + 1),
        )
        Correction.objects.create(article=article, body="Ralat.")
        articles.append(article)
    make_page()
    return parent, articles


def measure(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(("count", "tags_each"), [(5, 1), (50, 5)])
def test_list_pages_run_a_bounded_number_of_queries(client, django_assert_max_num_queries, count, tags_each):
    parent, articles = populate(count, tags_each)
    author_slug = articles[0].credits.first().author.slug
    tag_slug = articles[0].tags.first().slug
    # The home page also ranks Terpopuler (two queries, cached for a few minutes in production).
    limits = {"/": 14, parent.get_absolute_url(): 12, f"/tag/{tag_slug}/": 12, f"/penulis/{author_slug}/": 12}
    for url, limit in limits.items():
        measure(client, url, django_assert_max_num_queries, limit)


@pytest.mark.parametrize(("count", "tags_each"), [(5, 1), (50, 5)])
def test_article_page_runs_a_bounded_number_of_queries(
    client, django_assert_max_num_queries, count, tags_each
):
    _parent, articles = populate(count, tags_each)
    # 8 for the article itself, plus previous/next (2), Baca juga (3: tag matches, the
    # section's newest, the chosen four) and Terpopuler (2).
    measure(client, articles[-1].get_absolute_url(), django_assert_max_num_queries, 15)


def test_home_query_count_does_not_grow_with_articles(client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    populate(5, 1)
    with CaptureQueriesContext(connection) as small:
        client.get("/")
    populate(50, 5)
    cache.clear()  # Terpopuler's ranking is cached; measure both requests cold.
    with CaptureQueriesContext(connection) as large:
        client.get("/")
    assert len(large.captured_queries) == len(small.captured_queries)


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "up"


def test_article_url_reverses_through_the_route():
    article = make_article(
        slug="cek-rute", published_at=timezone.make_aware(timezone.datetime(2026, 1, 2, 3, 4))
    )
    assert article.get_absolute_url() == reverse(
        "articles:detail",
        kwargs={"section": article.section.slug, "year": 2026, "month": 1, "day": 2, "slug": "cek-rute"},
    )


def test_article_url_is_zero_padded():
    article = make_article(
        slug="awal-tahun", published_at=timezone.make_aware(timezone.datetime(2026, 1, 5, 9, 0))
    )
    assert article.get_absolute_url().endswith("/2026/01/05/awal-tahun/")


def test_indonesian_is_served_at_root_whatever_the_browser_asks(client):
    article = make_article(published_at=timezone.make_aware(timezone.datetime(2026, 11, 25, 17, 48)))
    html = client.get(article.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Rabu, 25 November 2026 17:48 WIB" in html
    assert '<html lang="id"' in html
