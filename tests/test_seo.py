"""What search engines and social networks read: title, description, canonical, OG, JSON-LD, hreflang."""

import json
import re
from html import unescape

import pytest
from django.utils import timezone

from .factories import make_article, make_author, make_section

pytestmark = pytest.mark.django_db


def jsonld(response):
    """Return every JSON-LD object on the page, @graph members flattened, keyed by @type."""
    objects = {}
    for block in re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    ):
        data = json.loads(block)
        for item in data.get("@graph", [data]):
            objects.setdefault(item["@type"], []).append(item)
    return objects


def meta(response, attribute, name):
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"', response.content.decode())
    return unescape(match.group(1)) if match else None


def link(response, rel, **attributes):
    extra = "".join(rf'\s+{key}="{re.escape(value)}"' for key, value in attributes.items())
    match = re.search(rf'<link rel="{rel}"{extra}\s+href="([^"]*)"', response.content.decode())
    return unescape(match.group(1)) if match else None


@pytest.fixture
def article(tmp_path):
    parent = make_section(name="Internasional", slug="internasional")
    child = make_section(name="Timur Tengah", slug="timur-tengah", parent=parent)
    return make_article(
        headline="Qatar Percepat Perjanjian Pertahanan",
        dek="Doha ingin perjanjian segera rampung.",
        section=child,
        authors=[make_author(name="Rina Wulandari", slug="rina-wulandari")],
        tags=["Qatar", "Amerika Serikat"],
        lead_image="articles/2026/11/qatar.jpg",
        lead_image_alt="Ilustrasi",
    )


def test_article_page_has_title_description_canonical_and_open_graph(client, article):
    response = client.get(article.get_absolute_url())
    content = response.content.decode()
    url = f"http://testserver{article.get_absolute_url()}"
    assert "<title>Qatar Percepat Perjanjian Pertahanan | Newsportal</title>" in content
    assert meta(response, "name", "description") == "Doha ingin perjanjian segera rampung."
    assert link(response, "canonical") == url
    assert meta(response, "property", "og:type") == "article"
    assert meta(response, "property", "og:url") == url
    assert meta(response, "property", "og:image") == "http://testserver/media/articles/2026/11/qatar.jpg"
    assert meta(response, "property", "article:published_time")
    assert meta(response, "property", "article:section") == "Timur Tengah"
    assert meta(response, "name", "twitter:card") == "summary_large_image"


def test_article_jsonld_is_a_complete_news_article(client, article):
    objects = jsonld(client.get(article.get_absolute_url()))
    (news,) = objects["NewsArticle"]
    url = f"http://testserver{article.get_absolute_url()}"
    assert news["headline"] == article.headline
    assert (
        news["datePublished"] == timezone.localtime(article.published_at).replace(microsecond=0).isoformat()
    )
    assert news["datePublished"].endswith("+07:00")
    assert news["dateModified"]
    assert news["author"] == [
        {"@type": "Person", "name": "Rina Wulandari", "url": "http://testserver/penulis/rina-wulandari/"}
    ]
    publisher = news["publisher"]
    assert publisher["name"] == "Newsportal"
    assert publisher["logo"]["url"].endswith(".png") and publisher["logo"]["width"] >= 112
    assert news["image"] == ["http://testserver/media/articles/2026/11/qatar.jpg"]
    assert news["articleSection"] == "Timur Tengah"
    assert news["keywords"] == ["Amerika Serikat", "Qatar"] or set(news["keywords"]) == {
        "Qatar",
        "Amerika Serikat",
    }
    assert news["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    (breadcrumbs,) = objects["BreadcrumbList"]
    assert [item["name"] for item in breadcrumbs["itemListElement"]] == [
        "Beranda",
        "Internasional",
        "Timur Tengah",
        article.headline,
    ]
    assert breadcrumbs["itemListElement"][1]["item"] == "http://testserver/internasional/"


def test_jsonld_cannot_be_closed_by_editor_text(client):
    article = make_article(headline="</script><script>alert(1)</script>", tags=["<b>&"])
    response = client.get(article.get_absolute_url())
    assert b"<script>alert(1)" not in response.content
    (news,) = jsonld(response)["NewsArticle"]
    assert news["headline"] == "</script><script>alert(1)</script>"
    assert news["keywords"] == ["<b>&"]


def test_home_has_website_search_action_and_organization(client):
    objects = jsonld(client.get("/"))
    (website,) = objects["WebSite"]
    action = website["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["target"]["urlTemplate"] == "http://testserver/cari/?q={search_term_string}"
    assert action["query-input"] == "required name=search_term_string"
    (organization,) = objects["NewsMediaOrganization"]
    assert organization["logo"]["url"].startswith("http://testserver/static/img/logo")


def test_section_page_has_breadcrumbs(client, article):
    objects = jsonld(client.get("/internasional/timur-tengah/"))
    (breadcrumbs,) = objects["BreadcrumbList"]
    assert [item["name"] for item in breadcrumbs["itemListElement"]] == [
        "Beranda",
        "Internasional",
        "Timur Tengah",
    ]
    assert breadcrumbs["itemListElement"][-1]["item"] == "http://testserver/internasional/timur-tengah/"


@pytest.mark.parametrize(
    "path", ["/", "/internasional/", "/tag/qatar/", "/penulis/rina-wulandari/", "/indeks/"]
)
def test_every_page_has_lang_hreflang_and_canonical(client, article, path):
    response = client.get(path)
    content = response.content.decode()
    assert '<html lang="id">' in content
    assert link(response, "alternate", hreflang="id") == f"http://testserver{path}"
    assert link(response, "alternate", hreflang="en") == f"http://testserver/en{path}"
    assert link(response, "alternate", hreflang="x-default") == f"http://testserver{path}"
    assert link(response, "canonical") == f"http://testserver{path}"
    english = client.get(f"/en{path}")
    assert '<html lang="en">' in english.content.decode()
    assert link(english, "canonical") == f"http://testserver/en{path}"


def test_paginated_pages_keep_the_page_in_canonical_and_hreflang(client):
    section = make_section(slug="nasional")
    for _ in range(25):
        make_article(section=section)
    response = client.get("/nasional/?page=2")
    assert link(response, "canonical") == "http://testserver/nasional/?page=2"
    assert link(response, "alternate", hreflang="en") == "http://testserver/en/nasional/?page=2"


def test_error_pages_have_no_hreflang(client):
    content = client.get("/tidak-ada-halaman-ini/").content.decode()
    assert "hreflang" not in content.split("</head>")[0]
