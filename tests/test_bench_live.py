"""make bench-live's client and figures (tools/bench_live.py): the pure parts, no server started."""

import asyncio
import gzip
import json

import pytest

from tools import bench_live
from tools.bench_live import ClientStats, Reader, Response


def read(data: bytes) -> Response:
    async def parse():
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        return await bench_live.read_response(reader)

    return asyncio.run(parse())


def answer(status, body=b"", **headers):
    """A response as the reader gets it (the body gzip-compressed when Content-Encoding says so)."""
    headers = {name.replace("_", "-"): value for name, value in headers.items()}
    if headers.get("content-encoding") == "gzip":
        body = gzip.compress(body)
    return Response(status, headers, body, 100 + len(body))


def updates(sequence, *items):
    return json.dumps(
        {"sequence": sequence, "live": True, "updated": None, "updates": list(items), "removed": []}
    ).encode()


def update(pk, title=""):
    return {"id": pk, "anchor": f"p{pk}", "published": "", "key": False, "html": f"<h3>{title}</h3>"}


# --- HTTP ---------------------------------------------------------------------------------------


def test_head_is_read_with_lower_case_names_and_repeated_headers_joined():
    status, headers = bench_live.parse_head(
        b'HTTP/1.1 304 Not Modified\r\nETag: W/"abc"\r\nVary: Cookie\r\nvary: Accept-Encoding\r\n\r\n'
    )
    assert status == 304
    assert headers == {"etag": 'W/"abc"', "vary": "Cookie, Accept-Encoding"}
    with pytest.raises(ValueError):
        bench_live.parse_head(b"SSH-2.0-OpenSSH\r\n\r\n")


def test_response_by_content_length_counts_every_byte_on_the_wire():
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Cache: HIT\r\n\r\nhello"
    response = read(raw + b"HTTP/1.1 304 Not Modified\r\n\r\n")  # the next response stays unread
    assert (response.status, response.body, response.wire_bytes) == (200, b"hello", len(raw))
    assert response.headers["x-cache"] == "HIT"


def test_not_modified_has_no_body_even_with_a_content_length():
    raw = b'HTTP/1.1 304 Not Modified\r\nContent-Length: 120\r\nETag: "x"\r\n\r\n'
    response = read(raw)
    assert (response.status, response.body, response.wire_bytes) == (304, b"", len(raw))


def test_chunked_response_is_joined_and_its_framing_counted():
    head = b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n"
    raw = head + b"5\r\nsejak\r\n3;x=1\r\n ok\r\n0\r\n\r\n"
    response = read(raw)
    assert (response.status, response.body, response.wire_bytes) == (400, b"sejak ok", len(raw))


def test_response_without_length_runs_to_the_end_and_closes_the_connection():
    response = read(b"HTTP/1.1 500 Internal Server Error\r\n\r\noops")
    assert response.body == b"oops" and response.headers["connection"] == "close"


def test_gzip_body_is_decompressed_for_reading_only():
    response = answer(200, b'{"a": 1}', content_encoding="gzip")
    assert response.content() == b'{"a": 1}' and response.body != response.content()


def test_request_is_a_keep_alive_get_with_the_readers_headers():
    data = bench_live.request_bytes("/x/pembaruan/?sejak=3", {"If-None-Match": '"e"'}, port=8591)
    assert data == b'GET /x/pembaruan/?sejak=3 HTTP/1.1\r\nHost: 127.0.0.1:8591\r\nIf-None-Match: "e"\r\n\r\n'


# --- The reader ---------------------------------------------------------------------------------


def test_page_gives_the_endpoint_and_position_and_updates_their_marker():
    html = '<section data-live data-live-endpoint="/a/2025/01/02/b/pembaruan/" data-live-sequence="7">'
    assert bench_live.page_live_facts(html) == ("/a/2025/01/02/b/pembaruan/", 7)
    with pytest.raises(ValueError):
        bench_live.page_live_facts("<p>not live</p>")
    assert bench_live.marker_of("<h3>Pembaruan bench-live-12</h3>") == 12
    assert bench_live.marker_of("<h3>Pembaruan awal 1</h3>") is None


def test_reader_polls_from_its_position_and_records_each_update_once():
    reader = Reader("/a/pembaruan/", 3)
    path, headers = reader.request()
    assert path == "/a/pembaruan/?sejak=3"
    assert headers["Accept-Encoding"] == "gzip" and "If-None-Match" not in headers

    # Nothing new yet: the answer for position 3 (an empty list) gives the ETag to send from now on.
    assert reader.receive(answer(200, updates(3), etag='W/"e3"', content_encoding="gzip"), 1.0) == "new"
    assert reader.request() == ("/a/pembaruan/?sejak=3", {**headers, "If-None-Match": 'W/"e3"'})
    assert reader.receive(answer(304, etag='W/"e3"'), 2.0) == "unchanged"

    published = updates(4, update(41, "Pembaruan bench-live-1"))
    assert reader.receive(answer(200, published, etag='W/"e4"', content_encoding="gzip"), 3.5) == "new"
    assert reader.first_seen == {41: 3.5} and reader.markers == {41: 1}
    assert reader.request()[0] == "/a/pembaruan/?sejak=4"

    # Update 41 edited (seen again at a later position): still first seen at 3.5.
    edited = updates(6, update(41, "Pembaruan bench-live-1"), update(42, "Pembaruan bench-live-2"))
    assert reader.receive(answer(200, edited, etag='W/"e6"'), 9.0) == "new"
    assert reader.first_seen == {41: 3.5, 42: 9.0} and reader.sequence == 6


def test_reader_keeps_its_position_through_errors_and_stops_when_the_page_is_gone():
    reader = Reader("/a/pembaruan/", 5)
    reader.etag = '"e5"'
    assert reader.receive(answer(503), 1.0) == "error"
    assert reader.receive(answer(200, b"<html>not json"), 2.0) == "error"
    assert reader.receive(answer(400, b"sejak must be ..."), 3.0) == "error"  # a lagging server
    assert (reader.sequence, reader.etag) == (5, '"e5"')  # the next poll asks the same again
    assert reader.receive(answer(410), 4.0) == "gone"


def test_reader_waits_longer_after_each_failure_in_a_row_as_live_js():
    assert Reader.next_wait(3, 0, 1.0) == 3
    assert Reader.next_wait(3, 0, 0.8) == pytest.approx(2.4)
    assert Reader.next_wait(3, 2, 1.0) == 12
    assert Reader.next_wait(3, 5, 1.2) == pytest.approx(72)  # 60 s at most, then jittered


def test_stats_count_polls_inside_the_window_only_but_every_x_cache():
    stats = ClientStats(window=(10.0, 20.0))
    stats.poll_done(9.0, 9.5, answer(200, b"x" * 10, x_cache="MISS"), "new")  # during the ramp
    stats.poll_done(12.0, 12.01, answer(304), "unchanged")
    stats.poll_done(13.0, 13.02, answer(200, b"x" * 10, x_cache="HIT"), "new")
    stats.poll_done(14.0, 14.3, answer(502), "error")
    stats.failed(15.0, 35.0, "timeout")  # ended after the window
    stats.failed(16.0, 18.0, "connection")
    assert stats.polls == 4
    assert stats.statuses == {304: 1, 200: 1, 502: 1}
    assert stats.wire_bytes[200] == 110 and stats.wire_bytes[304] == 100
    assert stats.errors == {"HTTP 502": 1, "connection": 1}
    assert stats.x_cache == {"200 MISS": 1, "304 -": 1, "200 HIT": 1, "502 -": 1}
    assert stats.latencies == pytest.approx([0.01, 0.02, 0.3])
    assert stats.slow == [14.0, 16.0]


def test_slow_polls_are_told_apart_by_how_soon_after_a_publish_they_started():
    published = [
        {"n": 1, "post_started": 10.0, "returned": 10.2},
        {"n": 2, "post_started": 20.0, "returned": 20.1},
    ]
    assert bench_live.slow_after_publish([9.9, 10.0, 12.9, 13.1, 21.0], published) == 3


def test_server_log_keeps_warnings_and_last_lines_of_tracebacks_only():
    log = bench_live.ServerLog(
        [
            b"[2026-12-03 13:32:02 +0700] [15638] [INFO] Booting worker with pid: 15638\n",
            b"Page cache unavailable; rendering uncached\n",
            b"Traceback (most recent call last):\n",
            b'  File "x.py", line 1, in <module>\n',
            b"redis.exceptions.TimeoutError: Timeout reading from socket\n",
            b"Page cache unavailable; rendering uncached\n",
            b"[2026-12-03 13:32:05 +0700] [15634] [CRITICAL] WORKER TIMEOUT (pid:15638)\n",
        ]
    )
    log.run()
    assert len(log.lines) == 7
    assert log.notable() == {
        "Page cache unavailable; rendering uncached": 2,
        "redis.exceptions.TimeoutError: Timeout reading from socket": 1,
        "[CRITICAL] WORKER TIMEOUT (pid:15638)": 1,
    }


# --- Figures ------------------------------------------------------------------------------------


def test_percentile_interpolates_between_ranks():
    values = [5, 1, 4, 2, 3]
    assert bench_live.percentile(values, 50) == 3
    assert bench_live.percentile(values, 0) == 1 and bench_live.percentile(values, 100) == 5
    assert bench_live.percentile(values, 90) == pytest.approx(4.6)
    assert bench_live.percentile(list(range(1, 101)), 99) == pytest.approx(99.01)
    assert bench_live.percentile([7], 99) == 7
    assert bench_live.percentile([], 50) is None


def test_delivery_joins_publishes_to_arrivals_by_the_marker_in_the_title():
    published = [
        {"n": 1, "post_started": 104.8, "returned": 105.0},
        {"n": 2, "post_started": 114.9, "returned": 115.0},
    ]
    arrivals = {41: [106.0, 107.0, 108.0], 42: [116.5], 7: [101.0]}  # 7: an earlier update
    markers = {41: 1, 42: 2, 7: None}
    rows, delays = bench_live.delivery(published, arrivals, markers, readers=3, window_start=100.0)
    assert delays == pytest.approx([1.0, 2.0, 3.0, 1.5])
    assert [(row["n"], row["at"], row["readers"], row["missing"]) for row in rows] == [
        (1, 5, 3, 0),
        (2, 15, 1, 2),
    ]
    assert rows[0]["p50"] == 2 and rows[0]["max"] == 3 and rows[0]["post_seconds"] == pytest.approx(0.2)


def test_delivery_reports_an_update_no_reader_got():
    rows, delays = bench_live.delivery(
        [{"n": 1, "post_started": 0, "returned": 1}], {}, {}, readers=2, window_start=0
    )
    assert delays == [] and rows[0]["readers"] == 0 and rows[0]["missing"] == 2 and rows[0]["p50"] is None


def test_server_cpu_is_summed_over_the_process_tree():
    table = {
        10: (1, "gunicorn", 1.0),
        11: (10, "gunicorn", 2.0),
        12: (10, "gunicorn", 3.0),
        13: (12, "sh", 0.5),
        20: (1, "postgres", 4.0),
        21: (20, "postgres", 1.0),
    }
    assert bench_live.tree_cpu(table, 10) == (6.5, 4)
    assert bench_live.named_cpu(table, "postgres") == 5.0


def test_desk_form_is_the_one_with_the_update_body():
    html = """
    <form method="post" action="/admin/logout/"><input type="hidden" name="csrfmiddlewaretoken" value="t">
      <input name="a" value="1"><input name="b" value="2"><input name="c" value="3"></form>
    <form method="post" enctype="multipart/form-data">
      <input type="hidden" name="csrfmiddlewaretoken" value="t">
      <input name="title" value=""><textarea name="body"></textarea>
      <select name="author"><option value="">---</option><option value="4" selected>Tim</option></select>
      <input type="checkbox" name="is_key"><input type="file" name="photo">
      <button name="_publish">Terbitkan</button><button name="_draft">Simpan draf</button>
    </form>"""
    assert bench_live.desk_form(html) == {"csrfmiddlewaretoken": "t", "title": "", "body": "", "author": "4"}
    with pytest.raises(ValueError):
        bench_live.desk_form("<form method=post><input name=q></form>")


def test_settings_come_from_flags_then_the_environment(monkeypatch):
    monkeypatch.setenv("BENCH_LIVE_READERS", "40")
    monkeypatch.setenv("BENCH_LIVE_PORT", "9001")
    args = bench_live.settings_from(["--seconds", "20", "--clients", "8"])
    assert (args.readers, args.seconds, args.every, args.port) == (40, 20, 10, 9001)
    assert args.clients == 8
    assert bench_live.settings_from(["--readers", "3"]).clients == 2
    assert bench_live.settings_from(["--readers", "1"]).clients == 1
