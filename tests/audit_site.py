"""make audit: serve the demo site with gunicorn (DEBUG off) and measure it with the web's own tools.

    python -m tests.audit_site [--port 8410] [--url http://127.0.0.1:8410] [--skip-lighthouse]

Without --url it starts gunicorn from newsportal/gunicorn.conf.py on --port
with the current environment (and the checkout's .env, which make writes:
SECRET_KEY, ALLOWED_HOSTS and HTTPS=0), waits for /readyz and stops it afterwards. Prints per page: Nu
checker errors, axe-core violations at 360 and 1280 px, Lighthouse scores
(home and the seed article, mobile), then feeds and sitemaps. Exits 1 when
any figure misses its bar: 0 errors, 0 violations, every Lighthouse score >= 95,
no bozo feed, every sitemap valid.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
from pathlib import Path
from urllib.parse import urljoin

from tests import auditing

LIGHTHOUSE_PAGES = ("home", "article", "gallery")
LIGHTHOUSE_MINIMUM = 95
# Lighthouse's own advice: scores vary from run to run, so report the median of several.
LIGHTHOUSE_RUNS = 3


def start_gunicorn(port):
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "WEB_CONCURRENCY": "2"}
    env.setdefault("GUNICORN_ACCESS_LOG", os.devnull)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "newsportal/gunicorn.conf.py"],
        cwd=auditing.ROOT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(60):
        try:
            auditing.fetch(url + "/readyz")
            return process, url
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {process.returncode}") from None
            time.sleep(0.5)
    stop(process)
    raise SystemExit("gunicorn did not answer /readyz within 30 s")


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def audit(base_url, *, lighthouse=True):
    failures = []
    pages = auditing.audit_pages(base_url)
    print(f"Auditing {base_url}")
    for name, path in pages.items():
        print(f"  {name:8} {path}")

    # Nu HTML checker: every page saved once, one JVM for all of them.
    with tempfile.TemporaryDirectory(prefix="newsportal-vnu-") as folder:
        files = []
        for name, path in pages.items():
            file = Path(folder) / f"{name}.html"
            file.write_bytes(auditing.fetch(urljoin(base_url, path)))
            files.append(file)
        vnu = auditing.vnu_errors(files)
    print("\nW3C Nu HTML Checker (errors)")
    for name in pages:
        errors = vnu.get(f"{name}.html", [])
        print(f"  {name:8} {len(errors)}")
        for error in errors[:10]:
            print(f"           {error}")
        if errors:
            failures.append(f"vnu: {name} has {len(errors)} errors")

    # axe-core in Chromium at phone and desktop widths.
    from playwright.sync_api import sync_playwright

    print("\naxe-core (violations, any impact)")
    print(f"  {'page':8} " + " ".join(f"{width:>6}px" for width in auditing.WIDTHS))
    with sync_playwright() as playwright:
        browser = auditing.launch_chromium(playwright)
        results = {}
        for width in auditing.WIDTHS:
            # bypass_csp: axe is injected as a script, which the site's strict CSP rightly refuses.
            page = browser.new_page(viewport={"width": width, "height": 900}, bypass_csp=True)
            for name, path in pages.items():
                page.goto(urljoin(base_url, path), wait_until="load")
                results[(name, width)] = auditing.axe_violations(page)
            page.close()
        browser.close()
    for name in pages:
        print(f"  {name:8} " + " ".join(f"{len(results[(name, width)]):>8}" for width in auditing.WIDTHS))
        for width in auditing.WIDTHS:
            for violation in results[(name, width)]:
                print(f"           {width}px {violation['id']} ({violation['impact']}): {violation['nodes']}")
                failures.append(f"axe: {name} at {width}px: {violation['id']}")

    if lighthouse:
        print(
            f"\nLighthouse 12.2.3, mobile (performance, accessibility, best practices, SEO), "
            f"median of {LIGHTHOUSE_RUNS} runs"
        )
        for name in LIGHTHOUSE_PAGES:
            runs = [
                auditing.lighthouse_scores(urljoin(base_url, pages[name])) for _ in range(LIGHTHOUSE_RUNS)
            ]
            scores = {key: statistics.median(run[0][key] for run in runs) for key in runs[0][0]}
            failing = {key: sorted({audit for run in runs for audit in run[1][key]}) for key in runs[0][1]}
            print(
                f"  {name:8} " + "  ".join(f"{key} {scores[key]:g}" for key in auditing.LIGHTHOUSE_CATEGORIES)
            )
            print(
                "           runs: "
                + "; ".join(
                    " ".join(str(run[0][key]) for key in auditing.LIGHTHOUSE_CATEGORIES) for run in runs
                )
            )
            for key in auditing.LIGHTHOUSE_CATEGORIES:
                if scores[key] < LIGHTHOUSE_MINIMUM:
                    failures.append(f"lighthouse: {name} {key} {scores[key]} < {LIGHTHOUSE_MINIMUM}")
                    print(f"           {key} audits below 1: {', '.join(failing[key])}")

    print("\nFeeds (feedparser)")
    for path in auditing.feed_paths(pages):
        problem = auditing.feed_problems(auditing.fetch(urljoin(base_url, path)))
        print(f"  {path:40} {problem or 'ok, no bozo'}")
        if problem:
            failures.append(f"feed {path}: {problem}")

    print("\nSitemaps (sitemaps.org XSD)")
    index = auditing.fetch(urljoin(base_url, "/sitemap.xml"))
    for url, content in [("/sitemap.xml", index)] + [
        (loc, auditing.fetch(loc.replace(loc.split("/sitemap")[0], base_url.rstrip("/"), 1)))
        for loc in auditing.sitemap_locations(index)
    ]:
        problems = auditing.sitemap_problems(content)
        count = content.count(b"<loc>")
        print(f"  {url:60} {'valid' if not problems else 'INVALID'} ({count} URLs)")
        for problem in problems[:5]:
            print(f"           {problem}")
        if problems:
            failures.append(f"sitemap {url} invalid")

    print()
    if failures:
        print("AUDIT FAILED:")
        for failure in failures:
            print(f"  - {failure}")
        return 1
    print("AUDIT PASSED: 0 HTML errors, 0 axe violations, Lighthouse >= 95, feeds and sitemaps valid.")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("AUDIT_PORT", "8410")))
    parser.add_argument("--url", help="audit a site that is already running instead of starting gunicorn")
    parser.add_argument("--skip-lighthouse", action="store_true")
    args = parser.parse_args()
    reason = auditing.missing(
        "java", "vnu", "axe", "chromium", *(() if args.skip_lighthouse else ("lighthouse",))
    )
    if reason:
        raise SystemExit(f"Cannot audit: {reason}")
    if args.url:
        return audit(args.url, lighthouse=not args.skip_lighthouse)
    process, url = start_gunicorn(args.port)
    try:
        return audit(url, lighthouse=not args.skip_lighthouse)
    finally:
        stop(process)


if __name__ == "__main__":
    sys.exit(main())
