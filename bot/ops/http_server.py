"""The running bot's HTTP endpoints on LEAKBOT_HTTP_ADDR: ``/metrics`` and ``/healthz``."""

from __future__ import annotations

import logging
import os

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.errors import LeakbotError
from bot.ops.metrics import REGISTRY
from bot.ops.vitals import Vitals

log = logging.getLogger(__name__)


class HttpServerError(LeakbotError):
    """The endpoints cannot be served on the address asked for."""


class HttpServer:
    """Serve Prometheus metrics and the bot's health on the bot's own event loop."""

    def __init__(self, vitals: Vitals, host: str, port: int) -> None:
        self.vitals = vitals
        self.host, self.port = host, port
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)

    async def start(self) -> None:
        """Start listening; raise HttpServerError when the address cannot be had."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise HttpServerError(
                f"cannot serve /metrics and /healthz on LEAKBOT_HTTP_ADDR "
                f"{self.host}:{self.port} ({reason}); pick a free port, or unset LEAKBOT_HTTP_ADDR"
            ) from None
        log.info("serving /metrics and /healthz on http://%s:%d", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening."""
        await self._runner.cleanup()

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = generate_latest(REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _healthz(self, _request: web.Request) -> web.Response:
        health = self.vitals.health()
        status = "ok" if health.healthy else "unhealthy"
        return web.json_response(
            {"status": status, "reason": health.reason}, status=200 if health.healthy else 503
        )
