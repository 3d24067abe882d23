"""newsportal/varnish.vcl in a real varnishd, in front of a stand-in origin that records what it is asked.

What the site will send (ESI chrome, tags, gzip) is played by the stand-in, so each
rule of the VCL is checked on its own: ESI assembled and its header kept from
readers, soft and hard purges, the key (tracking parameters, parameter order,
scheme), cookies, and what reaches the origin.
"""

import gzip
import http.client
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .servers import wait_until
from .varnish import VARNISHD, Varnish

pytestmark = [
    pytest.mark.live,
    pytest.mark.slow,
    pytest.mark.skipif(VARNISHD is None, reason="needs varnishd (Debian's varnish package)"),
]

PUBLIC = "public, max-age=0, s-maxage=60, stale-while-revalidate=60"


class Origin(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        self.fetches, self.seen, self.version = Counter(), {}, Counter()
        super().__init__(("127.0.0.1", 0), OriginHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class OriginHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        origin, path = self.server, self.path.split("?")[0]
        if path != "/healthz":
            origin.fetches[self.path] += 1
            origin.seen[self.path] = dict(self.headers)
        version = origin.version[path]
        headers = {"Cache-Control": PUBLIC, "xkey": "all", "Surrogate-Key": "all", "Cache-Tag": "all"}
        if path == "/healthz":
            body, headers = "ok", {"Cache-Control": "private, no-cache"}
        elif path == "/halaman/":
            body = f'<main>halaman v{version}</main><esi:include src="/_chrome/terkini/"/>'
            if "ESI/1.0" in self.headers.get("Surrogate-Capability", ""):
                headers["Surrogate-Control"] = 'content="ESI/1.0"'
            headers["xkey"] = "all page:1"
        elif path == "/_chrome/terkini/":
            body = f"<aside>terkini v{version}</aside>"
            headers.update({"Cache-Control": "public, max-age=0, s-maxage=5", "xkey": "all chrome"})
        elif path == "/pribadi/":
            body, headers = "untuk satu pembaca", {"Cache-Control": "private, no-cache"}
        else:
            body = f"{path} v{version} scheme={self.headers.get('X-Forwarded-Proto', 'http')}"
        data = body.encode()
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            data, headers["Content-Encoding"] = gzip.compress(data), "gzip"
        self.send_response(200)
        for name, value in {**headers, "Vary": "Accept-Encoding", "Content-Length": str(len(data))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def edge():
    origin = Origin()
    varnish = Varnish([origin.server_address[1]]).start()
    yield varnish, origin
    varnish.stop()
    origin.shutdown()
    origin.server_close()


def request(varnish, path, method="GET", headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", varnish.port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        if response.headers.get("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        return response.status, response.headers, data.decode()
    finally:
        connection.close()


def hit(headers):
    return len(headers["X-Varnish"].split()) == 2


def purge(varnish, **header):
    status, headers, _ = request(
        varnish, "/", "PURGE", {name.replace("_", "-"): v for name, v in header.items()}
    )
    assert status == 200
    return int(headers["X-Purged"])


def test_esi_chrome_is_assembled_and_its_header_kept_from_readers(edge):
    varnish, origin = edge
    # A reader's own capability header is replaced by Varnish's.
    status, headers, body = request(varnish, "/halaman/", headers={"Surrogate-Capability": "x=ESI/1.0 y"})
    assert status == 200
    assert origin.seen["/halaman/"]["Surrogate-Capability"] == "varnish=ESI/1.0"
    assert body == "<main>halaman v0</main><aside>terkini v0</aside>"
    assert "Surrogate-Control" not in headers and "xkey" not in headers and "Cache-Tag" not in headers
    # A new Terkini after a hard purge of the chrome: the page itself stays cached.
    origin.version["/_chrome/terkini/"] += 1
    assert purge(varnish, xkey_purge="chrome") == 1
    status, headers, body = request(varnish, "/halaman/")
    assert hit(headers) and body == "<main>halaman v0</main><aside>terkini v1</aside>"
    assert (origin.fetches["/halaman/"], origin.fetches["/_chrome/terkini/"]) == (1, 2)


def test_a_soft_purge_serves_the_old_copy_while_one_fetch_refreshes_it_a_hard_one_never(edge):
    varnish, origin = edge
    path = "/soft/"
    request(varnish, path)
    origin.version[path] += 1
    assert purge(varnish, xkey_softpurge="all") >= 1
    _, headers, body = request(varnish, path)
    assert hit(headers) and body.startswith(f"{path} v0")  # within grace: the old copy, and a refresh
    wait_until(lambda: request(varnish, path)[2].startswith(f"{path} v1"), seconds=5, message="the refresh")
    assert origin.fetches[path] == 2
    origin.version[path] += 1
    assert purge(varnish, xkey_purge="all") >= 1
    _, headers, body = request(varnish, path)
    assert not hit(headers) and body.startswith(f"{path} v2")


def test_one_copy_per_page_whatever_the_parameter_order_tracking_or_cookies(edge):
    varnish, origin = edge
    request(varnish, "/indeks/?date=2026-01-01&section=a")
    for path, cookie in [
        ("/indeks/?section=a&date=2026-01-01", ""),
        ("/indeks/?utm_source=x&section=a&fbclid=1&date=2026-01-01&gclid=2", "csrftoken=a; _ga=b"),
    ]:
        _, headers, _ = request(varnish, path, headers={"Cookie": cookie} if cookie else {})
        assert hit(headers), path
    assert origin.fetches["/indeks/?date=2026-01-01&section=a"] == 1
    assert "Cookie" not in origin.seen["/indeks/?date=2026-01-01&section=a"]


def test_the_scheme_is_in_the_key_and_only_x_forwarded_proto_https_says_it(edge):
    varnish, origin = edge
    assert request(varnish, "/skema/")[2].endswith("scheme=http")
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on", "X-Forwarded-Host": "evil.example"}
    assert request(varnish, "/skema/", headers=forged)[2].endswith("scheme=https")
    assert request(varnish, "/skema/")[2].endswith("scheme=http")  # the http copy is untouched
    assert request(varnish, "/skema/", headers={"X-Forwarded-Proto": "gopher"})[2].endswith("scheme=http")
    seen = origin.seen["/skema/"]
    assert "X-Forwarded-Ssl" not in seen and "X-Forwarded-Host" not in seen


def test_private_answers_and_sessions_pass_and_gzip_is_undone_for_readers_who_refuse_it(edge):
    varnish, origin = edge
    for _ in range(2):
        assert not hit(request(varnish, "/pribadi/")[1])
        assert not hit(request(varnish, "/sesi/", headers={"Cookie": "sessionid=abc"})[1])
    assert origin.seen["/sesi/"]["Cookie"] == "sessionid=abc"  # kept for the origin to read
    _, headers, body = request(varnish, "/gz/", headers={"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip" and body.startswith("/gz/ v0")
    _, headers, body = request(varnish, "/gz/")
    assert hit(headers) and "Content-Encoding" not in headers and body.startswith("/gz/ v0")
