"""Slugs made from headlines and names: one rule (models.headline_slug) on the server and in the admin."""

import json
import shutil
import subprocess
from pathlib import Path

import django
import pytest
from django.conf import settings

from articles.models import headline_slug
from articles.services import article_import_slug, author_get_or_create

SLUGS = [
    ("Gempa Magnitudo 5,6 Guncang Bali", "gempa-magnitudo-5-6-guncang-bali"),
    ("Rp 1.500 triliun", "rp-1-500-triliun"),
    (
        "Inflasi 2,75 Persen, Harga Beras Naik 1.200.000 Ton",
        "inflasi-2-75-persen-harga-beras-naik-1-200-000-ton",
    ),
    # Ordinary punctuation is slugify()'s business, as before.
    ("Halo, Dunia. Apa Kabar?", "halo-dunia-apa-kabar"),
    ("Skor 3, 2 Gol. Versi 2.0", "skor-3-2-gol-versi-2-0"),
    ("Tahun 2026.", "tahun-2026"),
    ("Pukul 10.30 WIB: Sidang Dimulai", "pukul-10-30-wib-sidang-dimulai"),
]


@pytest.mark.parametrize(("headline", "slug"), SLUGS)
def test_decimal_separators_between_digits_become_hyphens(headline, slug):
    assert headline_slug(headline) == slug


@pytest.mark.parametrize(("headline", "slug"), SLUGS)
def test_importer_slug_keeps_numbers_apart(headline, slug):
    assert article_import_slug(headline=headline) == slug


@pytest.mark.django_db
def test_new_author_slug_keeps_numbers_apart():
    assert author_get_or_create(name="Tim 2,5 Redaksi").slug == "tim-2-5-redaksi"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_admin_live_slug_follows_the_server_rule():
    """Run Django's urlify.js and our article-form.js in node: the admin's live slug is headline_slug()."""
    urlify = Path(django.__file__).parent / "contrib/admin/static/admin/js/urlify.js"
    article_form = Path(settings.BASE_DIR) / "static/articles/admin/article-form.js"
    script = f"""
        const vm = require("vm"), fs = require("fs");
        const context = {{document: {{addEventListener() {{}}}}}};
        context.window = context;
        vm.createContext(context);
        vm.runInContext(fs.readFileSync({json.dumps(str(urlify))}, "utf8"), context);
        vm.runInContext(fs.readFileSync({json.dumps(str(article_form))}, "utf8"), context);
        const headlines = {json.dumps([headline for headline, _slug in SLUGS])};
        console.log(JSON.stringify(headlines.map((text) => context.window.URLify(text, 200, false))));
    """
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True, timeout=30)
    assert json.loads(result.stdout) == [slug for _headline, slug in SLUGS]


@pytest.mark.django_db
def test_article_addresses_are_what_reverse_gives_in_every_language_and_script_prefix():
    from django.urls import clear_script_prefix, reverse, set_script_prefix
    from django.utils import timezone, translation

    from articles.models import Article

    from .factories import make_article

    article = make_article(headline="Alamat Tanpa Reverse")
    moment = timezone.localtime(article.published_at)
    expected_kwargs = {
        "section": article.section.slug,
        "year": moment.year,
        "month": moment.month,
        "day": moment.day,
        "slug": article.slug,
    }
    try:
        for prefix in ("/", "/portal/"):
            set_script_prefix(prefix)
            for language in ("id", "en"):
                with translation.override(language):
                    assert article.get_absolute_url() == reverse("articles:detail", kwargs=expected_kwargs)
    finally:
        clear_script_prefix()
    # And so are the addresses of its section (a child one too), its authors and its tags.
    from taggit.models import Tag

    from articles.models import Author, Section, tag_url

    parent = article.section
    child = Section.objects.create(name="Anak Rubrik", slug="anak-rubrik", parent=parent)
    author = Author.objects.create(name="Penulis Alamat", slug="penulis-alamat")
    tag = Tag.objects.create(name="Topik Alamat", slug="topik-alamat")
    try:
        for prefix in ("/", "/portal/"):
            set_script_prefix(prefix)
            for language in ("id", "en"):
                with translation.override(language):
                    assert parent.get_absolute_url() == reverse(
                        "articles:section", kwargs={"slug": parent.slug}
                    )
                    assert child.get_absolute_url() == reverse(
                        "articles:child-section", kwargs={"parent_slug": parent.slug, "slug": child.slug}
                    )
                    assert author.get_absolute_url() == reverse(
                        "articles:author", kwargs={"slug": author.slug}
                    )
                    assert tag_url(tag) == reverse("articles:tag", kwargs={"slug": tag.slug})
    finally:
        clear_script_prefix()
    # A slug the converter would refuse is left to reverse(), which refuses it.
    odd = Article(headline="x", slug="bukan/slug", section=article.section, published_at=article.published_at)
    with pytest.raises(Exception, match="Reverse"):
        odd.get_absolute_url()
