"""Faults that hang rather than fail, in a real gunicorn: Redis and PostgreSQL that accept and never answer.

A refused connection fails at once; a hung server makes every call wait for its
timeout. The site must notice once, stop asking for a while (a circuit breaker
per process) and answer readers at normal speed: uncached pages while Redis
hangs; 503, or the copy the page cache still holds, while the database does.
"""

import multiprocessing
import os
import re
import signal
import socket
import threading
import time
from pathlib import Path

import pytest

from .servers import (
    NEEDS_POSTGRES_AND_REDIS,
    LiveSite,
    get,
    load_demo_site,
    wait_until,
)

pytestmark = NEEDS_POSTGRES_AND_REDIS

PAGE_CACHE_SECONDS = 2


class HangingProxy:
    """A TCP server on 127.0.0.1 that forwards to a real server, or accepts and never answers.

    hang(): connections open and new ones are accepted, but nothing is forwarded, as
    with a server that stopped (swapping, SIGSTOP, a wedged event loop). resume():
    those connections are closed, as after a restart, and new ones are forwarded.

    It runs in a process of its own: in the test process a garbage collection or a
    busy thread could hold the relay past the site's Redis timeout (0.25 s) and
    make a healthy Redis look hung.
    """

    def __init__(self, target_port):
        self.control, child_end = multiprocessing.Pipe()
        # Spawned, not forked: this process has threads, and a fork could copy a held lock.
        self.process = multiprocessing.get_context("spawn").Process(
            target=_relay_process, args=(target_port, child_end), daemon=True
        )
        self.process.start()
        self.port = self.control.recv()  # the child listens, then says where

    def command(self, name):
        self.control.send(name)
        assert self.control.recv() == name  # done in the proxy before the test goes on

    def hang(self):
        self.command("hang")

    def resume(self):
        self.command("resume")

    def close(self):
        self.process.kill()
        self.process.join()


def _relay_process(target_port, control):
    listener = socket.create_server(("127.0.0.1", 0))
    control.send(listener.getsockname()[1])
    hanging, lock, sockets = threading.Event(), threading.Lock(), []

    def relay(source, sink):
        try:
            while data := source.recv(65536):
                if hanging.is_set():
                    continue  # swallowed: the other side waits for ever
                sink.sendall(data)
        except OSError:
            pass

    def accept():
        while True:
            client, _ = listener.accept()
            with lock:
                sockets.append(client)
            if hanging.is_set():
                continue  # held open, never read from nor answered
            upstream = socket.create_connection(("127.0.0.1", target_port))
            with lock:
                sockets.append(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=relay, args=(source, sink), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    while True:
        name = control.recv()
        if name == "hang":
            hanging.set()
        elif name == "resume":
            with lock:
                held, sockets[:] = list(sockets), []
            for sock in held:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            hanging.clear()
        control.send(name)


@pytest.fixture(scope="module")
def site():
    with LiveSite("newsportal-resilience-") as site:
        proxy = HangingProxy(site.redis_port)
        site.stop_later(proxy.close)
        env = site.environment(
            redis_url=f"redis://127.0.0.1:{proxy.port}/0",
            PAGE_CACHE_SECONDS=PAGE_CACHE_SECONDS,
            # Short cool-downs, so the tests see half-open retries within their deadlines.
            REDIS_COOL_DOWN_SECONDS=1,
            DB_COOL_DOWN_SECONDS=1,
            DB_STATEMENT_TIMEOUT_MS=1000,
            # Requests already waiting for a pooled connection when the database hangs give up after
            # this; the breaker answers everyone after them at once.
            DB_POOL_TIMEOUT=2,
            LOG_LEVEL="WARNING",
        )
        load_demo_site(env)
        site.serve()
        url = f"http://127.0.0.1:{env['PORT']}"
        home = get(url + "/")[2]
        articles = sorted(set(re.findall(r'href="(/[\w-]+/\d{4}/\d{2}/\d{2}/[\w-]+/)"', home)))
        assert len(articles) >= 5, articles
        yield {
            "url": url,
            "cluster": site.cluster,
            "proxy": proxy,
            "articles": articles,
            "log": site.base / "gunicorn.log",
        }


def timed_get(url):
    started = time.monotonic()
    status, headers, body = get(url)
    return time.monotonic() - started, status, headers, body


def is_hit(url):
    status, headers, _ = get(url)
    return status == 200 and headers.get("X-Cache") == "HIT"


def test_a_hung_redis_costs_one_timeout_then_pages_answer_at_normal_speed(site):
    url, proxy = site["url"], site["proxy"]
    pages = ["/", "/internasional/", "/halaman/tentang-kami/", *site["articles"][:2]]
    for page in pages:
        wait_until(lambda page=page: get(url + page) and is_hit(url + page), message=f"{page} cached")
    proxy.hang()
    try:
        first = timed_get(url + "/olahraga/")
        assert first[1] == 200
        # Past several cool-downs (1 s here), so half-open retries are among the timed requests.
        timings = []
        deadline = time.monotonic() + 3.5
        while time.monotonic() < deadline:
            for page in pages:
                elapsed, status, headers, _ = timed_get(url + page)
                assert status == 200, page
                timings.append(elapsed)
        print("hung Redis: first", round(first[0], 3), "then at most", round(max(timings), 3), len(timings))
        assert max(timings) < 1.0, sorted(timings)[-5:]
        assert len(timings) >= 10
    finally:
        proxy.resume()
    # With a real Redis answering again, the cache is used again.
    wait_until(lambda: get(url + "/") and is_hit(url + "/"), seconds=10, message="pages cached again")


def postgres_processes(cluster):
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            children.append(int(stat.parent.name))
    return [postmaster, *children]


def test_a_hung_database_gives_503_within_seconds_and_cached_pages_still_answer(site):
    url, cluster = site["url"], site["cluster"]
    cached, uncached = "/nasional/", site["articles"][3:5]
    wait_until(lambda: get(url + cached) and is_hit(url + cached), message="a page cached")
    processes = postgres_processes(cluster)
    for pid in processes:
        os.kill(pid, signal.SIGSTOP)
    try:
        elapsed, status, headers, _ = timed_get(url + uncached[0])
        assert status == 503 and headers["Retry-After"] == "30", status
        # Held by the watchdog (DB_HUNG_SECONDS = 2 s here) and the connect timeout (2 s).
        assert elapsed < 6, elapsed
        timings = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            elapsed, status, headers, _ = timed_get(url + uncached[1])
            assert status == 503
            timings.append(elapsed)
            elapsed, status, headers, _ = timed_get(url + cached)
            assert status == 200 and headers["X-Cache"] in {"HIT", "STALE"}, (status, headers.get("X-Cache"))
            timings.append(elapsed)
        # While the breaker is open the answer is immediate; a half-open retry waits a connect timeout.
        assert max(timings) < 3, sorted(timings)[-5:]
        assert sorted(timings)[len(timings) // 2] < 0.5, sorted(timings)
        print("hung database, seconds per request:", [round(t, 3) for t in timings])
    finally:
        for pid in processes:
            os.kill(pid, signal.SIGCONT)
    wait_until(lambda: get(url + uncached[1])[0] == 200, seconds=15, message="the database back")


def test_cached_pages_outlive_their_freshness_while_the_database_is_down(site):
    url, cluster = site["url"], site["cluster"]
    # A section page: it queries the database every time it is rendered.
    cached, uncached = "/ekonomi/", "/teknologi/"
    wait_until(lambda: get(url + cached) and is_hit(url + cached), message="a page cached")
    status, headers, _ = get(url + cached)
    assert f"stale-if-error={24 * 3600}" in headers["Cache-Control"]
    cluster.stop()
    try:
        # Past PAGE_CACHE_SECONDS the copy is stale; it is still served, and says so.
        status, headers, body = wait_until(
            lambda: (response := get(url + cached)) and response[1].get("X-Cache") == "STALE" and response,
            seconds=3 * PAGE_CACHE_SECONDS + 5,
            message="the stale copy",
        )
        assert status == 200 and "</html>" in body
        assert headers["Cache-Control"] == "no-cache"
        stale_since = time.monotonic()
        while time.monotonic() < stale_since + 2 * PAGE_CACHE_SECONDS:  # and keeps being served
            status, headers, _ = get(url + cached)
            assert (status, headers.get("X-Cache")) == (200, "STALE")
        status, headers, _ = get(url + uncached)
        assert status == 503 and headers.get("X-Cache") is None
    finally:
        cluster.start()
    # Back: a fresh render, never the stale copy, once the database answers.
    status, headers, _ = wait_until(
        lambda: (
            (response := get(url + cached))
            and response[0] == 200
            and response[1].get("X-Cache") != "STALE"
            and response
        ),
        seconds=15,
        message="fresh pages again",
    )
    assert headers["X-Cache"] in {"MISS", "HIT"}
    assert get(url + uncached)[0] == 200
