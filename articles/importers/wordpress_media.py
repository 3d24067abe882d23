"""The bytes of a WordPress export's images: from a copy of wp-content/uploads or the old site (issue 14).

Pure fetching for the WordPress importer, no database: the importer asks a
MediaSource (media_source() builds one from --media-dir or --media-base-url)
for the files its export references and checks what comes back (a real
image, within the limits) itself.

- An address names a file by its path under wp-content/uploads
  (uploads_path()): the site's own /wp-content/uploads/2024/03/foto.jpg,
  WordPress.com's x.files.wordpress.com/2024/03/foto.jpg, a multisite
  network's /wp-content/uploads/sites/3/2024/03/foto.jpg, and any of those
  behind Jetpack's i0.wp.com. WordPress's resized copies (foto-300x200.jpg)
  name their original (foto.jpg), which is the file fetched; the resized
  copy is used only where the original is missing.
- LocalMedia reads a local copy of the uploads folder, never outside it.
- HTTPMedia asks the old site over HTTP, only the host (and port) it is
  given, whatever host the export's addresses name, through
  articles.safe_http (pinned DNS, timeouts, size limit), with retries and a
  few connections at a time.

Each source fetches a file once however many of the addresses asked for
name it (foto.jpg and foto-300x200.jpg are one file).
"""

import os
import re
import stat
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from .. import safe_http
from .wordpress_content import RESIZED_RE, original_image_url

MAX_BYTES = 25 * 1024 * 1024
USER_AGENT = "newsportal-wordpress-import/1.0"
ACCEPT = "image/*, */*;q=0.5"
UPLOADS = "/wp-content/uploads/"
MULTISITE_RE = re.compile(r"sites/\d+/")
PHOTON_RE = re.compile(r"i\d\.wp\.com")  # Jetpack's image CDN: i0.wp.com/<site host>/<path>
WPCOM_FILES = ".files.wordpress.com"
MAX_REDIRECTS = 3
# Seconds before the first retry, doubled for each next one; a Retry-After is obeyed up to the cap.
BACKOFF = 0.25
RETRY_AFTER_MAX = 5.0
# A transfer may take as long as max_bytes at this rate (bytes/s): a trickling server cannot hold a worker.
SLOWEST_RATE = 100 * 1024
MISSING_STATUSES = frozenset({404, 410})
WEB_PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})


class MediaError(Exception):
    """Why one file could not be had; str() is a sentence for the import report."""


@dataclass(frozen=True)
class MediaFile:
    url: str  # the export's address for it (the original's, not a resized copy's)
    relative_path: str  # "2024/03/foto.jpg": its path under wp-content/uploads/
    data: bytes = field(repr=False)


class MediaSource(Protocol):
    def fetch(self, url: str) -> MediaFile: ...

    def fetch_many(self, urls: Iterable[str]) -> Iterator[tuple[str, MediaFile | MediaError]]: ...


# --- Addresses --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Located:
    prefix: str  # "sites/3/" on a multisite network, else ""
    path: str  # as the address names it: "2024/03/foto-300x200.jpg"

    @property
    def original(self):
        return RESIZED_RE.sub("", self.path)


def _site_key(host):
    """The name a site's host is compared by: www.lama.example is lama.example, x.files.wordpress.com x."""
    host = host.lower().rstrip(".").removeprefix("www.")
    if host.endswith(WPCOM_FILES):
        return host.removesuffix(WPCOM_FILES) + ".wordpress.com"
    return host


def _base_keys(base_urls):
    keys = set()
    for base in base_urls:
        base = (base or "").strip()
        try:
            host = urlsplit(base if "//" in base else f"//{base}").hostname
        except ValueError:
            continue
        if host:
            keys.add(_site_key(host))
    return keys


def _located(url, base_urls=()):
    """Return where under wp-content/uploads url points, or raise MediaError saying why it does not."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except (AttributeError, ValueError):
        raise MediaError(f"“{url}” is not a usable address.") from None
    if parts.scheme.lower() not in ("", "http", "https"):
        raise MediaError(f"{url} is not an http or https address.")
    path = unquote(parts.path)
    if PHOTON_RE.fullmatch(host):
        host, _slash, rest = path.lstrip("/").partition("/")
        host, path = host.lower(), f"/{rest}"
    if not path.startswith("/"):
        path = f"/{path}"  # a relative address: wp-content/uploads/2024/03/foto.jpg
    if host.endswith(WPCOM_FILES):
        prefix, relative = "", path
    else:
        at = path.find(UPLOADS)
        if at < 0:
            raise MediaError(f"{url} is not a file under wp-content/uploads.")
        relative = path[at + len(UPLOADS) :]
        # Multisite keeps each site's files under sites/N/; the site's own path starts after it.
        multisite = MULTISITE_RE.match(relative)
        prefix = multisite.group() if multisite else ""
        relative = relative[len(prefix) :]
    keys = _base_keys(base_urls)
    if host and keys and _site_key(host) not in keys:
        raise MediaError(f"{url} is on {host}, not on the site being imported.")
    segments = [segment for segment in relative.split("/") if segment]
    if any(segment in (".", "..") or "\x00" in segment for segment in segments):
        raise MediaError(f"{url} climbs out of wp-content/uploads, so it is not read.")
    if not segments or relative.endswith("/"):
        raise MediaError(f"{url} names a folder, not a file.")
    return _Located(prefix, "/".join(segments))


def uploads_path(url: str, base_urls: Iterable[str] = ()) -> str | None:
    """Return the path of url's original under wp-content/uploads ("2024/03/foto.jpg"), or None.

    None when url is not an upload of the site: not under wp-content/uploads,
    or (when base_urls are given) on a host that is none of theirs. A
    multisite address (uploads/sites/3/2024/...) gives the site's own path,
    without sites/3/.
    """
    try:
        return _located(url, base_urls).original
    except MediaError:
        return None


@dataclass
class _Wanted:
    """One file to fetch, and the addresses that asked for it."""

    prefix: str
    original: str
    resized: list = field(default_factory=list)  # the resized copies named, a fallback each
    urls: list = field(default_factory=list)


def _plan(urls):
    """Return ([_Wanted], [(url, MediaError)]): each address once, each file once."""
    wanted, refused = {}, []
    for url in dict.fromkeys(urls):
        try:
            located = _located(url)
        except MediaError as error:
            refused.append((url, error))
            continue
        key = (located.prefix, located.original)
        entry = wanted.setdefault(key, _Wanted(*key))
        entry.urls.append(url)
        if located.path != located.original and located.path not in entry.resized:
            entry.resized.append(located.path)
    return list(wanted.values()), refused


def _answers(wanted, outcome):
    for url in wanted.urls:
        if isinstance(outcome, MediaError):
            yield url, outcome
        else:
            yield url, MediaFile(original_image_url(url.strip()), wanted.original, outcome)


class _Source:
    def fetch(self, url):
        wanted, refused = _plan([url])
        if refused:
            raise refused[0][1]
        return self._result(wanted[0])

    def _result(self, wanted):
        outcome = self._outcome(wanted)
        if isinstance(outcome, MediaError):
            raise outcome
        return next(_answers(wanted, outcome))[1]

    def _outcome(self, wanted):
        try:
            return self._obtain(wanted)
        except MediaError as error:
            return error

    def _obtain(self, wanted):
        raise NotImplementedError


def _plural(count, one, many):
    return f"{count} {one if count == 1 else many}"


# --- A local copy of wp-content/uploads -------------------------------------------------------


class LocalMedia(_Source):
    """Files from a local copy of wp-content/uploads (--media-dir), never from outside it."""

    def __init__(self, root: str | os.PathLike, *, max_bytes: int = MAX_BYTES):
        path = Path(root).expanduser()
        if not path.is_dir():
            raise ValueError(f"{path} is not a folder." if path.exists() else f"{path}: no such folder.")
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive.")
        self.root = path.resolve(strict=True)
        self.max_bytes = max_bytes

    def fetch_many(self, urls):
        wanted, refused = _plan(urls)
        yield from refused
        for entry in wanted:
            yield from _answers(entry, self._outcome(entry))

    def _obtain(self, wanted):
        for relative in (wanted.original, *wanted.resized):
            # A multisite's files are under sites/N/ of the whole network's folder, or at the top
            # when the folder given is that site's own.
            for candidate in dict.fromkeys((wanted.prefix + relative, relative)):
                path = self._file(candidate)
                if path is not None:
                    return self._read(path, candidate)
        also = f" (nor its resized copy {', '.join(wanted.resized)})" if wanted.resized else ""
        raise MediaError(f"No file {wanted.original} in {self.root}{also}.")

    def _file(self, relative):
        """Return the real path of root/relative, None if there is nothing there, or raise."""
        try:
            path = (self.root / relative).resolve(strict=True)
        except FileNotFoundError:
            return None
        except (OSError, RuntimeError) as error:  # a symlink loop, a permission
            raise MediaError(f"{relative} in {self.root} cannot be read: {error}.") from error
        # Checked on the real path, links followed: a link out of the copy is refused like "..".
        if not path.is_relative_to(self.root):
            raise MediaError(f"{relative} leads outside {self.root}, so it is not read.")
        if path.is_dir():
            raise MediaError(f"{relative} in {self.root} is a folder, not a file.")
        return path

    def _read(self, path, relative):
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            # Non-blocking and checked after opening: a FIFO swapped in cannot hang the import.
            descriptor = os.open(path, flags)
        except OSError as error:
            raise MediaError(f"{relative} in {self.root} cannot be read: {error.strerror}.") from error
        with os.fdopen(descriptor, "rb") as file:
            status = os.fstat(file.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise MediaError(f"{relative} in {self.root} is not a regular file.")
            if status.st_size > self.max_bytes:
                raise MediaError(f"{relative} is larger than {self.max_bytes} bytes, the limit.")
            data = file.read(self.max_bytes + 1)
        if len(data) > self.max_bytes:
            raise MediaError(f"{relative} is larger than {self.max_bytes} bytes, the limit.")
        if not data:
            raise MediaError(f"{relative} in {self.root} is empty.")
        return data


# --- The old site over HTTP -------------------------------------------------------------------


class _Missing(MediaError):
    def __init__(self, url, status):
        super().__init__(f"No file at {url} (the server answered {status}).")
        self.url = url
        self.status = status


class HTTPMedia(_Source):
    """Files from the old site over HTTP (--media-base-url): only from base_url's host and port."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        max_bytes: int = MAX_BYTES,
        retries: int = 2,
        concurrency: int = 4,
        user_agent: str = USER_AGENT,
    ):
        try:
            parts = urlsplit(base_url.strip())
            port = parts.port
        except (AttributeError, ValueError) as error:
            raise ValueError(f"{base_url} is not a usable address: {error}.") from error
        if parts.scheme.lower() not in ("http", "https"):
            raise ValueError(f"{base_url}: only http:// and https:// addresses are supported.")
        if not parts.hostname:
            raise ValueError(f"{base_url} has no host.")
        if parts.username is not None or parts.password is not None:
            raise ValueError(f"{base_url}: a user name or password in the address is not supported.")
        if timeout <= 0 or max_bytes <= 0 or retries < 0 or concurrency < 1:
            raise ValueError("timeout and max_bytes must be over 0, retries 0 or more, concurrency 1+.")
        self.base_url = base_url.strip()
        self.timeout = float(timeout)
        self.max_bytes = max_bytes
        self.retries = retries
        self.concurrency = concurrency
        self.user_agent = user_agent
        self._scheme = parts.scheme.lower()
        self._host = parts.hostname.lower()
        self._port = port or (443 if self._scheme == "https" else 80)
        self._netloc = parts.netloc.lower()
        # base_url is the site (its uploads under /wp-content/uploads/) or its uploads folder itself;
        # a multisite site's own folder (.../uploads/sites/3/) already holds the sites/N/ part.
        path = parts.path
        at = path.find(UPLOADS.rstrip("/"))
        if at < 0:
            self._uploads, self._own_site_folder = path.rstrip("/") + UPLOADS, False
        else:
            deeper = path[at + len(UPLOADS) - 1 :].strip("/")
            self._uploads = path[:at] + UPLOADS + (f"{deeper}/" if deeper else "")
            self._own_site_folder = bool(deeper)
        self._lock = threading.Lock()
        self._allow_private = None  # decided by the first lookup of the host, then kept

    def fetch_many(self, urls):
        wanted, refused = _plan(urls)
        yield from refused
        if not wanted:
            return
        with ThreadPoolExecutor(
            max_workers=min(self.concurrency, len(wanted)), thread_name_prefix="wordpress-media"
        ) as pool:
            futures = {pool.submit(self._outcome, entry): entry for entry in wanted}
            try:
                for future in as_completed(futures):
                    yield from _answers(futures[future], future.result())
            finally:
                # A caller that stops early waits for the transfers under way only, not the queue.
                pool.shutdown(wait=False, cancel_futures=True)

    def url_for(self, prefix, relative):
        """Return the address on base_url's host of the file at prefix + relative under wp-content/uploads."""
        path = self._uploads + quote(("" if self._own_site_folder else prefix) + relative, safe="/")
        return urlunsplit((self._scheme, self._netloc, path, "", ""))

    def _obtain(self, wanted):
        urls = [self.url_for(wanted.prefix, relative) for relative in (wanted.original, *wanted.resized)]
        missing = []
        for url in urls:
            try:
                return self._download(url)
            except _Missing as error:
                missing.append(error)
        if len(missing) == 1:
            raise missing[0]
        others = ", ".join(f"{error.url} ({error.status})" for error in missing[1:])
        raise MediaError(f"No file at {missing[0].url} ({missing[0].status}), nor at {others}.")

    def _address_for(self, scheme, host, port):
        if (scheme, host.lower(), port) != (self._scheme, self._host, self._port):
            raise MediaError(
                f"The server sent the request on to {host}:{port}; only {self._host}:{self._port} "
                "is asked, so it was not followed."
            )
        with self._lock:
            if self._allow_private is None:
                # A private address only if the host given is itself private (a server on the LAN,
                # a test server): a public host that later resolves to 10.x (rebinding) stays refused.
                found = safe_http.addresses(host, port)
                self._allow_private = not any(safe_http.is_public(address) for address in found)
        return safe_http.public_address(host, port, allow_private=self._allow_private)

    def _download(self, url):
        """Return the body of a GET of url, trying again after connection errors, 5xx and 429."""
        tries = self.retries + 1
        for attempt in range(tries):
            wait = BACKOFF * 2**attempt
            try:
                with safe_http.get(
                    url,
                    address_for=self._address_for,
                    timeout=self.timeout,
                    deadline=time.monotonic() + self.timeout + self.max_bytes / SLOWEST_RATE,
                    user_agent=self.user_agent,
                    accept=ACCEPT,
                    max_redirects=MAX_REDIRECTS,
                ) as response:
                    if response.status == 200:
                        return self._body(url, response)
                    if response.status in MISSING_STATUSES:
                        raise _Missing(url, response.status)
                    if response.status != 429 and response.status < 500:
                        raise MediaError(f"The server refused {url} (it answered {response.status}).")
                    failure = f"the server answered {response.status}"
                    wait = _retry_after(response.header("Retry-After"), wait)
            except safe_http.BadCertificate as error:
                raise MediaError(f"The certificate of {error.host} is not valid ({error.detail}).") from error
            except safe_http.TimedOut as error:
                failure = f"{error.host} did not answer within {self.timeout:g} s"
            except safe_http.Unreachable as error:
                failure = f"cannot connect to {error.host}: {error.detail}"
            except safe_http.HTTPFailure as error:
                raise MediaError(self._refusal(url, error)) from error
            if attempt + 1 < tries:
                time.sleep(wait)
        raise MediaError(f"Could not fetch {url} ({_plural(tries, 'try', 'tries')}): {failure}.")

    def _body(self, url, response):
        # Content-Type is not trusted for images (the importer checks the bytes), but a page is
        # what a site answers for a missing file behind a catch-all rule: say so.
        content_type = response.header("Content-Type").split(";", 1)[0].strip().lower()
        if content_type in WEB_PAGE_TYPES:
            raise MediaError(f"For {url} the server answered with a web page, not a file.")
        data = response.read(self.max_bytes)
        if not data:
            raise MediaError(f"The file at {url} is empty.")
        return data

    def _refusal(self, url, error):
        if isinstance(error, safe_http.TooLarge):
            return f"{url} is larger than {self.max_bytes} bytes, the limit."
        if isinstance(error, safe_http.OutOfTime):
            return f"{url} came too slowly: it was not all there in time."
        if isinstance(error, safe_http.TooManyRedirects):
            return f"{url} redirects more than {MAX_REDIRECTS} times."
        if isinstance(error, safe_http.NotPublic):
            return f"{error.host} resolves to no public address, so {url} is not fetched."
        if isinstance(error, safe_http.BadScheme):
            return f"The server sent {url} on to an address that is not http or https."
        return f"Could not fetch {url}: {error}."


def _retry_after(value, default):
    value = (value or "").strip()
    return min(float(value), RETRY_AFTER_MAX) if value.isdigit() else default


def media_source(*, media_dir=None, media_base_url=None, **options) -> MediaSource | None:
    """Return the source --media-dir or --media-base-url name (options tune it), or None for neither.

    ValueError, naming the problem, for both at once, a folder that is not
    there or an address that is not http(s). A local copy takes only the
    max_bytes option; the others tune HTTP.
    """
    if media_dir and media_base_url:
        raise ValueError("Give either --media-dir or --media-base-url, not both.")
    if media_dir:
        try:
            return LocalMedia(media_dir, **{key: options[key] for key in ("max_bytes",) if key in options})
        except ValueError as error:
            raise ValueError(f"--media-dir: {error}") from error
    if media_base_url:
        try:
            return HTTPMedia(media_base_url, **options)
        except ValueError as error:
            raise ValueError(f"--media-base-url: {error}") from error
    return None
