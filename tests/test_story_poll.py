"""Stories measured end to end: labelled posts through ``leakbot poll-once``.

A slice of the tuning set (tests/data/stories/tuning/) is served as the feeds of its
sources on loopback, day by day, and each day ``leakbot poll-once`` polls them, puts the
posts in stories and delivers to the Discord fake, as a user's cron would run it. The
stories the database holds are scored pairwise against the labels, with watches written
either as brand alias groups (``all: [[Xiaomi, 小米]]``) or as one plain ``any:`` list.
"""

from __future__ import annotations

import itertools
import os
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.stories.devices import grammar
from storage.db import make_engine, session_scope
from storage.models import ItemRow, MatchRow
from tests.clock import Clock
from tests.conftest import Leakbot
from tests.fakes.discord import DiscordFake
from tests.fakes.feed_server import FeedServer, Post
from tests.story_sets import SETS, labelled_posts

SLICE = ("b_phones_global.yaml",)
MOST_POSTS = 100  # the first ones in time: the test stays under a minute
PRECISION_FLOOR = 0.95  # measured 1.000 (tuning-set posts: the rules were settled on them)
# measured 0.950 with either watch style; 0.833 to 0.850 before a pass's polls were written
# together (the thirteenth pass): a day's posts went into stories in the order their
# sources answered, not the order they were posted
RECALL_FLOOR = 0.93


def _watches(style: str) -> str:
    words = grammar()
    groups: dict[str, list[str]] = {}
    for alias, brand in words.brands.items():
        groups.setdefault(brand, [brand]).extend([alias] if alias != brand else [])
    if style == "any":
        names = sorted({name for group in groups.values() for name in group})
        listed = ", ".join(f'"{n}"' for n in names)
        return f"      - id: brands\n        any: [{listed}]\n"
    return "".join(
        f"      - id: {brand}\n        all: [[{', '.join(f'{n!r}' for n in group)}]]\n"
        for brand, group in sorted(groups.items())
    )


def _config(feeds: FeedServer, sources: list[str], style: str) -> str:
    listed = "\n".join(f"      - id: {s}\n        feed: {feeds.url(s)}" for s in sources)
    return (
        f"    sources:\n{listed}\n"
        "    channels:\n      - id: leaks\n        webhook: ${LEAKS_WEBHOOK_URL}\n"
        f"    watches:\n{_watches(style)}"
    )


def _score(posts: list[dict[str, Any]], stories: dict[str, int]) -> tuple[float, float, int]:
    told = [p for p in posts if p["link"] in stories]
    right = wrong = missed = 0
    for a, b in itertools.combinations(told, 2):
        labelled = a["story"] is not None and a["story"] == b["story"]
        merged = stories[a["link"]] == stories[b["link"]]
        right += labelled and merged
        wrong += merged and not labelled
        missed += labelled and not merged
    precision = right / (right + wrong) if right + wrong else 1.0
    return precision, right / (right + missed) if right + missed else 1.0, len(told)


def _through_poll_once(
    leakbot: Leakbot, feeds: FeedServer, posts: list[dict[str, Any]], style: str
) -> tuple[float, float, int]:
    """Serve labelled posts as their sources' feeds day by day, run ``leakbot poll-once``
    after each day, and score the stories the database holds (precision, recall, posts told)."""
    for post in posts:  # a feed's id is written in lowercase letters, digits and dashes
        post["source"] = re.sub(r"[^a-z0-9]+", "-", post["source"].lower()).strip("-")
    sources = sorted({p["source"] for p in posts})
    served: dict[str, list[Post]] = {s: [Post(f"{s}-old", "Old news")] for s in sources}
    for source, entries in served.items():
        feeds.publish_rss(source, entries)
    clock = Clock(posts[0]["at"] - timedelta(hours=1))
    leakbot.now = clock
    leakbot.write_config(_config(feeds, sources, "any" if style == "any" else "groups"))
    first = leakbot("poll-once")
    assert first.code == 0, first.err  # the first poll of a feed is silent

    for _, day in itertools.groupby(posts, key=lambda p: p["at"].date()):
        batch = list(day)
        for post in batch:
            post["link"] = f"https://{post['source']}.example.com/{post['order']}"
            served[post["source"]].insert(
                0,
                Post(
                    f"{post['source']}-{post['order']}",
                    post["title"],
                    body=f"<p>{post['text']}</p>",
                    link=post["link"],
                    published=post["at"],
                ),
            )
        for source in {p["source"] for p in batch}:
            feeds.publish_rss(source, served[source][:40])
        clock.advance(seconds=(batch[-1]["at"] - clock()).total_seconds() + 60)
        result = leakbot("poll-once")
        assert result.code == 0, result.err

    engine = make_engine(leakbot.env["DATABASE_URL"])
    with session_scope(engine) as session:
        # the posts a watch matched, which were told: a post no watch matched may stand in a
        # story too (it opened it), but nobody saw it, so it is not scored
        told = select(MatchRow.item_id).where(col(MatchRow.item_id) == col(ItemRow.id))
        stories = {
            link: story_id
            for link, story_id in session.exec(
                select(ItemRow.link, ItemRow.story_id).where(
                    col(ItemRow.story_id).is_not(None), told.exists()
                )
            )
            if link is not None and story_id is not None
        }
    engine.dispose()
    return _score(posts, stories)


# the rules are under test here, not the database: the stories' storage runs on both in
# tests/test_stories.py, so this long run takes SQLite only
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("style", ["alias-groups", "any"])
def test_labelled_posts_through_poll_once_make_the_labelled_stories(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake, style: str
) -> None:
    posts = labelled_posts(*(SETS / "tuning" / name for name in SLICE))[:MOST_POSTS]
    precision, recall, told = _through_poll_once(leakbot, feeds, posts, style)
    print(
        f"\npoll-once, watches as {style}: {told} of {len(posts)} posts in stories: "
        f"precision {precision:.3f}, recall {recall:.3f}"
    )
    assert told >= len(posts) * 0.6  # the watches let most posts through (brand names)
    assert discord.messages  # and the stories were told
    assert precision >= PRECISION_FLOOR
    assert recall >= RECALL_FLOOR


# the held-out sets whole through poll-once, as the issue is judged: about two minutes a set,
# so only on asking, e.g. LEAKBOT_POLL_SETS=held_out_22,held_out_23 or tuning/zq_* (a set's
# files); docs/stories.md gives every set's figures, measured so. The floors are the lowest
# measured at the fourteenth pass (0.969 precision, 0.772 recall), rounded down
POLL_SETS = [s for s in os.environ.get("LEAKBOT_POLL_SETS", "").split(",") if s]
POLL_SETS_PRECISION = 0.96
POLL_SETS_RECALL = 0.77


@pytest.mark.skipif(not POLL_SETS, reason="LEAKBOT_POLL_SETS names no labelled set")
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("name", POLL_SETS or ["none"])
def test_a_held_out_set_through_poll_once(
    leakbot: Leakbot, feeds: FeedServer, discord: DiscordFake, name: str
) -> None:
    files = sorted((SETS / name).glob("*.yaml")) if (SETS / name).is_dir() else []
    posts = labelled_posts(*(files or sorted(SETS.glob(name))))  # a set, or files: tuning/zp_*
    precision, recall, told = _through_poll_once(leakbot, feeds, posts, "any")
    figures = (
        f"{name} through poll-once: {told} of {len(posts)} posts in stories: "
        f"precision {precision:.3f}, recall {recall:.3f}"
    )
    print("\n" + figures)  # the figures only: a held-out set's posts are never shown
    if precision < POLL_SETS_PRECISION or recall < POLL_SETS_RECALL:
        pytest.fail(f"{figures}: below {POLL_SETS_PRECISION} / {POLL_SETS_RECALL}", pytrace=False)
