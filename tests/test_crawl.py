"""Crawl the demo site like a reader: every internal link answers, nothing is a 5xx."""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

LINK_RE = re.compile(r'(?:href|src)="([^"#]*)(?:#[^"]*)?"')
SKIP_PREFIXES = ("/admin/", "/media/", "/static/")


def test_every_internal_link_on_the_demo_site_works(client):
    call_command("load_demo", force=True, verbosity=0)
    seen, queue, broken = set(), ["/"], []
    while queue and len(seen) < 400:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code in (301, 302):
            queue.append(response["Location"])
            continue
        if response.status_code != 200:
            broken.append((url, response.status_code))
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for link in LINK_RE.findall(response.content.decode()):
            target = urlsplit(urljoin(url, link))
            if target.scheme not in ("", "http") or (target.netloc and target.netloc != "testserver"):
                continue
            path = target.path + (f"?{target.query}" if target.query else "")
            if path and not path.startswith(SKIP_PREFIXES) and path not in seen:
                queue.append(path)
    assert not broken
    # The crawl reached every page type.
    assert any(re.match(r"^/[\w-]+/\d{4}/\d{2}/\d{2}/[\w-]+/$", url) for url in seen)
    assert any(url.startswith("/tag/") for url in seen)
    assert any(url.startswith("/penulis/") for url in seen)
    assert any(url.startswith("/halaman/") for url in seen)
    assert "/internasional/timur-tengah/" in seen
