"""Stories: one leak reported by many sites is one alert, edited as each report comes.

The real App on a real database (SQLite and PostgreSQL), feeds served on loopback, Discord
faked on loopback with every body (POST and PATCH) checked against its OpenAPI spec, and
a clock the test moves.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.config.file import load_config
from bot.config.settings import Settings
from bot.delivery.alerts import AlertMessage, story_alert
from bot.domain import StoryReport
from bot.runtime.app import App
from bot.sinks.discord.payload import message_body
from bot.stories.rules import OpenStory, Reader, StoryIndex
from bot.stories.wording import earlier
from storage.db import make_engine, session_scope
from storage.models import ItemRow
from tests.clock import Clock
from tests.conftest import ROOT, WEBHOOK_ID, Leakbot
from tests.fakes.discord import WEBHOOK_PATH, DiscordFake, Received, body_problems
from tests.fakes.feed_server import FeedServer, Post
from tests.story_sets import labelled_posts, partition, place, score, shuffled

SOURCES = ("digital-chat-station", "gsmarena", "gizmochina", "weibo-zhihu", "notebookcheck")
CONFIG = """
    sources:
{sources}
    channels:
      - id: leaks
        webhook: ${{LEAKS_WEBHOOK_URL}}
    watches:
      - id: xiaomi
        any: [Leica, 徕卡, battery, 电池]
        all: [[Xiaomi, 小米]]
"""
ONE_LEAK = {
    "digital-chat-station": (
        "小米17 Ultra 主摄确认一英寸大底",
        "小米17 Ultra 主摄确认一英寸大底，联合徕卡调校，光学结构也换了新方案。",
    ),
    "gsmarena": (
        "Xiaomi 17 Ultra to keep a 1-inch main camera with Leica tuning",
        "Digital Chat Station says the Xiaomi 17 Ultra will stick with a 1-inch type main "
        "sensor, co-engineered with Leica.",
    ),
    "gizmochina": (
        "Xiaomi 17 Ultra camera leak: 1-inch sensor and Leica optics confirmed by tipster",
        "A fresh Weibo post claims the Xiaomi 17 Ultra will pack a one-inch main sensor "
        "with Leica-branded lenses.",
    ),
    "weibo-zhihu": (
        "小米17 Ultra：一吋主攝，徠卡調校",
        "據博主爆料，小米17 Ultra 將繼續採用一吋大底主攝，並由徠卡聯合調校。",
    ),
    "notebookcheck": (
        "Leak: Xiaomi 17 Ultra retains 1-inch Leica main camera",
        "The Xiaomi 17 Ultra's main camera is again said to use a 1-inch sensor, with "
        "Leica handling the tuning.",
    ),
}
OTHER_LEAK = (
    "Xiaomi 17 Pro battery capacity leaks: 6,500 mAh with 90W charging",
    "The Xiaomi 17 Pro will pack a 6,500 mAh battery with 90W wired and 50W wireless "
    "charging, a Weibo tipster claims.",
)


@dataclass
class Sites:
    """The feeds of several sources, each with the posts the test puts on top."""

    feeds: FeedServer
    posts: dict[str, list[Post]] = field(default_factory=dict)

    def publish(self, source: str, title: str, text: str = "", at: datetime | None = None) -> str:
        """Put a new post on top of a source's feed; return its link."""
        posts = self.posts.setdefault(source, [Post(f"{source}-old", "Old news")])
        guid = f"{source}-{len(posts)}"
        link = f"https://{source}.example.com/{guid}"
        published = at or datetime(2026, 11, 24, 8, len(posts), tzinfo=UTC)
        posts.insert(0, Post(guid, title, body=f"<p>{text}</p>", link=link, published=published))
        self.feeds.publish_rss(source, posts)
        return link


@dataclass
class Newsroom:
    """An App over the test's home, on a clock the test moves, following the sources."""

    leakbot: Leakbot
    sites: Sites
    clock: Clock
    config: str
    app: App | None = None

    async def start(self) -> App:
        path = self.leakbot.write_config(self.config)
        self.leakbot.now = self.clock  # explain reads the clock the posts were seen on
        self.app = await App(Settings(), load_config(path), now=self.clock).__aenter__()
        return self.app

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.__aexit__(None, None, None)
            self.app = None

    async def report(self, source: str, title: str, text: str = "") -> str:
        """Publish a post on a source, poll, and deliver; return the post's link."""
        assert self.app is not None
        link = self.sites.publish(source, title, text)
        self.clock.advance(minutes=7)
        await self.app.poll([source])
        await self.app.dispatch()
        return link


def _config(feeds: FeedServer, watch_extra: str = "") -> str:
    sources = "\n".join(
        f"      - id: {s}\n        feed: {feeds.url(s)}\n        track_deletions: true"
        for s in SOURCES
    )
    return CONFIG.format(sources=sources) + watch_extra


@pytest.fixture
async def newsroom(leakbot: Leakbot, feeds: FeedServer) -> AsyncIterator[Newsroom]:
    """A bot following five sources, past their first (silent) polls."""
    sites = Sites(feeds)
    for source in SOURCES:
        sites.publish(source, "Old news")
    room = Newsroom(leakbot, sites, Clock(), _config(feeds))
    app = await room.start()
    await app.poll()
    try:
        yield room
    finally:
        await room.stop()


def _fields(message: Received) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message.body["embeds"][0]["fields"]}


def _also(message: Received) -> str:
    return "\n".join(v for n, v in _fields(message).items() if n.startswith("Also reported by"))


def _posts(discord: DiscordFake) -> int:
    return sum(1 for r in discord.requests if r.method == "POST" and r.status == 200)


async def test_one_leak_from_five_sources_is_one_post_and_four_edits(
    newsroom: Newsroom, discord: DiscordFake
) -> None:
    links = {}
    for source, (title, text) in ONE_LEAK.items():
        links[source] = await newsroom.report(source, title, text)

    assert _posts(discord) == 1
    assert discord.edits(WEBHOOK_ID) == 4
    [message] = discord.messages
    assert message.title == "小米17 Ultra 主摄确认一英寸大底"  # the first report, in Chinese
    also = _also(message)
    for source in SOURCES[1:]:
        assert f"[{source.replace('-', chr(92) + '-')}]({links[source]})" in also
    assert "Also reported by (4)" in _fields(message)
    assert len(message.edits) == 4  # each checked against Discord's spec by the fake


async def test_one_poll_of_many_sources_alerts_on_a_story_s_first_report(
    newsroom: Newsroom, discord: DiscordFake
) -> None:
    # a cron's poll-once brings the hour's coverage of five sources at once; the last source
    # of the config posted first, so it answers last. The posts go into stories in the
    # order they were posted, whichever source answered first: the first report is the
    # message, the others edit it
    posted = datetime(2026, 11, 24, 8, 10, tzinfo=UTC)
    for minutes, source in enumerate(reversed(SOURCES)):
        newsroom.sites.publish(source, *ONE_LEAK[source], at=posted + timedelta(minutes=minutes))
    newsroom.clock.advance(hours=1)
    assert newsroom.app is not None
    await newsroom.app.poll()
    await newsroom.app.dispatch()

    assert _posts(discord) == 1
    [message] = discord.messages
    assert message.title == ONE_LEAK["notebookcheck"][0]
    assert discord.edits(WEBHOOK_ID) == 4
    assert "Also reported by (4)" in _fields(message)


SAMSUNG = """
      - id: samsung
        all: [[Samsung, 三星, Galaxy]]
"""
TIPSTER = (  # names no brand: no watch matches it
    "S27U 电池 5500mAh，60W 快充，2亿像素潜望长焦",
    "S27U 电池 5500mAh，60W 快充，2亿像素潜望长焦。",
)
TIPSTER_BATTERY = (
    "Samsung Galaxy S27 Ultra battery to grow to 5,500mAh",
    "The Galaxy S27 Ultra will pack a 5,500mAh cell, per a Weibo tipster.",
)
TIPSTER_CAMERA = (
    "Galaxy S27 Ultra to get a 200MP periscope camera and 60W charging",
    "Samsung's Galaxy S27 Ultra gets a 200MP periscope and 60W wired charging, a leaker says.",
)


@pytest.mark.parametrize("followed", [True, False], ids=["tipster-followed", "tipster-not"])
async def test_a_tipster_post_no_watch_matches_is_the_story_its_write_ups_join(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake, followed: bool
) -> None:
    # "S27U 5500mAh, 60W, 200MP periscope" names no brand, so nobody is told of it; but it is
    # the leak's first report, and each write-up that names the brand tells half of it. In
    # its story they meet: one alert and one edit, not two alerts. A source that no watch
    # looks at brings nothing into stories
    sites = Sites(feeds)
    for source in SOURCES:
        sites.publish(source, "Old news")
    looks_at = "" if followed else "        sources: [gsmarena, gizmochina]\n"
    config = _config(feeds).split("    watches:")[0] + "    watches:" + SAMSUNG + looks_at
    room = Newsroom(leakbot, sites, Clock(), config)
    app = await room.start()
    await app.poll()
    try:
        await room.report("digital-chat-station", *TIPSTER)
        await room.report("gsmarena", *TIPSTER_BATTERY)
        await room.report("gizmochina", *TIPSTER_CAMERA)
    finally:
        await room.stop()

    first = discord.messages[0]
    assert first.title == TIPSTER_BATTERY[0]
    assert "digital-chat-station" not in str(first.body)  # nobody was told of the tipster
    if not followed:
        assert _posts(discord) == 2  # the write-ups alone: two halves, two alerts
        return
    assert _posts(discord) == 1
    assert discord.edits() == 1
    assert "gizmochina" in _also(first)
    tipster = _story_post_ids(leakbot)["digital-chat-station"]
    explained = leakbot("explain", "--item", str(tipster))
    assert explained.code == 0, explained.err
    assert "opened a new story" in explained.out
    assert "it matched no watch, so nobody was told of it" in explained.out
    assert "3 reports:" in explained.out


async def test_two_leaks_about_one_brand_on_one_day_are_two_posts(
    newsroom: Newsroom, discord: DiscordFake
) -> None:
    title, text = ONE_LEAK["gsmarena"]
    await newsroom.report("gsmarena", title, text)
    await newsroom.report("gizmochina", *OTHER_LEAK)
    await newsroom.report("notebookcheck", *ONE_LEAK["notebookcheck"])

    assert _posts(discord) == 2
    assert [m.title for m in discord.messages] == [title, OTHER_LEAK[0]]
    assert discord.edits() == 1  # notebookcheck joined the Leica story, not the battery one
    assert "notebookcheck" in _also(discord.messages[0])
    assert _also(discord.messages[1]) == ""


async def test_a_restart_between_reports_still_edits_the_first_message(
    newsroom: Newsroom, discord: DiscordFake
) -> None:
    await newsroom.report("digital-chat-station", *ONE_LEAK["digital-chat-station"])
    await newsroom.stop()
    await newsroom.start()  # a new process: nothing remembered but the database
    await newsroom.report("gsmarena", *ONE_LEAK["gsmarena"])

    assert _posts(discord) == 1
    assert discord.edits() == 1
    [message] = discord.messages
    assert "gsmarena" in _also(message)


async def test_a_failed_edit_is_sent_again_and_one_message_lists_every_source(
    newsroom: Newsroom, discord: DiscordFake
) -> None:
    await newsroom.report("digital-chat-station", *ONE_LEAK["digital-chat-station"])
    discord.answer_next(500, {"message": "500: Internal Server Error", "code": 0})
    await newsroom.report("gsmarena", *ONE_LEAK["gsmarena"])
    assert discord.edits() == 0  # Discord failed it: the channel backs off

    await newsroom.report("weibo-zhihu", *ONE_LEAK["weibo-zhihu"])  # queued behind it
    newsroom.clock.advance(minutes=1)
    assert newsroom.app is not None
    await newsroom.app.dispatch()

    assert _posts(discord) == 1
    assert [r.status for r in discord.requests] == [200, 500, 200, 200]
    [message] = discord.messages
    also = _also(message)
    assert "gsmarena" in also and "weibo\\-zhihu" in also
    assert "Also reported by (2)" in _fields(message)


async def test_a_watch_with_stories_off_gets_every_report(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    sites = Sites(feeds)
    for source in SOURCES:
        sites.publish(source, "Old news")
    config = _config(feeds).replace(
        "all: [[Xiaomi, 小米]]", "all: [[Xiaomi, 小米]]\n        stories: false"
    )
    room = Newsroom(leakbot, sites, Clock(), config)
    app = await room.start()
    try:
        await app.poll()
        for source in SOURCES[:3]:
            await room.report(source, *ONE_LEAK[source])
    finally:
        await room.stop()
    assert _posts(discord) == 3
    assert discord.edits() == 0


def test_designations_are_compared_exactly() -> None:
    reader = Reader([["Xiaomi", "小米"]])
    subjects = {
        text: reader.read(text, "").subject
        for text in (
            "Xiaomi 17 Ultra battery",
            "Xiaomi 17 Pro battery",
            "Xiaomi 17 battery",
            "小米17 Ultra 电池",
            "Galaxy S27 battery",
            "Galaxy S27+ battery",
            "Galaxy Z Fold 7 thickness",
            "Galaxy Z Flip 7 thickness",
        )
    }
    assert subjects["小米17 Ultra 电池"] == subjects["Xiaomi 17 Ultra battery"]
    distinct = {s for t, s in subjects.items() if t != "小米17 Ultra 电池"}
    assert len(distinct) == 7, subjects


def test_an_alias_a_watch_declares_names_the_same_brand() -> None:
    plain = Reader()
    aliased = Reader([["Mi", "米家"]])
    assert plain.read("米家 17 Ultra", "").subject is None  # a name leakbot does not know
    assert aliased.read("米家 17 Ultra", "").subject == "mi 17 ultra"
    assert aliased.read("Mi 17 Ultra", "").subject == "mi 17 ultra"


def test_past_a_dozen_sources_the_alert_gives_a_count_and_the_newest() -> None:
    first = AlertMessage(
        "new", "tipster", "Xiaomi 17 Ultra: 1-inch Leica camera", None, "", None, None, None
    )
    start = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    later = [
        StoryReport(
            f"site-{n:02d}",
            f"https://site{n}.example.com/" + "x" * 150,
            start + timedelta(minutes=n),
        )
        for n in range(1, 41)
    ]
    body = message_body(story_alert(first, later))
    assert body_problems(WEBHOOK_PATH, body) == []
    also = "\n".join(
        f["value"] for f in body["embeds"][0]["fields"] if f["name"].startswith("Also reported by")
    )
    assert "Also reported by (40)" in [f["name"] for f in body["embeds"][0]["fields"]]
    assert "35 earlier" in also
    assert all(f"site\\-{n:02d}" in also for n in range(36, 41))
    assert "site\\-35" not in also


EVALUATION = ROOT / "tests" / "data" / "stories"
PRECISION_FLOOR = 0.97  # a wrong merge hides a leak
RECALL_FLOOR = 0.85
# the second held-out set (tests/data/stories/held_out_2/), written while the rules stood
# still; measured at the second pass and at the third (once by a failing run of this test
# before the third pass was final, 0.932 / 0.683, and once by CI on the final rules, the same)
HELD_OUT_2_PRECISION = 0.98  # 0.990 at the eleventh pass (0.989 at the eighth to tenth)
HELD_OUT_2_RECALL = 0.75  # 0.768 at the fifteenth pass (0.760 at the eleventh to fourteenth)
# the third held-out set (tests/data/stories/held_out_3/), written blind to the third pass and
# committed before it was measured, once with the rules before issue 22 and once with these
HELD_OUT_3_PRECISION = 0.99  # 1.000 at the eighth to eleventh passes (0.989 at the seventh)
HELD_OUT_3_RECALL = 0.89  # 0.900 (0.8998) at the eleventh pass (0.885 at the tenth)
# the fourth, fifth and thirteenth held-out sets were spent at the start of the twelfth pass,
# and the seventh after its fix 4: their wrong merges were read, and they are tuning data now
# (tuning/spent_h4_*, spent_h5_*, spent_h13_*, spent_h7_*); their last held-out figures, at
# the eleventh pass, were 0.957 / 0.941, 0.944 / 0.938, 0.941 / 0.931 and 0.950 / 0.908 (the
# seventh's also after the twelfth pass's fix 4)
# the sixth held-out set, written with a brief that asks for more background repeated in
# write-ups; measured with the fifth pass's rules and the later ones. Its precision floor,
# held_out_8/'s recall floor and held_out_10/'s precision floor were lowered at the eleventh
# pass, the first floors ever lowered: the rules it settled on tuning data alone
# (tests/data/stories/tuning/) give these three figures less and the sets as a whole more,
# 0.973 / 0.917 -> 0.977 / 0.927 pooled over held_out_2/ to 19/ (docs/stories.md, the
# eleventh pass); no rule was chosen or undone by these figures
HELD_OUT_6_PRECISION = 0.96  # 0.965 at the twelfth pass (0.958 at the eleventh, 0.965 at the tenth)
HELD_OUT_6_RECALL = 0.90  # 0.905 at the twelfth pass (0.898 at the eleventh, 0.892 at the tenth)
# the seventh to tenth held-out sets, written blind with the sixth pass's brief during the
# seventh pass, beside its diagnosis files (tuning/i_*, j_*, k_*, n_*), each committed before
# it was measured with the fifth pass's rules, then measured at the end of each pass
HELD_OUT_8_PRECISION = 0.98  # 0.986 at the twelfth pass (0.954 at the tenth and eleventh)
HELD_OUT_8_RECALL = 0.92  # 0.927 at the eleventh pass (0.932 at the tenth, 0.902 at the ninth)
HELD_OUT_9_PRECISION = 0.99  # 1.000 at the tenth and eleventh passes (0.981 at the ninth)
HELD_OUT_9_RECALL = 0.94  # 0.945 at the eleventh pass (0.932 at the tenth, 0.930 at the ninth)
HELD_OUT_10_PRECISION = 0.98  # 0.986 at the eleventh pass (1.000 at the tenth, 0.985 at the ninth)
HELD_OUT_10_RECALL = 0.92  # 0.927 at the eleventh pass (0.921 at the tenth, 0.916 at the ninth)
# the eleventh held-out set, written at the start of the eighth pass (0.944 / 0.879 with the
# fifth pass's rules, 0.993 / 0.925 with the seventh's), and the twelfth, written after its
# last fix (0.884 / 0.848 with the fifth's, 0.983 / 0.934 with the seventh's)
HELD_OUT_11_PRECISION = 0.99  # 0.993 at the eighth to eleventh passes
HELD_OUT_11_RECALL = 0.93  # 0.938 at the eleventh pass (0.933 at the tenth, 0.940 at the ninth)
HELD_OUT_12_PRECISION = 0.98  # 0.982 at the ninth to eleventh passes (0.981 at the eighth)
# (lowered at the twelfth pass, whose fixes 3 and 4 split 6 of its pairs that figures its
# texts repeat had joined; no rule was chosen or undone by this figure)
HELD_OUT_12_RECALL = 0.95  # 0.957 at the twelfth pass (0.971 at the eleventh, 0.973 at the tenth)
# the fourteenth, written after the ninth pass's fix 13 (0.891 / 0.836 with the fifth pass's
# rules, 0.967 / 0.856 with the seventh's, 0.988 / 0.898 with the eighth's)
HELD_OUT_14_PRECISION = 0.99  # 1.000 at the eleventh pass (0.988 at the ninth and tenth)
HELD_OUT_14_RECALL = 0.92  # 0.925 at the eleventh pass (0.916 at the tenth, 0.902 at the ninth)
# the fifteenth, written at the start of the tenth pass (0.929 / 0.904 with the fifth pass's
# rules, 0.983 / 0.929 with the seventh's, 0.991 / 0.944 with the eighth's and the ninth's)
HELD_OUT_15_PRECISION = 0.99  # 0.991 at the tenth and eleventh passes
HELD_OUT_15_RECALL = 0.95  # 0.958 at the eleventh pass (0.947 at the tenth)
# the sixteenth, written after the tenth pass's fix 18 (0.805 / 0.896 with the fifth pass's
# rules, 0.852 / 0.933 with the seventh's, 0.880 / 0.960 with the eighth's, 0.952 / 0.962
# with the ninth's)
HELD_OUT_16_PRECISION = 0.98  # 0.986 at the eleventh pass (0.952 at the tenth)
HELD_OUT_16_RECALL = 0.96  # 0.962 at the eleventh pass (0.958 at the tenth, 0.962 at the ninth)
# the seventeenth, written at the start of the eleventh pass (0.885 / 0.842 with the fifth
# pass's rules, 0.973 / 0.868 with the seventh's, 0.983 / 0.899 with the ninth's, 0.983 /
# 0.906 with the tenth's), and the eighteenth, written after its fix 12 (0.931 / 0.903 with
# the fifth's, 0.932 / 0.914 with the seventh's, 0.941 / 0.935 with the ninth's, 0.969 /
# 0.931 with the tenth's)
HELD_OUT_17_PRECISION = 0.98  # 0.983 at the eleventh pass
HELD_OUT_17_RECALL = 0.91  # 0.912 at the eleventh pass
HELD_OUT_18_PRECISION = 0.97  # 0.980 (0.9799) at the eleventh pass
HELD_OUT_18_RECALL = 0.94  # 0.946 at the eleventh pass
# the nineteenth, written after the eleventh pass's fix 21 (0.914 / 0.897 with the fifth pass's
# rules, 1.000 / 0.931 with the seventh's, 1.000 / 0.946 with the ninth's, 1.000 / 0.953 with
# the tenth's and with the eleventh's at its fix 21); the fourteenth pass's fix 1 (a
# correction corrects the kinds its title gives) joins five pairs here that are two leaks,
# found by score lines only: 1.000 / 0.967 -> 0.989 / 0.962
HELD_OUT_19_PRECISION = 0.98  # 0.989 at the fourteenth pass (1.000 before its fix 1)
HELD_OUT_19_RECALL = 0.96  # 0.962 at the fourteenth pass (0.967 before)
# the twentieth, written at the start of the twelfth pass (0.965 / 0.923 with the eleventh
# pass's rules and its speed fix, 1.000 / 0.919 after the twelfth pass's fix 2)
HELD_OUT_20_PRECISION = 0.99  # 1.000 at the twelfth pass
HELD_OUT_20_RECALL = 0.91  # 0.919 at the twelfth pass
# the twenty-first, written after the twelfth pass's last fix (0.991 / 0.947 with the tenth
# pass's rules, 0.991 / 0.954 with the eleventh's and the twelfth's)
HELD_OUT_21_PRECISION = 0.99  # 0.991 at the twelfth and thirteenth passes
HELD_OUT_21_RECALL = 0.95  # 0.954 at the twelfth and thirteenth passes
# the twenty-second, written at the start of the thirteenth pass (0.986 / 0.943 with the
# twelfth pass's rules and the thirteenth's), and the twenty-third, written after its fix 3
# (0.977 / 0.963 with the twelfth pass's rules and the thirteenth's; 0.977 / 0.965 when
# first measured, at its fix 4)
HELD_OUT_22_PRECISION = 0.98  # 0.986 at the thirteenth pass
HELD_OUT_22_RECALL = 0.94  # 0.943 at the thirteenth pass
HELD_OUT_23_PRECISION = 0.97  # 0.977 at the thirteenth pass
HELD_OUT_23_RECALL = 0.96  # 0.963 at the thirteenth pass
# the twenty-fourth, written at the start of the fourteenth pass, after its change to the
# posts that go into stories and before its rule fixes (1.000 / 0.935 with the thirteenth
# pass's rules)
HELD_OUT_24_PRECISION = 0.99  # 1.000 at the fourteenth pass
HELD_OUT_24_RECALL = 0.94  # 0.942 at the fourteenth and fifteenth passes
# the twenty-fifth, written at the start of the fifteenth pass, before its rule fixes (0.991 /
# 0.925 with the fourteenth pass's rules)
HELD_OUT_25_PRECISION = 0.98  # 0.991 at the fifteenth pass
HELD_OUT_25_RECALL = 0.93  # 0.932 at the fifteenth pass
# the twenty-sixth, written at the start of the sixteenth pass, before its rule fixes (0.969 /
# 0.952 with the fifteenth pass's rules, the same at the sixteenth's end)
HELD_OUT_26_PRECISION = 0.96  # 0.969 at the sixteenth pass
HELD_OUT_26_RECALL = 0.95  # 0.952 at the sixteenth pass
# the twenty-seventh, written during the sixteenth pass after its ninth fix (0.988 / 0.964 with
# the fifteenth pass's rules, with the ninth fix's and at the sixteenth's end)
HELD_OUT_27_PRECISION = 0.98  # 0.988 at the sixteenth pass
HELD_OUT_27_RECALL = 0.96  # 0.975 at the seventeenth pass (0.964 at the sixteenth)
# the twenty-eighth, written at the start of the seventeenth pass, before its rule fixes
# (0.968 / 0.953 with the sixteenth pass's rules), and the twenty-ninth, written after its
# eleventh fix (1.000 / 0.962 with the sixteenth's rules, 1.000 / 0.964 with the eleventh fix's)
HELD_OUT_28_PRECISION = 0.96  # 0.968 at the seventeenth pass
HELD_OUT_28_RECALL = 0.95  # 0.957 at the seventeenth pass
HELD_OUT_29_PRECISION = 0.99  # 1.000 at the seventeenth pass
HELD_OUT_29_RECALL = 0.96  # 0.964 at the seventeenth pass
# the tuning set the rules were settled on (tests/data/stories/tuning/), since the third pass with
# the first held-out set in it (c_*.yaml, 403 posts): its figure as it stood 0.999 on 21,093 posts
# with zw_* and zx_* at the seventeenth pass (0.997 / 0.952 with the sixteenth's rules), 0.999 on
# 20,328 posts with zs_* to zv_* at the sixteenth pass (0.995 / 0.954 with the fifteenth's rules),
# 0.999 on 18,809 posts with zr_* at the fifteenth pass (0.998 with the fourteenth's rules), 0.999
# on 18,429 posts with zq_* at the fourteenth pass (0.999 on 18,046 with the files to zp_* and the
# spent held-out sets at the thirteenth, 0.999 on 17,665 to zo_* at the twelfth, 0.999 on the
# 15,761 to zn_* at the eleventh, 0.995 on 13,856 at the tenth)
TUNING_PRECISION = 0.99
# 0.957 on 21,093 posts at the seventeenth pass, 0.956 on 20,328 at the sixteenth, 0.956 on
# 18,809 at the fifteenth
TUNING_RECALL = 0.95


@pytest.mark.parametrize(
    ("names", "at_least"),
    [
        (("written.yaml", "real.jsonl"), 300),  # the first rules were settled on these
        (("heldout.yaml",), 25),
    ],
)
def test_stories_are_precise_and_complete_on_the_evaluation_set(
    names: tuple[str, ...], at_least: int
) -> None:
    posts = labelled_posts(*(EVALUATION / name for name in names))
    assert len(posts) >= at_least
    found = score(posts, place(posts))
    print("\n" + found.line(" + ".join(names)))
    assert found.precision >= PRECISION_FLOOR
    assert found.recall >= RECALL_FLOOR


def test_stories_hold_on_the_tuning_set() -> None:
    posts = labelled_posts(*sorted((EVALUATION / "tuning").glob("*.yaml")))
    assert len(posts) >= 1000
    found = score(posts, place(posts))
    print("\n" + found.line("tuning"))
    assert found.precision >= TUNING_PRECISION
    assert found.recall >= TUNING_RECALL


@pytest.mark.parametrize(
    ("name", "at_least", "precision", "recall"),
    [
        ("held_out_2", 300, HELD_OUT_2_PRECISION, HELD_OUT_2_RECALL),
        ("held_out_3", 350, HELD_OUT_3_PRECISION, HELD_OUT_3_RECALL),
        ("held_out_6", 350, HELD_OUT_6_PRECISION, HELD_OUT_6_RECALL),
        ("held_out_8", 350, HELD_OUT_8_PRECISION, HELD_OUT_8_RECALL),
        ("held_out_9", 350, HELD_OUT_9_PRECISION, HELD_OUT_9_RECALL),
        ("held_out_10", 350, HELD_OUT_10_PRECISION, HELD_OUT_10_RECALL),
        ("held_out_11", 350, HELD_OUT_11_PRECISION, HELD_OUT_11_RECALL),
        ("held_out_12", 350, HELD_OUT_12_PRECISION, HELD_OUT_12_RECALL),
        ("held_out_14", 350, HELD_OUT_14_PRECISION, HELD_OUT_14_RECALL),
        ("held_out_15", 350, HELD_OUT_15_PRECISION, HELD_OUT_15_RECALL),
        ("held_out_16", 350, HELD_OUT_16_PRECISION, HELD_OUT_16_RECALL),
        ("held_out_17", 350, HELD_OUT_17_PRECISION, HELD_OUT_17_RECALL),
        ("held_out_18", 350, HELD_OUT_18_PRECISION, HELD_OUT_18_RECALL),
        ("held_out_19", 350, HELD_OUT_19_PRECISION, HELD_OUT_19_RECALL),
        ("held_out_20", 350, HELD_OUT_20_PRECISION, HELD_OUT_20_RECALL),
        ("held_out_21", 350, HELD_OUT_21_PRECISION, HELD_OUT_21_RECALL),
        ("held_out_22", 350, HELD_OUT_22_PRECISION, HELD_OUT_22_RECALL),
        ("held_out_23", 350, HELD_OUT_23_PRECISION, HELD_OUT_23_RECALL),
        ("held_out_24", 350, HELD_OUT_24_PRECISION, HELD_OUT_24_RECALL),
        ("held_out_25", 350, HELD_OUT_25_PRECISION, HELD_OUT_25_RECALL),
        ("held_out_26", 350, HELD_OUT_26_PRECISION, HELD_OUT_26_RECALL),
        ("held_out_27", 350, HELD_OUT_27_PRECISION, HELD_OUT_27_RECALL),
        ("held_out_28", 350, HELD_OUT_28_PRECISION, HELD_OUT_28_RECALL),
        ("held_out_29", 350, HELD_OUT_29_PRECISION, HELD_OUT_29_RECALL),
    ],
)
def test_stories_hold_on_the_held_out_sets(
    name: str, at_least: int, precision: float, recall: float
) -> None:
    posts = labelled_posts(*sorted((EVALUATION / name).glob("*.yaml")))
    assert len(posts) >= at_least
    found = score(posts, place(posts))
    figures = found.line(name)  # the figures only: its posts are never shown, not even
    print("\n" + figures)  # when the test fails (pytest would show the Score's pairs)
    if found.precision < precision or found.recall < recall:
        pytest.fail(f"{figures}: below {precision} / {recall}", pytrace=False)


def test_stories_do_not_depend_on_the_order_posts_come_in() -> None:
    posts = labelled_posts(EVALUATION / "written.yaml", EVALUATION / "heldout.yaml")
    moment = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    for post in posts:
        post["at"] = moment  # all open at once: only the order differs
    expected = partition(posts, place(posts))
    assert len(expected) < len(posts) - 50  # many posts share a story
    for seed in range(25):
        order = shuffled(posts, seed)
        for polls in (1, 2, 5):  # one poll, or several with the stories stored between
            assert partition(posts, place(order, polls=polls)) == expected, (seed, polls)


def test_on_the_tuning_set_the_order_within_a_poll_changes_few_stories() -> None:
    """Not yet the whole property: on the 21,093 tuning posts, read in polls six hours apart
    and in shuffled order within each poll, a few of the ~7,100 stories differ from reading
    them in time order (45 to 64 in six orders at the thirteenth pass, 45 to 66 of ~7,000 at
    the twelfth, 39 to 62 of ~5,500 at the
    tenth; two stories are brought together only when their first titles agree, which
    depends on which report came first), the figures hardly at all (docs/stories.md)."""
    posts = labelled_posts(*sorted((EVALUATION / "tuning").glob("*.yaml")))
    epoch = datetime(2026, 1, 1, tzinfo=UTC)
    for post in posts:  # a poll every six hours reads what came since the last one
        polls = (post["at"] - epoch) // timedelta(hours=6) + 1
        post["at"] = epoch + timedelta(hours=6) * polls
    in_order = place(posts)
    expected = partition(posts, in_order)
    in_time = score(posts, in_order)
    for seed in range(2):
        order = sorted(
            posts, key=lambda p: (p["at"], random.Random(seed * 7919 + p["order"]).random())
        )
        found = place(order)
        assert len(expected - partition(posts, found)) <= len(expected) // 40, seed
        shuffled_score = score(posts, found)
        assert abs(shuffled_score.precision - in_time.precision) <= 0.01
        assert abs(shuffled_score.recall - in_time.recall) <= 0.01


def test_a_correction_opens_a_story_that_says_the_earlier_figure() -> None:
    reader, index = Reader(), StoryIndex()
    at = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    first = reader.read("Galaxy S27+ battery: 5,500mAh", "Galaxy S27+ 5500mAh, 45W charging.")
    index.add(OpenStory(1, at, "Galaxy S27+ battery: 5,500mAh", first))
    correction = reader.read(
        "Galaxy S27+ battery is 6,000 mAh, not 5,500", "It has 6,000 mAh, not 5,500 mAh."
    )
    assert "mah:6000" in correction.claims and "mah:5500" not in correction.claims
    verdict = index.decide(correction, at + timedelta(hours=2))
    assert verdict.story is None
    assert verdict.corrects is not None and verdict.corrects.story_id == 1
    assert verdict.corrects.earlier == ("mah:5500",)
    assert verdict.corrects.wording() == "earlier: 5,500 mAh"
    assert verdict.corrects.fact() == (
        "Corrects",
        "#1: Galaxy S27+ battery: 5,500mAh (earlier: 5,500 mAh)",
    )
    assert earlier(["usd:1099", "date:3-1"]) == "earlier: March 1, $1,099"
    assert 'contradicts story #1 ("Galaxy S27+ battery: 5,500mAh")' in verdict.why
    chinese = reader.read("三星 Galaxy S27+ 电池", "此前传 4500mAh，实际 5000mAh。")
    assert chinese.claims.count("mah:5000") == 1 and chinese.quoted == ("mah:4500",)


def _story_post_ids(leakbot: Leakbot) -> dict[str, int | None]:
    """Each source's id of its stored post that is in a story."""
    engine = make_engine(leakbot.env["DATABASE_URL"])
    with session_scope(engine) as session:
        ids = {
            row.source_id: row.id
            for row in session.exec(select(ItemRow).where(col(ItemRow.story_id).is_not(None)))
        }
    engine.dispose()
    return ids


async def test_explain_says_which_story_a_post_joined_and_why(
    newsroom: Newsroom, leakbot: Leakbot
) -> None:
    await newsroom.report("gsmarena", *ONE_LEAK["gsmarena"])
    await newsroom.report("gizmochina", *OTHER_LEAK)
    await newsroom.report("notebookcheck", *ONE_LEAK["notebookcheck"])
    ids = _story_post_ids(leakbot)

    joined = leakbot("explain", "--item", str(ids["notebookcheck"]))
    assert joined.code == 0, joined.err
    assert "story: #" in joined.out
    assert 'joined the story first reported as "Xiaomi 17 Ultra to keep' in joined.out
    assert "same model (xiaomi 17 ultra)" in joined.out
    assert "2 reports:" in joined.out and "<- this post" in joined.out

    opened = leakbot("explain", "--item", str(ids["gizmochina"]))
    assert "opened a new story: no open story about xiaomi 17 pro" in opened.out


async def test_explain_names_the_claims_that_matched_and_the_story_a_post_corrects(
    newsroom: Newsroom, leakbot: Leakbot, discord: DiscordFake
) -> None:
    await newsroom.report("gsmarena", *OTHER_LEAK)
    await newsroom.report(
        "gizmochina",
        "Xiaomi 17 Pro battery is 7,000 mAh, not 6,500 mAh",
        "Correction: the Xiaomi 17 Pro packs a 7,000 mAh battery, not 6,500 mAh.",
    )
    await newsroom.report(
        "notebookcheck",
        "Xiaomi 17 Pro to pack a 7,000 mAh battery",
        "The Xiaomi 17 Pro will come with a 7,000 mAh battery.",
    )
    assert _posts(discord) == 2  # the correction is news: it is not folded into the old story
    first, correction = discord.messages
    assert "Corrects" not in _fields(first)
    corrects_field = _fields(correction)["Corrects"]  # its alert names what it corrects
    assert corrects_field.startswith("#") and "earlier: 6,500 mAh" in corrects_field
    assert OTHER_LEAK[0] in corrects_field
    ids = _story_post_ids(leakbot)

    corrects = leakbot("explain", "--item", str(ids["gizmochina"]))
    assert corrects.code == 0, corrects.err
    assert "opened a new story: it contradicts story #" in corrects.out
    assert "earlier: 6,500 mAh, now 7,000 mAh" in corrects.out

    joined = leakbot("explain", "--item", str(ids["notebookcheck"]))
    assert "claims are the story's: " in joined.out
    assert "mah:7000" in joined.out and "battery" in joined.out


async def test_a_report_of_two_stories_brings_them_together_in_the_database(
    newsroom: Newsroom, leakbot: Leakbot
) -> None:
    await newsroom.report(
        "gsmarena", "Xiaomi 17 Ultra battery: 7,000mAh", "The Xiaomi 17 Ultra battery is 7,000mAh."
    )
    await newsroom.report(
        "gizmochina",
        "Xiaomi 17 Ultra battery charges at 100W",
        "The Xiaomi 17 Ultra battery takes 100W.",
    )
    await newsroom.report(
        "notebookcheck",
        "Xiaomi 17 Ultra: 7,000mAh battery with 100W charging",
        "A 7,000mAh battery and 100W charging for the Xiaomi 17 Ultra.",
    )
    engine = make_engine(leakbot.env["DATABASE_URL"])
    with session_scope(engine) as session:
        stories = {
            row.source_id: row.story_id
            for row in session.exec(select(ItemRow).where(col(ItemRow.story_id).is_not(None)))
        }
    engine.dispose()
    # the first two looked like two leaks until the third reported both: one story now
    assert len(stories) == 3 and len(set(stories.values())) == 1, stories


async def test_an_edited_post_alerts_on_its_own_and_names_its_story(
    newsroom: Newsroom, discord: DiscordFake
) -> None:
    await newsroom.report("digital-chat-station", *ONE_LEAK["digital-chat-station"])
    await newsroom.report("gsmarena", *ONE_LEAK["gsmarena"])
    posts = newsroom.sites.posts["gsmarena"]
    posts[0].title = posts[0].title.replace("keep", "stick with")
    newsroom.sites.feeds.publish_rss("gsmarena", posts)
    newsroom.clock.advance(minutes=7)
    assert newsroom.app is not None
    await newsroom.app.poll(["gsmarena"])
    await newsroom.app.dispatch()

    assert _posts(discord) == 2  # the story's alert, then the edit of one of its posts
    edited = discord.messages[1]
    assert edited.title is not None and edited.title.startswith("Edited: ")
    story = _fields(edited)["Story"]
    assert story.startswith("#") and "小米17 Ultra 主摄确认一英寸大底" in story


BOT_CHANNEL = "123456789012345678"


def test_a_bot_message_is_edited_through_message_edit(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "bot-token-that-must-stay-secret")
    sites = Sites(feeds)
    for source in SOURCES[:2]:
        sites.publish(source, "Old news")
    config = _config(feeds).replace(
        "webhook: ${LEAKS_WEBHOOK_URL}", f'discord_channel: "{BOT_CHANNEL}"'
    )
    leakbot.write_config(config)
    assert leakbot("poll-once").code == 0
    for source in SOURCES[:2]:
        sites.publish(source, *ONE_LEAK[source])
        result = leakbot("poll-once")  # a new process each time
        assert "outbox: 1 alert delivered" in result.out, result.out + result.err

    [message] = discord.messages
    assert message.route == "channel" and message.target == BOT_CHANNEL
    assert discord.edits(BOT_CHANNEL) == 1
    assert "gsmarena" in _also(message)
