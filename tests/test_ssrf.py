"""Feeds, post pages and images never reach loopback, private or cloud-metadata addresses."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web

from bot.config.file import load_config
from bot.config.settings import Settings
from bot.polling.archive import download_images
from bot.polling.linkcheck import PageSays, check_page
from bot.runtime.app import App
from bot.sources.guard import GuardedConnector, why_private
from bot.sources.http import FetchError, Limits, _next_hop, fetch, new_session
from tests.clock import Clock
from tests.conftest import Leakbot
from tests.fakes import hostile
from tests.fakes.discord import DiscordFake
from tests.fakes.feed_server import FeedServer, Post
from tests.fakes.http_proxy import HttpProxy


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


def _port(feeds: FeedServer) -> int:
    port = urlsplit(feeds.url("x")).port
    assert port is not None
    return port


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
    port = _port(feeds)
    feeds.handle("hop", hostile.redirect(lambda r: f"http://localhost:{port}/feeds/secret"))
    feeds.publish_rss("secret", [Post("1", "internal")])
    feeds.set_page("post", 200, "<p>hello</p>")
    feeds.handle("post-moved", hostile.redirect(lambda r: f"http://localhost:{port}/pages/post"))
    connector = GuardedConnector(trusted=[("127.0.0.1", port)])
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
    port = _port(feeds)
    feeds.set_page("leak.png", 200, b"\x89PNG\r\n\x1a\n", content_type="image/png")
    connector = GuardedConnector(trusted=[("127.0.0.1", port)])
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


# Behind a proxy the proxy resolves names, so the guard can only judge what a URL says:
# an IP literal is refused before any request, and only the proxy itself is trusted.


@pytest.fixture
def proxy() -> Iterator[HttpProxy]:
    """Run a forward proxy on loopback that records what it is asked to fetch."""
    with HttpProxy() as running:
        yield running


@pytest.fixture
def behind_proxy(guarded: Leakbot, proxy: HttpProxy, monkeypatch: pytest.MonkeyPatch) -> Leakbot:
    """A default install whose HTTP_PROXY and HTTPS_PROXY name the loopback proxy."""
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    return guarded


def _always(location: str) -> Callable[[web.Request], str]:
    return lambda request: location


def _refused(source: str, refusal: str) -> str:
    return f"{source}: FAILED (refused: {refusal}; set LEAKBOT_ALLOW_PRIVATE_URLS=1"


def test_behind_a_proxy_ip_literal_feeds_are_refused_before_the_proxy_is_asked(
    behind_proxy: Leakbot, proxy: HttpProxy, feeds: FeedServer
) -> None:
    feeds.publish_rss("feed", [Post("1", "Leica")])
    port = _port(feeds)
    behind_proxy.write_config(
        f"""
        sources:
          - id: metadata
            feed: http://169.254.169.254/latest/meta-data/
          - id: metadata-tls
            feed: https://169.254.169.254/latest/meta-data/
          - id: loopback
            feed: http://127.0.0.1:{port}/feeds/feed
          - id: loopback-v6
            feed: http://[::1]:{port}/feeds/feed
          - id: loopback-decimal
            feed: http://2130706433:{port}/feeds/feed
        """
    )
    result = behind_proxy("poll-once")
    assert result.code == 0, result.err
    for source, refusal in [
        ("metadata", "169.254.169.254 is a cloud metadata address"),
        ("metadata-tls", "169.254.169.254 is a cloud metadata address"),
        ("loopback", "127.0.0.1 is a loopback address"),
        ("loopback-v6", "::1 is a loopback address"),
        ("loopback-decimal", "2130706433 resolves to 127.0.0.1, which is a loopback address"),
    ]:
        assert _refused(source, refusal) in result.out, result.out
    assert proxy.asked == []
    assert feeds.hits("feed") == []


def test_no_proxy_for_the_proxy_host_does_not_open_its_other_ports(
    guarded: Leakbot, proxy: HttpProxy, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the proxy runs on 127.0.0.1 and NO_PROXY sends 127.0.0.1 direct: only the proxy's own
    # port is the operator's; the feed server on another port stands for an internal service
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.delenv("no_proxy", raising=False)
    feeds.publish_rss("feed", [Post("1", "Leica")])
    guarded.write_config(f"sources:\n  - id: inside\n    feed: {feeds.url('feed')}\n")
    result = guarded("poll-once")
    assert result.code == 0, result.err
    assert _refused("inside", "127.0.0.1 is a loopback address") in result.out, result.out
    assert feeds.hits("feed") == []
    assert proxy.asked == []


def test_a_feed_named_by_its_host_is_fetched_through_the_proxy(
    behind_proxy: Leakbot, proxy: HttpProxy, feeds: FeedServer
) -> None:
    feeds.publish_rss("feed", [Post("1", "Leica"), Post("2", "Pixel")])
    proxy.route("news.example", _port(feeds))  # the proxy reaches news.example; tls.example not
    behind_proxy.write_config(
        """
        sources:
          - id: news
            feed: http://news.example/feeds/feed
          - id: tls
            feed: https://tls.example/feed
        """
    )
    result = behind_proxy("poll-once")
    assert result.code == 0, result.err
    assert "news: first poll, 2 items recorded silently" in result.out, result.out
    assert "tls: FAILED (" in result.out  # the proxy answered 502 to the tunnel
    assert sorted(proxy.asked) == ["CONNECT tls.example:443", "GET http://news.example/feeds/feed"]
    assert [hit["Host"] for hit in feeds.hits("feed")] == ["news.example"]


def test_a_redirect_to_an_ip_literal_behind_a_proxy_is_refused(
    behind_proxy: Leakbot, proxy: HttpProxy, feeds: FeedServer
) -> None:
    port = _port(feeds)
    proxy.route("news.example", port)
    feeds.publish_rss("secret", [Post("1", "internal")])
    for name, target in [
        ("to-loopback", f"http://127.0.0.1:{port}/feeds/secret"),
        ("to-v6", f"http://[::1]:{port}/feeds/secret"),
        ("to-metadata", "http://169.254.169.254/latest/meta-data/"),
    ]:
        feeds.handle(name, hostile.redirect(_always(target)))
    behind_proxy.write_config(
        """
        sources:
          - id: to-loopback
            feed: http://news.example/feeds/to-loopback
          - id: to-v6
            feed: http://news.example/feeds/to-v6
          - id: to-metadata
            feed: http://news.example/feeds/to-metadata
        """
    )
    result = behind_proxy("poll-once")
    assert result.code == 0, result.err
    assert _refused("to-loopback", "127.0.0.1 is a loopback address") in result.out, result.out
    assert _refused("to-v6", "::1 is a loopback address") in result.out
    assert _refused("to-metadata", "169.254.169.254 is a cloud metadata address") in result.out
    assert sorted(proxy.asked) == [
        "GET http://news.example/feeds/to-loopback",
        "GET http://news.example/feeds/to-metadata",
        "GET http://news.example/feeds/to-v6",
    ]
    assert feeds.hits("secret") == []


async def test_behind_a_proxy_post_pages_and_images_at_ip_literals_are_refused(
    behind_proxy: Leakbot, proxy: HttpProxy, feeds: FeedServer
) -> None:
    port = _port(feeds)
    proxy.route("news.example", port)
    feeds.set_page("post", 200, "<p>hello</p>")
    feeds.set_page("leak.png", 200, b"\x89PNG\r\n\x1a\n", content_type="image/png")
    feeds.handle("post-moved", hostile.redirect(lambda r: f"http://127.0.0.1:{port}/pages/post"))
    async with new_session(allow_private=False) as session:
        metadata, _ = await check_page(session, "http://169.254.169.254/latest/meta-data/")
        moved, _ = await check_page(session, "http://news.example/feeds/post-moved")
        there, _ = await check_page(session, "http://news.example/pages/post")
        private = await download_images(
            session, (f"http://[::1]:{port}/pages/leak.png",), source_id="s"
        )
        public = await download_images(
            session, ("http://news.example/pages/leak.png",), source_id="s"
        )
    assert metadata is PageSays.UNKNOWN
    assert moved is PageSays.UNKNOWN  # the hop to 127.0.0.1 was refused: it proves nothing
    assert there is PageSays.THERE
    assert private == []
    assert len(public) == 1
    assert sorted(proxy.asked) == [
        "GET http://news.example/feeds/post-moved",
        "GET http://news.example/pages/leak.png",
        "GET http://news.example/pages/post",
    ]
    assert [path for path, _ in feeds.requests if path.startswith("page:")] == [
        "page:post",
        "page:leak.png",
    ]
