"""Profile uncached pages in-process: where the server time of a page nobody asked for goes.

    python -m tools.profile_pages [--kind article|stored|home|section|tag] [--requests 200] [--top 25]

Runs against make bench's database and Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL),
through Django's whole WSGI handler and middleware, as gunicorn would. "article"
asks for distinct published articles, each once (the long tail: its page and
every piece of it cold; PAGE_CACHE_STORED=0 renders them all); "stored" asks
for distinct articles whose pages are kept in the database (pagecache.stored),
each once: the long tail as it is served after precompute_articles. The
listings are asked with a new `_bench` value each time, so the page misses
while the pieces it shares with other pages stay cached.
Prints the mean server time and queries per page, then cProfile's top functions.
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import time

from tools.bench import DATABASE_URL, REDIS_URL
from tools.stack import HOST, Stack


def configure():
    os.environ.update(Stack(database_url=DATABASE_URL, redis_url=REDIS_URL, port=0).env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsportal.settings")
    import django

    django.setup()


def paths(kind, count):
    from taggit.models import Tag

    from articles.models import Article, Section

    if kind == "stored":
        from pagecache.models import StoredPage

        keys = list(StoredPage.objects.values_list("key", flat=True)[: 50 * count])
        chosen = random.sample(keys, min(count, len(keys)))
        return list(StoredPage.objects.filter(key__in=chosen).values_list("address", flat=True))
    if kind == "article":
        pks = list(Article.objects.published().values_list("pk", flat=True))
        chosen = random.sample(pks, min(count, len(pks)))  # new ones each run: the last run cached its own
        articles = Article.objects.filter(pk__in=chosen).select_related("section__parent")
        return [article.get_absolute_url() for article in articles]
    if kind == "home":
        base = "/"
    elif kind == "section":
        base = Section.objects.get(slug="nasional").get_absolute_url()
    else:
        base = f"/tag/{Tag.objects.order_by('pk').first().slug}/"
    return [f"{base}?_bench=profile-{time.time_ns()}-{n}" for n in range(count)]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kind", choices=["article", "stored", "home", "section", "tag"], default="article")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    options = parser.parse_args()
    configure()

    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    addresses = paths(options.kind, options.requests)
    client.get(addresses[0])  # imports, connections, templates loaded: not what a page costs
    profiler = cProfile.Profile()
    queries = 0
    started = time.perf_counter()
    for address in addresses[1:]:
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            profiler.enable()
            response = client.get(address)
            profiler.disable()
        if response.status_code != 200:
            raise SystemExit(f"{address} answered {response.status_code}")
        queries += len(captured)
    elapsed = time.perf_counter() - started
    pages = len(addresses) - 1
    print(f"{options.kind}: {pages} uncached pages, {1000 * elapsed / pages:.1f} ms each (profiled),")
    print(f"{queries / pages:.1f} queries each")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(options.sort).print_stats(options.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
