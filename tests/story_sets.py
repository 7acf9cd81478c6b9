"""The labelled story sets, and pairwise precision and recall of the story rules on them.

``tests/data/stories/`` holds posts labelled by the leak they report (see its README). Each
group under ``stories:`` reports one leak; each post under ``alone:`` reports none that
another post does.
"""

from __future__ import annotations

import functools
import itertools
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from bot.stories.rules import Fingerprint, OpenStory, Reader, StoryIndex

SETS = Path(__file__).parent / "data" / "stories"


def labelled_posts(*paths: Path) -> list[dict[str, Any]]:
    """Read labelled posts: written coverage (YAML) and real headlines (JSON lines), by time."""
    posts: list[dict[str, Any]] = []
    for path in paths:
        if path.suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                posts.append({**json.loads(line), "at": "2026-11-30T00:00:00Z"})
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        prefix = path.stem
        for group in data.get("stories") or ():
            label = f"{prefix}:{group['story']}"
            posts += [{**report, "story": label} for report in group["reports"]]
        posts += [{**report, "story": None} for report in data.get("alone") or ()]
    for order, post in enumerate(posts):
        post["order"] = order
        if isinstance(post["at"], str):
            post["at"] = datetime.fromisoformat(post["at"].replace("Z", "+00:00"))
        post["text"] = post.get("text") or ""
    return sorted(posts, key=lambda p: (p["at"], p["order"]))


_READER = Reader()


@functools.cache
def _read(title: str, text: str) -> Fingerprint:
    """Read a post as the default reader does, once: the sets are placed many times over
    (a fingerprint is frozen, so one read serves every placing)."""
    return _READER.read(title, text)


def place(
    posts: Sequence[dict[str, Any]], reader: Reader | None = None, polls: int = 1
) -> dict[int, int]:
    """Put posts in stories in the order given, as the bot does; return post order -> story.

    With several ``polls``, the posts are decided in that many batches, and between two
    batches every open story is written as its stored row is and read back.
    """
    read = reader.read if reader else _read
    index = StoryIndex()
    found: dict[int, int] = {}
    size = max(1, -(-len(posts) // polls))
    for start in range(0, len(posts), size):
        for number, post in enumerate(posts[start : start + size], start=start + 1):
            fingerprint = read(post["title"], post["text"])
            verdict = index.decide(fingerprint, post["at"])
            if verdict.story is not None:
                story_id = verdict.story.id
                index.join(story_id, fingerprint)
                found[post["order"]] = story_id
                # a report that shows two stories were one leak brings them together
                absorbed = set(index.stories[story_id].fingerprint.absorbed)
                for order, placed in found.items():
                    if placed in absorbed:
                        found[order] = story_id
            else:
                index.add(OpenStory(number, post["at"], post["title"], fingerprint))
                found[post["order"]] = number
        stored = StoryIndex(window=index.window)
        for story in index.stories.values():
            row = Fingerprint.from_json(json.loads(json.dumps(story.fingerprint.to_json())))
            stored.add(OpenStory(story.id, story.opened_at, story.title, row))
        index = stored
    return found


@dataclass(frozen=True)
class Score:
    """Pairwise precision and recall of a placing against the labels."""

    posts: int
    pairs: int  # same-leak pairs
    precision: float
    recall: float
    wrong: tuple[tuple[str, str], ...]  # titles put together that report two leaks
    missed: tuple[tuple[str, str], ...]  # titles of one leak put apart

    def line(self, name: str) -> str:
        """Say the score in a line."""
        return (
            f"{name}: {self.posts} posts, {self.pairs} same-leak pairs: "
            f"precision {self.precision:.3f}, recall {self.recall:.3f}"
        )


def score(posts: Sequence[dict[str, Any]], found: dict[int, int]) -> Score:
    """Score a placing of labelled posts pairwise.

    Only pairs that share a story or a label can be right, wrong or missed, so the pairs are
    counted within those groups rather than over all n² pairs of the set.
    """
    by_story: dict[int, list[dict[str, Any]]] = {}
    by_label: dict[str, list[dict[str, Any]]] = {}
    for post in posts:
        by_story.setdefault(found[post["order"]], []).append(post)
        if post["story"] is not None:
            by_label.setdefault(post["story"], []).append(post)
    right = 0
    wrong: list[tuple[str, str]] = []
    missed: list[tuple[str, str]] = []
    for group in by_story.values():
        for a, b in itertools.combinations(group, 2):
            if a["story"] is not None and a["story"] == b["story"]:
                right += 1
            else:
                wrong.append((a["title"], b["title"]))
    for group in by_label.values():
        for a, b in itertools.combinations(group, 2):
            if found[a["order"]] != found[b["order"]]:
                missed.append((a["title"], b["title"]))
    precision = right / (right + len(wrong)) if right + len(wrong) else 1.0
    recall = right / (right + len(missed)) if right + len(missed) else 1.0
    return Score(len(posts), right + len(missed), precision, recall, tuple(wrong), tuple(missed))


def partition(posts: Sequence[dict[str, Any]], found: dict[int, int]) -> frozenset[frozenset[int]]:
    """Return the stories as sets of posts, whatever their numbers."""
    groups: dict[int, set[int]] = {}
    for post in posts:
        groups.setdefault(found[post["order"]], set()).add(post["order"])
    return frozenset(frozenset(g) for g in groups.values())


def shuffled(posts: Sequence[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """Return the posts in another arrival order (the same moment for all, as in one poll)."""
    order = list(posts)
    random.Random(seed).shuffle(order)
    return order
