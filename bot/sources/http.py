"""Fetching feeds over HTTP with aiohttp: timeouts, redirects, conditional GET, a size cap."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import urllib.request
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import aiohttp

from bot import __version__
from bot.errors import SourceError, SourceErrorKind
from bot.sources.guard import GuardedConnector, PrivateAddressError

USER_AGENT = f"leakbot/{__version__} (leak monitor; feed reader)"
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
PER_HOST = 4
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class FetchError(SourceError):
    """A fetch that gave no usable body: the reason is meant for the operator's log."""

    kind = SourceErrorKind.FETCH


@dataclass(frozen=True, slots=True)
class Fetched:
    """A response worth reading: 200 with a body, or 304 Not Modified."""

    status: int
    url: str
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        """Tell whether the server said nothing changed since the last poll."""
        return self.status == 304


@dataclass(frozen=True, slots=True)
class Limits:
    """How long and how much one fetch may take."""

    total_seconds: float = 30.0
    connect_seconds: float = 10.0
    read_seconds: float = 15.0
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS
    per_host: int = PER_HOST  # requests in flight to one host at most


class HostSlots:
    """At most ``per_host`` fetches in flight to one host; the rest wait their turn.

    Waiting for a slot comes before a fetch's deadline starts, so a host that serves many
    sources (an RSSHub instance) makes them queue, not time out.
    """

    def __init__(self, per_host: int = PER_HOST) -> None:
        self._per_host = per_host
        self._slots: dict[str, asyncio.Semaphore] = {}

    @contextlib.asynccontextmanager
    async def hold(self, url: str) -> AsyncIterator[None]:
        """Wait for a slot for the URL's host and keep it while the block runs."""
        host = (urlsplit(url).hostname or "").lower()
        slot = self._slots.setdefault(host, asyncio.Semaphore(self._per_host))
        async with slot:
            yield


def new_session(*, allow_private: bool = True, per_host: int = PER_HOST) -> aiohttp.ClientSession:
    """Open an HTTP session: at most ``per_host`` requests in flight to one host.

    The session for URLs that strangers wrote (feeds, post pages, images) is opened with
    ``allow_private=False``: it refuses loopback, private and link-local addresses.
    """
    connector: aiohttp.TCPConnector
    if allow_private:
        connector = aiohttp.TCPConnector(limit=64, limit_per_host=per_host, ttl_dns_cache=300)
    else:
        connector = GuardedConnector(
            trusted=proxy_endpoints(), limit=64, limit_per_host=per_host, ttl_dns_cache=300
        )
    return aiohttp.ClientSession(
        headers={"User-Agent": USER_AGENT},
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        # not trust_env: aiohttp then reads the environment (and ~/.netrc) on every request,
        # which cost more than the rest of a 304 poll; each request asks proxy_for instead
        trust_env=False,
    )


def proxy_for(url: str) -> str | None:
    """Return the proxy for a URL from HTTP(S)_PROXY and NO_PROXY."""
    parts = urlsplit(url)
    proxies = _environment_proxies()
    proxy = proxies.get(parts.scheme)
    if proxy is None or _bypass(parts.hostname or "", proxies):
        return None
    return proxy


def proxy_endpoints() -> frozenset[tuple[str, int]]:
    """Return the host and port of each proxy HTTP(S)_PROXY names: the operator's own."""
    endpoints = set()
    for scheme, proxy in _environment_proxies().items():
        if scheme == "no":  # NO_PROXY lists hosts to reach directly, not proxies to trust
            continue
        parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        with contextlib.suppress(ValueError):  # a port that is no number names no proxy
            default = 443 if parts.scheme == "https" else 80
            if parts.hostname:
                endpoints.add((parts.hostname.lower(), parts.port or default))
    return frozenset(endpoints)


def _environment_proxies() -> dict[str, str]:
    return _proxies(tuple((os.environ.get(n.upper()), os.environ.get(n)) for n in _PROXY_VARS))


_PROXY_VARS = ("http_proxy", "https_proxy", "no_proxy")


@functools.lru_cache(maxsize=8)
def _proxies(values: tuple[tuple[str | None, str | None], ...]) -> dict[str, str]:
    """Read the proxy variables as urllib does (lower case wins), once per set of values."""
    found = {}
    for name, (upper, lower) in zip(_PROXY_VARS, values, strict=True):
        if lower or upper:
            found[name.removesuffix("_proxy")] = lower or upper or ""
    return found


# NO_PROXY matching as urllib does it (the function is public but missing from the stubs)
_bypass: Callable[[str, dict[str, str]], bool] = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]


async def fetch(
    session: aiohttp.ClientSession,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    limits: Limits = Limits(),
) -> Fetched:
    """GET a URL, following redirects by hand; raise FetchError with a clear reason."""
    headers = {
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    # sock_connect, not connect: waiting for a free connection to a busy host is no timeout
    timeout = aiohttp.ClientTimeout(
        total=None, sock_connect=limits.connect_seconds, sock_read=limits.read_seconds
    )
    visited: list[str] = []
    try:
        async with asyncio.timeout(limits.total_seconds):
            while True:
                visited.append(url)
                async with session.get(
                    url,
                    headers=headers,
                    allow_redirects=False,
                    timeout=timeout,
                    proxy=proxy_for(url),
                ) as response:
                    if response.status in _REDIRECTS:
                        url = _next_hop(url, response.headers.get("Location"), visited, limits)
                        continue
                    if response.status == 304:
                        return Fetched(304, url, b"", None, etag, last_modified)
                    if response.status != 200:
                        raise FetchError(f"HTTP {response.status} {response.reason or ''}".strip())
                    body = await _read_capped(response, limits.max_bytes)
                    return Fetched(
                        200,
                        url,
                        body,
                        response.headers.get("Content-Type"),
                        response.headers.get("ETag"),
                        response.headers.get("Last-Modified"),
                    )
    except aiohttp.ConnectionTimeoutError:
        raise FetchError(f"timed out connecting after {limits.connect_seconds:g}s") from None
    except aiohttp.ServerTimeoutError:
        raise FetchError(
            f"timed out: no data for {limits.read_seconds:g}s (the server stalled)"
        ) from None
    except TimeoutError:
        raise FetchError(f"timed out after {limits.total_seconds:g}s") from None
    except aiohttp.ClientConnectorError as exc:
        if isinstance(exc.os_error, PrivateAddressError):
            raise FetchError(str(exc.os_error)) from None
        raise FetchError(f"cannot connect to {exc.host}:{exc.port}: {exc.os_error}") from None
    except aiohttp.ClientPayloadError as exc:
        raise FetchError(f"broken response body: {exc}") from None
    except aiohttp.ClientError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from None


def _next_hop(url: str, location: str | None, visited: list[str], limits: Limits) -> str:
    if not location:
        raise FetchError("redirect without a Location header")
    target = urljoin(url, location)
    scheme = urlsplit(target).scheme
    if scheme not in ("http", "https"):
        raise FetchError(f"redirect to a non-HTTP URL ({scheme}:)")
    if scheme == "http" and urlsplit(url).scheme == "https":
        raise FetchError(f"redirect from https down to plain http ({target})")
    if target in visited:
        raise FetchError(f"redirect loop after {len(visited)} hops")
    if len(visited) > limits.max_redirects:
        raise FetchError(f"more than {limits.max_redirects} redirects")
    return target


async def _read_capped(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    declared = response.content_length
    if declared is not None and declared > max_bytes:
        raise FetchError(f"body of {declared} bytes is over the {max_bytes}-byte cap")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"body is over the {max_bytes}-byte cap (after decoding)")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_at_most(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """Read a body up to a number of bytes, plus one more so a caller can tell it was cut."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)[: limit + 1]
