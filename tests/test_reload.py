"""``leakbot run`` follows its config file: an edit is checked, then taken in at the next
poll tick; a broken edit keeps the running config and is logged once; SIGHUP reads the file
again. Through a real ``leakbot run`` against the loopback feed server and the Discord fake."""

from __future__ import annotations

import os
import re
import signal
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Leakbot
from tests.fakes.discord import DiscordFake
from tests.fakes.feed_server import FeedServer, Post
from tests.running import Running

# the source is lead-tipster: its slot is 1.5% into its interval, so a fresh `leakbot run`
# polls it first at once (bot/polling/timetable.py, first_poll) and each later poll as
# much sooner; "tipster"'s slot (64% in) kept every test waiting 3.2 s more
CONFIG = """
sources:
  - id: lead-tipster
    feed: {feed}
    interval: 10s
channels:
  - id: leaks
    webhook: ${{LEAKS_WEBHOOK_URL}}
watches:
  - id: pixel
    any: ["Pixel 11"]
"""
GALAXY = """
  - id: galaxy
    any: ["Galaxy S30"]
"""
BROKEN = """
  - id: galaxy
    any: ["Galaxy S30"]
    sources: [tipstr]
"""


def _until(check: Callable[[], bool], seconds: float, bot: Running) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting; the bot said:\n{bot.output}"
        assert bot.process.poll() is None, f"leakbot run exited:\n{bot.output}"
        time.sleep(0.1)


def _says(bot: Running, text: str) -> Callable[[], bool]:
    return lambda: text in bot.output


def _save_as_an_editor_does(path: Path, text: str) -> None:
    """Write a new file beside the old one and rename it over: the inode changes."""
    fresh = path.with_name(f".{path.name}.swp")
    fresh.write_text(textwrap.dedent(text), encoding="utf-8")
    os.replace(fresh, path)


def _titles(discord: DiscordFake) -> list[str]:
    return [m.body["embeds"][0]["title"] for m in discord.messages]


def test_an_edited_config_file_is_taken_in_while_the_bot_runs(
    cli: Leakbot, feeds: FeedServer, discord: DiscordFake
) -> None:
    """A broken edit is logged once with file:line:key and the bot runs on the old file;
    a good edit adds a watch that alerts at the next poll, and the log says what changed.

    On SQLite alone: following the file touches no database; workers on PostgreSQL reading
    a save are the last test here, and a poll's alerts on PostgreSQL are test_run's."""
    feeds.publish_rss("tipster", [Post("a", "Old news", link="https://e.com/a")])
    config = CONFIG.format(feed=feeds.url("tipster"))
    path = cli.write_config(config)
    bot = Running(["run"], cli.home, cli.env)
    try:
        _until(lambda: "lead-tipster: first poll" in bot.output, 30, bot)

        path.write_text(config + BROKEN, encoding="utf-8")  # in place, as `echo >>` does
        refusal = re.compile(
            rf"ERROR .*config file {re.escape(str(path))} changed but fails its checks; "
            r"running on as before:\n"
            rf"{re.escape(str(path))}:15: watches\[1\]\.sources\[0\]: unknown source 'tipstr' "
            r"\(sources are: lead-tipster\)"
        )
        _until(lambda: bool(refusal.search(bot.output)), 15, bot)
        # the old file runs on: its watch alerts at the next poll
        feeds.publish_rss(
            "tipster",
            [
                Post("b", "Pixel 11 Pro renders", link="https://e.com/b"),
                Post("c", "Galaxy S30 Ultra in the wild", link="https://e.com/c"),
                Post("a", "Old news", link="https://e.com/a"),
            ],
        )
        _until(lambda: bool(discord.messages), 30, bot)
        assert _titles(discord) == ["Pixel 11 Pro renders"]
        assert "watches added" not in bot.output

        _save_as_an_editor_does(path, config + GALAXY)
        _until(lambda: "watches added: galaxy" in bot.output, 15, bot)
        assert re.search(
            rf"INFO .*config file {re.escape(str(path))} read again: watches added: galaxy\n",
            bot.output,
        ), bot.output
        feeds.publish_rss(
            "tipster",
            [
                Post("d", "Galaxy S30 FE spotted", link="https://e.com/d"),
                Post("b", "Pixel 11 Pro renders", link="https://e.com/b"),
                Post("c", "Galaxy S30 Ultra in the wild", link="https://e.com/c"),
                Post("a", "Old news", link="https://e.com/a"),
            ],
        )
        _until(lambda: len(discord.messages) >= 2, 30, bot)
        # a post seen before the watch came is not news for it; the next one alerts
        assert _titles(discord) == ["Pixel 11 Pro renders", "Galaxy S30 FE spotted"]
        # read again every 2 s all along: one error for one broken content
        assert len(refusal.findall(bot.output)) == 1, bot.output

        # a new source gets its first poll at once; a watch taken out of the file is gone
        feeds.publish_rss("weibo", [Post("w1", "Galaxy S30 case", link="https://e.com/w1")])
        weibo = f"  - id: weibo\n    feed: {feeds.url('weibo')}\nchannels:"
        path.write_text(config.replace("channels:", weibo), encoding="utf-8")
        _until(lambda: "weibo: first poll" in bot.output, 15, bot)
        assert "read again: sources added: weibo; watches removed: galaxy\n" in bot.output
        assert bot.stop() == 0, bot.output
    finally:
        bot.kill()
        print(bot.output)  # shown when the test fails
    assert "Traceback" not in bot.output


def test_sighup_reads_the_config_file_again(cli: Leakbot, feeds: FeedServer) -> None:
    """SIGHUP takes in what only ``.env`` changed (the file's bytes are the same), and says
    so even when nothing changed."""
    feeds.publish_rss("tipster", [Post("a", "Old news", link="https://e.com/a")])
    (cli.home / ".env").write_text("PIXEL_TERM=Pixel 11\n", encoding="utf-8")
    path = cli.write_config(
        CONFIG.format(feed=feeds.url("tipster")).replace('"Pixel 11"', '"${PIXEL_TERM}"')
    )
    bot = Running(["run"], cli.home, cli.env)
    try:
        _until(lambda: "leakbot running" in bot.output, 30, bot)
        bot.process.send_signal(signal.SIGHUP)
        said = f"config file {path} read again on SIGHUP: no change to sources, channels or watches"
        _until(lambda: said in bot.output, 10, bot)
        (cli.home / ".env").write_text("PIXEL_TERM=Pixel 12\n", encoding="utf-8")
        time.sleep(3)  # the file's own bytes did not change: nothing is read
        assert "watches changed" not in bot.output
        bot.process.send_signal(signal.SIGHUP)
        _until(lambda: "read again on SIGHUP: watches changed: pixel" in bot.output, 10, bot)
        assert bot.process.poll() is None
        assert bot.stop() == 0, bot.output
    finally:
        bot.kill()
        print(bot.output)


def test_workers_sharing_postgresql_each_read_the_file_again(
    leakbot: Leakbot, feeds: FeedServer
) -> None:
    """Two workers on one PostgreSQL and one file: a save is taken in by each, on its own."""
    if leakbot.env["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite is for one process: workers share PostgreSQL")
    feeds.publish_rss("tipster", [Post("a", "Old news", link="https://e.com/a")])
    config = CONFIG.format(feed=feeds.url("tipster"))
    path = leakbot.write_config(config)
    workers = [Running(["run"], leakbot.home, leakbot.env) for _ in range(2)]
    try:
        for worker in workers:
            _until(_says(worker, "leakbot running"), 30, worker)
        _save_as_an_editor_does(path, config + GALAXY)
        for worker in workers:
            _until(_says(worker, "read again: watches added: galaxy"), 15, worker)
        for worker in workers:
            assert worker.stop() == 0, worker.output
    finally:
        for worker in workers:
            worker.kill()
            print(worker.output)
