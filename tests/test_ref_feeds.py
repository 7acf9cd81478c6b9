"""Every reference feed under tests/data/ref/feeds goes through the real poller unharmed.

Each file (the captured real-world feeds and feedparser's one-feature corpus) is served
from the loopback feed server as its own source of one App on SQLite, and polled three
times through ``app.poll`` (in batches of a hundred sources):

1. a priming poll of an empty channel at every URL, the silent baseline, so that
2. the poll of the real bytes treats every item as new and runs matching and alerting on
   it (a first poll would record the items silently and match nothing), and
3. a poll where nothing changed, which the server answers with 304.

No exception may escape, every source gets a report, and only files that are genuinely
not feeds (or that the gate refuses on purpose) may fail, each with a reason.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.config.file import load_config
from bot.config.settings import Settings
from bot.domain import PollOutcome
from bot.polling.decide import PollReport
from bot.runtime.app import App
from tests.conftest import REF
from tests.fakes.feed_server import FeedServer

REF_FEEDS = REF / "feeds"
FILES = sorted(p for p in REF_FEEDS.rglob("*") if p.is_file() and p.name != "LICENSE")
OUTCOMES = {"ok", "baseline", "not-modified", "failed", "skipped"}
BATCH = 100
PASS_SECONDS = 60.0

_CDF_CHANNELS = (
    "abstract_map_description",
    "abstract_map_tagline",
    "href_map_link",
    "href_map_links",
    "lastmod",
    "lastmod_parsed",
    "title",
)
# Files that are not RSS or Atom at all, so a poll of them fails with "not a feed".
NOT_FEEDS: dict[str, str] = {
    "captured/node-feedparser/notafeed.html": "an HTML page",
    "captured/rss-parser/unrecognized.rss": "an HTML 'Document Moved' page",
    "feedparser-corpus/illformed/rss_empty_document.xml": "an HTML 'Document Moved' page",
    **{
        f"feedparser-corpus/wellformed/cdf/channel_{name}.xml": (
            "a Microsoft CDF channel without items (CDF is neither RSS nor Atom)"
        )
        for name in _CDF_CHANNELS
    },
}
# Feeds that declare XML entities in their DOCTYPE: the gate may refuse them on purpose.
DECLARE_ENTITIES = {
    "feedparser-corpus/wellformed/rdf/doctype_contains_entity_decl.xml",
    "feedparser-corpus/wellformed/rss/entity_in_doctype.xml",
}
EMPTY_CHANNEL = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
    "<title>priming</title><link>https://example.com/</link><description>empty</description>"
    "</channel></rss>"
)
_HEADER_CONTENT_TYPE = re.compile(rb"^Header:\s*Content-type:\s*(.+?)\s*$", re.I | re.M)
_CONTENT_TYPES = {
    ".html": "text/html",
    ".atom": "application/atom+xml",
    ".rss": "application/rss+xml",
}


def _name(path: Path) -> str:
    return path.relative_to(REF_FEEDS).as_posix()


def _content_type(path: Path, body: bytes) -> str:
    """Serve a corpus fixture with the Content-Type its header comment names, if any."""
    found = _HEADER_CONTENT_TYPE.search(body[:2048])
    if found:
        return found.group(1).decode("ascii", "replace")
    return _CONTENT_TYPES.get(path.suffix, "application/xml")


def _config_text(feeds: FeedServer, ids: Sequence[str]) -> str:
    lines = ["sources:"]
    for source_id in ids:
        lines += [f"  - id: {source_id}", f"    feed: {feeds.url(source_id)}"]
    lines += ["watches:", "  - id: common-words", "    any: [the, and, of, a, to, in, news]"]
    return "\n".join(lines) + "\n"


async def _poll_all(app: App, ids: list[str]) -> dict[str, PollReport]:
    """Poll every source through app.poll, a batch at a time; name a source that raises.

    Batches keep the queue for the feed server's few connections short: all 2,166 sources
    sit on one host, and a fetch that waits its turn too long fails as a timeout.
    """
    reports: dict[str, PollReport] = {}
    escaped: list[str] = []
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        try:
            polled = await app.poll(batch)
        except Exception:
            polled = []
            for source_id in batch:  # find which source raised
                try:
                    polled += await app.poll([source_id])
                except Exception as exc:
                    escaped.append(f"{source_id}: {type(exc).__name__}: {exc}")
        reports.update((report.source_id, report) for report in polled)
    assert escaped == [], f"exceptions escaped app.poll: {escaped}"
    missing = sorted(set(ids) - set(reports))
    assert missing == [], f"sources without a report: {missing}"
    return reports


def test_reference_files_are_present() -> None:
    names = {_name(p) for p in FILES}
    assert len(FILES) > 2000, f"expected the reference feeds under {REF_FEEDS}"
    assert set(NOT_FEEDS) | DECLARE_ENTITIES <= names
    declaring = {_name(p) for p in FILES if re.search(rb"<!\s*ENTITY", p.read_bytes(), re.I)}
    assert declaring == DECLARE_ENTITIES


async def test_every_reference_file_goes_through_the_poller(
    feeds: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_id = {f"ref-{index:04d}": path for index, path in enumerate(FILES)}
    ids = list(by_id)
    for source_id in ids:
        feeds.publish(source_id, EMPTY_CHANNEL)
    config_path = tmp_path / "leakbot.yaml"
    config_path.write_text(_config_text(feeds, ids), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "X_BEARER_TOKEN", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'leakbot.db'}")
    monkeypatch.setenv("LEAKBOT_ALLOW_PRIVATE_URLS", "1")

    seconds: list[float] = []
    async with App(Settings(), load_config(config_path)) as app:
        started = time.perf_counter()
        primed = await _poll_all(app, ids)
        seconds.append(time.perf_counter() - started)
        assert {r.outcome for r in primed.values()} == {"baseline"}, "the empty channel primes"

        for source_id, path in by_id.items():
            body = path.read_bytes()
            feeds.publish(source_id, body, content_type=_content_type(path, body))
        started = time.perf_counter()
        first = await _poll_all(app, ids)
        seconds.append(time.perf_counter() - started)

        started = time.perf_counter()
        second = await _poll_all(app, ids)
        seconds.append(time.perf_counter() - started)

    outcomes = Counter(r.outcome for r in first.values())
    failed = {_name(by_id[i]): r.detail or "" for i, r in first.items() if r.outcome == "failed"}
    summary = (
        f"{len(ids)} files; real bytes: {dict(outcomes)}, "
        f"{sum(r.items for r in first.values())} items, "
        f"{sum(r.alerts for r in first.values())} alerts; unchanged: "
        f"{dict(Counter(r.outcome for r in second.values()))}; "
        f"seconds per pass (prime, real, unchanged): {', '.join(f'{s:.1f}' for s in seconds)}"
    )
    print(summary)
    for name, detail in sorted(failed.items()):
        print(f"  failed: {name}: {detail}")

    assert set(outcomes) <= OUTCOMES, summary
    assert outcomes[PollOutcome.OK] > 2000, summary
    assert sum(r.alerts for r in first.values()) > 0, "the common-words watch matched nothing"
    for name, detail in failed.items():
        assert detail.strip(), f"{name} failed without saying why"
    unexpected = {
        n: d for n, d in failed.items() if n not in NOT_FEEDS and n not in DECLARE_ENTITIES
    }
    assert unexpected == {}, f"feeds that failed to poll: {unexpected}"
    for name in failed.keys() & NOT_FEEDS.keys():
        assert "not a feed" in failed[name], f"{name}: {failed[name]}"
    for name in failed.keys() & DECLARE_ENTITIES:
        assert re.search("entit|doctype", failed[name], re.I), f"{name}: {failed[name]}"
    missing_failures = sorted(NOT_FEEDS.keys() - failed.keys())
    assert missing_failures == [], f"non-feeds that polled as feeds: {missing_failures}"

    for source_id, report in second.items():
        name = _name(by_id[source_id])
        if first[source_id].outcome == "ok":
            assert report.outcome == "not-modified", f"{name}: {report.line()}"
        else:
            assert report.outcome in ("failed", "skipped"), f"{name}: {report.line()}"
            assert report.detail, f"{name}: {report.line()}"
    assert all(s < PASS_SECONDS for s in seconds), summary
