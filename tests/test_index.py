"""/indeks/: every published article of one Jakarta day, by date and section, with a no-JS date picker."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from .factories import make_article, make_section
from .test_views import HIDDEN_STATES, hidden_article

pytestmark = pytest.mark.django_db


def jakarta(*args):
    return timezone.make_aware(datetime(*args))


def headlines(response):
    assert response.status_code == 200
    return [article.headline for article in response.context["article_list"]]


# 01:30 in Jakarta on 10 March is still 9 March in UTC.
@time_machine.travel(jakarta(2026, 3, 10, 1, 30), tick=False)
def test_default_day_is_today_in_jakarta(client):
    make_article(headline="Dini hari ini", published_at=jakarta(2026, 3, 10, 0, 15))
    make_article(headline="Kemarin malam", published_at=jakarta(2026, 3, 9, 23, 45))
    response = client.get("/indeks/")
    assert headlines(response) == ["Dini hari ini"]
    assert response.context["day"].isoformat() == "2026-03-10"


@time_machine.travel(jakarta(2026, 3, 10, 12, 0), tick=False)
def test_date_parameter_picks_a_day_newest_first(client):
    make_article(headline="Pagi", published_at=jakarta(2026, 3, 9, 7, 0))
    make_article(headline="Malam", published_at=jakarta(2026, 3, 9, 21, 0))
    make_article(headline="Hari ini", published_at=jakarta(2026, 3, 10, 8, 0))
    assert headlines(client.get("/indeks/", {"date": "2026-03-09"})) == ["Malam", "Pagi"]


@time_machine.travel(jakarta(2026, 3, 10, 12, 0), tick=False)
def test_section_parameter_includes_child_sections(client):
    parent = make_section(slug="internasional")
    child = make_section(slug="timur-tengah", parent=parent)
    make_article(headline="Doha", section=child, published_at=jakarta(2026, 3, 10, 9, 0))
    make_article(headline="Jakarta", published_at=jakarta(2026, 3, 10, 10, 0))
    assert headlines(client.get("/indeks/", {"section": "internasional"})) == ["Doha"]


@time_machine.travel(jakarta(2026, 3, 10, 12, 0), tick=False)
@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_index_never_lists_unpublished_articles(client, state):
    hidden_article(state, headline="Rahasia redaksi")
    make_article(headline="Terbit", published_at=jakarta(2026, 3, 10, 11, 0))
    # A scheduled article later today stays out until its time.
    assert headlines(client.get("/indeks/")) == ["Terbit"]


@pytest.mark.parametrize(
    "params",
    [
        {"date": "2026-02-30"},
        {"date": "kemarin"},
        {"date": "99999-01-01"},
        {"date": "0001-01-01"},
        {"section": "tidak-ada"},
    ],
)
def test_bad_parameters_answer_400_with_a_friendly_page(client, params):
    response = client.get("/indeks/", params)
    assert response.status_code == 400
    content = response.content.decode()
    assert "Periksa kembali tanggal atau rubrik" in content
    assert 'type="date"' in content


@time_machine.travel(jakarta(2026, 3, 10, 12, 0), tick=False)
def test_date_picker_works_without_javascript(client):
    section = make_section(slug="nasional")
    content = client.get("/indeks/", {"date": "2026-03-09", "section": "nasional"}).content.decode()
    form = content.split('class="index-form"')[1].split("</form>")[0]
    assert 'method="get"' in content.split('class="index-form"')[0][-200:] + form or 'method="get"' in form
    assert '<input id="index-date" type="date" name="date" value="2026-03-09"' in form
    assert 'max="2026-03-10"' in form
    assert f'<option value="{section.slug}" selected>' in form
    assert 'href="?date=2026-03-08&amp;section=nasional" rel="prev"' in content
    assert 'href="?date=2026-03-10&amp;section=nasional" rel="next"' in content


@time_machine.travel(jakarta(2026, 3, 10, 12, 0), tick=False)
def test_today_has_no_next_day_link(client):
    content = client.get("/indeks/").content.decode()
    assert 'rel="next"' not in content.split('class="day-nav"')[1].split("</nav>")[0]
    assert 'href="?date=2026-03-09" rel="prev"' in content


@time_machine.travel(jakarta(2026, 3, 10, 12, 0), tick=False)
def test_canonical_names_the_day_and_section(client):
    make_section(slug="nasional")
    content = client.get("/indeks/", {"date": "2026-03-09", "section": "nasional"}).content.decode()
    assert (
        '<link rel="canonical" href="http://testserver/indeks/?date=2026-03-09&amp;section=nasional">'
        in content
    )
    assert (
        '<link rel="canonical" href="http://testserver/indeks/">' in client.get("/indeks/").content.decode()
    )


def test_index_query_count_is_bounded(client, django_assert_max_num_queries):
    section = make_section()
    for n in range(30):
        make_article(section=section, tags=[f"t{n}"], published_at=timezone.now() - timedelta(minutes=n + 1))
    with django_assert_max_num_queries(10):
        assert client.get("/indeks/").status_code == 200
