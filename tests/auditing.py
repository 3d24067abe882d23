"""The web's own checkers, driven from Python, for tests/test_audit.py (make test) and tests/audit_site.py.

- the W3C Nu HTML Checker (npm vnu-jar, run with the machine's java),
- axe-core (npm) injected into Debian's Chromium through Playwright,
- Lighthouse 12.2.3 (npm) with CHROME_PATH=/usr/bin/chromium,
- feedparser for feeds and lxml with the sitemaps.org XSD files for sitemaps.

Nothing here downloads a browser: package.json pins the tools and the
Makefile installs them with `npm ci --ignore-scripts`.
"""

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
LIGHTHOUSE = NODE_MODULES / ".bin" / "lighthouse"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
JAVA = shutil.which("java")
XSD_DIR = Path(__file__).resolve().parent / "xsd"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTHS = (360, 1280)
LIGHTHOUSE_CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
SEED_SLUG = "qatar-percepat-perjanjian-pertahanan"
GALLERY_SLUG = "foto-sehari-di-festival-layang-layang-sambiran"
EMBED_SLUG = "ratusan-layang-layang-raksasa-warnai-langit-pantai-sambiran"
# The demo's live coverage (articles/demo/nasional-langsung-banjir-wanaraya.txt).
LIVE_SLUG = "laporan-langsung-evakuasi-korban-banjir-wanaraya-hari-kedua"


def missing(*tools):
    """Return why the named tools ("java", "vnu", "axe", "chromium", "lighthouse") can't run, or ""."""
    checks = {
        "java": (JAVA, "java is not installed (apt-get install default-jre-headless)"),
        "vnu": (VNU_JAR.exists(), "node_modules/vnu-jar is missing (run make test or npm ci)"),
        "axe": (AXE_JS.exists(), "node_modules/axe-core is missing (run make test or npm ci)"),
        "lighthouse": (LIGHTHOUSE.exists(), "node_modules/lighthouse is missing (run npm ci)"),
        "chromium": (os.path.exists(CHROMIUM), "Debian's chromium is not installed"),
    }
    return "; ".join(reason for tool, (ok, reason) in checks.items() if tool in tools and not ok)


# --- Pages to audit -------------------------------------------------------------------


def fetch(url, *, data=None):
    request = urllib.request.Request(url, data=data, headers={"User-Agent": "newsportal-audit"})
    with urllib.request.urlopen(request, timeout=60) as response:  # our own server
        return response.read()


def audit_pages(base_url):
    """Return {name: path} of the audited pages: home, section, seed article, tag, author, search, index,
    the gallery, the article with an embed and the live coverage."""
    articles_sitemap = fetch(urljoin(base_url, "/sitemap-articles.xml")).decode()
    seed = next(
        (loc for loc in re.findall(r"<loc>([^<]+)</loc>", articles_sitemap) if SEED_SLUG in loc),
        None,
    )
    if seed is None:
        raise RuntimeError("The seed article is not in /sitemap-articles.xml: load the demo first.")
    seed_path = re.sub(r"^https?://[^/]+", "", seed)
    by_slug = {
        slug: re.sub(r"^https?://[^/]+", "", loc)
        for loc in re.findall(r"<loc>([^<]+)</loc>", articles_sitemap)
        for slug in (GALLERY_SLUG, EMBED_SLUG, LIVE_SLUG)
        if loc.rstrip("/").endswith("/" + slug)
    }
    article_html = fetch(urljoin(base_url, seed_path)).decode()
    tag_path = re.search(r'href="(/tag/[^"/]+/)"', article_html).group(1)
    author_path = re.search(r'href="(/penulis/[^"/]+/)"', article_html).group(1)
    return {
        "home": "/",
        "section": "/internasional/",
        "article": seed_path,
        "tag": tag_path,
        "author": author_path,
        "search": "/cari/?q=serangan",
        "index": "/indeks/",
        # The demo's photo gallery and its article with a click-to-load video.
        "gallery": by_slug[GALLERY_SLUG],
        "embed": by_slug[EMBED_SLUG],
        "live": by_slug[LIVE_SLUG],
    }


def feed_paths(pages):
    tag_feed = pages["tag"] + "feed/"
    live_feed = pages["live"] + "feed/"
    return [
        "/feed/",
        "/feed/atom/",
        "/internasional/feed/",
        "/internasional/timur-tengah/feed/",
        tag_feed,
        live_feed,
    ]


# --- Nu HTML Checker ---------------------------------------------------------------------


def vnu_errors(paths):
    """Check HTML files in one JVM run; return {file name: ["line N: message", ...]} for files with errors."""
    result = subprocess.run(
        [
            JAVA,
            "-jar",
            str(VNU_JAR),
            "--format",
            "json",
            "--errors-only",
            "--exit-zero-always",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(result.stderr or result.stdout)
    errors = {Path(path).name: [] for path in paths}
    for message in report.get("messages", []):
        if message.get("type") in ("error", "non-document-error"):
            name = Path(message.get("url", "").removeprefix("file:")).name
            errors.setdefault(name, []).append(
                f"line {message.get('lastLine', '?')}: {message.get('message')}"
            )
    return errors


# --- axe-core -------------------------------------------------------------------------------


AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
  }));
}"""


def axe_violations(page):
    """Run every axe-core rule (all impacts, best practices included) on the loaded page."""
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(AXE_RUN)


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# --- Lighthouse --------------------------------------------------------------------------------


def lighthouse_scores(url, *, attempts=3):
    """Run Lighthouse (mobile) on url; return ({category: score 0-100}, {category: [audits below 1]}).

    Headless Chrome now and then loses the trace (NO_NAVSTART); such a run is tried again.
    """
    for attempt in range(attempts):
        try:
            return _lighthouse_run(url)
        except RuntimeError:
            if attempt == attempts - 1:
                raise
            time.sleep(2)


def _lighthouse_run(url):
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    result = subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--output=json",
            "--output-path=stdout",
            "--quiet",
            f"--only-categories={','.join(LIGHTHOUSE_CATEGORIES)}",
            "--chrome-flags=--headless --no-sandbox --disable-gpu --disable-background-networking",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"lighthouse failed on {url}: {result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    scores = {key: round((category["score"] or 0) * 100) for key, category in report["categories"].items()}
    failing = {
        key: [
            audit_id
            for audit_id in (ref["id"] for ref in category["auditRefs"] if ref.get("weight"))
            if (
                report["audits"][audit_id].get("score") is not None
                and report["audits"][audit_id]["score"] < 1
            )
        ]
        for key, category in report["categories"].items()
    }
    return scores, failing


# --- Feeds and sitemaps -------------------------------------------------------------------------


def feed_problems(content):
    """Return why feedparser would not read this feed cleanly, or ""."""
    import feedparser

    parsed = feedparser.parse(content)
    if parsed.bozo:
        return f"bozo: {parsed.bozo_exception!r}"
    if not parsed.entries:
        return "no entries"
    for entry in parsed.entries:
        for key in ("title", "link", "id", "published"):
            if not entry.get(key):
                return f"entry without {key}: {entry.get('link')}"
    return ""


def sitemap_problems(content):
    """Validate a sitemap or sitemap index against the sitemaps.org schema; return the errors."""
    from lxml import etree

    document = etree.fromstring(content)
    name = "siteindex.xsd" if etree.QName(document).localname == "sitemapindex" else "urlset.xsd"
    schema = etree.XMLSchema(etree.parse(str(XSD_DIR / name)))
    if schema.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def sitemap_locations(content):
    from lxml import etree

    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    return etree.fromstring(content).xpath("//s:loc/text()", namespaces=namespace)
