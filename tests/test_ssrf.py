"""Feeds, post pages and images never reach loopback, private or cloud-metadata addresses."""

from __future__ import annotations

import re

import aiohttp
import pytest

from bot.app import App
from bot.archive import download_images
from bot.config import load_config
from bot.linkcheck import PageSays, check_page
from bot.settings import Settings
from bot.sources.guard import GuardedConnector, why_private
from bot.sources.http import FetchError, Limits, _next_hop, fetch
from tests.clock import Clock
from tests.conftest import Leakbot
from tests.fakes import hostile
from tests.fakes.discord import DiscordFake
from tests.fakes.feed_server import FeedServer, Post


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.8.9.10", "a loopback address"),
        ("::1", "a loopback address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("10.1.2.3", "a private or reserved address"),
        ("172.16.0.1", "a private or reserved address"),
        ("192.168.1.1", "a private or reserved address"),
        ("fc00::1", "a private or reserved address"),
        ("0.0.0.0", "a private or reserved address"),
        ("169.254.10.1", "a link-local address"),
        ("fe80::1%eth0", "a link-local address"),
        ("169.254.169.254", "a cloud metadata address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("100.100.100.200", "a cloud metadata address"),
        ("100.64.0.1", "a carrier-grade NAT address"),
        ("8.8.8.8", None),
        ("151.101.1.69", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_addresses_are_told_apart(address: str, kind: str | None) -> None:
    assert why_private(address) == kind


@pytest.fixture
def guarded(cli: Leakbot, monkeypatch: pytest.MonkeyPatch) -> Leakbot:
    """A leakbot home as a default install runs: private URLs not allowed, no proxy."""
    monkeypatch.delenv("LEAKBOT_ALLOW_PRIVATE_URLS", raising=False)
    return cli


@pytest.mark.parametrize(
    ("host", "refusal"),
    [
        ("127.0.0.1", r"refused: 127\.0\.0\.1 is a loopback address"),
        ("localhost", r"refused: localhost resolves to (127\.0\.0\.1|::1), which is a loopback"),
        ("169.254.169.254", r"refused: 169\.254\.169\.254 is a cloud metadata address"),
        ("[::ffff:7f00:1]", r"refused: ::ffff:7f00:1 is a loopback address"),
    ],
)
async def test_a_feed_on_a_private_address_is_refused_before_any_request(
    guarded: Leakbot, feeds: FeedServer, discord: DiscordFake, host: str, refusal: str
) -> None:
    feeds.publish_rss("feed", [Post("1", "Leica")])
    port = feeds.url("feed").split(":")[2].split("/")[0]
    path = guarded.write_config(
        f"sources:\n  - id: inside\n    feed: http://{host}:{port}/feeds/feed\n"
    )
    async with App(Settings(), load_config(path), now=Clock()) as app:
        [report] = await app.poll()
    assert report.outcome == "failed"
    assert report.detail is not None
    assert re.match(refusal, report.detail), report.detail
    assert "LEAKBOT_ALLOW_PRIVATE_URLS" in report.detail
    assert feeds.hits("feed") == []


async def test_allow_private_urls_lets_a_lan_feed_through(
    cli: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    feeds.publish_rss("feed", [Post("1", "Leica")])
    path = cli.write_config(f"sources:\n  - id: lan\n    feed: {feeds.url('feed')}\n")
    assert Settings().leakbot_allow_private_urls  # the test fixtures set it
    async with App(Settings(), load_config(path), now=Clock()) as app:
        [report] = await app.poll()
    assert report.outcome == "baseline"


async def test_every_redirect_hop_is_checked_again(feeds: FeedServer) -> None:
    # 127.0.0.1 stands for a public host here; a redirect from it to "localhost" must be
    # resolved and checked again, and refused
    port = feeds.url("x").split(":")[2].split("/")[0]
    feeds.handle("hop", hostile.redirect(lambda r: f"http://localhost:{port}/feeds/secret"))
    feeds.publish_rss("secret", [Post("1", "internal")])
    feeds.set_page("post", 200, "<p>hello</p>")
    feeds.handle("post-moved", hostile.redirect(lambda r: f"http://localhost:{port}/pages/post"))
    connector = GuardedConnector(trusted_hosts=["127.0.0.1"])
    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(FetchError, match=r"localhost resolves to (127\.0\.0\.1|::1)"):
            await fetch(session, feeds.url("hop"), limits=Limits(total_seconds=5))
        says, why = await check_page(session, feeds.url("post-moved"))
        assert says is PageSays.UNKNOWN, why  # a refused hop proves nothing about the post
        says, _ = await check_page(session, feeds.page_url("post"))
        assert says is PageSays.THERE  # the trusted host itself is reachable
    assert feeds.hits("secret") == []
    assert [path for path, _ in feeds.requests if path == "page:post"] == ["page:post"]


async def test_a_private_image_in_a_post_is_not_downloaded(feeds: FeedServer) -> None:
    port = feeds.url("x").split(":")[2].split("/")[0]
    feeds.set_page("leak.png", 200, b"\x89PNG\r\n\x1a\n", content_type="image/png")
    connector = GuardedConnector(trusted_hosts=["127.0.0.1"])
    async with aiohttp.ClientSession(connector=connector) as session:
        private = await download_images(
            session, (f"http://localhost:{port}/pages/leak.png",), source_id="s"
        )
        public = await download_images(session, (feeds.page_url("leak.png"),), source_id="s")
    assert private == []
    assert len(public) == 1  # the same image from the trusted host is archived
    assert [path for path, _ in feeds.requests] == ["page:leak.png"]


def test_a_redirect_that_leaves_https_for_http_is_refused() -> None:
    # no TLS on loopback, so the hop rule is checked where fetch decides each hop
    with pytest.raises(FetchError, match="from https down to plain http"):
        _next_hop("https://example.com/feed", "http://example.com/feed", [], Limits())
    assert _next_hop("http://example.com/feed", "https://example.com/feed", [], Limits())
