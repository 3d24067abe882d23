"""make bench: the production stack (gunicorn + PostgreSQL + Redis) under wrk, page type by page type.

Run as `python -m tools.bench` (the Makefile does). It prepares a benchmark
database with the 100,000-article archive once (bench_data), starts gunicorn
with the checked-in config, and drives load with wrk from a second process on
127.0.0.1. For every URL type it prints requests/s, p50/p99 latency, queries per
request and bytes, cold (every request misses the page cache) and warm, next to
one static CSS file served by WhiteNoise through the same gunicorn. Then, in the
same run, a newsroom (tools/newsroom.py): the long tail of distinct articles and
a reader mix while an editor publishes, against issue 12's targets.
"""

import os
import re
import secrets
import shutil
import time
import urllib.request
from datetime import date

import tools.wrk
from tools import newsroom
from tools.stack import Editor, Stack

PORT = int(os.environ.get("BENCH_PORT", "8590"))
DURATION = os.environ.get("BENCH_DURATION", "8s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
SOLO_DURATION = os.environ.get("BENCH_SOLO_DURATION", "3s")
MIX_SECONDS = int(os.environ.get("BENCH_MIX_SECONDS", "30"))
PUBLISH_EVERY = float(os.environ.get("BENCH_PUBLISH_EVERY", "10"))
THREADS = 2
ARTICLES = int(os.environ.get("BENCH_ARTICLES", "100000"))
# Its own database, never DATABASE_URL: the archive replaces whatever articles it finds.
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsportal_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
EDITOR = ("bench-editor", "bench-editor-password")

stack = Stack(database_url=DATABASE_URL, redis_url=REDIS_URL, port=PORT)
SERVER_ENV = {"QUERY_COUNT_HEADER": "1"}
BASE = stack.base

# Every request gets a unique query string, so it misses the page cache: the cold figure.
# Each run and each wrk thread has its own prefix: wrk's Lua random numbers repeat from run
# to run, and a repeated address would be served from the cache.
COLD_LUA = """
local counter = 0
local prefix = "RUN"
local thread_count = 0
setup = function(thread)
  thread_count = thread_count + 1
  thread:set("prefix", prefix .. "-" .. thread_count)
end
request = function()
  counter = counter + 1
  local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
  return wrk.format(nil, wrk.path .. sep .. "_bench=" .. prefix .. "-" .. counter)
end
"""


def prepare():
    stack.create_database()
    count = int(
        stack.manage(
            "shell", "-c", "from articles.models import Article; print(Article.objects.count())", capture=True
        )
    )
    if count < ARTICLES:
        print(f"Generating {ARTICLES:,} articles (once; reused by later runs)...", flush=True)
        stack.run("tools.bench_data", "--replace", "--articles", str(ARTICLES))
    # As on an archive that arrived in bulk: store what pages read instead of computing
    # (once; a few queries when nothing is missing).
    print("Storing what article pages read (precompute_articles, once)...", flush=True)
    stack.manage("precompute_articles", "--jobs", str(os.cpu_count() or 1))
    stack.ensure_editor(*EDITOR)


def fetch(path):
    body, headers = stack.get(path)
    return body.encode(), headers


def first_link(path, pattern):
    body, _ = fetch(path)
    match = re.search(pattern, body.decode())
    if not match:
        raise SystemExit(f"No link matching {pattern!r} on {path}")
    return match.group(1)


def discover_urls():
    article = first_link("/", r'href="(/[\w-]+/\d{4}/\d{2}/\d{2}/[\w-]+/)"')
    section = "/nasional/"  # bench_data always creates it, with thousands of articles below it
    tag = first_link(article, r'href="(/tag/[\w-]+/)"')
    author = first_link(article, r'href="(/penulis/[\w-]+/)"')
    sitemap_index, _ = fetch("/sitemap.xml")
    sitemap_pages = re.findall(r"<loc>https?://[^/]+(/[^<]+)</loc>", sitemap_index.decode())
    article_sitemap = next(
        (loc for loc in sitemap_pages if "article" in loc or "berita" in loc), sitemap_pages[0]
    )
    return {
        "home": "/",
        "section p1": section,
        "section p500": f"{section}?page=500",
        "article": article,
        "tag": tag,
        "author": author,
        "index by day": f"/indeks/?date={date.today():%Y-%m-%d}",
        "search common": "/cari/?q=pemerintah",
        "search rare": "/cari/?q=vulkanologi",
        "rss feed": "/feed/",
        "sitemap page": article_sitemap.replace("&amp;", "&"),
    }


def wrk(path, *, cold=False, cookie=None, duration=DURATION, connections=CONNECTIONS):
    script = COLD_LUA.replace("RUN", secrets.token_hex(6)) if cold else None
    return tools.wrk.run(
        BASE + path, duration=duration, connections=connections, threads=THREADS, script=script, cookie=cookie
    )


def page_facts(path, cookie=None):
    request = urllib.request.Request(BASE + path + ("&" if "?" in path else "?") + "_facts=1")
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            body = response.read()
            return len(body), response.headers.get("X-Query-Count", "-")
    except OSError:
        return 0, "timeout"


def first_render_ms(path):
    """Time one request right after every cache was emptied: nothing cached, not even fragments."""
    # A key parameter (not one answered with a redirect): rendered, never a stored copy.
    url = f"{BASE}{path}{'&' if '?' in path else '?'}_bench=first-{secrets.token_hex(6)}"
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            response.read()
    except OSError:
        return None
    return (time.perf_counter() - started) * 1000


def report_row(name, cold, warm, static, size, queries, solo, first):
    first_column = f"{first:7.1f}ms" if first is not None else f"{'-':>9}"
    solo_column = f"{solo['p50']:6.1f}ms" if solo["p50"] else f"{'-':>8}"
    print(
        f"{name:22} {first_column} {solo_column} "
        f"{cold['rps']:9.0f} {cold['p50']:6.1f}ms {cold['p99']:6.1f}ms "
        f"{warm['rps']:9.0f} {warm['p50']:6.1f}ms {warm['p99']:6.1f}ms "
        f"{warm['rps'] / static['rps']:10.0%} {cold['rps'] / static['rps']:10.0%} "
        f"{queries:>7} {size:8,} {cold['errors'] + warm['errors']:7}",
        flush=True,
    )


def flush_cache():
    """Empty every cached page and fragment, in Redis and in each gunicorn process, keeping the generation.

    Each gunicorn process keeps its own copies too: the server is restarted. A new
    generation (invalidate_public_pages) would also void the archive's stored pages, and
    the next run would spend twenty minutes storing them again.
    """
    import redis

    stack.stop()
    store = redis.Redis.from_url(REDIS_URL)
    for pattern in ("*:page:*", "*:fragment:*"):
        keys = list(store.scan_iter(match=pattern, count=1000))
        for start in range(0, len(keys), 1000):
            store.delete(*keys[start : start + 1000])
    stack.start(**SERVER_ENV)


def main():
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    prepare()
    stack.start(**SERVER_ENV)
    try:
        run()
    finally:
        stack.stop()


def run():
    urls = discover_urls()
    cookie = stack.login(*EDITOR).cookie_header()
    static_path = first_link("/", r'href="(/static/css/[^"]+\.css)"')
    print(
        f"\nnewsportal bench: {ARTICLES:,} articles, gunicorn {CONNECTIONS} connections, {DURATION} per run\n"
    )
    for path in [*urls.values(), static_path]:  # warm up code paths and connections
        fetch(path)
    static = wrk(static_path)
    # First the site as it runs: the archive's pages kept when they were stored (prepare), no
    # cache emptied. The table below empties every cache before each page type.
    newsroom_rows = run_newsroom(static, urls["article"])
    newsroom_memory = stack.worker_peak_memory_mb()  # the table restarts the server for each row
    print(
        "\nfirst: one request right after every cache was emptied (pages and fragments);\n"
        "solo p50: one connection, every request misses the page cache (the server time of one page view);\n"
        f"cold: {CONNECTIONS} connections, every request misses the page cache; warm: cached pages.\n"
    )
    header = f"{'page':22} {'first':>9} {'solo p50':>8} {'cold r/s':>9} {'p50':>7} {'p99':>7} "
    header += f"{'warm r/s':>9} {'p50':>7} {'p99':>7} "
    header += f"{'warm/static':>11} {'cold/static':>11} {'queries':>7} {'bytes':>8} {'non-2xx':>7}"
    print(header)
    print("-" * len(header), flush=True)
    warm_rows = {}
    report_row("static css (ceiling)", static, static, static, *page_facts(static_path), static, None)
    for name, path in urls.items():
        flush_cache()
        first = first_render_ms(path)
        cold = wrk(path, cold=True)
        solo = wrk(path, cold=True, connections=1, duration=SOLO_DURATION)
        fetch(path)  # one render fills the cache, as the first reader's would
        warm = wrk(path)
        warm_rows[name] = warm
        report_row(name, cold, warm, static, *page_facts(path), solo, first)
    admin_path = "/admin/articles/article/"
    admin = wrk(admin_path, cookie=cookie)
    admin_solo = wrk(admin_path, cookie=cookie, connections=1, duration=SOLO_DURATION)
    report_row("admin article list", admin, admin, static, *page_facts(admin_path, cookie), admin_solo, None)

    newsroom.print_newsroom(
        {
            "static": static,
            "hot article": warm_rows["article"],
            "long tail": newsroom_rows["long tail"],
            "home": warm_rows["home"],
            "section p1": warm_rows["section p1"],
            "mix": newsroom_rows["mix"],
        },
        static["rps"],
    )

    for part, memory in (("the newsroom", newsroom_memory), ("the last row", stack.worker_peak_memory_mb())):
        print(f"\npeak memory per gunicorn worker after {part}: {', '.join(f'{mb:.0f} MB' for mb in memory)}")


def run_newsroom(static, seed_article):
    """Run the long tail and the reader mix (tools/newsroom.py); return their results."""
    hot, sections, tail = newsroom.reader_urls(stack, seed_article)
    half = len(tail) // 2  # the long-tail run and the mix never share an address
    print(
        f"\nlong tail: {len(tail):,} published articles in random order, each asked at most once; "
        f"mix: home, {len(sections)} sections, the {len(hot)} newest articles (Zipf), the tail",
        flush=True,
    )
    for path in ["/", seed_article]:
        fetch(path)  # the chrome a tail article shares with every page, as on a running site
    tail_result = newsroom.long_tail(
        stack, tail[:half], duration=DURATION, connections=CONNECTIONS, threads=THREADS
    )
    print(
        f"long tail, {DURATION}: {tail_result['requests']:,} requests, {tail_result['rps']:.0f} r/s, "
        f"p50 {tail_result['p50']:.1f}ms, p99 {tail_result['p99']:.1f}ms, "
        f"non-2xx/3xx {tail_result['errors']}, socket errors {tail_result['socket_errors']} "
        f"(timeouts {tail_result['timeouts']}), "
        f"repeats {tail_result['lines'].get('repeats', '?')}",
        flush=True,
    )
    newsroom.warn_repeats("long tail", tail_result)
    section_id = stack.manage(
        "shell",
        "-c",
        "from articles.models import Section; print(Section.objects.get(slug='nasional').pk)",
        capture=True,
    )
    editor = Editor(
        stack,
        EDITOR,
        section_id=section_id,
        every=PUBLISH_EVERY,
        first_after=PUBLISH_EVERY / 2,  # every publication falls inside the run
        edit=False,
        slug="uji-redaksi",
    )
    mix = newsroom.reader_mix(
        stack,
        editor,
        (hot, sections, tail[half:]),
        seconds=MIX_SECONDS,
        connections=CONNECTIONS,
        threads=THREADS,
    )
    newsroom.print_mix(mix, static["rps"], MIX_SECONDS, PUBLISH_EVERY)
    newsroom.warn_repeats("reader mix", mix)
    return {"long tail": tail_result, "mix": mix}


if __name__ == "__main__":
    main()
