"""A forward HTTP proxy on loopback that records every request it is asked to make.

It speaks what aiohttp sends a proxy: absolute-URI requests (``GET http://host/path``) for
plain HTTP, and ``CONNECT host:port`` for HTTPS. A host the test routes is forwarded to a
loopback server (standing for the public host the proxy would reach); any other host gets
``502 Bad Gateway``, as a proxy with no way out answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from urllib.parse import urlsplit

from tests.fakes.loopback import BackgroundLoop

# headers meant for the proxy itself, or for a connection the proxy does not keep
_HOP_BY_HOP = frozenset({"connection", "proxy-connection", "keep-alive", "proxy-authorization"})


class HttpProxy(BackgroundLoop):
    """A forward proxy on 127.0.0.1; ``asked`` lists each request as ``METHOD target``."""

    def __init__(self) -> None:
        super().__init__()
        self.port = 0
        self._asked: list[str] = []
        self._routes: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        """Return the proxy's URL, as HTTP_PROXY names it."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def asked(self) -> list[str]:
        """Return every request the proxy was asked to make, in order."""
        with self._lock:
            return list(self._asked)

    def route(self, host: str, port: int) -> None:
        """Forward requests for ``host`` to ``127.0.0.1:port``."""
        with self._lock:
            self._routes[host.lower()] = ("127.0.0.1", port)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        for writer in list(self._writers):
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, target, _ = request_line.split(" ", 2)
            with self._lock:
                self._asked.append(f"{method} {target}")
            if method == "CONNECT":
                await self._tunnel(target, reader, writer)
            else:
                await self._forward(method, target, header_lines, reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def _upstream(self, host: str) -> tuple[str, int] | None:
        with self._lock:
            return self._routes.get(host.lower())

    async def _forward(
        self,
        method: str,
        target: str,
        header_lines: list[str],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        parts = urlsplit(target)
        upstream = self._upstream(parts.hostname or "")
        if upstream is None:
            await _bad_gateway(writer, f"no route to {parts.hostname}")
            return
        up_reader, up_writer = await asyncio.open_connection(*upstream)
        path = parts.path or "/"
        if parts.query:
            path += f"?{parts.query}"
        kept = [
            line
            for line in header_lines
            if line and line.split(":", 1)[0].strip().lower() not in _HOP_BY_HOP
        ]
        # one request per connection keeps the relay simple: the end of the answer is EOF
        up_writer.write(
            "\r\n".join([f"{method} {path} HTTP/1.1", *kept, "Connection: close", "", ""]).encode(
                "latin-1"
            )
        )
        await up_writer.drain()
        try:
            while chunk := await up_reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        finally:
            up_writer.close()

    async def _tunnel(
        self, target: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        host = target.rsplit(":", 1)[0].strip("[]")
        upstream = self._upstream(host)
        if upstream is None:
            await _bad_gateway(writer, f"no route to {host}")
            return
        up_reader, up_writer = await asyncio.open_connection(*upstream)
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _bad_gateway(writer: asyncio.StreamWriter, reason: str) -> None:
    body = reason.encode()
    writer.write(
        b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nConnection: close\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    writer.close()
