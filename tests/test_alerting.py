"""New matching posts reach Discord exactly once, through the real command line."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import WEBHOOK_ID, Leakbot
from tests.fakes.discord import WEBHOOK_PATH, DiscordFake, body_problems
from tests.fakes.feed_server import FeedServer, Post

CONFIG = """
    sources:
      - id: tipster
        feed: {feed}
    channels:
      - id: leaks
        webhook: ${{LEAKS_WEBHOOK_URL}}
    watches:
      - id: xiaomi-leica
        any: [Leica, 徕卡]
        all: [[Xiaomi, 小米]]
        none: [giveaway]
      - id: pixel
        any: ["Pixel 9"]
"""

OLD = Post(
    "old-1", "Xiaomi 12 with Leica optics, last year's story", link="https://example.com/old"
)


def _start(leakbot: Leakbot, feeds: FeedServer, posts: list[Post]) -> None:
    feeds.publish_rss("tipster", posts)
    leakbot.write_config(CONFIG.format(feed=feeds.url("tipster")))
    first = leakbot("poll-once")
    assert first.code == 0, first.err
    assert "tipster: first poll, " in first.out


def test_new_matching_post_reaches_the_webhook_once(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    _start(leakbot, feeds, [OLD])
    assert discord.messages == []  # the first poll is a silent baseline

    posted = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    leak = Post(
        "leak-1",
        "Xiaomi 17 Ultra camera module pictured",
        body="<p>The <b>Xiaomi</b> 17 Ultra keeps its Leica Summilux lens.</p>",
        link="https://example.com/leak?utm_source=rss&id=7",
        author="Digital Chat Station",
        published=posted,
        image="https://img.example.com/leak.jpg",
    )
    feeds.publish_rss("tipster", [leak, OLD])
    result = leakbot("poll-once")
    assert result.code == 0, result.err
    assert "tipster: ok, 2 items, 1 new, 1 alert" in result.out

    assert len(discord.messages) == 1
    message = discord.messages[0]
    assert message.route == "webhook"
    assert message.target == WEBHOOK_ID
    assert message.query == {"wait": "true"}
    embed = message.body["embeds"][0]
    assert embed["title"] == "Xiaomi 17 Ultra camera module pictured"
    assert embed["url"] == "https://example.com/leak?id=7"  # tracking parameter dropped
    assert "**Leica**" in embed["description"]
    assert "**Xiaomi**" in embed["description"]
    assert embed["image"] == {"url": "https://img.example.com/leak.jpg"}
    assert datetime.fromisoformat(embed["timestamp"]) == posted
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Source"] == "tipster"
    assert fields["Author"] == "Digital Chat Station"
    assert body_problems(WEBHOOK_PATH, message.body) == []

    again = leakbot("poll-once")
    assert again.code == 0
    assert len(discord.messages) == 1  # polling again sends nothing new


def test_restart_and_poll_again_sends_nothing_new(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    _start(leakbot, feeds, [OLD])
    feeds.publish_rss(
        "tipster", [Post("leak-2", "Pixel 9 Pro Fold renders", link="https://e.com/2"), OLD]
    )
    first = leakbot.process("poll-once")
    assert first.code == 0, first.err
    assert len(discord.messages) == 1

    restarted = leakbot.process("poll-once")
    assert restarted.code == 0, restarted.err
    assert len(discord.messages) == 1


def test_non_matching_and_excluded_posts_do_not_alert(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    _start(leakbot, feeds, [OLD])
    feeds.publish_rss(
        "tipster",
        [
            Post("n-1", "Pixel 90 is not a phone anyone announced"),
            Post("n-2", "Xiaomi 17 Leica giveaway: win a phone"),
            Post("n-3", "Leica M12 announced", body="Leica's new rangefinder"),  # no Xiaomi
            OLD,
        ],
    )
    result = leakbot("poll-once")
    assert result.code == 0
    assert "3 new, 0 alerts" in result.out
    assert discord.messages == []


def test_chinese_post_matches_chinese_term(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    _start(leakbot, feeds, [OLD])
    feeds.publish_rss(
        "tipster",
        [
            Post(
                "cn-1", "小米17 Ultra 徕卡影像", body="<p>小米新机搭载徕卡光学镜头，下月发布。</p>"
            ),
            OLD,
        ],
    )
    leakbot("poll-once")
    assert len(discord.messages) == 1
    description = discord.messages[0].body["embeds"][0]["description"]
    assert "**徕卡**" in description
    assert "**小米**" in description


def test_huge_post_still_makes_a_valid_discord_message(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    _start(leakbot, feeds, [OLD])
    body = ("Pixel 9 " + "very long leak text " * 800) + "<img src='https://img.example.com/x.jpg'>"
    feeds.publish_rss(
        "tipster",
        [Post("huge", "Pixel 9 " * 80, body=body, author="A" * 400, link="https://e.com/h"), OLD],
    )
    assert leakbot("poll-once").code == 0
    [message] = discord.messages  # the fake refuses what Discord would refuse (6000 chars)
    embed = message.body["embeds"][0]
    assert len(embed["title"]) <= 256
    assert embed["description"].startswith("**Pixel 9**")


def test_a_polls_new_posts_reach_the_channel_oldest_first(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    _start(leakbot, feeds, [OLD])

    def at(minute: int) -> datetime:
        return datetime(2026, 11, 20, 8, minute, tzinfo=UTC)

    # as every feed lists them: newest first; two posts of one minute keep the feed's order
    feeds.publish_rss(
        "tipster",
        [
            Post("leak-4", "Pixel 9 fourth: the box", published=at(40)),
            Post("leak-3", "Pixel 9 third: the price", published=at(20)),
            Post("leak-3b", "Pixel 9 third, again: the colours", published=at(20)),
            Post("leak-1", "Pixel 9 first: the renders", published=at(5)),
            Post("leak-2", "Pixel 9 second: the specs", published=at(10)),
            OLD,
        ],
    )
    result = leakbot("poll-once")
    assert result.code == 0, result.err
    assert [m.body["embeds"][0]["title"] for m in discord.messages] == [
        "Pixel 9 first: the renders",
        "Pixel 9 second: the specs",
        "Pixel 9 third: the price",
        "Pixel 9 third, again: the colours",
        "Pixel 9 fourth: the box",
    ]
