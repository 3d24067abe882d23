"""WordPress media fetching: a local copy of wp-content/uploads, and the old site over HTTP (issue 14)."""

import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from articles import safe_http
from articles.importers.wordpress_media import (
    HTTPMedia,
    LocalMedia,
    MediaError,
    MediaFile,
    media_source,
    uploads_path,
)

EXPORT = "https://www.lama.example/wp-content/uploads"
PHOTO = b"\xff\xd8\xff\xe0 photo " + bytes(range(256)) * 4
SMALL = b"\xff\xd8\xff\xe0 small copy"


# --- uploads_path ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://lama.example/wp-content/uploads/2024/03/foto-300x200.jpg", "2024/03/foto.jpg"),
        ("https://lama.example/wp-content/uploads/2024/03/foto.jpg?ver=2#top", "2024/03/foto.jpg"),
        ("https://lamaexample.files.wordpress.com/2024/03/foto.jpg", "2024/03/foto.jpg"),
        ("https://lamaexample.files.wordpress.com/2024/03/foto.jpg?w=300", "2024/03/foto.jpg"),
        ("https://lama.example/wp-content/uploads/sites/3/2024/03/foto.jpg", "2024/03/foto.jpg"),
        (
            "https://i0.wp.com/lama.example/wp-content/uploads/2024/03/foto-1024x768.jpg?resize=1",
            "2024/03/foto.jpg",
        ),
        ("https://lama.example/blog/wp-content/uploads/2024/03/foto.jpg", "2024/03/foto.jpg"),
        ("/wp-content/uploads/2024/03/foto.jpg", "2024/03/foto.jpg"),
        ("wp-content/uploads/2024/03/foto.jpg", "2024/03/foto.jpg"),
        ("https://lama.example/wp-content/uploads/2024/03/foto%20baru-150x150.png", "2024/03/foto baru.png"),
        ("https://lama.example/wp-content/uploads/logo.png", "logo.png"),
    ],
)
def test_uploads_path_names_the_original_under_wp_content_uploads(url, expected):
    assert uploads_path(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://lama.example/images/foto.jpg",
        "https://lama.example/wp-content/themes/lama/logo.png",
        "https://lama.example/wp-content/uploads/2024/03/",
        "https://lama.example/wp-content/uploads/../../etc/passwd",
        "https://lama.example/wp-content/uploads/%2e%2e/%2e%2e/etc/passwd",
        "../../etc/passwd",
        "file:///srv/wp-content/uploads/2024/03/foto.jpg",
        "data:image/png;base64,iVBORw0KGgo=",
        "http://[::1/wp-content/uploads/2024/03/foto.jpg",
        "",
    ],
)
def test_uploads_path_is_none_for_what_is_not_an_upload(url):
    assert uploads_path(url) is None


def test_uploads_path_with_base_urls_keeps_only_the_sites_own_hosts():
    bases = ["https://lama.example/", "https://lamaexample.wordpress.com"]
    assert uploads_path("https://www.lama.example/wp-content/uploads/2024/03/a.jpg", bases) == "2024/03/a.jpg"
    assert uploads_path("http://LAMA.example/wp-content/uploads/2024/03/a.jpg", bases) == "2024/03/a.jpg"
    assert uploads_path("https://lamaexample.files.wordpress.com/2024/03/a.jpg", bases) == "2024/03/a.jpg"
    assert uploads_path("https://i2.wp.com/lama.example/wp-content/uploads/2024/03/a.jpg", bases) == (
        "2024/03/a.jpg"
    )
    assert uploads_path("/wp-content/uploads/2024/03/a.jpg", bases) == "2024/03/a.jpg"  # relative: ours
    assert uploads_path("https://other.example/wp-content/uploads/2024/03/a.jpg", bases) is None
    assert uploads_path("https://otherblog.files.wordpress.com/2024/03/a.jpg", bases) is None
    assert uploads_path("https://other.example/wp-content/uploads/2024/03/a.jpg") == "2024/03/a.jpg"


# --- LocalMedia --------------------------------------------------------------------------------


@pytest.fixture
def uploads(tmp_path):
    root = tmp_path / "uploads"
    (root / "2024" / "03").mkdir(parents=True)
    (root / "2024" / "03" / "foto.jpg").write_bytes(PHOTO)
    (tmp_path / "secret.jpg").write_bytes(b"not yours")
    return root


def test_local_media_reads_the_original_of_a_resized_address(uploads):
    (uploads / "2024" / "03" / "foto-300x200.jpg").write_bytes(SMALL)
    file = LocalMedia(uploads).fetch(f"{EXPORT}/2024/03/foto-300x200.jpg")
    assert file == MediaFile(url=f"{EXPORT}/2024/03/foto.jpg", relative_path="2024/03/foto.jpg", data=PHOTO)
    assert "data" not in repr(file)  # a 25 MB file is not printed in a failure or a log


def test_local_media_falls_back_to_the_resized_copy_when_the_original_is_missing(uploads):
    (uploads / "2024" / "03" / "sisa-300x200.jpg").write_bytes(SMALL)
    file = LocalMedia(uploads).fetch(f"{EXPORT}/2024/03/sisa-300x200.jpg")
    assert file.data == SMALL and file.relative_path == "2024/03/sisa.jpg"


def test_local_media_reports_a_missing_file_with_its_path(uploads):
    with pytest.raises(MediaError, match=r"No file 2024/03/hilang\.jpg in .*uploads \(nor its resized copy"):
        LocalMedia(uploads).fetch(f"{EXPORT}/2024/03/hilang-300x200.jpg")


@pytest.mark.parametrize(
    "url, reason",
    [
        (f"{EXPORT}/../../secret.jpg", "climbs out of wp-content/uploads"),
        (f"{EXPORT}/2024/%2e%2e/%2e%2e/%2e%2e/secret.jpg", "climbs out of wp-content/uploads"),
        ("../../etc/passwd", "is not a file under wp-content/uploads"),
        ("/etc/passwd", "is not a file under wp-content/uploads"),
        ("file:///etc/passwd", "is not an http or https address"),
        (f"{EXPORT}//etc/passwd", r"No file etc/passwd in .*uploads\."),  # stays inside the copy
    ],
)
def test_local_media_never_reads_outside_its_folder(uploads, url, reason):
    with pytest.raises(MediaError, match=reason):
        LocalMedia(uploads).fetch(url)


def test_local_media_refuses_a_symlink_out_of_its_folder(uploads, tmp_path):
    (uploads / "2024" / "03" / "link.jpg").symlink_to(tmp_path / "secret.jpg")
    (uploads / "2025").symlink_to(tmp_path, target_is_directory=True)
    media = LocalMedia(uploads)
    with pytest.raises(MediaError, match="leads outside"):
        media.fetch(f"{EXPORT}/2024/03/link.jpg")
    with pytest.raises(MediaError, match="leads outside"):
        media.fetch(f"{EXPORT}/2025/secret.jpg")


def test_local_media_follows_a_symlink_that_stays_inside(uploads):
    (uploads / "2024" / "03" / "alias.jpg").symlink_to(uploads / "2024" / "03" / "foto.jpg")
    assert LocalMedia(uploads).fetch(f"{EXPORT}/2024/03/alias.jpg").data == PHOTO


def test_local_media_refuses_a_file_over_the_limit(uploads):
    with pytest.raises(MediaError, match=f"larger than {len(PHOTO) - 1} bytes"):
        LocalMedia(uploads, max_bytes=len(PHOTO) - 1).fetch(f"{EXPORT}/2024/03/foto.jpg")
    assert LocalMedia(uploads, max_bytes=len(PHOTO)).fetch(f"{EXPORT}/2024/03/foto.jpg").data == PHOTO


def test_local_media_refuses_folders_and_special_files(uploads):
    (uploads / "2024" / "03" / "folder.jpg").mkdir()
    os.mkfifo(uploads / "2024" / "03" / "pipe.jpg")  # would block a plain open() forever
    media = LocalMedia(uploads)
    with pytest.raises(MediaError, match="is a folder, not a file"):
        media.fetch(f"{EXPORT}/2024/03/folder.jpg")
    with pytest.raises(MediaError, match="not a regular file"):
        media.fetch(f"{EXPORT}/2024/03/pipe.jpg")


def test_local_media_finds_a_multisite_file_in_the_network_folder_or_the_sites_own(uploads):
    site = uploads / "sites" / "3" / "2024" / "03"
    site.mkdir(parents=True)
    (site / "jaringan.jpg").write_bytes(SMALL)
    url = f"{EXPORT}/sites/3/2024/03/jaringan.jpg"
    assert LocalMedia(uploads).fetch(url).relative_path == "2024/03/jaringan.jpg"
    assert LocalMedia(uploads / "sites" / "3").fetch(url).data == SMALL


def test_local_media_fetch_many_answers_each_address_once(uploads):
    urls = [
        f"{EXPORT}/2024/03/foto.jpg",
        f"{EXPORT}/2024/03/foto-300x200.jpg",
        f"{EXPORT}/2024/03/foto.jpg",
        f"{EXPORT}/2024/03/hilang.jpg",
        "https://lama.example/about/",
    ]
    results = list(LocalMedia(uploads).fetch_many(urls))
    assert sorted(url for url, _result in results) == sorted(set(urls))
    answers = dict(results)
    assert answers[urls[0]].data == answers[urls[1]].data == PHOTO
    assert answers[urls[1]].url == urls[0]
    assert isinstance(answers[urls[3]], MediaError) and isinstance(answers[urls[4]], MediaError)


# --- HTTPMedia ---------------------------------------------------------------------------------


class OldSite:
    """A real HTTP server on 127.0.0.1: routes path -> answers (status, headers, body), the last repeated.

    An answer may instead be a callable, run in the request's thread, returning one.
    """

    def __init__(self):
        self.routes = {}
        self.requests = []
        self.release = threading.Event()  # set on close: frees handlers waiting in slow answers
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                with site.lock:
                    site.requests.append(self.path)
                    answers = site.routes.get(self.path)
                    answer = (answers.pop(0) if len(answers) > 1 else answers[0]) if answers else None
                if callable(answer):
                    answer = answer()
                status, headers, body = answer or (404, {"Content-Type": "text/html"}, b"<h1>Not Found</h1>")
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    if "Content-Length" not in headers and not headers.get("X-No-Length"):
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (a timeout test): nothing to tell it

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll: shutdown() waits up to one interval, at every test's teardown.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def file(self, path, body=PHOTO, content_type="image/jpeg"):
        self.routes[path] = [(200, {"Content-Type": content_type}, body)]

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    old = OldSite()
    yield old
    old.close()


@pytest.fixture
def other_site():
    other = OldSite()
    yield other
    other.close()


UPLOAD = "/wp-content/uploads/2024/03/foto.jpg"


def test_http_media_fetches_a_file_from_the_base_host(site):
    site.file(UPLOAD)
    file = HTTPMedia(site.base).fetch(f"{site.base}{UPLOAD}")
    assert file == MediaFile(url=f"{site.base}{UPLOAD}", relative_path="2024/03/foto.jpg", data=PHOTO)
    assert site.requests == [UPLOAD]


def test_http_media_asks_base_urls_host_for_the_exports_addresses(site):
    site.file(UPLOAD)
    file = HTTPMedia(site.base).fetch(f"{EXPORT}/2024/03/foto-300x200.jpg")
    assert site.requests == [UPLOAD]  # the original, on the old server, not www.lama.example
    assert file.url == f"{EXPORT}/2024/03/foto.jpg" and file.relative_path == "2024/03/foto.jpg"


def test_http_media_refuses_another_hosts_address_that_is_not_an_upload(site):
    with pytest.raises(MediaError, match="is not a file under wp-content/uploads"):
        HTTPMedia(site.base).fetch("https://tracker.example/pixel.gif")
    assert site.requests == []


@pytest.mark.parametrize(
    "base, expected",
    [
        ("http://old-server", "http://old-server/wp-content/uploads/sites/3/2024/03/a%20b.jpg"),
        (
            "http://old-server:8080/blog/",
            "http://old-server:8080/blog/wp-content/uploads/sites/3/2024/03/a%20b.jpg",
        ),
        (
            "https://old-server/wp-content/uploads",
            "https://old-server/wp-content/uploads/sites/3/2024/03/a%20b.jpg",
        ),
        (
            "https://old-server/wp-content/uploads/sites/3/",
            "https://old-server/wp-content/uploads/sites/3/2024/03/a%20b.jpg",
        ),
    ],
)
def test_http_media_places_a_file_under_the_base_urls_uploads_folder(base, expected):
    assert HTTPMedia(base).url_for("sites/3/", "2024/03/a b.jpg") == expected


def test_http_media_reports_a_404_once_without_retrying(site):
    with pytest.raises(MediaError, match=r"No file at .*/2024/03/foto\.jpg \(the server answered 404\)"):
        HTTPMedia(site.base, retries=2).fetch(f"{site.base}{UPLOAD}")
    assert site.requests == [UPLOAD]


def test_http_media_does_not_retry_a_403(site):
    site.routes[UPLOAD] = [(403, {}, b"forbidden")]
    with pytest.raises(MediaError, match="refused .* answered 403"):
        HTTPMedia(site.base, retries=2).fetch(f"{site.base}{UPLOAD}")
    assert site.requests == [UPLOAD]


def test_http_media_falls_back_once_to_the_resized_copy_when_the_original_404s(site):
    resized = "/wp-content/uploads/2024/03/foto-300x200.jpg"
    site.file(resized, SMALL)
    file = HTTPMedia(site.base).fetch(f"{site.base}{resized}")
    assert file.data == SMALL and file.relative_path == "2024/03/foto.jpg"
    assert site.requests == [UPLOAD, resized]

    site.requests.clear()
    with pytest.raises(
        MediaError, match=r"No file at .*foto\.jpg \(404\), nor at .*foto-1024x768\.jpg \(404\)"
    ):
        HTTPMedia(site.base).fetch(f"{site.base}/wp-content/uploads/2024/03/foto-1024x768.jpg")
    assert site.requests == [UPLOAD, "/wp-content/uploads/2024/03/foto-1024x768.jpg"]


@pytest.mark.parametrize("status", [500, 503, 429])
def test_http_media_retries_a_server_error_then_gets_the_file(site, status):
    site.routes[UPLOAD] = [
        (status, {"Retry-After": "0"}, b"busy"),
        (200, {"Content-Type": "image/jpeg"}, PHOTO),
    ]
    assert HTTPMedia(site.base, retries=1).fetch(f"{site.base}{UPLOAD}").data == PHOTO
    assert site.requests == [UPLOAD, UPLOAD]


def test_http_media_gives_up_after_its_retries(site):
    site.routes[UPLOAD] = [(502, {"Retry-After": "0"}, b"bad gateway")]
    with pytest.raises(MediaError, match=r"Could not fetch .*foto\.jpg \(3 tries\): the server answered 502"):
        HTTPMedia(site.base, retries=2).fetch(f"{site.base}{UPLOAD}")
    assert site.requests == [UPLOAD] * 3


def test_http_media_stops_waiting_for_a_slow_server_at_its_timeout(site):
    def slow():
        site.release.wait(10)  # far longer than the client waits; freed on close
        return 200, {"Content-Type": "image/jpeg"}, PHOTO

    site.routes[UPLOAD] = [slow]
    started = time.monotonic()
    with pytest.raises(MediaError, match=r"\(2 tries\): 127\.0\.0\.1 did not answer within 0\.5 s"):
        HTTPMedia(site.base, timeout=0.5, retries=1).fetch(f"{site.base}{UPLOAD}")
    assert time.monotonic() - started < 3
    assert site.requests == [UPLOAD, UPLOAD]  # a timeout is tried again, like a dropped connection


@pytest.mark.parametrize("with_length", [True, False])
def test_http_media_refuses_a_file_over_the_limit(site, with_length):
    headers = (
        {"Content-Type": "image/jpeg"} if with_length else {"Content-Type": "image/jpeg", "X-No-Length": "1"}
    )
    site.routes[UPLOAD] = [(200, headers, PHOTO)]
    with pytest.raises(MediaError, match=f"larger than {len(PHOTO) - 1} bytes"):
        HTTPMedia(site.base, max_bytes=len(PHOTO) - 1).fetch(f"{site.base}{UPLOAD}")
    assert HTTPMedia(site.base, max_bytes=len(PHOTO)).fetch(f"{site.base}{UPLOAD}").data == PHOTO


def test_http_media_follows_a_redirect_on_the_same_host(site):
    site.routes[UPLOAD] = [(301, {"Location": "/files/foto-baru.jpg"}, b"")]
    site.file("/files/foto-baru.jpg")
    file = HTTPMedia(site.base).fetch(f"{site.base}{UPLOAD}")
    assert file.data == PHOTO and file.relative_path == "2024/03/foto.jpg"
    assert site.requests == [UPLOAD, "/files/foto-baru.jpg"]


def test_http_media_stops_after_three_redirects(site):
    for hop in range(5):
        site.routes[f"/hop/{hop}"] = [(302, {"Location": f"/hop/{hop + 1}"}, b"")]
    site.routes[UPLOAD] = [(302, {"Location": "/hop/0"}, b"")]
    with pytest.raises(MediaError, match="redirects more than 3 times"):
        HTTPMedia(site.base).fetch(f"{site.base}{UPLOAD}")
    assert len(site.requests) == 4


def test_http_media_never_follows_a_redirect_to_another_host(site, other_site):
    other_site.file(UPLOAD)
    site.routes[UPLOAD] = [(302, {"Location": f"{other_site.base}{UPLOAD}"}, b"")]
    with pytest.raises(MediaError, match=r"sent the request on to 127\.0\.0\.1:\d+; only .* is asked"):
        HTTPMedia(site.base).fetch(f"{site.base}{UPLOAD}")
    assert other_site.requests == []


def test_http_media_refuses_a_web_page_for_a_file(site):
    site.file(UPLOAD, b"<!doctype html><title>Halaman tidak ditemukan</title>", "text/html; charset=UTF-8")
    with pytest.raises(MediaError, match="answered with a web page, not a file"):
        HTTPMedia(site.base).fetch(f"{site.base}{UPLOAD}")


def test_http_media_does_not_trust_content_type_otherwise(site):
    site.file(UPLOAD, PHOTO, "application/octet-stream")
    assert HTTPMedia(site.base).fetch(f"{site.base}{UPLOAD}").data == PHOTO


def test_http_media_fetch_many_runs_concurrently_and_answers_each_address_once(site):
    # Each answer waits until 4 requests are in at once: a client asking one by one would fail.
    together = threading.Barrier(4, timeout=5)

    def gathered():
        try:
            together.wait()
        except threading.BrokenBarrierError:
            return 500, {}, b"not concurrent"
        return 200, {"Content-Type": "image/jpeg"}, PHOTO

    names = [f"/wp-content/uploads/2024/03/foto-{number}.jpg" for number in range(8)]
    for name in names:
        site.routes[name] = [gathered]
    urls = [f"{EXPORT}{name.removeprefix('/wp-content/uploads')}" for name in names]
    asked = [*urls, urls[0], f"{EXPORT}/2024/03/foto-0-300x200.jpg", "https://lama.example/about/"]
    results = list(HTTPMedia(site.base, concurrency=4, retries=0).fetch_many(asked))
    assert sorted(url for url, _result in results) == sorted(set(asked))
    answers = dict(results)
    assert all(answers[url].data == PHOTO for url in urls)
    assert answers[f"{EXPORT}/2024/03/foto-0-300x200.jpg"].url == urls[0]
    assert isinstance(answers["https://lama.example/about/"], MediaError)
    assert sorted(site.requests) == sorted(names)  # foto-0.jpg once, for the three addresses naming it


def test_safe_http_refuses_private_addresses_unless_allowed():
    with pytest.raises(safe_http.NotPublic):
        safe_http.public_address("127.0.0.1", 80)
    assert safe_http.public_address("127.0.0.1", 80, allow_private=True) == "127.0.0.1"
    for address in ("10.0.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "::1", "fe80::1%eth0"):
        assert not safe_http.is_public(address), address
    assert not safe_http.is_public("::ffff:10.0.0.1")
    assert safe_http.is_public("8.8.8.8") and safe_http.is_public("2001:4860:4860::8888")


# --- media_source ------------------------------------------------------------------------------


def test_media_source_builds_the_one_given(uploads):
    assert media_source() is None
    assert media_source(media_dir="", media_base_url=None) is None
    local = media_source(media_dir=str(uploads), max_bytes=10, timeout=1.0)
    assert isinstance(local, LocalMedia) and local.max_bytes == 10
    remote = media_source(media_base_url="http://old-server/", timeout=1.5, concurrency=2)
    assert isinstance(remote, HTTPMedia) and (remote.timeout, remote.concurrency) == (1.5, 2)


@pytest.mark.parametrize(
    "arguments, problem",
    [
        ({"media_dir": "uploads", "media_base_url": "http://old-server/"}, "not both"),
        ({"media_dir": "/nonexistent/uploads"}, "--media-dir: /nonexistent/uploads: no such folder"),
        ({"media_base_url": "ftp://old-server/"}, "--media-base-url: .* only http:// and https://"),
        ({"media_base_url": "file:///srv/uploads"}, "only http:// and https://"),
        ({"media_base_url": "old-server/wp-content/uploads"}, "only http:// and https://"),
        ({"media_base_url": "http:///uploads"}, "has no host"),
        ({"media_base_url": "http://old-server:99999/"}, "not a usable address"),
        ({"media_base_url": "http://user:secret@old-server/"}, "user name or password"),
    ],
)
def test_media_source_names_the_problem(arguments, problem):
    with pytest.raises(ValueError, match=problem):
        media_source(**arguments)


def test_media_source_refuses_a_file_for_a_folder(uploads):
    with pytest.raises(ValueError, match="is not a folder"):
        media_source(media_dir=str(uploads / "2024" / "03" / "foto.jpg"))
