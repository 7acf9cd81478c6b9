"""SSRF protection: feeds, post pages and images never reach private networks.

A URL in a feed is written by a stranger. Every connection to such a URL is checked
after DNS resolution, so a name that resolves (or re-resolves) to a loopback, private,
link-local or cloud-metadata address is refused, and so is such an address written as an
IP literal. The check sits in the connector, which every hop of every redirect passes
through. LEAKBOT_ALLOW_PRIVATE_URLS turns it off, for a self-hosted RSSHub on the LAN.
"""

from __future__ import annotations

import ipaddress
import urllib.request
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import ResolveResult

from bot.errors import LeakbotError

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


def proxy_hosts() -> frozenset[str]:
    """Return the hosts of the HTTP(S) proxies set in the environment: the operator's own."""
    hosts = set()
    for url in urllib.request.getproxies().values():
        host = urlsplit(url if "://" in url else f"http://{url}").hostname
        if host:
            hosts.add(host.lower())
    return frozenset(hosts)


class GuardedConnector(aiohttp.TCPConnector):
    """A TCP connector that refuses to connect to non-public addresses.

    It checks what a host resolved to, which covers names, IP literals, DNS rebinding
    and every redirect hop. Proxies named in the environment are the operator's own and
    are let through; behind a proxy, the proxy resolves the names.
    """

    def __init__(self, *, trusted_hosts: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._trusted = frozenset(host.lower() for host in trusted_hosts)

    async def _resolve_host(
        self, host: str, port: int, traces: Sequence[Any] | None = None
    ) -> list[ResolveResult]:
        results: list[ResolveResult] = await super()._resolve_host(host, port, traces=traces)
        if host.lower().rstrip(".") not in self._trusted:
            check_addresses(host, [result["host"] for result in results])
        return results
