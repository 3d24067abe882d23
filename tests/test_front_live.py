"""The server in front of Django, as `make serve` starts it: slow clients, a stalled database, wire rules.

gunicorn runs with the checked-in config (gevent workers, newsportal/workers.py) on a
throw-away PostgreSQL cluster; every socket is on 127.0.0.1 and closed at the end.
"""

import http.client
import re
import socket
import threading
import time
from pathlib import Path

import psycopg
import pytest

from .servers import (
    PG_BIN,
    LiveSite,
    free_port,
    load_demo_site,
    start_gunicorn,
    stop,
    wait_until,
)

pytestmark = [
    pytest.mark.live,
    pytest.mark.slow,
    pytest.mark.skipif(PG_BIN is None, reason="needs PostgreSQL server binaries"),
]

WORKERS = 2
POOL_SIZE = 8  # gunicorn.conf.py's DB_POOL_SIZE


@pytest.fixture(scope="module")
def site():
    with LiveSite("newsportal-front-", with_redis=False) as site:
        env = site.environment(ALLOWED_HOSTS="127.0.0.1,localhost", WEB_CONCURRENCY=WORKERS)
        load_demo_site(env)
        site.serve()
        yield {
            "env": env,
            "port": int(env["PORT"]),
            "cluster": site.cluster,
            "base": site.base,
            "log": site.log,
        }


def timed_get(port, path, headers=None):
    """Return (status, seconds) of one request on a new connection."""
    start = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status, time.monotonic() - start
    finally:
        connection.close()


def raw(port, data, timeout=5.0):
    """Send raw bytes; return the status line of the answer (b"" if the server just closed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
        return answer.split(b"\r\n", 1)[0]


class SlowClients:
    """Keep `count` slow-header sockets open (re-opening any the server closes) and `bodies` short POSTs."""

    def __init__(self, port, count, bodies):
        self.port, self.count = port, count
        self.headers = [self.open_headers() for _ in range(count)]
        self.bodies = [self.open_body() for _ in range(bodies)]
        self.reopened = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.drip, daemon=True)
        self.thread.start()

    def open_headers(self):
        sock = socket.create_connection(("127.0.0.1", self.port))
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        return sock

    def open_body(self):
        sock = socket.create_connection(("127.0.0.1", self.port))
        sock.sendall(
            b"POST /api/baca/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\narticle=1"
        )
        return sock

    def drip(self):
        line = 0
        while not self.stopping.wait(0.5):
            line += 1
            for index, sock in enumerate(self.headers):
                try:
                    sock.sendall(b"X-Slow-%d: a\r\n" % line)
                except OSError:
                    sock.close()
                    self.headers[index] = self.open_headers()
                    self.reopened += 1

    def close(self):
        self.stopping.set()
        self.thread.join(timeout=5)
        for sock in self.headers + self.bodies:
            sock.close()


def test_readers_are_answered_within_a_second_while_slow_clients_hold_120_sockets(site):
    port = site["port"]
    clients = SlowClients(port, count=100, bodies=20)
    try:
        deadline = time.monotonic() + 12  # past the 5 s header and the 10 s body deadlines
        rounds = 0
        while time.monotonic() < deadline:
            for path in ("/", "/healthz"):
                status, seconds = timed_get(port, path)
                assert status == 200 and seconds < 1.0, (path, status, seconds)
            rounds += 1
        assert rounds >= 10
        # Slow headers are cut off (and re-opened by the attacker), the short bodies answered 408.
        assert clients.reopened >= 100
        for sock in clients.bodies:
            sock.settimeout(5)
            assert sock.recv(4096).startswith(b"HTTP/1.1 408 ")
    finally:
        clients.close()


def test_healthz_answers_at_once_while_every_worker_waits_on_a_stalled_database(site):
    port = site["port"]
    blocker = psycopg.connect(site["cluster"].url.replace("postgres://", "postgresql://"), autocommit=False)
    results = []
    try:
        # Every query on articles now waits: a stalled database, as far as the pages can tell.
        blocker.execute("LOCK TABLE articles_article IN ACCESS EXCLUSIVE MODE")
        stalled = [
            threading.Thread(target=lambda n=n: results.append(timed_get(port, f"/cari/?q=stall{n}")))
            for n in range(6 * WORKERS)
        ]
        for thread in stalled:
            thread.start()
        wait_until(
            lambda: (
                blocker.execute(
                    "SELECT count(*) FROM pg_locks"
                    " WHERE NOT granted AND relation = 'articles_article'::regclass"
                ).fetchone()[0]
                >= WORKERS
            ),
            message="pages to wait on the locked table",
        )
        for _ in range(5):
            status, seconds = timed_get(port, "/healthz")
            assert status == 200 and seconds < 1.0, (status, seconds)
        # Connections stay bounded by the pools, however many requests wait (plus this one).
        connections = blocker.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        ).fetchone()[0]
        assert connections <= WORKERS * POOL_SIZE + 1
    finally:
        blocker.rollback()
        blocker.close()
    for thread in stalled:
        thread.join(timeout=15)
    # Once the database moves again, the waiting readers get their page or the 503 page, never a 500.
    assert sorted({status for status, _ in results}) in ([200], [200, 503], [503])


def test_wire_rules_through_the_real_server(site):
    port = site["port"]
    assert raw(port, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n") == b"HTTP/1.1 400 Bad Request"
    assert raw(port, b"GET /healthz HTTP/1.0\r\n\r\n").split()[1] == b"200"  # HTTP/1.0 needs no Host
    assert raw(port, b"TRACE / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Secret: s\r\n\r\n").split()[1] == b"405"
    assert raw(port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1:99999\r\n\r\n").split()[1] == b"400"
    status, _ = timed_get(port, "/", {"If-Modified-Since": "Fri, 31 Dec 9999 23:59:59 GMT"})
    assert status == 200
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", "/robots.txt", headers={"Host": "LOCALHOST."})
    body = connection.getresponse().read().decode()
    connection.close()
    assert "Sitemap: http://localhost/sitemap.xml" in body


def test_static_files_are_served_before_django_with_their_long_lifetime(site):
    port = site["port"]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/", headers={"Host": "127.0.0.1"})
        home = connection.getresponse().read().decode()
        stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', home).group(1)
        for method in ("GET", "HEAD"):
            connection.request(method, stylesheet, headers={"Host": "127.0.0.1", "Accept-Encoding": "gzip"})
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200, (method, response.status)
            assert "max-age=31536000" in response.getheader("Cache-Control")
            assert response.getheader("Content-Encoding") == "gzip"  # WhiteNoise's precompressed copy
            assert (len(body) > 0) == (method == "GET")
        connection.request("GET", "/static/css/no-such-file.css", headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        response.read()
        assert response.status == 404  # not a static file: Django's own 404
    finally:
        connection.close()


def test_two_servers_from_one_checkout_keep_their_own_control_sockets(site):
    env = site["env"]
    var = Path(env["VAR_DIR"])
    first = var / f"gunicorn-127.0.0.1-{env['PORT']}.ctl"
    assert first.is_socket()
    other_port = str(free_port())
    other = start_gunicorn({**env, "PORT": other_port, "WEB_CONCURRENCY": "1"}, log=site["log"])
    second = var / f"gunicorn-127.0.0.1-{other_port}.ctl"
    try:
        assert second.is_socket()
    finally:
        stop(other)
    assert not second.exists()
    assert first.is_socket()
    assert timed_get(site["port"], "/healthz")[0] == 200
