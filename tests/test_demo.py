"""load_demo: the demo site `make run` loads on every start, identical however often it runs."""

import tomllib
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from taggit.models import Tag

from articles.models import Article, Author, Correction, Credit, LiveUpdate, Page, Section, TaggedArticle

DEMO_DIR = Path(settings.BASE_DIR) / "articles" / "demo"
SEED = "qatar-perjanjian-pertahanan.txt"
SEED_HEADLINE = "Qatar Percepat Perjanjian Pertahanan dengan AS Setelah Serangan Israel"

# Slow: almost every test loads the whole demo site first (seconds each).
pytestmark = pytest.mark.slow


def load_demo(**options):
    out = StringIO()
    # Tests run with DEBUG off, as production does, so they need --force like `make run`.
    call_command("load_demo", force=True, stdout=out, **options)
    return out.getvalue()


def media_files():
    return sorted(path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())


def site_snapshot():
    User = get_user_model()
    return {
        "counts": {
            model.__name__: model.objects.count()
            for model in (Section, Article, Author, Credit, Tag, TaggedArticle, Correction, Page, User)
        },
        "sections": list(Section.objects.order_by("slug").values_list("slug", "parent__slug", "position")),
        "articles": list(
            Article.objects.order_by("slug").values_list(
                "slug",
                "section__slug",
                "status",
                "published_at",
                "first_published_at",
                "updated_at",
                "modified_at",
                "kicker",
                "is_featured",
                "is_breaking",
                "lead_image",
            )
        ),
        "pages": list(Page.objects.order_by("slug").values_list("slug", "modified_at")),
        "live updates": list(
            LiveUpdate.objects.order_by("pk").values_list(
                "article__slug", "status", "published_at", "edited_at", "body"
            )
        ),
        "users": list(User.objects.order_by("username").values_list("username", "password", "groups__name")),
        "media_files": media_files(),
    }


@pytest.fixture
def demo(db):
    return load_demo()


def test_load_demo_refuses_to_run_with_debug_off_without_force(db):
    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo", stdout=StringIO())
    assert not Article.objects.exists()
    assert not get_user_model().objects.exists()


def test_load_demo_runs_without_force_when_debug_is_on(db, settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    assert Article.objects.exists()


def test_loading_the_demo_twice_gives_the_same_site(demo):
    first = site_snapshot()
    output = load_demo()
    assert site_snapshot() == first
    assert "articles 0 new/" in output


def test_every_demo_file_is_in_the_manifest_and_loaded(demo):
    manifest = tomllib.loads((DEMO_DIR / "demo.toml").read_text(encoding="utf-8"))
    listed = [entry["file"] for entry in manifest["articles"]]
    assert sorted(listed) == sorted(path.name for path in DEMO_DIR.glob("*.txt"))
    assert 15 <= len(listed) <= 19
    assert Article.objects.count() == len(listed)


def test_seed_article_is_published_in_timur_tengah_with_its_tags(demo):
    article = Article.objects.get(headline=SEED_HEADLINE)
    assert article.section.slug == "timur-tengah"
    assert article.section.parent.slug == "internasional"
    assert set(article.tags.names()) == {"Qatar", "Amerika Serikat", "Israel", "Timur Tengah"}
    assert article.is_published()
    assert article in Article.objects.published()
    # Through the importer: subheadings became H2s and the promotional lines are gone.
    assert len(article.outline) >= 2
    assert "telegram" not in article.body.lower()
    assert "Join now" not in article.body


def login(**credentials):
    # Through the login throttle (django-axes), which needs the request.
    return authenticate(RequestFactory().post("/admin/login/"), **credentials)


def test_demo_users_have_their_roles_and_the_demo_password(demo):
    for username, group in [("editor", "Editor"), ("penulis", "Penulis")]:
        user = login(username=username, password="newsportal-demo")
        assert user is not None, username
        assert user.is_staff
        assert not user.is_superuser
        assert list(user.groups.values_list("name", flat=True)) == [group]
    assert Author.objects.get(user__username="penulis").articles.exists()


def test_reloading_keeps_a_changed_demo_password(demo):
    user = get_user_model().objects.get(username="editor")
    user.set_password("a-new-password-1")
    user.save()
    load_demo()
    assert login(username="editor", password="a-new-password-1") is not None
    assert login(username="editor", password="newsportal-demo") is None


def test_every_navigation_section_and_child_has_two_published_articles(demo):
    sections = list(Section.objects.in_navigation())
    assert [section.slug for section in sections] == [
        "nasional",
        "internasional",
        "ekonomi",
        "teknologi",
        "olahraga",
        "gaya-hidup",
    ]
    sections += list(Section.objects.filter(parent__isnull=False))
    assert {"timur-tengah", "asia-pasifik"} <= {section.slug for section in sections}
    for section in sections:
        assert Article.objects.published().in_section(section).count() >= 2, section.slug


def test_demo_has_one_top_story_and_one_breaking_article(demo):
    assert Article.objects.published().filter(is_featured=True).count() == 1
    assert Article.objects.published().filter(is_breaking=True).count() == 1
    assert Article.objects.get(is_featured=True).headline == SEED_HEADLINE


def test_fictional_demo_articles_are_labelled_and_credited(demo):
    for article in Article.objects.exclude(headline=SEED_HEADLINE):
        assert article.kicker == "CONTOH", article.slug
        assert article.dek.startswith("Artikel contoh:"), article.slug
        assert article.byline_authors(), article.slug
        assert article.credits.filter(role=Credit.Role.EDITOR).exists(), article.slug
        assert "Google News" not in article.body and "Baca juga" not in article.body, article.slug
    writers = Author.objects.filter(credits__role=Credit.Role.WRITER).exclude(name="Tim Redaksi").distinct()
    assert 4 <= writers.count() <= 6


def test_every_demo_article_has_an_illustration_with_alt_text_on_disk(demo):
    for article in Article.objects.exclude(kind=Article.Kind.GALLERY):
        assert article.lead_image, article.slug
        assert article.lead_image.storage.exists(article.lead_image.name), article.slug
        assert article.lead_image_alt.startswith(f"Ilustrasi rubrik {article.section.name}")
        assert article.lead_image_credit == "Ilustrasi: Newsportal (demo)"
        assert article.lead_image.width == 2400 and article.lead_image.height == 1350
        # Cut around the motif, every crop at the 1200 px Google Discover asks for.
        crops = article.lead_image_renditions["crops"]
        assert {label: crop["fallback"][-1][0] for label, crop in crops.items()} == dict.fromkeys(
            ("16:9", "4:3", "1:1"), 1200
        ), article.slug
        assert (article.lead_image_focal_x, article.lead_image_focal_y) != (0.5, 0.5)


def test_reloading_redraws_a_missing_illustration_only(demo):
    article = Article.objects.get(headline=SEED_HEADLINE)
    article.lead_image.storage.delete(article.lead_image.name)
    others = dict(Article.objects.exclude(pk=article.pk).values_list("pk", "lead_image"))
    load_demo()
    article.refresh_from_db()
    assert article.lead_image.storage.exists(article.lead_image.name)
    assert dict(Article.objects.exclude(pk=article.pk).values_list("pk", "lead_image")) == others


def test_reloading_restores_demo_flags_but_keeps_publish_times(demo):
    article = Article.objects.get(headline=SEED_HEADLINE)
    published_at = article.published_at
    Article.objects.filter(pk=article.pk).update(is_featured=False, kicker="")
    load_demo()
    article.refresh_from_db()
    assert article.is_featured
    assert article.kicker == "Diplomasi"
    assert article.published_at == published_at


def test_reloading_invalidates_cached_pages_it_changed(demo, client, settings):
    settings.PAGE_CACHE_SECONDS = 60
    article = Article.objects.get(headline=SEED_HEADLINE)
    Article.objects.filter(pk=article.pk).update(kicker="Kicker Sementara")
    client.get(article.get_absolute_url())
    assert "Kicker Sementara" in client.get(article.get_absolute_url()).text  # a cached copy
    load_demo()  # puts the kicker back with update(), past the services
    response = client.get(article.get_absolute_url())
    assert response["X-Cache"] == "MISS"
    assert "Diplomasi" in response.text and "Kicker Sementara" not in response.text


def test_demo_has_the_static_pages(demo):
    pages = dict(Page.objects.values_list("slug", "title"))
    assert pages == {
        "tentang-kami": "Tentang Kami",
        "redaksi": "Redaksi",
        "pedoman-media-siber": "Pedoman Media Siber",
        "kontak": "Kontak",
    }
    body = Page.objects.get(slug="pedoman-media-siber").body
    assert body.count("<h2") >= 2
    assert "<li>" in body
    assert "hak jawab" in body.lower()


def test_demo_has_a_correction_and_a_right_of_reply(demo):
    kinds = sorted(Correction.objects.values_list("kind", flat=True))
    assert kinds == [Correction.Kind.CORRECTION, Correction.Kind.RIGHT_OF_REPLY]
    correction, reply = (Correction.objects.get(kind=kind) for kind in kinds)
    assert correction.article != reply.article
    assert correction.published_at >= correction.article.published_at


def test_demo_has_a_running_live_coverage_with_key_and_edited_updates(demo, client):
    coverage = Article.objects.get(live_started_at__isnull=False)
    assert coverage.is_live() and coverage.kicker == "CONTOH"
    updates = LiveUpdate.objects.public().filter(article=coverage)
    assert updates.count() >= 8
    assert updates.filter(is_key=True).exists() and updates.filter(edited_at__isnull=False).exists()
    page = client.get(coverage.get_absolute_url()).content.decode()
    assert "label--live" in page and page.count('class="live-update') >= 8 and "Diedit" in page


def test_demo_site_pages_render(demo, client):
    article = Article.objects.get(headline=SEED_HEADLINE)
    for url in [
        "/",
        "/internasional/timur-tengah/",
        article.get_absolute_url(),
        "/halaman/pedoman-media-siber/",
    ]:
        assert client.get(url).status_code == 200, url
