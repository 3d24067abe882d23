"""Baca juga (related by tags, then section) and previous/next in the section."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import selectors

from .factories import make_article, make_section
from .test_views import HIDDEN_STATES, hidden_article

pytestmark = pytest.mark.django_db


def related(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode().split('id="baca-juga"')[1].split("</section>")[0]


def test_related_ranks_shared_tags_first_then_section_then_family():
    parent = make_section(slug="internasional")
    child = make_section(slug="timur-tengah", parent=parent)
    sibling = make_section(slug="asia-pasifik", parent=parent)
    article = make_article(section=child, tags=["Qatar", "Pertahanan"])
    two_tags = make_article(
        headline="Dua tag sama", tags=["Qatar", "Pertahanan"], published_at=timezone.now() - timedelta(days=9)
    )
    one_tag = make_article(headline="Satu tag sama", tags=["Qatar"])
    same_section = make_article(headline="Rubrik sama", section=child)
    family = make_article(headline="Rubrik saudara", section=sibling)
    make_article(headline="Tidak terkait")
    ranked = list(selectors.related_to(article))
    assert ranked == [two_tags, one_tag, same_section, family]


def test_related_never_includes_the_article_itself(client):
    article = make_article(tags=["Qatar"])
    make_article(tags=["Qatar"], section=article.section)
    assert article not in selectors.related_to(article)
    assert article.get_absolute_url() not in related(client, article)


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_related_never_shows_unpublished_articles(client, state):
    article = make_article(tags=["Qatar"])
    hidden_article(state, headline="Rahasia redaksi", tags=["Qatar"], section=article.section)
    make_article(headline="Terbit juga", tags=["Qatar"])
    block = related(client, article)
    assert "Terbit juga" in block and "Rahasia redaksi" not in block


def test_baca_juga_is_on_the_article_page(client):
    article = make_article(tags=["Qatar"])
    make_article(headline="Juga tentang Qatar", tags=["Qatar"])
    assert "Juga tentang Qatar" in related(client, article)


def test_previous_and_next_stay_in_the_section_and_skip_unpublished(client):
    section = make_section()
    now = timezone.now()
    older = make_article(headline="Lebih lama", section=section, published_at=now - timedelta(hours=5))
    hidden_article(HIDDEN_STATES[0], headline="Draf di tengah", section=section)
    article = make_article(section=section, published_at=now - timedelta(hours=3))
    newer = make_article(headline="Lebih baru", section=section, published_at=now - timedelta(hours=1))
    make_article(headline="Rubrik lain", published_at=now - timedelta(hours=2))
    content = client.get(article.get_absolute_url()).content.decode()
    nav = content.split('class="neighbours"')[1].split("</nav>")[0]
    assert f'href="{older.get_absolute_url()}" rel="prev"' in nav
    assert f'href="{newer.get_absolute_url()}" rel="next"' in nav
    assert "Draf di tengah" not in nav and "Rubrik lain" not in nav


def test_share_links_need_no_third_party_script(client):
    article = make_article()
    content = client.get(article.get_absolute_url()).content.decode()
    share = content.split('class="share"')[1].split("</div>")[0]
    for target in [
        "https://wa.me/",
        "https://x.com/intent/post",
        "https://www.facebook.com/sharer",
        "https://t.me/share",
    ]:
        assert target in share
    assert f'href="http://testserver{article.get_absolute_url()}" data-copy-link' in share
    assert "<script" not in share
