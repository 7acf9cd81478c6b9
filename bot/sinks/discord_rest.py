"""Posting a message body to Discord's REST API and reading what the answer means."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import aiohttp

from bot.sinks import Attachment, Delivery

TIMEOUT = aiohttp.ClientTimeout(total=20)


async def post_message(
    session: aiohttp.ClientSession,
    url: str,
    body: dict[str, Any],
    *,
    label: str,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    files: Sequence[Attachment] = (),
) -> Delivery:
    """POST a message; 2xx is accepted, 429 and 5xx are failures to retry later."""
    payload: dict[str, Any] = {"json": body}
    if files:
        # Discord's multipart form: the JSON body as payload_json, then files[n]
        form = aiohttp.FormData()
        form.add_field("payload_json", json.dumps(body), content_type="application/json")
        for index, attachment in enumerate(files):
            form.add_field(
                f"files[{index}]",
                attachment.data,
                filename=attachment.filename,
                content_type=attachment.content_type,
            )
        payload = {"data": form}
    try:
        async with session.post(
            url, params=params, headers=headers, timeout=TIMEOUT, **payload
        ) as response:
            text = await response.text(errors="replace")
            if 200 <= response.status < 300:
                return Delivery(ok=True, status=response.status, remote_id=_message_id(text))
            if response.status == 429:
                return Delivery(
                    ok=False,
                    status=429,
                    detail=f"{label}: rate limited by Discord",
                    retry_after=retry_after(response.headers.get("Retry-After"), text),
                    stop_channel=True,
                )
            return Delivery(
                ok=False,
                status=response.status,
                detail=f"{label}: HTTP {response.status}: {text[:300]}",
                stop_channel=True,
            )
    except (aiohttp.ClientError, TimeoutError) as exc:
        detail = f"{label}: {type(exc).__name__}: {exc}".replace(url, "<url>")
        return Delivery(ok=False, detail=detail, stop_channel=True)


def _message_id(text: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return str(data["id"]) if isinstance(data, dict) and "id" in data else None


def retry_after(header: str | None, text: str) -> float | None:
    """Read how long Discord wants us to wait: the body's exact seconds, else the header."""
    try:
        return max(0.0, float(json.loads(text)["retry_after"]))
    except (ValueError, KeyError, TypeError):
        pass
    try:
        return max(0.0, float(header)) if header is not None else None
    except ValueError:
        return None
