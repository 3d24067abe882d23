"""HTTP GETs that cannot be turned against our own network: oEmbed (embeds) and WordPress media (issue 14).

The name of the host is resolved and checked by the caller's address_for(),
and the connection goes to that very address (pinned), so a name that
resolves elsewhere a moment later (DNS rebinding) changes nothing. Each
connect and read waits `timeout` at most and the whole exchange ends by
`deadline` (time.monotonic()); a body over max_bytes is refused, by its
Content-Length and by what actually arrives. Redirects are followed only
through address_for(), which may refuse them.

Plain Python: failures are HTTPFailure subclasses, which callers turn into
their own (translated, or report) messages.
"""

import functools
import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from contextlib import contextmanager
from urllib.parse import urljoin, urlsplit

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024


class HTTPFailure(Exception):
    """A GET that got no usable answer; host is the one asked, detail says how."""

    def __init__(self, host, detail=""):
        super().__init__(f"{host}: {detail}" if detail else host)
        self.host = host
        self.detail = detail


class BadScheme(HTTPFailure):
    """Not an http or https address."""


class NotPublic(HTTPFailure):
    """The host resolves to no public address."""


class Unreachable(HTTPFailure):
    """The name lookup, the connection or the HTTP exchange failed."""


class BadCertificate(Unreachable):
    """The https server's certificate is not valid for its name: trying again will not help."""


class TimedOut(HTTPFailure):
    """A connect or a read waited longer than the timeout."""


class OutOfTime(HTTPFailure):
    """The deadline passed."""


class TooLarge(HTTPFailure):
    def __init__(self, host, max_bytes):
        super().__init__(host, f"larger than {max_bytes} bytes")
        self.max_bytes = max_bytes


class TooManyRedirects(HTTPFailure):
    pass


def addresses(host, port):
    """Return the addresses host resolves to (for TCP), or raise Unreachable."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise Unreachable(host, str(error)) from error
    return list(dict.fromkeys(sockaddr[0] for _family, _type, _proto, _name, sockaddr in infos))


def is_public(address):
    """Return True if address is globally routable (not loopback, private, link-local, CGNAT...)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) is never public
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    return ip.is_global


def public_address(host, port, *, allow_private=False):
    """Return an address host resolves to that is public (any, if allow_private), or raise."""
    for address in addresses(host, port):
        if allow_private or is_public(address):
            return address
    raise NotPublic(host, "not a public address")


@functools.cache
def _tls_context():
    # Built once: loading the CA store costs more than a small request.
    return ssl.create_default_context()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connect to the address that was checked, not to whatever the name resolves to a moment later."""

    def __init__(self, host, address, **kwargs):
        super().__init__(host, **kwargs)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, address, **kwargs):
        super().__init__(host, context=_tls_context(), **kwargs)
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class Response:
    """An answer (after redirects) whose body is read on demand, within the limits."""

    def __init__(self, url, raw, *, deadline):
        self.url = url
        self.host = urlsplit(url).hostname
        self.status = raw.status
        self._raw = raw
        self._deadline = deadline

    def header(self, name, default=""):
        return self._raw.getheader(name, default)

    def read(self, max_bytes):
        """Return the body, or raise TooLarge beyond max_bytes, TimedOut or OutOfTime."""
        length = self.header("Content-Length").strip()
        if length.isdigit() and int(length) > max_bytes:
            raise TooLarge(self.host, max_bytes)
        chunks, size = [], 0
        try:
            # read1: what has arrived, so a trickle meets the deadline; a stall ends at the timeout.
            while chunk := self._raw.read1(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(self.host, max_bytes)
                if time.monotonic() > self._deadline:
                    raise OutOfTime(self.host, "out of time")
                chunks.append(chunk)
        except TimeoutError as error:
            raise TimedOut(self.host, "no answer in time") from error
        except (OSError, http.client.HTTPException) as error:
            raise Unreachable(self.host, str(error) or type(error).__name__) from error
        return b"".join(chunks)


@contextmanager
def get(
    url,
    *,
    address_for: Callable[[str, str, int], str],
    timeout: float,
    deadline: float,
    user_agent: str,
    accept: str = "*/*",
    max_redirects: int = 3,
):
    """Open a GET of url, following redirects; yield its Response (any status), closed on exit.

    address_for(scheme, host, port) is called for url and for each redirect's
    target: it returns the address to connect to (public_address(), usually)
    or raises to refuse the host. The caller's exceptions pass through.
    """
    for _hop in range(max_redirects + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise BadScheme(parts.hostname or url, "only http and https addresses are fetched")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as error:
            raise Unreachable(parts.hostname, "invalid port") from error
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise OutOfTime(parts.hostname, "out of time")
        address = address_for(parts.scheme, parts.hostname, port)
        kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        conn = kind(parts.hostname, address, port=port, timeout=min(timeout, remaining))
        try:
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            try:
                conn.request("GET", target, headers={"User-Agent": user_agent, "Accept": accept})
                raw = conn.getresponse()
            except TimeoutError as error:
                raise TimedOut(parts.hostname, "no answer in time") from error
            except ssl.SSLCertVerificationError as error:
                raise BadCertificate(parts.hostname, error.verify_message or str(error)) from error
            except (OSError, http.client.HTTPException) as error:
                raise Unreachable(parts.hostname, str(error) or type(error).__name__) from error
            location = raw.getheader("Location")
            if raw.status in REDIRECT_STATUSES and location:
                url = urljoin(url, location.strip())
                continue
            yield Response(url, raw, deadline=deadline)
            return
        finally:
            conn.close()
    raise TooManyRedirects(urlsplit(url).hostname or url, f"more than {max_redirects} redirects")
