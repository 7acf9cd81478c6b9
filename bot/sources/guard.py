"""SSRF protection: feeds, post pages and images never reach private networks.

A URL in a feed is written by a stranger. Before any request, a URL whose host is an IP
literal (in any form a resolver accepts, such as ``2130706433``) on a loopback, private,
link-local or cloud-metadata address is refused, with or without a proxy; so is
``localhost`` behind a proxy, which would answer it itself. Every direct connection is
checked again after DNS resolution, so a name that resolves (or re-resolves) to such an
address is refused too. Both checks sit in the connector, which every hop of every
redirect passes through. Only the proxies' own host and port are trusted.
LEAKBOT_ALLOW_PRIVATE_URLS turns the guard off, for a self-hosted RSSHub on the LAN.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp.abc import ResolveResult

from bot.errors import LeakbotError

if TYPE_CHECKING:
    from aiohttp.client_reqrep import ClientRequest
    from aiohttp.connector import Connection
    from aiohttp.tracing import Trace

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services, named as such in the refusal.
_METADATA = (
    ipaddress.ip_network("169.254.169.254/32"),  # AWS, GCP, Azure, OpenStack
    ipaddress.ip_network("169.254.170.2/32"),  # AWS ECS task metadata
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS over IPv6
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud
)


class PrivateAddressError(LeakbotError, OSError):
    """A connection refused because its address is not on the public internet."""


def why_private(address: str) -> str | None:
    """Say what kind of non-public address this is, or None for a public one."""
    try:
        ip: Address = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in _METADATA):
        return "a cloud metadata address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private or ip.is_reserved or ip.is_unspecified or ip.is_multicast:
        return "a private or reserved address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"):
        return "a carrier-grade NAT address"
    return None


def refusal(host: str, address: str, kind: str) -> str:
    """Word the refusal the operator reads in the log."""
    shown = f"{host} is" if host == address else f"{host} resolves to {address}, which is"
    return f"refused: {shown} {kind}; set LEAKBOT_ALLOW_PRIVATE_URLS=1 to allow private addresses"


def check_addresses(host: str, addresses: Iterable[str]) -> None:
    """Raise PrivateAddressError when any address a host resolved to is not public."""
    for address in addresses:
        kind = why_private(address)
        if kind is not None:
            raise PrivateAddressError(refusal(host, address, kind))


def check_url_host(host: str, *, proxied: bool) -> None:
    """Raise PrivateAddressError when a URL's host names a non-public address by itself.

    Behind a proxy this is the whole check: the proxy resolves names, so only what the URL
    says can be judged.
    """
    host = host.lower().rstrip(".")
    address = literal_address(host)
    if address is not None:
        check_addresses(host, [address])
    elif proxied and (host == "localhost" or host.endswith(".localhost")):
        raise PrivateAddressError(refusal(host, host, "a loopback name"))


# All-numeric labels, decimal, octal or hex: what inet_aton reads as an IPv4 address
_NUMERIC_HOST = re.compile(r"(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}")


def literal_address(host: str) -> str | None:
    """Return the IP address a URL's host is written as, or None for a name."""
    try:
        return str(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        pass
    # "127.1", "0x7f.0.0.1" and "2130706433" are 127.0.0.1 to a resolver (and to a proxy)
    if _NUMERIC_HOST.fullmatch(host):
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return None
    return None


class PrivateAddressRefused(aiohttp.ClientConnectorError):
    """A request refused before it was sent: its URL names a non-public address."""

    def __str__(self) -> str:
        return str(self.os_error)


class GuardedConnector(aiohttp.TCPConnector):
    """A TCP connector that refuses to connect to non-public addresses.

    It checks each request's URL before any connection (IP literals, through a proxy or
    not), then what a host resolved to (names, DNS rebinding), on every redirect hop. The
    ``trusted`` host and port pairs, the operator's proxies, are let through.
    """

    def __init__(self, *, trusted: Iterable[tuple[str, int]] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._trusted = frozenset((host.lower().rstrip("."), port) for host, port in trusted)

    async def connect(
        self,
        req: ClientRequest,
        traces: list[Trace],
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 (aiohttp's own signature)
    ) -> Connection:
        """Refuse a request whose URL names a non-public address, then connect as usual."""
        host = req.url.raw_host or ""
        proxied = req.proxy is not None
        if proxied or (host.lower().rstrip("."), req.url.port) not in self._trusted:
            try:
                check_url_host(host, proxied=proxied)
            except PrivateAddressError as exc:
                raise PrivateAddressRefused(req.connection_key, exc) from None
        return await super().connect(req, traces, timeout)

    async def _resolve_host(
        self, host: str, port: int, traces: Sequence[Any] | None = None
    ) -> list[ResolveResult]:
        results: list[ResolveResult] = await super()._resolve_host(host, port, traces=traces)
        if (host.lower().rstrip("."), port) not in self._trusted:
            check_addresses(host, [result["host"] for result in results])
        return results
