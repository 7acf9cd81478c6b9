"""A TCP relay on loopback in front of a real server (PostgreSQL), that a test can cut or
partition."""

from __future__ import annotations

import asyncio
import contextlib

from tests.fakes.loopback import BackgroundLoop


class Relay(BackgroundLoop):
    """Forward 127.0.0.1:<port> to a target; ``cut()`` drops every connection and refuses
    new ones, as a database outage does; ``restore()`` lets them through again.

    ``partition()`` plays a network partition instead: connections stay open and new ones
    are accepted, but not a byte goes through either way, so nothing answers; ``heal()``
    lets the held bytes through, as TCP's retransmissions do once the network is back.
    """

    def __init__(self, host: str, port: int) -> None:
        super().__init__()
        self.target = (host, port)
        self.port = 0
        self._cut = False
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def cut(self) -> None:
        """Drop every open connection and refuse new ones."""
        self._cut = True
        asyncio.run_coroutine_threadsafe(self._drop_all(), self._loop).result(10)

    def restore(self) -> None:
        """Let connections through again."""
        self._cut = False

    def partition(self) -> None:
        """Keep every connection open but forward nothing, either way, until ``heal()``."""
        asyncio.run_coroutine_threadsafe(self._set_flowing(False), self._loop).result(10)

    def heal(self) -> None:
        """Forward again, the bytes held during the partition first."""
        asyncio.run_coroutine_threadsafe(self._set_flowing(True), self._loop).result(10)

    async def _set_flowing(self, flowing: bool) -> None:
        # the event belongs to the relay's loop: set it there
        if flowing:
            self._flowing.set()
        else:
            self._flowing.clear()

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        await self._drop_all()
        self._flowing.set()  # pipes held by a partition end with their connections
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _drop_all(self) -> None:
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._cut:
            writer.close()
            return
        self._writers.add(writer)
        # a connection made during a partition is accepted and then hears nothing
        await self._flowing.wait()
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            self._writers.discard(writer)
            return
        self._writers.add(upstream_writer)
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while not self._cut:
                await self._flowing.wait()
                chunk = await reader.read(65536)
                if not chunk or self._cut:
                    break
                # a chunk read as a partition began is held until it heals, not dropped
                await self._flowing.wait()
                writer.write(chunk)
                await writer.drain()
        writer.close()
        self._writers.discard(writer)
