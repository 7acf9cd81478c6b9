"""Who an alert pings: the roles and users the config names, exactly, once, and nobody on a
story's edits nor through text from a feed; through the real command line against the
loopback feed server and Discord's fake (every body checked against its OpenAPI spec)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.clock import Clock
from tests.conftest import Leakbot
from tests.fakes.discord import (
    CHANNEL_MESSAGE_PATH,
    MESSAGES_PATH,
    PIXEL_ROLE_ID,
    WEBHOOK_MESSAGE_PATH,
    WEBHOOK_PATH,
    XIAOMI_ROLE_ID,
    DiscordFake,
    body_problems,
)
from tests.fakes.feed_server import FeedServer, Post

BOT_CHANNEL = "1300000000000000200"
USER = "1300000000000000401"
NOBODY: dict[str, list[str]] = {"parse": [], "roles": [], "users": []}
FIRST = (
    "gsmarena",
    "Xiaomi 17 Ultra to keep a 1-inch main camera with Leica tuning",
    "Digital Chat Station says the Xiaomi 17 Ultra will stick with a 1-inch type main "
    "sensor, co-engineered with Leica.",
)
LATER = (
    "notebookcheck",
    "Leak: Xiaomi 17 Ultra retains 1-inch Leica main camera",
    "The Xiaomi 17 Ultra's main camera is again said to use a 1-inch sensor, with "
    "Leica handling the tuning.",
)
CONFIG = """
sources:
  - id: gsmarena
    feed: {gsmarena}
  - id: notebookcheck
    feed: {notebookcheck}
channels:
  - id: leaks
    webhook: https://discord.com/api/webhooks/112233445566778801/token-a
    style: STYLE
    CHANNEL
watches:
  - id: xiaomi
    any: [Leica]
    all: [Xiaomi]
    WATCH
  - id: camera
    any: [1-inch]
    OTHER
"""


class Newsroom:
    """Two sources and one webhook channel, past their silent first poll."""

    def __init__(
        self,
        leakbot: Leakbot,
        feeds: FeedServer,
        *,
        channel: str = "",
        watch: str = "",
        other: str = "",
        style: str = "full",
    ) -> None:
        self.leakbot, self.feeds = leakbot, feeds
        leakbot.now = self.clock = Clock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
        self.posts: dict[str, list[Post]] = {
            source: [Post(f"{source}-old", "Old news")] for source in ("gsmarena", "notebookcheck")
        }
        for source, posts in self.posts.items():
            feeds.publish_rss(source, posts)
        config = (
            CONFIG.replace("STYLE", style)
            .replace("CHANNEL", channel)
            .replace("WATCH", watch)
            .replace("OTHER", other)
        )
        self.path = leakbot.write_config(
            config.format(**{source: feeds.url(source) for source in self.posts})
        )
        self.said = self.poll()

    def poll(self) -> str:
        self.clock.advance(minutes=7)
        result = self.leakbot("poll-once")
        assert result.code == 0, result.err
        return result.out + result.err

    def report(self, source: str, title: str, text: str = "") -> str:
        """Publish a post on a source and poll; return what leakbot said."""
        self.publish(source, title, text)
        return self.poll()

    def publish(self, source: str, title: str, text: str = "") -> None:
        """Put a new post on top of a source's feed."""
        posts = self.posts[source]
        guid = f"{source}-{len(posts)}"
        published = datetime(2026, 11, 24, 8, len(posts), tzinfo=UTC)
        link = f"https://{source}.example.com/{guid}"
        posts.insert(0, Post(guid, title, body=f"<p>{text}</p>", link=link, published=published))
        self.feeds.publish_rss(source, posts)


@pytest.fixture
def with_token(leakbot: Leakbot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Give leakbot a bot token: role names are looked up in the server with it."""
    monkeypatch.setenv("DISCORD_TOKEN", "fake-bot-token.abc.def")


def _checked(discord: DiscordFake) -> None:
    for message in discord.messages:
        assert body_problems(WEBHOOK_PATH, message.body) == []
        for edit in message.edits:
            assert body_problems(WEBHOOK_MESSAGE_PATH, edit, "patch") == []


@pytest.mark.usefixtures("with_token")
def test_a_channels_role_pings_on_a_new_post_and_nobody_on_the_story_edits(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    room = Newsroom(leakbot, feeds, channel='mention: ["@Xiaomi Leaks"]')
    room.report(*FIRST)
    room.report(*LATER)

    _checked(discord)
    assert len(discord.messages) == 1
    message = discord.messages[0]
    assert message.posted["content"] == f"<@&{XIAOMI_ROLE_ID}>"
    assert message.posted["allowed_mentions"] == {
        "parse": [],
        "roles": [XIAOMI_ROLE_ID],
        "users": [],
    }
    assert len(message.edits) == 1  # notebookcheck joined the story: its alert was edited
    assert message.edits[0]["allowed_mentions"] == NOBODY
    assert discord.role_reads == 2  # once in each run that sent (each poll-once is a process)


def test_everyone_and_mentions_in_a_title_ping_no_one(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    room = Newsroom(leakbot, feeds, style="compact")
    title = f"Xiaomi 17 Leica leak @everyone @here <@&{PIXEL_ROLE_ID}> <@{USER}>"
    room.report("gsmarena", title)

    _checked(discord)
    (message,) = discord.messages
    assert message.body["allowed_mentions"] == NOBODY
    content = message.body["content"]
    # shown escaped: Discord prints the text and pings nobody
    assert content.startswith(
        f"**Xiaomi 17 Leica leak \\@everyone \\@here \\<\\@&{PIXEL_ROLE_ID}\\> "
        f"\\<\\@{USER}\\>** · gsmarena · <https://gsmarena.example.com/gsmarena-1>"
    )


def test_mention_on_chooses_the_kinds_that_ping(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    room = Newsroom(
        leakbot,
        feeds,
        channel=f'mention: ["<@{USER}>"]\n    mention_on: [deleted]',
    )
    room.report(*FIRST)

    _checked(discord)
    (message,) = discord.messages
    assert "content" not in message.body  # a new post does not ping here
    assert message.body["allowed_mentions"] == NOBODY


@pytest.mark.usefixtures("with_token")
def test_a_watchs_role_pings_on_a_new_post_and_nobody_on_the_story_edits(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    room = Newsroom(leakbot, feeds, watch='mention: ["@Xiaomi Leaks"]\n    color: "#FF6900"')
    room.report(*FIRST)
    room.report(*LATER)

    _checked(discord)
    (message,) = discord.messages
    assert message.posted["allowed_mentions"]["roles"] == [XIAOMI_ROLE_ID]
    assert message.posted["embeds"][0]["color"] == 0xFF6900
    assert [edit["allowed_mentions"] for edit in message.edits] == [NOBODY]


def test_one_post_two_watches_two_mentions_is_one_alert_that_pings_both_once(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    room = Newsroom(
        leakbot,
        feeds,
        channel=f'mention: ["<@{USER}>"]',
        watch=f'mention: ["<@&{XIAOMI_ROLE_ID}>", "<@{USER}>"]',
        other=f'mention: ["<@&{PIXEL_ROLE_ID}>", "<@&{XIAOMI_ROLE_ID}>"]',
    )
    room.report(*FIRST)

    _checked(discord)
    (message,) = discord.messages
    assert message.body["content"] == f"<@&{XIAOMI_ROLE_ID}> <@{USER}> <@&{PIXEL_ROLE_ID}>"
    assert message.body["allowed_mentions"] == {
        "parse": [],
        "roles": [XIAOMI_ROLE_ID, PIXEL_ROLE_ID],
        "users": [USER],
    }


@pytest.mark.usefixtures("with_token")
def test_an_unknown_role_name_is_logged_with_file_line_and_key_and_left_out(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake, caplog: pytest.LogCaptureFixture
) -> None:
    room = Newsroom(leakbot, feeds, watch='mention: ["@Xiaomi Leaks", "@Xiaomi Lekas"]')
    room.publish(*FIRST)
    room.publish(
        "notebookcheck", "Xiaomi 17 Pro battery leaks: 6,500 mAh, and a Leica telephoto lens"
    )
    room.poll()
    said = [r.getMessage() for r in caplog.records if "Lekas" in r.getMessage()]

    _checked(discord)
    assert len(discord.messages) == 2  # two leaks, two alerts
    for message in discord.messages:
        assert message.posted["allowed_mentions"]["roles"] == [XIAOMI_ROLE_ID]
    assert said == [  # once, however many alerts go without it
        f"{room.path}:16: watches[0].mention[1]: the server has no role named '@Xiaomi Lekas'; "
        "alerts go without this mention"
    ]


def test_a_role_name_without_a_bot_token_is_left_out_and_said(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake, caplog: pytest.LogCaptureFixture
) -> None:
    room = Newsroom(leakbot, feeds, channel='mention: ["@Xiaomi Leaks"]')
    room.report(*FIRST)
    said = "\n".join(r.getMessage() for r in caplog.records)

    _checked(discord)
    (message,) = discord.messages
    assert message.body["allowed_mentions"] == NOBODY
    assert (
        f"{room.path}:11: channels[0].mention[0]: role '@Xiaomi Leaks' cannot be looked up "
        "without DISCORD_TOKEN; alerts go without this mention" in said
    )
    assert discord.role_reads == 0


@pytest.mark.usefixtures("with_token")
def test_a_bot_channel_looks_up_its_servers_role_and_its_story_edit_pings_nobody(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    room = Newsroom(leakbot, feeds, watch='mention: ["@Pixel Leaks", "<@1300000000000000401>"]')
    config = room.path.read_text(encoding="utf-8").replace(
        "webhook: https://discord.com/api/webhooks/112233445566778801/token-a",
        f'discord_channel: "{BOT_CHANNEL}"',
    )
    room.path.write_text(config, encoding="utf-8")
    room.report(*FIRST)
    room.report(*LATER)

    (message,) = discord.messages
    assert message.route == "channel"
    assert body_problems(MESSAGES_PATH, message.posted) == []
    assert body_problems(CHANNEL_MESSAGE_PATH, message.edits[0], "patch") == []
    assert message.posted["content"] == f"<@&{PIXEL_ROLE_ID}> <@{USER}>"
    assert message.posted["allowed_mentions"] == {
        "parse": [],
        "roles": [PIXEL_ROLE_ID],
        "users": [USER],
    }
    assert [edit["allowed_mentions"] for edit in message.edits] == [NOBODY]
