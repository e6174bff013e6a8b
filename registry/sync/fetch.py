"""Downloading one publisher file: conditional, bounded, retried, and checked complete.

aiohttp is the client because the project already ships it (the Slack and Teams front
ends run on it): it reads ``HTTPS_PROXY``/``NO_PROXY`` (``trust_env``), takes separate
connect and read timeouts, and verifies TLS against the system store or a CA bundle.
The body goes to a file, never to memory, so the size cap bounds the disk and not the heap.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from yarl import URL

from registry.errors import BadImportError, RegistryError
from registry.sync.local import copy_local, local_path
from registry.sync.options import FetchOptions

log = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
# Statuses worth asking again for: the publisher's server or a proxy in front of it is
# overloaded or restarting. Anything else in 4xx is our request and will not improve.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Redirects followed for one request (all within the URL's own origin); more is a loop.
MAX_REDIRECTS = 5


class SyncError(RegistryError):
    """A download could not be used; the message says why (nothing was imported)."""


@dataclass(frozen=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out


@dataclass(frozen=True)
class Fetched:
    url: str
    # False: the server answered 304 Not Modified and ``path`` holds nothing.
    modified: bool
    path: Path
    validators: Validators
    sha256: str | None = None
    size: int = 0


def ssl_context(options: FetchOptions) -> ssl.SSLContext:
    """Verification always on: a CA bundle adds trust, it never turns checking off."""
    try:
        return ssl.create_default_context(cafile=options.ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        raise SyncError(f"MCF_SYNC_CA_BUNDLE {options.ca_bundle!r} is unusable: {exc}") from exc


def client(options: FetchOptions) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        trust_env=True,  # HTTPS_PROXY, HTTP_PROXY, NO_PROXY (and their lower-case forms)
        connector=aiohttp.TCPConnector(ssl=ssl_context(options)),
        headers={"User-Agent": options.user_agent},
        # No total deadline: a large file on a slow link is fine while bytes keep coming.
        timeout=aiohttp.ClientTimeout(
            total=None, sock_connect=options.connect_timeout_s, sock_read=options.read_timeout_s
        ),
    )


class _Transient(Exception):
    """A failure that another attempt may not repeat."""


async def fetch(
    http: aiohttp.ClientSession,
    url: str,
    dest: Path,
    options: FetchOptions,
    validators: Validators | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> Fetched:
    """GET ``url`` into ``dest``, asking conditionally when ``validators`` are given; a
    ``file://`` URL or a plain path is copied (``registry.sync.local``)."""
    local = local_path(url)
    if local is not None:
        return _copy(url, local, dest, options)
    check_scheme(url, options)
    last = "no attempt"
    for attempt in range(options.retries + 1):
        if attempt:
            delay = options.backoff_s * 2 ** (attempt - 1)
            log.info("sync: %s failed (%s); retrying in %.1f s", url, last, delay)
            await asyncio.sleep(delay)
        try:
            return await _fetch_once(http, url, dest, options, validators or Validators(), progress)
        except _Transient as exc:
            last = str(exc)
        except (TimeoutError, aiohttp.ServerTimeoutError):
            last = (
                f"timed out (connect {options.connect_timeout_s:g} s, "
                f"read {options.read_timeout_s:g} s)"
            )
        except aiohttp.ClientPayloadError as exc:
            last = f"the body was cut short ({_reason(exc)})"
        except aiohttp.ClientSSLError as exc:
            # A certificate problem does not fix itself between attempts.
            raise SyncError(f"{url}: TLS verification failed ({_reason(exc)})") from exc
        except aiohttp.ClientConnectionError as exc:
            last = f"connection failed ({_reason(exc)})"
        except aiohttp.ClientError as exc:  # a malformed response or URL: asking again won't help
            raise SyncError(f"{url}: {type(exc).__name__}: {_reason(exc)}") from exc
    tries = options.retries + 1
    raise SyncError(f"{url}: {last} (after {tries} attempt{'s' if tries > 1 else ''})")


def _copy(url: str, source: Path, dest: Path, options: FetchOptions) -> Fetched:
    try:
        sha256, size = copy_local(source, dest, options.max_bytes)
    except FileNotFoundError:
        raise SyncError(f"{url}: no such file") from None
    except (OSError, ValueError) as exc:
        raise SyncError(f"{url}: {exc}") from exc
    return Fetched(url, True, dest, Validators(), sha256, size)


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def check_scheme(url: str, options: FetchOptions) -> None:
    """https, or http to a mirror the operator named (MCF_SYNC_HTTP_MIRRORS)."""
    parsed = URL(url)
    if parsed.scheme == "https":
        return
    if parsed.scheme == "http" and _http_allowed(parsed, options):
        return
    raise SyncError(
        f"{url}: refused, downloads are https only "
        "(MCF_SYNC_HTTP_MIRRORS names mirror hosts allowed over http)"
    )


def _http_allowed(parsed: URL, options: FetchOptions) -> bool:
    host = (parsed.host or "").lower()
    return host in options.http_hosts or f"{host}:{parsed.port}" in options.http_hosts


def _origin(url: URL) -> tuple[str, str, int | None]:
    return url.scheme, (url.host or "").lower(), url.port


async def _fetch_once(
    http: aiohttp.ClientSession,
    url: str,
    dest: Path,
    options: FetchOptions,
    validators: Validators,
    progress: Callable[[int, int | None], None] | None = None,
) -> Fetched:
    """One request, following redirects only within the URL's origin (scheme, host and
    port): a publisher's file moved to another host, or from https to http, is refused
    with its new address, for the operator to trust or not (MCF_SYNC_URL_<ID>)."""
    target = URL(url)
    for _ in range(MAX_REDIRECTS + 1):
        async with http.get(target, headers=validators.headers(), allow_redirects=False) as resp:
            if resp.status not in REDIRECT_STATUSES:
                return await _receive(resp, url, dest, options, validators, progress)
            location = resp.headers.get("Location")
            if not location:
                raise SyncError(f"{url}: HTTP {resp.status} without a Location")
            following = target.join(URL(location))
        if _origin(following) != _origin(target):
            raise SyncError(
                f"{url}: redirected to {following}, another origin; not followed "
                "(set its MCF_SYNC_URL_<ID> to that address if you trust it)"
            )
        target = following
    raise SyncError(f"{url}: more than {MAX_REDIRECTS} redirects")


async def _receive(
    resp: aiohttp.ClientResponse,
    url: str,
    dest: Path,
    options: FetchOptions,
    validators: Validators,
    progress: Callable[[int, int | None], None] | None = None,
) -> Fetched:
    if resp.status == 304:
        # A 304 may refresh the validators; keep the old ones where it sends none.
        return Fetched(url, False, dest, _validators(resp.headers, validators))
    if resp.status in RETRY_STATUSES:
        raise _Transient(f"HTTP {resp.status} {resp.reason or ''}".strip())
    if resp.status != 200:
        raise SyncError(f"{url}: HTTP {resp.status} {resp.reason or ''}".strip())
    expected = resp.content_length
    # With Content-Encoding the header counts compressed bytes, which we never see.
    if resp.headers.get("Content-Encoding", "identity") != "identity":
        expected = None
    if expected is not None and expected > options.max_bytes:
        raise SyncError(f"{url}: {expected} bytes is over the cap of {options.max_bytes}")
    digest = hashlib.sha256()
    size = 0
    with dest.open("wb") as out:
        async for chunk in resp.content.iter_chunked(CHUNK_BYTES):
            size += len(chunk)
            if size > options.max_bytes:
                raise SyncError(f"{url}: the body is over the cap of {options.max_bytes} bytes")
            digest.update(chunk)
            out.write(chunk)
            if progress is not None:
                progress(size, expected)
    if expected is not None and size != expected:
        raise _Transient(f"the body was cut short: {size} of {expected} bytes")
    return Fetched(url, True, dest, _validators(resp.headers), digest.hexdigest(), size)


def _validators(headers: Mapping[str, str], old: Validators | None = None) -> Validators:
    old = old or Validators()
    return Validators(
        etag=headers.get("ETag") or old.etag,
        last_modified=headers.get("Last-Modified") or old.last_modified,
    )


# -- is it the file we expect? ----------------------------------------------------------


def check_format(path: Path, fmt: str, url: str) -> None:
    """Refuse a body that is not a whole file of ``fmt`` (csv|json) before any import:
    an HTML error page served with 200, a JSON file where a CSV belongs, a cut file."""
    with path.open("rb") as f:
        head = f.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise SyncError(f"{url}: the file is empty")
    looks = _looks_like(head)
    if looks is not None and looks.lower() != fmt:
        raise SyncError(f"{url}: expected a {fmt.upper()} file, got what looks like {looks}")
    if fmt == "json":
        if looks is None:
            raise SyncError(f"{url}: expected a JSON file, got text that does not start as one")
        try:
            with path.open("rb") as f:
                json.load(f)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SyncError(f"{url}: not a whole JSON document ({exc})") from exc
        return
    from registry.importers.lists import read_records

    try:
        records = read_records(path)
    except BadImportError as exc:
        raise SyncError(f"{url}: {exc}") from exc
    if max(len(r.values) for r in records) < 2:
        raise SyncError(f"{url}: expected a CSV file, got lines without a single comma")


def _looks_like(head: bytes) -> str | None:
    lowered = head[:64].lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    if lowered.startswith(b"<"):
        return "XML"
    if head.startswith((b"{", b"[")):
        return "JSON"
    if head.startswith(b"\x1f\x8b"):
        return "a gzip archive"
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive"
    return None
