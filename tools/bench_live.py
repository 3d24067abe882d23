"""make bench-live: 1,000 readers polling one live coverage while an editor publishes every 10 s.

    python -m tools.bench_live [--readers 1000] [--seconds 60] [--every 10]

The production stack (tools/stack.py: gunicorn with the checked-in config on
PostgreSQL + Redis, 127.0.0.1 only) on its own database and Redis database,
with one running live coverage and a few updates. Simulated readers each open
the page once, read its position (data-live-sequence), then poll its endpoint
as static/js/live.js does: every articles.live.POLL_SECONDS (±20 %),
GET …/pembaruan/?sejak=N with the last ETag in If-None-Match, gzip accepted,
each reader on its own kept-alive connection. They run in separate client
processes (asyncio on raw HTTP/1.1) whose own CPU is measured, so that the
figure is the server's, not the client's. Meanwhile an editor publishes one
update every EVERY seconds through the admin's live desk over HTTP.

Reported: each update's time to reader (from the publish POST returning to a
reader having it) over all (reader, update) pairs, how many readers got each,
requests/s, 304 vs 200, bytes per poll on the wire, errors, the CPU of the
server (gunicorn master and workers, from /proc) and of the clients, and the
X-Cache of every 200 (a MISS is a render; a 304 carries none, so the bench
database's transaction count shows renders too), polls slower than 250 ms, and
the server log's warnings. Figures in var/bench-live/result.json.
Settings: BENCH_LIVE_READERS, BENCH_LIVE_SECONDS, BENCH_LIVE_EVERY,
BENCH_LIVE_PORT, BENCH_LIVE_DATABASE_URL, BENCH_LIVE_REDIS_URL,
BENCH_LIVE_CLIENTS (client processes).
"""

import argparse
import asyncio
import gzip
import json
import multiprocessing
import os
import platform
import random
import re
import resource
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tools.stack import FormParser, Stack

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench-live"
RESULT = BENCH_DIR / "result.json"
SERVER_LOG = BENCH_DIR / "server.log"
HOST = "127.0.0.1"
EDITOR = ("bench-live-editor", "bench-live-editor-password")
TARGET_SECONDS = 5.0  # the issue: a reader sees a published update within 5 s
REQUEST_TIMEOUT = 20.0  # live.js aborts a poll after 20 s
MAX_WAIT_SECONDS = 60.0
SLOW_SECONDS = 0.25  # a poll slower than this is listed by when it started
MARKER = re.compile(r"bench-live-(\d+)\b")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def settings_from(argv=None):
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m tools.bench_live", description=__doc__.split("\n")[0])
    parser.add_argument("--readers", type=int, default=int(env("BENCH_LIVE_READERS", "1000")))
    parser.add_argument("--seconds", type=float, default=float(env("BENCH_LIVE_SECONDS", "60")))
    parser.add_argument("--every", type=float, default=float(env("BENCH_LIVE_EVERY", "10")))
    parser.add_argument("--clients", type=int, default=int(env("BENCH_LIVE_CLIENTS", "2")))
    args = parser.parse_args(argv)
    args.port = int(env("BENCH_LIVE_PORT", "8591"))
    # Its own database and Redis database: the run adds a coverage and fills the page cache.
    args.database_url = env(
        "BENCH_LIVE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsportal_bench_live"
    )
    args.redis_url = env("BENCH_LIVE_REDIS_URL", "redis://127.0.0.1:6379/8")
    args.clients = max(1, min(args.clients, args.readers))
    return args


# --- HTTP/1.1 on a kept-alive connection ------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict  # lower-case names
    body: bytes  # as sent: gzip when the server compressed it
    wire_bytes: int  # status line, headers and body (with any chunk framing)

    def content(self) -> bytes:
        if self.headers.get("content-encoding", "").lower() == "gzip":
            return gzip.decompress(self.body)
        return self.body


def parse_head(head: bytes):
    """Return (status, {lower-case name: value}) from a response's status line and headers."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP/1.x status line: {lines[0]!r}")
    headers = {}
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return int(parts[1]), headers


async def read_response(reader: asyncio.StreamReader) -> Response:
    """Read one response to a GET: by Content-Length, chunked, or (neither) up to the connection's end."""
    head = await reader.readuntil(b"\r\n\r\n")
    status, headers = parse_head(head)
    wire = len(head)
    if status in (204, 304) or status < 200:
        body = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        while True:
            line = await reader.readuntil(b"\r\n")
            wire += len(line)
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                while (trailer := await reader.readuntil(b"\r\n")) != b"\r\n":
                    wire += len(trailer)
                wire += 2
                break
            chunk = await reader.readexactly(size + 2)
            wire += len(chunk)
            chunks.append(chunk[:-2])
        body = b"".join(chunks)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
        wire += len(body)
    else:
        body = await reader.read()
        wire += len(body)
        headers["connection"] = "close"
    return Response(status, headers, body, wire)


def request_bytes(path, headers, *, host=HOST, port=80) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class Connection:
    """One reader's connection, kept alive between polls and opened again when the server closed it."""

    def __init__(self, port, stats):
        self.port, self.stats = port, stats
        self.reader = self.writer = None

    async def get(self, path, headers) -> Response:
        data = request_bytes(path, headers, port=self.port)
        while True:
            reused = self.writer is not None
            if not reused:
                self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
            try:
                self.writer.write(data)
                await self.writer.drain()
                response = await read_response(self.reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if not reused:
                    raise
                # The server closed the idle connection as this request left, as a browser sees
                # too: sent again on a new one, not an error.
                self.stats.reconnects += 1
                continue
            if response.headers.get("connection", "").lower() == "close":
                self.close()
            return response

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


# --- A reader's page, as static/js/live.js keeps it -------------------------------------------


def page_live_facts(html: str):
    """Return (endpoint, sequence) from a coverage page's data-live-endpoint and data-live-sequence."""
    endpoint = re.search(r'data-live-endpoint="([^"]+)"', html)
    sequence = re.search(r'data-live-sequence="(\d+)"', html)
    if not endpoint or not sequence:
        raise ValueError("not a live coverage page (no data-live-endpoint / data-live-sequence)")
    return endpoint.group(1).replace("&amp;", "&"), int(sequence.group(1))


def marker_of(html: str):
    """Return n of the bench-live-n marker the editor put in an update's title, or None."""
    match = MARKER.search(html)
    return int(match.group(1)) if match else None


class Reader:
    """One open page: its position and last ETag, and when each update first reached it."""

    def __init__(self, endpoint, sequence):
        self.endpoint, self.sequence, self.etag = endpoint, sequence, None
        self.first_seen = {}  # update id -> time it first arrived
        self.markers = {}  # update id -> the editor's publish number

    def request(self):
        headers = {"Accept": "*/*", "Accept-Encoding": "gzip", "User-Agent": "bench-live"}
        if self.etag:
            headers["If-None-Match"] = self.etag
        return f"{self.endpoint}?sejak={self.sequence}", headers

    def receive(self, response: Response, now: float) -> str:
        """Take one poll's answer; return "new" (a 200), "unchanged" (a 304), "gone" or "error".

        As live.js: a 404 or 410 stops the polling, any other failure (a 400 from a
        lagging server included) keeps the position for the next, later, poll.
        """
        if response.status == 304:
            return "unchanged"
        if response.status in (404, 410):
            return "gone"
        if response.status != 200:
            return "error"
        try:
            data = json.loads(response.content())
            sequence, updates = int(data["sequence"]), data["updates"]
        except (ValueError, KeyError, TypeError, OSError):
            return "error"
        for update in updates:
            if update["id"] not in self.first_seen:
                self.first_seen[update["id"]] = now
                self.markers[update["id"]] = marker_of(update.get("html", ""))
        self.sequence, self.etag = sequence, response.headers.get("etag")
        return "new"

    @staticmethod
    def next_wait(poll, failures, jitter):
        """Seconds to the next poll, as live.js: the interval doubled per failure in a row (at most 60 s)."""
        return min(poll * 2**failures, MAX_WAIT_SECONDS) * jitter


# --- The client processes -----------------------------------------------------------------------


@dataclass
class ClientStats:
    """What one client process saw; polls are counted only when they end inside the window."""

    window: tuple = (0.0, 0.0)
    polls: int = 0
    statuses: Counter = field(default_factory=Counter)
    wire_bytes: Counter = field(default_factory=Counter)  # per status
    x_cache: Counter = field(default_factory=Counter)  # "200 HIT", ... over the whole run
    errors: Counter = field(default_factory=Counter)
    latencies: list = field(default_factory=list)  # seconds per poll
    slow: list = field(default_factory=list)  # start of each poll slower than SLOW_SECONDS
    reconnects: int = 0
    page_loads: Counter = field(default_factory=Counter)  # "200 HIT", ...
    cpu_seconds: float = 0.0

    def poll_done(self, started, finished, response, outcome):
        self.x_cache[f"{response.status} {response.headers.get('x-cache', '-')}"] += 1
        if not self.window[0] <= finished < self.window[1]:
            return
        self.polls += 1
        self.statuses[response.status] += 1
        self.wire_bytes[response.status] += response.wire_bytes
        self.latencies.append(finished - started)
        if finished - started > SLOW_SECONDS:
            self.slow.append(started)
        if outcome in ("error", "gone"):
            self.errors[f"HTTP {response.status}"] += 1

    def failed(self, started, finished, kind):
        if self.window[0] <= finished < self.window[1]:
            self.polls += 1
            self.errors[kind] += 1
            self.slow.append(started)


async def sleep_until(moment):
    await asyncio.sleep(max(0.0, moment - time.monotonic()))


async def open_page(connection, page_path, stats, stop_at):
    """Load the coverage page as a reader arriving does; return its Reader (None if it never loaded)."""
    headers = {"Accept": "text/html", "Accept-Encoding": "gzip", "User-Agent": "bench-live"}
    while time.monotonic() < stop_at:
        try:
            response = await asyncio.wait_for(connection.get(page_path, headers), REQUEST_TIMEOUT)
            stats.page_loads[f"{response.status} {response.headers.get('x-cache', '-')}"] += 1
            if response.status == 200:
                return Reader(*page_live_facts(response.content().decode()))
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
            connection.close()
            stats.page_loads[f"failed {type(error).__name__}"] += 1
        await asyncio.sleep(1)
    return None


async def run_reader(page_path, schedule, stats, rng):
    connection = Connection(schedule["port"], stats)
    poll = schedule["poll"]
    try:
        await sleep_until(schedule["ramp_start"] + rng.uniform(0, schedule["ramp"]))
        reader = await open_page(connection, page_path, stats, schedule["stop_at"])
        if reader is None:
            return None
        failures = 0
        await asyncio.sleep(Reader.next_wait(poll, failures, rng.uniform(0.8, 1.2)))
        while time.monotonic() < schedule["stop_at"]:
            path, headers = reader.request()
            started = time.monotonic()
            try:
                response = await asyncio.wait_for(connection.get(path, headers), REQUEST_TIMEOUT)
            except TimeoutError:
                connection.close()
                stats.failed(started, time.monotonic(), "timeout")
                failures += 1
            except (OSError, asyncio.IncompleteReadError, ValueError):
                connection.close()
                stats.failed(started, time.monotonic(), "connection")
                failures += 1
            else:
                finished = time.monotonic()
                outcome = reader.receive(response, finished)
                stats.poll_done(started, finished, response, outcome)
                if outcome == "gone":
                    break
                failures = failures + 1 if outcome == "error" else 0
            # live.js waits after each answer, jittered ±20 % so that pages opened together
            # do not poll in step.
            await asyncio.sleep(Reader.next_wait(poll, failures, rng.uniform(0.8, 1.2)))
        return reader
    finally:
        connection.close()


async def measure_own_cpu(stats, schedule):
    await sleep_until(schedule["window_start"])
    before = resource.getrusage(resource.RUSAGE_SELF)
    await sleep_until(schedule["window_end"])
    after = resource.getrusage(resource.RUSAGE_SELF)
    stats.cpu_seconds = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


async def run_client(readers, page_path, schedule, seed):
    stats = ClientStats(window=(schedule["window_start"], schedule["window_end"]))
    rng = random.Random(seed)
    cpu = asyncio.create_task(measure_own_cpu(stats, schedule))
    done = await asyncio.gather(*(run_reader(page_path, schedule, stats, rng) for _ in range(readers)))
    await cpu
    arrivals, markers = {}, {}
    for reader in filter(None, done):
        for update_id, moment in reader.first_seen.items():
            arrivals.setdefault(update_id, []).append(moment)
        markers.update(reader.markers)
    return {
        "readers": readers,
        "opened": sum(1 for reader in done if reader is not None),
        "arrivals": arrivals,
        "markers": markers,
        "stats": stats,
    }


def client_process(connection, readers, page_path, seed):
    """A client process: say ready, take the schedule, run its readers, send back what they saw."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the run
    connection.send("ready")
    schedule = connection.recv()
    connection.send(asyncio.run(run_client(readers, page_path, schedule, seed)))
    connection.close()


# --- The editor, at the live desk over HTTP -------------------------------------------------------


def desk_form(html):
    """Return the fields of the desk's new-update form: the POST form with a `body` field."""
    parser = FormParser()
    parser.feed(html)
    for fields in parser.forms:
        if any(name == "body" for name, _value in fields):
            collected = {}
            for name, value in fields:
                collected.setdefault(name, []).append(value)
            return {name: values if len(values) > 1 else values[0] for name, values in collected.items()}
    raise ValueError("no form with a body field on the live desk")


class LiveEditor(threading.Thread):
    """Publish update n at first_at + (n - 1) * every until `until`, each through the desk's form."""

    def __init__(self, browser, desk_path, *, first_at, every, until):
        super().__init__(daemon=True)
        self.browser, self.desk_path = browser, desk_path
        self.first_at, self.every, self.until = first_at, every, until
        self.stopped = threading.Event()
        self.published, self.failures = [], []

    def run(self):
        n = 0
        while (at := self.first_at + n * self.every) < self.until:
            if self.stopped.wait(max(0.0, at - time.monotonic())):
                return
            n += 1
            try:
                self.publish(n)
            except (OSError, urllib.error.URLError, ValueError) as error:
                self.failures.append(f"update {n}: {error}")

    def publish(self, n):
        fields = desk_form(self.browser.get(self.desk_path))
        fields.pop("_draft", None)
        fields.update(
            {
                "title": f"Pembaruan bench-live-{n}",
                "body": f"Tim SAR menjangkau desa ke-{n}.\n\nWarga diminta tetap waspada (bench-live-{n}).",
                "_publish": "1",
            }
        )
        if n % 3 == 0:  # now and then a key update, which also fills the summary box
            fields["is_key"] = "on"
        started = time.monotonic()
        status, body = self.browser.post(self.desk_path, fields)
        returned = time.monotonic()
        if status != 302:
            errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', body, re.S)
            self.failures.append(f"update {n}: HTTP {status} {errors[:2]}")
            return
        self.published.append({"n": n, "post_started": started, "returned": returned})

    def finish(self):
        self.stopped.set()
        if self.ident is not None:
            self.join(timeout=60)


# --- CPU time from /proc ---------------------------------------------------------------------------


def process_table():
    """Return {pid: (ppid, command, CPU seconds of it and its waited-for children)} from /proc."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue  # it ended meanwhile
        # The command, in parentheses, may hold spaces: the fields start after its ")".
        command = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        # utime, stime, cutime, cstime: a process that ends moves into its parent's c-times,
        # so a sum over the live processes of a tree never loses or counts twice.
        ticks = sum(int(value) for value in fields[11:15])
        table[int(entry.name)] = (int(fields[1]), command, ticks / CLK_TCK)
    return table


def tree_cpu(table, root):
    children = {}
    for pid, (ppid, _command, _cpu) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, pending, count = 0.0, [root], 0
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, ()))
        if pid in table:
            total, count = total + table[pid][2], count + 1
    return total, count


def named_cpu(table, prefix):
    return sum(cpu for _ppid, command, cpu in table.values() if command.startswith(prefix))


def machine_busy_seconds():
    """All cores' busy time (everything but idle and iowait), in seconds."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / CLK_TCK


def cpu_sample(server_pid):
    table = process_table()
    server, processes = tree_cpu(table, server_pid)
    return {
        "at": time.monotonic(),
        "server": server,
        "server_processes": processes,
        "postgres": named_cpu(table, "postgres"),
        "redis": named_cpu(table, "redis-server"),
        "machine": machine_busy_seconds(),
    }


def database_transactions(database_url):
    """Transactions the bench database has run so far (PostgreSQL's statistics; None if unreadable).

    A cached answer never reaches the database; a render does (each autocommit query
    is a transaction), so this counts renders that a 304 would hide.
    """
    parts = urllib.parse.urlsplit(database_url)
    query = (
        f"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '{parts.path.lstrip('/')}'"
    )
    command = ["psql", "-h", parts.hostname or HOST, "-U", parts.username or "postgres", "-Atc", query]
    if parts.port:
        command += ["-p", str(parts.port)]
    try:
        output = subprocess.run(command, capture_output=True, text=True, timeout=10, check=True).stdout
        return int(output.strip())
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def redis_writes(redis_url):
    """SET calls the Redis server has answered so far (every database; None if it cannot be asked)."""
    try:
        import redis

        stats = redis.Redis.from_url(redis_url, socket_timeout=2).info("commandstats")
    except Exception:
        return None
    return sum(
        stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("set", "setex", "psetex", "mset")
    )


class ServerLog(threading.Thread):
    """Read gunicorn's stderr while it runs (a full pipe would stop its workers) and keep it."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.lines = stream, []

    def run(self):
        for line in self.stream:
            self.lines.append(line.decode(errors="replace").rstrip("\n"))

    def notable(self):
        """Return {line: n} of what is not gunicorn's [INFO] chatter nor a traceback's frames."""
        return Counter(
            re.sub(r"^\[[^]]+\] \[\d+\] ", "", line)
            for line in self.lines
            if line.strip() and "[INFO]" not in line and not line.startswith((" ", "Traceback"))
        )


# --- Figures -----------------------------------------------------------------------------------


def percentile(values, p):
    """Return the p-th percentile (0-100), interpolated between ranks as numpy does; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def spread(values):
    return {f"p{p}": percentile(values, p) for p in (50, 90, 99)} | {"max": max(values, default=None)}


def merge_clients(results):
    merged = ClientStats()
    arrivals, markers, opened, cpu = {}, {}, 0, []
    for result in results:
        stats = result["stats"]
        merged.polls += stats.polls
        merged.reconnects += stats.reconnects
        merged.latencies += stats.latencies
        merged.slow += stats.slow
        for name in ("statuses", "wire_bytes", "x_cache", "errors", "page_loads"):
            getattr(merged, name).update(getattr(stats, name))
        for update_id, moments in result["arrivals"].items():
            arrivals.setdefault(update_id, []).extend(moments)
        markers.update(result["markers"])
        opened += result["opened"]
        cpu.append(stats.cpu_seconds)
    return merged, arrivals, markers, opened, cpu


def delivery(published, arrivals, markers, *, readers, window_start):
    """Return a row per publish (readers who got it, p50..max) and every (reader, update) delay."""
    by_marker = {n: update_id for update_id, n in markers.items() if n is not None}
    rows, delays = [], []
    for publish in published:
        moments = arrivals.get(by_marker.get(publish["n"]), [])
        own = [moment - publish["returned"] for moment in moments]
        delays += own
        rows.append(
            {
                "n": publish["n"],
                "at": round(publish["returned"] - window_start, 2),
                "post_seconds": round(publish["returned"] - publish["post_started"], 3),
                "readers": len(own),
                "missing": readers - len(own),
                **{key: rounded(value) for key, value in spread(own).items()},
            }
        )
    return rows, delays


def rounded(value, digits=3):
    return None if value is None else round(value, digits)


def slow_after_publish(slow, published, seconds=3.0):
    """Return how many of the slow polls started within `seconds` after a publish POST was sent."""
    starts = [publish["post_started"] for publish in published]
    return sum(1 for moment in slow if any(0 <= moment - start < seconds for start in starts))


def figures(args, facts, editor, results, cpu_before, cpu_after, counters, log):
    stats, arrivals, markers, opened, client_cpu = merge_clients(results)
    window = cpu_after["at"] - cpu_before["at"]
    rows, delays = delivery(
        editor.published, arrivals, markers, readers=args.readers, window_start=cpu_before["at"]
    )
    ok = {status: stats.statuses[status] for status in (200, 304)}
    error_count = sum(stats.errors.values())
    misses = sum(n for key, n in stats.x_cache.items() if key.endswith(" MISS"))
    # A 200 without X-Cache did not go through the page cache (it could not read Redis): a render.
    uncached = stats.x_cache.get("200 -", 0)
    notable = log.notable()
    result = {
        "readers": args.readers,
        "readers_opened": opened,
        "seconds": round(window, 1),
        "every": args.every,
        "poll_seconds": facts["poll"],
        "client_processes": args.clients,
        "cpus": os.cpu_count(),
        "gunicorn_processes": cpu_after["server_processes"],
        "python": platform.python_version(),
        "coverage": facts["url"],
        "updates_published": len(editor.published),
        "publish_failures": editor.failures,
        "time_to_reader": {key: rounded(value) for key, value in spread(delays).items()}
        | {"pairs": len(delays), "min": rounded(min(delays, default=None))},
        "updates": rows,
        "every_reader_got_every_update": bool(rows) and all(row["missing"] == 0 for row in rows),
        "requests": stats.polls,
        "requests_per_second": round(stats.polls / window, 1),
        "share_304": round(ok[304] / stats.polls, 4) if stats.polls else None,
        "share_200": round(ok[200] / stats.polls, 4) if stats.polls else None,
        "bytes_per_poll": {
            str(status): round(stats.wire_bytes[status] / ok[status]) if ok[status] else None
            for status in (200, 304)
        }
        | {"all": round(sum(stats.wire_bytes.values()) / stats.polls) if stats.polls else None},
        "poll_latency_ms": {key: rounded(value * 1000, 1) for key, value in spread(stats.latencies).items()},
        "errors": dict(stats.errors),
        "error_count": error_count,
        "reconnects": stats.reconnects,
        "x_cache": dict(sorted(stats.x_cache.items())),
        "renders_seen": misses + uncached,
        "uncached_answers": uncached,
        "slow_polls": len(stats.slow),
        "slow_polls_within_3s_of_a_publish": slow_after_publish(stats.slow, editor.published),
        "slow_polls_by_second": dict(
            sorted(Counter(int(moment - cpu_before["at"]) for moment in stats.slow).items())
        ),
        "server_log_notable": dict(notable.most_common(10)),
        "server_log_notable_lines": sum(notable.values()),
        "page_loads": dict(sorted(stats.page_loads.items())),
        **{
            f"{name}_in_window": None if None in pair else pair[1] - pair[0]
            for name, pair in counters.items()
        },
        "cpu": {
            name: {
                "seconds": round(cpu_after[name] - cpu_before[name], 2),
                "share_of_one_core": round((cpu_after[name] - cpu_before[name]) / window, 3),
            }
            for name in ("server", "postgres", "redis", "machine")
        }
        | {
            "clients": {
                "seconds": round(sum(client_cpu), 2),
                "share_of_one_core": round(sum(client_cpu) / window, 3),
                "per_process": [round(seconds / window, 3) for seconds in client_cpu],
            }
        },
    }
    p_max = result["time_to_reader"]["max"]
    machine = result["cpu"]["machine"]["share_of_one_core"]
    ours = sum(
        result["cpu"][name]["share_of_one_core"] for name in ("server", "clients", "postgres", "redis")
    )
    # The benchmark's own processes, and the rest: another job on this machine disturbs the figures.
    result["cpu"]["other_processes_cores"] = round(max(0.0, machine - ours), 2)
    result["target_met"] = (
        result["every_reader_got_every_update"] and p_max is not None and p_max <= TARGET_SECONDS
    )
    return result


def summarize(result):
    cpu, ttr = result["cpu"], result["time_to_reader"]
    print(
        f"\nLive coverage benchmark: {result['readers']:,} readers polling one coverage every "
        f"{result['poll_seconds']} s (±20 %), an editor publishing every {result['every']:g} s, "
        f"{result['seconds']:g} s measured; gunicorn (master + {result['gunicorn_processes'] - 1} workers)"
        f" on PostgreSQL + Redis, {result['cpus']} cores, 127.0.0.1, "
        f"{result['client_processes']} client processes"
    )
    print(
        "  (The archive's size does not matter for these figures: the page and the endpoint read only this\n"
        "  coverage, from the page cache, so the bench makes one section, one author and one coverage.)\n"
    )
    print(f"time to reader (publish POST returned -> reader has it), {ttr['pairs']:,} (reader, update) pairs")
    print(
        f"  p50 {seconds(ttr['p50'])}   p90 {seconds(ttr['p90'])}   p99 {seconds(ttr['p99'])}   "
        f"max {seconds(ttr['max'])}   (min {seconds(ttr['min'])})"
    )
    verdict = "met" if result["target_met"] else "MISSED"
    print(f"  target: every reader has every update within {TARGET_SECONDS:g} s: {verdict}\n")
    print(
        f"  {'update':>6} {'at':>7} {'POST':>7} {'readers':>11} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7}"
    )
    for row in result["updates"]:
        print(
            f"  {row['n']:>6} {row['at']:>6.1f}s {row['post_seconds'] * 1000:>5.0f}ms "
            f"{row['readers']:>5}/{result['readers']:<5} {seconds(row['p50'])} {seconds(row['p90'])} "
            f"{seconds(row['p99'])} {seconds(row['max'])}"
        )
    for failure in result["publish_failures"]:
        print(f"  publish FAILED: {failure}")
    latency, size = result["poll_latency_ms"], result["bytes_per_poll"]
    print(
        f"\npolls       {result['requests']:,} in {result['seconds']:g} s = "
        f"{result['requests_per_second']:,.0f} "
        f"requests/s; 304 {share(result['share_304'])}, 200 {share(result['share_200'])}; "
        f"latency p50 {latency['p50']} ms, p99 {latency['p99']} ms, max {latency['max']} ms"
    )
    print(
        f"bytes/poll  304: {size['304'] or '-'} B, 200: {size['200'] or '-'} B, all: {size['all'] or '-'} B "
        "(response on the wire, headers included)"
    )
    errors = ", ".join(f"{kind} {n}" for kind, n in sorted(result["errors"].items())) or "none"
    print(f"errors      {result['error_count']} ({errors}); connections reopened {result['reconnects']}")
    caches = ", ".join(f"{key} {n:,}" for key, n in result["x_cache"].items())
    uncached = result["uncached_answers"]
    print(
        f"renders     {result['renders_seen']} seen, {uncached} of them uncached (200 without X-Cache)"
        f" ({caches}; 304s carry no X-Cache)"
    )
    if result["database_transactions_in_window"] is not None:
        print(
            f"            database transactions in the window: {result['database_transactions_in_window']:,} "
            "(a render reads the database, a cached answer never; the editor's included)"
        )
    if result["redis_sets_in_window"] is not None:
        writes = result["redis_sets_in_window"]
        print(f"            Redis SETs in the window: {writes:,} (every client of that Redis, all databases)")
    print(
        f"slow polls  {result['slow_polls']:,} over {SLOW_SECONDS * 1000:.0f} ms, "
        f"{result['slow_polls_within_3s_of_a_publish']:,} of them started within 3 s after a publish"
    )
    loads = ", ".join(f"{key} {n:,}" for key, n in result["page_loads"].items())
    print(f"page loads  {loads} ({result['readers_opened']:,} readers opened the page)")
    clients = " + ".join(f"{share(part)}" for part in cpu["clients"]["per_process"])
    print(
        f"CPU         server (gunicorn master + workers) {core(cpu['server'])}; "
        f"clients {core(cpu['clients'])} ({clients})\n"
        f"            PostgreSQL {core(cpu['postgres'])}, Redis {core(cpu['redis'])}, "
        f"whole machine {core(cpu['machine'])} of {result['cpus']} cores"
    )
    if cpu["other_processes_cores"] >= 0.2:
        print(
            f"            WARNING: other processes used {cpu['other_processes_cores']:.2f} cores meanwhile: "
            "the figures are disturbed; run again on a quiet machine"
        )
    if result["server_log_notable_lines"]:
        print(f"server log  {result['server_log_notable_lines']:,} warning lines, most often:")
        for line, n in list(result["server_log_notable"].items())[:3]:
            print(f"            {n:>5} x {line[:150]}")
    print(f"figures in {RESULT.relative_to(ROOT)}, the server's log in {SERVER_LOG.relative_to(ROOT)}")


def seconds(value):
    return f"{'-':>6} " if value is None else f"{value:6.2f}s"


def share(value):
    return "-" if value is None else f"{value:.1%}"


def core(cpu):
    return f"{cpu['share_of_one_core']:.1%} of one core ({cpu['share_of_one_core']:.2f} cores)"


# --- The run -------------------------------------------------------------------------------------

SETUP = """
from django.utils import timezone
from articles import live, services
from articles.models import Article, Author, Credit, Section

section, _ = Section.objects.get_or_create(
    slug="langsung", defaults={"name": "Langsung", "is_in_navigation": True, "position": 1}
)
author, _ = Author.objects.get_or_create(
    slug="tim-liputan-langsung", defaults={"name": "Tim Liputan Langsung"}
)
stamp = timezone.now().strftime("%Y%m%d%H%M%S")
article = services.article_save(article=Article(
    headline="Gempa Magnitudo 6,1 Guncang Wanaraya: Pembaruan Langsung",
    slug=f"liputan-langsung-bench-{stamp}",
    dek="Liputan langsung untuk uji beban pembaca.",
    body="<p>Gempa mengguncang Wanaraya pagi ini.</p>",
    section=section,
), by=None)
Credit.objects.create(article=article, author=author, position=0)
article = services.article_publish(article=article, by=None)
article = services.live_coverage_start(article=article, by=None)
for n in range(1, 4):
    services.live_update_add(
        article=article, by=None, title=f"Pembaruan awal {n}", body=f"<p>Laporan awal nomor {n}.</p>",
        author=author, publish=True,
    )
print("coverage", article.pk, article.get_absolute_url(), live.POLL_SECONDS)
"""


def prepare(stack):
    """Migrate the bench database, ensure the editor, and start a new coverage; return its facts."""
    print("Preparing the bench database and a new live coverage...", flush=True)
    stack.create_database()
    stack.ensure_editor(*EDITOR)
    line = next(line for line in stack.shell_lines(SETUP) if line.startswith("coverage "))
    _, pk, url, poll = line.split()
    return {"pk": int(pk), "url": url, "poll": float(poll), "desk": f"/admin/articles/article/{pk}/live/"}


def counters_now(args):
    return {
        "database_transactions": database_transactions(args.database_url),
        "redis_sets": redis_writes(args.redis_url),
    }


def start_clients(args, page_path):
    """Fork the client processes (before any thread starts); return [(process, pipe)] once all are ready."""
    context = multiprocessing.get_context("fork")
    clients = []
    for index in range(args.clients):
        readers = args.readers // args.clients + (index < args.readers % args.clients)
        parent, child = context.Pipe()
        process = context.Process(
            target=client_process, args=(child, readers, page_path, 1000 + index), daemon=True
        )
        process.start()
        clients.append((process, parent))
    for _process, pipe in clients:
        if not pipe.poll(30) or pipe.recv() != "ready":
            raise SystemExit("a client process did not start")
    return clients


def main(argv=None):
    args = settings_from(argv)
    stack = Stack(database_url=args.database_url, redis_url=args.redis_url, port=args.port)
    facts = prepare(stack)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    clients, editor, log = [], None, None
    try:
        stack.start()
        log = ServerLog(stack.server.stderr)
        log.start()
        browser = stack.login(*EDITOR)
        desk_form(browser.get(facts["desk"]))  # the desk is there, with its form, before readers come
        for path in (facts["url"], f"{facts['url']}pembaruan/?sejak=0"):
            stack.get(path)  # the first renders, as any first reader's, before the run
        clients = start_clients(args, facts["url"])
        poll = facts["poll"]
        now = time.monotonic()
        # Readers arrive over one poll interval, and are polling steadily before the window opens.
        schedule = {"port": args.port, "poll": poll, "ramp_start": now + 0.5, "ramp": poll}
        schedule["window_start"] = schedule["ramp_start"] + 2.5 * poll
        schedule["window_end"] = schedule["window_start"] + args.seconds
        # After the window, readers keep polling long enough for the last update to reach them all.
        schedule["stop_at"] = schedule["window_end"] + max(10.0, 3 * poll)
        for _process, pipe in clients:
            pipe.send(schedule)
        editor = LiveEditor(
            browser,
            facts["desk"],
            first_at=schedule["window_start"] + args.every / 2,
            every=args.every,
            until=schedule["window_end"],
        )
        editor.start()
        print(
            f"{args.readers:,} readers in {args.clients} processes, {args.seconds:g} s, "
            f"an update every {args.every:g} s: {facts['url']}",
            flush=True,
        )
        time.sleep(max(0.0, schedule["window_start"] - time.monotonic()))
        before, counted = cpu_sample(stack.server.pid), counters_now(args)
        time.sleep(max(0.0, schedule["window_end"] - time.monotonic()))
        after = cpu_sample(stack.server.pid)
        ended = counters_now(args)
        counted = {name: (value, ended[name]) for name, value in counted.items()}
        editor.finish()
        results = []
        for _process, pipe in clients:
            if not pipe.poll(schedule["stop_at"] - time.monotonic() + 60):
                raise SystemExit("a client process did not report")
            results.append(pipe.recv())
    finally:
        if editor is not None:
            editor.finish()
        for process, _pipe in clients:
            if process.is_alive():
                process.terminate()
            process.join(timeout=10)
        stack.stop()  # also when Ctrl-C came while it started
        if log is not None:
            log.join(timeout=10)
            SERVER_LOG.write_text("\n".join(log.lines) + "\n", encoding="utf-8")
    result = figures(args, facts, editor, results, before, after, counted, log)
    RESULT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    summarize(result)
    valid = not result["publish_failures"] and result["updates_published"] and not result["error_count"]
    return 0 if valid and result["target_met"] else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
