"""Database outages: readers get a 503 page with Retry-After, probes tell live from ready."""

import pytest
from django.db import OperationalError, ProgrammingError

from articles.models import ArticleQuerySet

pytestmark = pytest.mark.django_db


def fail_with(exception):
    def published(self):
        raise exception

    return published


def test_lost_database_gives_a_503_page_with_retry_after(client, monkeypatch):
    monkeypatch.setattr(ArticleQuerySet, "published", fail_with(OperationalError("connection refused")))
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Layanan sementara tidak tersedia" in response.content.decode()


def test_a_bad_query_is_not_disguised_as_an_outage(client, monkeypatch):
    monkeypatch.setattr(ArticleQuerySet, "published", fail_with(ProgrammingError("syntax error")))
    client.raise_request_exception = False
    assert client.get("/").status_code == 500


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/healthz").status_code == 200
