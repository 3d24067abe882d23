"""Plain builders for test data: make_x(**overrides) returns a saved object."""

from datetime import timedelta
from itertools import count

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from articles.models import Article, Author, Credit, Page, Section

_sequence = count(1)


def make_section(**overrides):
    n = next(_sequence)
    fields = {"name": f"Rubrik {n}", "slug": f"rubrik-{n}", "is_in_navigation": True, "position": n}
    fields.update(overrides)
    return Section.objects.create(**fields)


def make_author(**overrides):
    n = next(_sequence)
    fields = {"name": f"Penulis {n}", "slug": f"penulis-{n}", "bio": f"Wartawan nomor {n}."}
    fields.update(overrides)
    return Author.objects.create(**fields)


def make_article(*, authors=(), tags=(), **overrides):
    """Return a published article (one hour old) unless overrides say otherwise."""
    n = next(_sequence)
    fields = {
        "headline": f"Berita contoh nomor {n}",
        "slug": f"berita-contoh-{n}",
        "dek": f"Ringkasan berita contoh {n}.",
        "body": "<h2>Latar belakang</h2><p>Paragraf pertama.</p><h2>Dampak</h2><p>Paragraf kedua.</p>",
        "status": Article.Status.PUBLISHED,
        "published_at": timezone.now() - timedelta(hours=1),
    }
    fields.update(overrides)
    if "section" not in fields:
        fields["section"] = make_section()
    article = Article.objects.create(**fields)
    for position, author in enumerate(authors):
        Credit.objects.create(article=article, author=author, position=position)
    if tags:
        article.tags.add(*tags)
    return article


def make_page(**overrides):
    n = next(_sequence)
    fields = {"title": f"Halaman {n}", "slug": f"halaman-{n}", "body": "<p>Isi halaman.</p>"}
    fields.update(overrides)
    return Page.objects.create(**fields)


def make_user(*, username=None, group=None, is_superuser=False, password="newsportal-demo"):
    username = username or f"user{next(_sequence)}"
    user = get_user_model().objects.create_user(
        username=username, password=password, is_staff=True, is_superuser=is_superuser
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user
