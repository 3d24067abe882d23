"""The gunicorn worker `make serve` runs: gevent, with deadlines on what clients send.

gthread gives every connection a thread from the moment its first byte
arrives, so a few clients that send their headers or body slowly hold every
thread (issue 11). Here each connection is a greenlet: thousands fit in a
worker, and one that waits (on a slow client, or on the database) never keeps
another from being answered, /healthz included. On top of gunicorn's gevent
worker, which already gives a request's headers `keepalive` seconds in all:

- every read from the client waits at most GUNICORN_READ_TIMEOUT seconds;
- the whole body is read (into memory, or a temporary file past 1 MB) before
  Django sees the request, so a body that stalls or stops short gets a 408 from
  here and never becomes an error inside a view; a body over
  GUNICORN_MAX_BODY_MB gets a 413;
- an HTTP/1.1 request without a Host header gets a 400 (RFC 9112, 3.2).
"""

import os
import tempfile

import gevent
from gunicorn.http.body import Body
from gunicorn.workers.base_async import AsyncWorker
from gunicorn.workers.ggevent import GeventWorker

READ_TIMEOUT = float(os.environ.get("GUNICORN_READ_TIMEOUT", "10"))
MAX_BODY_BYTES = int(os.environ.get("GUNICORN_MAX_BODY_MB", "32")) * 1024 * 1024
SPOOL_BYTES = 1024 * 1024
CHUNK = 64 * 1024


def plain_response(status, reason):
    body = f"{status} {reason}\n".encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


class TooLarge(Exception):
    pass


class ReadTimeoutGeventWorker(GeventWorker):
    def handle(self, listener, client, addr):
        # GeventWorker.handle would make the socket fully blocking (no timeout).
        client.settimeout(READ_TIMEOUT)
        AsyncWorker.handle(self, listener, client, addr)

    def handle_request(self, listener_name, req, sock, addr):
        if req.version >= (1, 1) and not any(name == "HOST" for name, _ in req.headers):
            sock.sendall(plain_response(400, "Bad Request"))
            raise StopIteration("HTTP/1.1 request without Host")
        try:
            buffer_body(req, sock)
        except TimeoutError:
            sock.sendall(plain_response(408, "Request Timeout"))
            raise StopIteration("request body timed out") from None
        except TooLarge:
            sock.sendall(plain_response(413, "Content Too Large"))
            raise StopIteration("request body too large") from None
        try:
            return super().handle_request(listener_name, req, sock, addr)
        finally:
            # Let the worker's other connections have their turn. A greenlet whose
            # client sends its next request at once never has to wait for it, so it
            # would keep the worker to itself: at 16 connections a warm page's p99
            # was over a second while its p50 was 2 ms.
            gevent.sleep(0)


def buffer_body(req, sock):
    """Read the request's whole body now, so the application only ever reads from memory or disk."""
    if req._expected_100_continue:
        # Answered here, before the body is read, instead of by wsgi.create afterwards.
        sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        req._expected_100_continue = False
    first = req.body.read(CHUNK)
    if not first:
        return
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    size = 0
    data = first
    while data:
        size += len(data)
        if size > MAX_BODY_BYTES:
            spool.close()
            raise TooLarge
        spool.write(data)
        data = req.body.read(CHUNK)
    spool.seek(0)
    req.body = Body(spool)
