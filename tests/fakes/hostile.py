"""What strangers' feed servers send: bombs, stalls, loops and lies, served on loopback."""

from __future__ import annotations

import asyncio
import functools
import zlib
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime

from aiohttp import web

from tests.fakes.feed_server import Handler

RSS_OPEN = '<rss version="2.0"><channel><title>t</title>'
RSS_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n' + RSS_OPEN
RSS_TAIL = "</channel></rss>"


def item(guid: str, title: str, *, date: datetime | None = None, author: str = "") -> str:
    """Write one RSS item."""
    when = f"<pubDate>{format_datetime(date, usegmt=True)}</pubDate>" if date else ""
    by = f"<author>{author}</author>" if author else ""
    return f"<item><guid>{guid}</guid><title>{title}</title>{when}{by}</item>"


def rss(*items: str, head: str = RSS_HEAD) -> bytes:
    """Write an RSS document around items."""
    return (head + "".join(items) + RSS_TAIL).encode()


def with_doctype(doctype: str, *items: str) -> bytes:
    """Write an RSS document that starts with a DOCTYPE."""
    return rss(*items, head=f'<?xml version="1.0"?>\n{doctype}\n{RSS_OPEN}')


def billion_laughs() -> bytes:
    """Ten levels of entities, each ten of the one before: a billion 'lol's."""
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    return with_doctype(f"<!DOCTYPE rss [\n{''.join(levels)}\n]>", item("1", "&lol9;"))


def quadratic_blowup() -> bytes:
    """One 100 KB entity referenced 20,000 times: no nesting, 2 GB of text."""
    doctype = f'<!DOCTYPE rss [<!ENTITY a "{"x" * 100_000}">]>'
    return with_doctype(doctype, item("1", "&a;" * 20_000))


def external_entity() -> bytes:
    """An entity that asks the parser to read a local file into the feed."""
    doctype = '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return with_doctype(doctype, item("1", "Leica &xxe;"))


def slow_author() -> bytes:
    """An <author> e-mail that sends feedparser's e-mail regex into quadratic time."""
    return rss(item("1", "Leica", author="a@" + "a." * 40_000))


@functools.cache
def gzip_bomb(size: int = 256 * 1024 * 1024) -> bytes:
    """A small gzip body that inflates to ``size`` bytes of zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1024 * 1024)
    parts = [compressor.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join([*parts, compressor.flush()])


def respond(body: bytes, *, content_type: str = "application/rss+xml", **headers: str) -> Handler:
    """Answer with these bytes and headers."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=body, headers={"Content-Type": content_type, **headers})

    return handler


def encoded_bomb() -> Handler:
    """Serve a gzip bomb as Content-Encoding: gzip, which the HTTP client inflates."""
    body = gzip_bomb()

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=body,
            headers={"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"},
        )

    return handler


def endless() -> Handler:
    """Stream a body that never ends, without a Content-Length."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        chunk = b"<!-- " + b"x" * 65_000 + b" -->"
        try:
            while True:
                await response.write(chunk)
        except ConnectionError:  # the client hung up, as it should
            return response

    return handler


def stall_after_headers(seconds: float = 60) -> Handler:
    """Send the headers, then nothing."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        await response.write(RSS_HEAD.encode())
        await asyncio.sleep(seconds)
        return response

    return handler


def drip(every: float = 0.5) -> Handler:
    """Send a valid feed one byte at a time, never fast enough to finish."""
    body = rss(*(item(str(n), f"post {n}") for n in range(100)))

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        try:
            for byte in body:
                await response.write(bytes([byte]))
                await asyncio.sleep(every)
        except ConnectionError:  # the client gave up, as it should
            pass
        return response

    return handler


def redirect(location: Callable[[web.Request], str]) -> Handler:
    """Answer 302 to wherever ``location`` says."""

    async def handler(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(location(request))

    return handler
