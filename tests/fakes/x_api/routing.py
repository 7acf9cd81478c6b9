"""Send what tweepy sends to https://api.twitter.com to the fake instead.

tweepy hard-codes X's address. Its synchronous ``Client`` talks through a requests session
(mount ``rebase_client``'s adapter); ``AsyncClient`` and ``AsyncStreamingClient`` use an
aiohttp session you may hand them (``client.session = rebased_session(url)``), whose
middleware rewrites each request's address before it leaves.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import requests
import tweepy
from requests.adapters import HTTPAdapter
from yarl import URL

X_API = "https://api.twitter.com"


def rebased_session(base: str, **kwargs: Any) -> aiohttp.ClientSession:
    """Return an aiohttp session that sends requests meant for api.twitter.com to ``base``."""
    root = base.rstrip("/")

    async def rebase(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        if request.url.host == "api.twitter.com":
            request.url = URL(root + request.url.raw_path_qs, encoded=True)
        return await handler(request)

    return aiohttp.ClientSession(middlewares=(rebase,), **kwargs)


class _Rebase(HTTPAdapter):
    def __init__(self, base: str) -> None:
        super().__init__(max_retries=0)
        self.base = base.rstrip("/")

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if request.url and request.url.startswith(X_API):
            request.url = self.base + request.url[len(X_API) :]
        return super().send(request, **kwargs)


def rebase_client(client: tweepy.Client, base: str) -> tweepy.Client:
    """Make a synchronous tweepy Client talk to ``base``; return it."""
    adapter = _Rebase(base)
    client.session.mount("https://", adapter)
    client.session.mount("http://", adapter)
    return client
