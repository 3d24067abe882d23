"""The redirects app: an imported site's old addresses and WordPress's variants of them, each one 301."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article
from redirects.models import Redirect
from redirects.paths import lookup_candidates, normalize_path
from redirects.services import redirect_target, redirects_record

from .factories import make_article, make_author, make_library_image, make_page, make_section

SOURCE = "kabarkota.example"


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("https://Kabarkota.example/2024/03/01/Judul-Berita/?utm_source=x", "/2024/03/01/judul-berita"),
        ("/2024//03/01/judul/", "/2024/03/01/judul"),
        ("/%E2%80%9Cberita%E2%80%9D/", "/\u201cberita\u201d"),
        ("/?p=0123&utm=x", "/?p=123"),
        ("/index.php?page_id=7", "/?page_id=7"),
        ("/?p=12abc", "/"),  # not a post id: nothing to keep
        ("/", "/"),
        ("javascript:alert(1)", ""),
        ("mailto:redaksi@example.com", ""),
        ("judul/", ""),
        ("/a\x00b/", ""),
        ("/%ff%fe/", ""),  # not UTF-8
        ("/" + "a" * 800, ""),
        ("", ""),
    ],
)
def test_an_address_key_is_its_path_and_its_one_wordpress_id(address, key):
    assert normalize_path(address) == key


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("/judul/amp/", [("/judul/amp", "same"), ("/judul", "same")]),
        ("/judul/feed/", [("/judul/feed", "same"), ("/judul", "feed")]),
        ("/judul/comments/feed/atom/", [("/judul/comments/feed/atom", "same"), ("/judul", "feed")]),
        ("/category/berita/page/3/", [("/category/berita/page/3", "same"), ("/category/berita", "page")]),
        ("/judul/embed/", [("/judul/embed", "same"), ("/judul", "embed")]),
        (
            "/wp-content/uploads/2024/03/foto-300x200.jpg",
            [
                ("/wp-content/uploads/2024/03/foto-300x200.jpg", "same"),
                ("/wp-content/uploads/2024/03/foto.jpg", "same"),
                ("/wp-content/uploads/2024/03/foto-scaled.jpg", "same"),
            ],
        ),
    ],
)
def test_lookup_candidates_list_the_variants_most_specific_first(address, expected):
    assert [(candidate.key, candidate.kind) for candidate in lookup_candidates(address)] == expected


@pytest.fixture
def old_site(db):
    politik = make_section(name="Politik", slug="politik")
    author = make_author(name="Rina Wulandari", slug="rina-wulandari")
    story = make_article(section=politik, slug="banjir-jakarta", authors=[author])
    draft = make_article(
        section=politik, slug="catatan-internal", status=Article.Status.DRAFT, published_at=None
    )
    scheduled = make_article(section=politik, slug="besok", published_at=timezone.now() + timedelta(days=1))
    tag = Tag.objects.create(name="Banjir", slug="banjir")
    about = make_page(title="Tentang", slug="tentang")
    photo = make_library_image()
    counts = redirects_record(
        SOURCE,
        [
            ("https://kabarkota.example/2024/03/01/banjir-jakarta/", story),
            ("/?p=100", story),
            ("/2024/03/06/catatan-internal/", draft),
            ("/?p=103", draft),
            ("/2030/01/01/besok/", scheduled),
            ("/category/politik/", politik),
            ("/tag/banjir-dan-longsor/", tag),
            ("/author/rina/", author),
            ("/tentang/", about),
            ("/wp-content/uploads/2024/03/banjir.jpg", photo),
        ],
    )
    assert counts == {"created": 10, "updated": 0, "unchanged": 0, "conflicts": []}
    return {"story": story, "section": politik, "tag": tag, "author": author, "page": about, "photo": photo}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/2024/03/01/banjir-jakarta/", "story"),
        ("/2024/03/01/banjir-jakarta", "story"),
        ("/2024/03/01/BANJIR-JAKARTA/", "story"),
        ("/2024/03/01/banjir-jakarta/amp/", "story"),
        ("/2024/03/01/banjir-jakarta/embed/", "story"),
        ("/2024/03/01/banjir-jakarta/feed/", "story"),  # its comments' feed: the portal has none
        ("/2024/03/01/banjir-jakarta/?utm_source=facebook", "story"),
        ("/?p=100", "story"),
        ("/?p=100&utm_source=x", "story"),
        ("/index.php?p=100", "story"),
        ("/banjir-jakarta/?p=100", "story"),
        ("/category/politik/", "section"),
        ("/category/politik/feed/", "section feed"),
        ("/category/politik/feed/rss2/", "section feed"),
        ("/category/politik/page/2/", "section page 2"),
        ("/tag/banjir/", None),  # the same address here: the portal's own tag page answers
        ("/tag/banjir-dan-longsor/", "tag"),
        ("/tag/banjir-dan-longsor/feed/", "tag feed"),
        ("/author/rina/", "author"),
        ("/author/rina/page/4/", "author page 4"),
        ("/tentang/", "page"),
        ("/wp-content/uploads/2024/03/banjir.jpg", "photo"),
        ("/wp-content/uploads/2024/03/banjir-1024x576.jpg", "photo"),
        ("/wp-content/uploads/2024/03/banjir-scaled.jpg", "photo"),
        ("/feed/", None),  # the portal's own feed answers
        ("/page/2/", "home"),  # the home page has no pages
        ("/?feed=rss2", "home feed"),
    ],
)
def test_every_variant_answers_301_straight_to_the_new_address(old_site, client, old, new):
    expected = {
        "story": old_site["story"].get_absolute_url(),
        "section": old_site["section"].get_absolute_url(),
        "section feed": f"{old_site['section'].get_absolute_url()}feed/",
        "section page 2": f"{old_site['section'].get_absolute_url()}?page=2",
        "tag": "/tag/banjir/",
        "tag feed": "/tag/banjir/feed/",
        "author": old_site["author"].get_absolute_url(),
        "author page 4": f"{old_site['author'].get_absolute_url()}?page=4",
        "page": old_site["page"].get_absolute_url(),
        "photo": old_site["photo"].image.url,
        "home": "/",
        "home feed": "/feed/",
        None: None,
    }[new]
    response = client.get(old)
    if expected is None:
        assert response.status_code == 200
        return
    assert response.status_code == 301, old
    assert response["Location"] == expected
    if not expected.startswith("/media/"):
        # No chain: the answer is the page itself (a page past the last is the view's own 404).
        assert client.get(expected).status_code == (404 if "page=" in expected else 200)


def test_a_draft_or_scheduled_article_is_never_revealed(old_site, client):
    for old in ("/2024/03/06/catatan-internal/", "/2030/01/01/besok/"):
        assert client.get(old).status_code == 404
    response = client.get("/?p=103")
    assert response.status_code == 301
    assert response["Location"] == "/"  # the home page, not the draft's address
    assert redirect_target("/?p=103") is None


def test_a_published_article_s_address_leads_to_it_once_it_is_out(old_site, client):
    draft = Article.objects.get(slug="catatan-internal")
    Article.objects.filter(pk=draft.pk).update(
        status=Article.Status.PUBLISHED, published_at=timezone.now() - timedelta(minutes=5)
    )
    response = client.get("/2024/03/06/catatan-internal/")
    assert response.status_code == 301
    assert response["Location"] == Article.objects.get(pk=draft.pk).get_absolute_url()


def test_a_made_up_id_on_the_home_page_is_dropped_not_cached(old_site, client):
    response = client.get("/?p=999999&utm_source=x")
    assert response.status_code == 301
    assert response["Location"] == "/?utm_source=x"
    assert client.get("/?utm_source=x").status_code == 200


@pytest.mark.parametrize(
    "hostile",
    [
        "//evil.example/2024/03/01/banjir-jakarta/",
        "/%2F%2Fevil.example/",
        "/\\evil.example/",
        "/%5C%5Cevil.example/",
        "/a%00b/",
        "/%ff%fe/",
        "/" + "x" * 9000 + "/",
        "/?p=" + "9" * 400,
        "/?p=1%00",
        "/?" + "&".join(f"a{n}=1" for n in range(500)),
        "/wp-content/uploads/../../etc/passwd",
        "/category/" + "%e2%80%ae" * 50 + "/",
    ],
)
def test_hostile_addresses_get_a_clean_answer_never_off_site(old_site, client, hostile):
    response = client.get(hostile)
    assert response.status_code in (200, 301, 302, 400, 404), hostile
    location = response.get("Location", "")
    assert not location.startswith(("//", "/\\", "http:", "https:")), location


def test_a_double_slash_request_is_the_path_not_a_host(old_site, rf):
    from redirects.middleware import OldAddressMiddleware

    request = rf.get("/")
    request.path = request.path_info = "//2024/03/01/banjir-jakarta/"
    request.META["PATH_INFO"] = request.path
    response = OldAddressMiddleware.answer(request)
    assert response.status_code == 301
    assert response["Location"] == old_site["story"].get_absolute_url()


def test_an_answer_is_never_the_requested_address_itself(old_site):
    story = old_site["story"]
    redirects_record(SOURCE, [(story.get_absolute_url(), story)])
    assert redirect_target(story.get_absolute_url()) is None


def test_recording_again_is_idempotent_and_another_source_is_left_alone(old_site):
    story = old_site["story"]
    other = make_article(section=old_site["section"])
    again = redirects_record(SOURCE, [("/?p=100", story), ("/2024/03/01/banjir-jakarta/", other)])
    assert again["unchanged"] == 1
    assert again["updated"] == 1
    assert Redirect.objects.get(path="/2024/03/01/banjir-jakarta").article == other
    foreign = redirects_record("other.example", [("/?p=100", other)])
    assert foreign["created"] == 0
    assert len(foreign["conflicts"]) == 1
    assert Redirect.objects.get(path="/?p=100").article == story


def test_one_indexed_query_answers_a_variant(old_site, client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/category/politik/feed/rss2/")
    assert response.status_code == 301
    assert len([query for query in queries.captured_queries if "redirects_redirect" in query["sql"]]) == 1
    index_names = [index.name for index in Redirect._meta.indexes] + [
        field.name for field in Redirect._meta.fields if field.unique
    ]
    assert "path" in index_names


def test_only_reads_are_answered(old_site, client):
    assert client.post("/2024/03/01/banjir-jakarta/").status_code in (403, 404, 405)
    assert client.head("/2024/03/01/banjir-jakarta/").status_code == 301
