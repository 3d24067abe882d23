"""The demo site through the W3C Nu HTML Checker and axe-core, as `make audit` runs them (without Lighthouse).

Pages: home, a section, the seed article, a tag, an author, search results and
the news index; axe at 360 and 1280 px. Skipped, with the reason, only when
java, Chromium or node_modules (installed by `make test`) are missing.
"""

import os
from urllib.parse import urljoin

import pytest
from django.core.management import call_command

from . import auditing
from .factories import ensure_newsroom_groups

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def browser():
    reason = auditing.missing("chromium", "axe")
    if reason:
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        browser = auditing.launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def demo_site(live_server):
    # Transactional tests flush the tables, taking the newsroom groups of the data migrations along.
    # (Not the migration's own function: it must not run on the global app registry.)
    ensure_newsroom_groups()
    call_command("load_demo", force=True, verbosity=0)
    return live_server.url, auditing.audit_pages(live_server.url)


def test_demo_pages_have_no_html_errors(demo_site, tmp_path):
    reason = auditing.missing("java", "vnu")
    if reason:
        pytest.skip(reason)
    base_url, pages = demo_site
    files = []
    for name, path in pages.items():
        file = tmp_path / f"{name}.html"
        file.write_bytes(auditing.fetch(urljoin(base_url, path)))
        files.append(file)
    # English pages too: same templates, other strings.
    for name in ("home", "article"):
        file = tmp_path / f"{name}-en.html"
        file.write_bytes(auditing.fetch(urljoin(base_url, "/en" + pages[name])))
        files.append(file)
    errors = {name: messages for name, messages in auditing.vnu_errors(files).items() if messages}
    assert errors == {}


@pytest.mark.parametrize("width", auditing.WIDTHS)
def test_demo_pages_have_no_accessibility_violations(browser, demo_site, width):
    base_url, pages = demo_site
    # bypass_csp: axe is injected as a script, which the site's strict CSP rightly refuses.
    page = browser.new_page(viewport={"width": width, "height": 900}, bypass_csp=True)
    violations = {}
    for name, path in pages.items():
        page.goto(urljoin(base_url, path), wait_until="load")
        found = auditing.axe_violations(page)
        if found:
            violations[name] = found
    page.close()
    assert violations == {}


def test_demo_feeds_and_sitemaps_are_valid(demo_site):
    base_url, pages = demo_site
    for path in auditing.feed_paths(pages):
        assert auditing.feed_problems(auditing.fetch(urljoin(base_url, path))) == "", path
    index = auditing.fetch(urljoin(base_url, "/sitemap.xml"))
    assert auditing.sitemap_problems(index) == []
    for location in auditing.sitemap_locations(index):
        assert auditing.sitemap_problems(auditing.fetch(location)) == [], location
