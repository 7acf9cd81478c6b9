"""A feed server whose feeds the test writes, with ETag / Last-Modified and failure modes."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from aiohttp import web

from tests.fakes.loopback import LoopbackServer


@dataclass
class Post:
    """One entry of a test feed."""

    guid: str
    title: str
    body: str = ""
    link: str | None = None
    author: str | None = None
    published: datetime | None = None
    image: str | None = None


@dataclass
class _Feed:
    body: bytes
    content_type: str
    etag: str
    last_modified: str
    status: int = 200
    stall: float = 0.0
    drop: bool = False


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class FeedServer:
    """Serves ``/feeds/<name>``; counts requests and answers conditional GETs with 304."""

    feeds: dict[str, _Feed] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    pages: dict[str, tuple[int, bytes, str]] = field(default_factory=dict)
    handlers: dict[str, Handler] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: LoopbackServer | None = None

    def __enter__(self) -> FeedServer:
        app = web.Application()
        app.router.add_get("/feeds/{name}", self._serve)
        app.router.add_get("/pages/{name}", self._page)
        self._server = LoopbackServer(app).__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.__exit__(None, None, None)

    def url(self, name: str) -> str:
        """Return the URL of a feed."""
        assert self._server is not None
        return f"{self._server.url}/feeds/{name}"

    def publish(
        self, name: str, body: bytes | str, *, content_type: str = "application/rss+xml"
    ) -> None:
        """Serve these bytes at a feed's URL from now on."""
        data = body.encode() if isinstance(body, str) else body
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        with self._lock:
            self.feeds[name] = _Feed(
                data, content_type, etag, format_datetime(datetime.now(UTC), usegmt=True)
            )

    def publish_rss(self, name: str, posts: list[Post], *, title: str = "Test feed") -> None:
        """Serve an RSS 2.0 feed of these posts."""
        self.publish(name, rss(posts, title=title))

    def handle(self, name: str, handler: Handler) -> None:
        """Answer requests for this feed with a handler of the test's own (a hostile server)."""
        with self._lock:
            self.handlers[name] = handler

    def fail(self, name: str, status: int) -> None:
        """Answer every request for this feed with an HTTP error (200 puts it right)."""
        with self._lock:
            self.feeds[name].status = status

    def stall(self, name: str, seconds: float) -> None:
        """Wait this long before answering requests for this feed."""
        with self._lock:
            self.feeds[name].stall = seconds

    def drop(self, name: str, dropped: bool = True) -> None:
        """Close the connection without an answer, as an unreachable host would."""
        with self._lock:
            self.feeds[name].drop = dropped

    def page_url(self, name: str) -> str:
        """Return the URL of a post's page or image."""
        assert self._server is not None
        return f"{self._server.url}/pages/{name}"

    def set_page(
        self, name: str, status: int = 200, body: bytes | str = b"", content_type: str = "text/html"
    ) -> None:
        """Serve a post's page (or an image) with this status and body."""
        data = body.encode() if isinstance(body, str) else body
        with self._lock:
            self.pages[name] = (status, data, content_type)

    def hits(self, name: str) -> list[dict[str, str]]:
        """Return the request headers of every request for one feed."""
        return [headers for path, headers in self.requests if path == name]

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        with self._lock:
            self.requests.append((name, dict(request.headers)))
            feed = self.feeds.get(name)
            handler = self.handlers.get(name)
        if handler is not None:
            return await handler(request)
        if feed is None:
            raise web.HTTPNotFound()
        if feed.stall:
            await asyncio.sleep(feed.stall)
        if feed.drop and request.transport is not None:
            request.transport.close()
            return web.Response(status=500)
        if feed.status != 200:
            return web.Response(status=feed.status, text="feed server says no")
        if request.headers.get("If-None-Match") == feed.etag:
            return web.Response(status=304, headers={"ETag": feed.etag})
        return web.Response(
            body=feed.body,
            headers={
                "Content-Type": feed.content_type,
                "ETag": feed.etag,
                "Last-Modified": feed.last_modified,
            },
        )

    async def _page(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        with self._lock:
            self.requests.append((f"page:{name}", dict(request.headers)))
            page = self.pages.get(name)
        if page is None:
            raise web.HTTPNotFound()
        status, body, content_type = page
        # as a header, not content_type=: a stranger's type may carry anything
        return web.Response(status=status, body=body, headers={"Content-Type": content_type})


def rss(posts: list[Post], *, title: str = "Test feed") -> str:
    """Write an RSS 2.0 document."""
    items = []
    for post in posts:
        parts = [
            f'<guid isPermaLink="false">{escape(post.guid)}</guid>',
            f"<title>{escape(post.title)}</title>",
        ]
        if post.link:
            parts.append(f"<link>{escape(post.link)}</link>")
        body = post.body
        if post.image:
            body += f'<p><img src="{escape(post.image)}"></p>'
        if body:
            parts.append(f"<description>{escape(body)}</description>")
        if post.author:
            parts.append(f"<author>{escape(post.author)}</author>")
        if post.published:
            parts.append(f"<pubDate>{format_datetime(post.published, usegmt=True)}</pubDate>")
        items.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://example.com/</link>"
        "<description>test</description>" + "".join(items) + "</channel></rss>"
    )
