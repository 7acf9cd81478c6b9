"""How an alert looks, per channel: full and compact styles, a template, a webhook's name and
picture, a translate link, and Discord's limits; through the real command line against the
loopback feed server and Discord's fake (every body checked against its OpenAPI spec)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from bot.delivery.alerts import AlertMessage
from bot.sinks.discord.payload import Look, message_body
from tests.clock import Clock
from tests.conftest import ROOT, Leakbot
from tests.fakes.discord import WEBHOOK_PATH, DiscordFake, Received, body_problems
from tests.fakes.feed_server import FeedServer, Post

DOCS = ROOT / "docs" / "delivery.md"
WEBHOOKS = {
    "leaks": "112233445566778801",
    "busy": "112233445566778802",
    "custom": "112233445566778803",
}
OLD = Post("old-1", "Old news", link="https://example.com/old")
LEAK = Post(
    "leak-1",
    "Xiaomi 17 Ultra camera module pictured",
    body="<p>The Xiaomi 17 Ultra keeps its Leica Summilux lens.</p>",
    link="https://example.com/leak-1",
)


def _documented() -> tuple[str, list[dict[str, object]]]:
    """Read the examples of docs/delivery.md: the channels' config and the bodies shown."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("### Examples, exactly as sent", 1)[1]
    channels = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert channels is not None, "docs/delivery.md lost its example config"
    bodies = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", section, re.DOTALL)]
    return channels.group(1), bodies


def _run(leakbot: Leakbot, feeds: FeedServer, config: str, post: Post) -> None:
    """Poll once silently, then once more with the post on top of the feed."""
    leakbot.now = Clock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    feeds.publish_rss("tipster", [OLD])
    leakbot.write_config(config.format(feed=feeds.url("tipster")))
    first = leakbot("poll-once")
    assert first.code == 0, first.err
    feeds.publish_rss("tipster", [post, OLD])
    second = leakbot("poll-once")
    assert second.code == 0, second.err


def _by_webhook(discord: DiscordFake) -> dict[str, Received]:
    for message in discord.messages:
        assert body_problems(WEBHOOK_PATH, message.body) == []
    return {message.target: message for message in discord.messages}


def test_full_compact_and_a_template_are_sent_exactly_as_the_docs_show(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    channels, bodies = _documented()
    config = (
        "sources:\n  - id: tipster\n    feed: {feed}\n"
        + channels.replace("{", "{{").replace("}", "}}")
        + "watches:\n  - id: xiaomi\n    any: [Leica]\n    all: [Xiaomi]\n"
    )
    _run(leakbot, feeds, config, LEAK)

    received = _by_webhook(discord)
    assert set(received) == set(WEBHOOKS.values())
    assert len(bodies) == 3
    for channel, body in zip(("leaks", "busy", "custom"), bodies, strict=True):
        assert received[WEBHOOKS[channel]].body == body, channel


CONFIG = """
sources:
  - id: tipster
    feed: {feed}
channels:
  - id: busy
    webhook: https://discord.com/api/webhooks/112233445566778802/token-b
    style: STYLE
    template: "{{title}} ({{source}}) {{link}}"
    translate_link: "https://translate.example.org/?sl=auto&tl=en&text={{text}}"
watches:
  - id: xiaomi
    any: [Xiaomi, 小米]
"""


def test_a_long_title_is_cut_at_a_word_so_the_message_stays_within_2000_characters(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    words = " ".join(f"word{n}" for n in range(400))  # 3,290 characters
    long_post = Post("long-1", f"Xiaomi leak {words}", link="https://example.com/long")
    _run(leakbot, feeds, CONFIG.replace("STYLE", "compact"), long_post)

    content = _by_webhook(discord)[WEBHOOKS["busy"]].body["content"]
    assert len(content) <= 2000
    assert content.startswith("Xiaomi leak word0 word1 ")
    # the title gave way at a word; the source and the link are whole
    assert re.search(r" word\d+… \(tipster\) <https://example\.com/long>$", content), content


def test_a_chinese_post_gets_a_translate_link_and_nothing_is_fetched(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    post = Post("cn-1", "小米17 Ultra 主摄确认一英寸大底", link="https://weibo.example.com/1")
    _run(leakbot, feeds, CONFIG.replace("STYLE", "full"), post)

    body = _by_webhook(discord)[WEBHOOKS["busy"]].body
    fields = {f["name"]: f["value"] for f in body["embeds"][0]["fields"]}
    found = re.fullmatch(r"\[Open a translation\]\((.+)\)", fields["Translate"])
    assert found is not None, fields
    url = urlsplit(found.group(1))
    assert (url.scheme, url.netloc) == ("https", "translate.example.org")
    assert parse_qs(url.query)["text"] == ["小米17 Ultra 主摄确认一英寸大底"]
    # the template's content stands above the embed
    assert (
        body["content"] == "小米17 Ultra 主摄确认一英寸大底 (tipster) <https://weibo.example.com/1>"
    )
    # a link only: leakbot itself sent nothing but the message to Discord
    assert [r.method for r in discord.requests] == ["POST"]


def test_an_english_post_gets_no_translate_link(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    _run(leakbot, feeds, CONFIG.replace("STYLE", "full"), LEAK)

    body = _by_webhook(discord)[WEBHOOKS["busy"]].body
    assert "Translate" not in {f["name"] for f in body["embeds"][0]["fields"]}


BAD = """
sources:
  - id: tipster
    feed: https://example.com/feed
channels:
  - id: bot
    discord_channel: "123456789012345678"
    username: Leak Radar
  - id: hook
    webhook: https://discord.com/api/webhooks/112233445566778802/token-b
    template: "{title} {author} {link}"
    color: "orange"
  - id: other
    webhook: https://discord.com/api/webhooks/112233445566778803/token-c
    translate_link: "https://translate.example.org/"
watches:
  - id: xiaomi
    any: [Xiaomi]
    mention: ["@Xiaomi Leaks", "<@&12>", "@everyone"]
    mention_on: [new, tweeted]
"""


def test_bad_looks_are_config_errors_with_file_line_and_key(cli: Leakbot) -> None:
    path = cli.write_config(BAD)
    result = cli("check-config")

    assert result.code == 2
    said = result.err
    assert (
        f"{path}:6: channels[0]: username and avatar_url are for webhooks: a discord_channel "
        "shows the bot's own name and picture" in said
    )
    assert f"{path}:11: channels[1].template: unknown placeholder {{author}} in the template" in (
        said
    )
    assert f'{path}:12: channels[1].color: a colour is "#RRGGBB"' in said
    assert f"{path}:15: channels[2].translate_link: translate_link is an http:// or https://" in (
        said
    )
    assert f"{path}:19: watches[0].mention[1]: a mention is a role name such as" in said
    assert f"{path}:19: watches[0].mention[2]: leakbot never pings @everyone" in said
    assert f"{path}:20: watches[0].mention_on[1]:" in said


def test_a_digest_and_a_source_notice_keep_their_embed_in_a_compact_channel() -> None:
    look = Look(style="compact", template="{title} {link}", mentions=(f"<@{'2' * 18}>",))
    for kind in ("digest", "paused"):
        notice = AlertMessage(
            kind=kind,
            source_id="tipster",
            title="Daily digest, 2026-11-24",
            link=None,
            excerpt="**3 leaks** today",
            author=None,
            image=None,
            posted_at=None,
        )
        body = message_body(notice, look)
        assert body_problems(WEBHOOK_PATH, body) == []
        assert body["embeds"][0]["description"] == "**3 leaks** today"
        assert body["content"] == f"<@{'2' * 18}>"  # only a mention: no line, no template
