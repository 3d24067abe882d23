"""newsportal.middleware.RequestSanityMiddleware: Host spellings, methods and If-Modified-Since (issue 11)."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("host", ["127.0.0.1:99999", "127.0.0.1:0", "local host", "localhost:8x", "a/b"])
def test_a_malformed_host_or_port_is_a_400(client, host):
    response = client.get("/robots.txt", headers={"host": host})
    assert response.status_code == 400


@pytest.mark.parametrize("host", ["LOCALHOST", "localhost.", "LocalHost.:8000"])
def test_host_variants_are_spelt_canonically_everywhere(client, host):
    robots = client.get("/robots.txt", headers={"host": host})
    assert robots.status_code == 200
    expected = "localhost:8000" if ":8000" in host else "localhost"
    assert f"Sitemap: http://{expected}/sitemap.xml" in robots.content.decode()
    feed = client.get("/feed/", headers={"host": host})
    assert feed.status_code == 200
    assert f"http://{expected}/" in feed.content.decode()
    assert host not in feed.content.decode()


@override_settings(PAGE_CACHE_SECONDS=60)
def test_a_host_variant_never_reaches_the_cached_copy(client):
    client.get("/", headers={"host": "LOCALHOST."})
    page = client.get("/", headers={"host": "localhost"}).content.decode()
    assert "LOCALHOST" not in page and "localhost./" not in page


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "PUT", "DELETE"])
def test_unknown_methods_are_a_405(client, method):
    response = client.generic(method, "/", data="secret=1")
    assert response.status_code == 405
    assert b"secret" not in response.content
    assert response["Allow"] == "GET, HEAD, POST, OPTIONS"


def test_if_modified_since_in_the_future_is_ignored(client):
    response = client.get("/robots.txt", headers={"if-modified-since": "Fri, 31 Dec 9999 23:59:59 GMT"})
    assert response.status_code == 200
    assert b"Sitemap:" in response.content


def test_if_modified_since_in_the_past_still_answers_304_when_unchanged(client):
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.utils.http import http_date

    from newsportal.middleware import RequestSanityMiddleware

    def view(request):
        from django.utils.cache import get_conditional_response

        return get_conditional_response(request, last_modified=500, response=HttpResponse("x"))

    request = RequestFactory().get("/", headers={"if-modified-since": http_date(1000)})
    assert RequestSanityMiddleware(view)(request).status_code == 304
