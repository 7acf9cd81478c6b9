"""``leakbot managed export | import FILE | remove ID``: what was set from Discord, written
in the config file's form with who and when, loaded back into a database, and dropped once
the file has it."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.conftest import Leakbot
from tests.fakes.discord_gateway import (
    LEAKS_CHANNEL_ID,
    MODERATOR,
    TOKEN,
    DiscordBotFake,
)
from tests.fakes.discord_gateway import (
    SCOOPS_CHANNEL_ID as SCOOPS,
)
from tests.fakes.feed_server import FeedServer, Post
from tests.running import Running


@pytest.fixture
def discord(discord_bot: DiscordBotFake) -> DiscordBotFake:
    """These tests talk to Discord through the gateway and REST, as a bot does."""
    return discord_bot


CONFIG = """
sources:
  - id: tipster
    feed: {feed}
channels:
  - id: leaks
    discord_channel: "{channel}"
watches:
  - id: galaxy
    any: ["Galaxy S30"]
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_export_then_import_into_a_fresh_database_gives_back_the_same_entries(
    leakbot: Leakbot,
    feeds: FeedServer,
    discord: DiscordBotFake,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Watches, a source and a channel set from Discord on one database are exported as
    the config file writes them, with who and when; imported into a fresh database (SQLite,
    and PostgreSQL), they export the same, and the bot polls the imported source."""
    feeds.publish_rss("tipster", [Post("a", "Old news", link="https://e.com/a")])
    feeds.publish_rss("weibo", [Post("w1", "Old weibo post", link="https://e.com/w1")])
    leakbot.write_config(CONFIG.format(feed=feeds.url("tipster"), channel=LEAKS_CHANNEL_ID))
    first_database = f"sqlite:///{tmp_path / 'first.db'}"
    env = {
        **leakbot.env,
        "DATABASE_URL": first_database,
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_GATEWAY_URL": discord.gateway_url,
    }
    bot = Running(["run"], leakbot.home, env)
    try:
        discord.wait_ready(30)
        said = discord.command("source", "add", {"id": "weibo", "feed": feeds.url("weibo")})
        assert said.text is not None and said.text.startswith("Added source `weibo`"), said
        said = discord.command(
            "watch",
            "add",
            {"id": "pixel", "any": "Pixel 11, 徕卡", "all": "Google/谷歌", "sources": "weibo"},
        )
        assert said.text is not None and said.text.startswith("Added."), said
        said = discord.command(
            "watch", "add", {"id": "scoops", "any": "leak", "channel": SCOOPS}, channel_id=SCOOPS
        )
        assert said.text is not None and said.text.startswith("Added."), said
        assert bot.stop() == 0, bot.output
    finally:
        bot.kill()
        print(bot.output)  # shown when the test fails

    monkeypatch.setenv("DATABASE_URL", first_database)
    exported = leakbot("managed", "export")
    assert exported.code == 0, exported.err
    text = exported.out
    assert re.search(
        rf"^sources:\n  # added from Discord by mod \(user {MODERATOR.user_id}\) on "
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00\n  - id: weibo\n    feed: http://127\.0\.0\.1:",
        text,
        re.MULTILINE,
    ), text
    assert "  - id: pixel\n    any: [Pixel 11, 徕卡]\n    all:\n    - [Google, 谷歌]\n" in text
    assert f"    channels: [discord-{SCOOPS}]\n" in text
    # the channel the watch was added in: set up by /watch add, no member named
    assert re.search(
        rf"channels:\n  # added from Discord on \S+\n  - id: discord-{SCOOPS}\n", text
    ), text
    assert "galaxy" not in text and "tipster" not in text  # the file's own
    data = yaml.safe_load(text)
    assert [e["id"] for e in data["watches"]] == ["pixel", "scoops"]
    assert [e["id"] for e in data["sources"]] == ["weibo"]
    saved = _write(tmp_path / "from-discord.yaml", text)

    monkeypatch.setenv("DATABASE_URL", leakbot.env["DATABASE_URL"])  # fresh: never opened
    assert "nothing was set from Discord" in leakbot("managed", "export").out
    imported = leakbot("managed", "import", str(saved))
    assert imported.code == 0, imported.err
    assert imported.out.splitlines()[:4] == [
        "source weibo: imported",
        f"channel discord-{SCOOPS}: imported",
        "watch pixel: imported",
        "watch scoops: imported",
    ]
    again = leakbot("managed", "export")
    assert again.out == text  # the same entries, who added them and when
    assert leakbot("managed", "import", str(saved)).out.startswith(
        f"{saved}: nothing to import (4 entries stored already, unchanged)"
    )
    checked = leakbot("check-config")
    assert re.search(r"\n  weibo +feed .*\n.*\n +added from Discord by mod on ", checked.out)
    assert re.search(r"\n  pixel +Pixel 11, 徕卡, Google/谷歌 \| on weibo -> leaks", checked.out)
    polled = leakbot("poll-once", "--source", "weibo")
    assert polled.code == 0, polled.err
    assert "weibo: first poll, 1 item recorded" in polled.out


def test_an_import_is_checked_like_the_config_file_and_is_all_or_nothing(
    cli: Leakbot, tmp_path: Path
) -> None:
    """A file with mistakes is refused whole, each named by file, line and key; ids the
    config file has are refused; one stored already is replaced only when asked."""
    cli.write_config(
        """
        sources:
          - id: tipster
            feed: https://example.org/feed
        watches:
          - id: galaxy
            any: ["Galaxy S30"]
        """
    )
    bad = _write(
        tmp_path / "bad.yaml",
        """\
        timezone: Europe/Berlin
        sources:
          - id: weibo
            feed: https://example.org/weibo
        watches:
          - id: pixel
            any: [Pixel 11]
            sources: [weibo]
          - id: galaxy
            any: [Galaxy]
          - id: oppo
            any: ["re:("]
            sources: [nowhere]
          - id: hooked
            any: [Leica]
            channels: ["${LEAKS_WEBHOOK_URL}"]
          - id: pixel
            any: [Pixel 12]
        """,
    )
    refused = cli("managed", "import", str(bad))
    assert refused.code == 2
    assert refused.err.splitlines() == [
        f"{bad}:1: timezone: an import holds only sources, channels and watches (as "
        "`leakbot managed export` prints them); 'timezone' belongs in the config file",
        f"{bad}:9: watches[1].id: watch 'galaxy' is in the config file ({cli.config_path}) "
        "already, and the file's is the one in use: leave it out of this import",
        f"{bad}:12: watches[2].any[0]: bad regular expression '(': missing ): (",
        f"{bad}:13: watches[2].sources[0]: unknown source 'nowhere' (sources are: tipster, weibo)",
        f"{bad}:16: watches[3].channels[0]: a ${{VAR}} is not read in an import: the database "
        "keeps an entry as written, so put this entry in the config file instead",
        f"{bad}:17: watches[4].id: duplicate id 'pixel' (also watches[0])",
        f"{bad}: nothing imported",
    ]
    assert "secret-webhook-token" not in refused.err
    assert "nothing was set from Discord" in cli("managed", "export").out  # not half-imported

    broken = _write(tmp_path / "broken.yaml", "watches:\n  - id: pixel\n    any: [Pixel\n")
    assert cli("managed", "import", str(broken)).err.startswith(f"{broken}:4: not valid YAML")
    missing = cli("managed", "import", str(tmp_path / "nowhere.yaml"))
    assert (missing.code, missing.err) == (2, f"{tmp_path / 'nowhere.yaml'}: file not found\n")

    good = _write(tmp_path / "good.yaml", "watches:\n  - id: pixel\n    any: [Pixel 11]\n")
    assert cli("managed", "import", str(good)).code == 0
    other = _write(tmp_path / "other.yaml", "watches:\n  - id: pixel\n    any: [Pixel 12]\n")
    clash = cli("managed", "import", str(other))
    assert clash.code == 2
    assert re.match(
        rf"{re.escape(str(other))}:2: watches\[0\]\.id: watch 'pixel' was set from Discord "
        r"already \(added from Discord by leakbot managed import good\.yaml on \d{4}-.*\), as "
        r"another entry: `leakbot managed import --replace` replaces it, or pick another id",
        clash.err,
    ), clash.err
    replaced = cli("managed", "import", "--replace", str(other))
    assert replaced.code == 0, replaced.err
    assert "watch pixel: replaced" in replaced.out
    assert "any: [Pixel 12]" in cli("managed", "export").out


def test_remove_drops_an_entry_once_the_file_has_it(cli: Leakbot, tmp_path: Path) -> None:
    """An entry the config file has now is removed from the database; one it lacks is kept
    unless --force (then a source a watch follows is still refused); an unknown id is an
    error."""
    config = textwrap.dedent(
        """
        sources:
          - id: tipster
            feed: https://example.org/feed
        watches:
          - id: galaxy
            any: ["Galaxy S30"]
        """
    )
    cli.write_config(config)
    entries = _write(
        tmp_path / "entries.yaml",
        """\
        sources:
          - id: weibo
            feed: https://example.org/weibo
        watches:
          - id: pixel
            any: [Pixel 11]
            sources: [weibo]
          - id: oppo
            any: [Find X9]
        """,
    )
    assert cli("managed", "import", str(entries)).code == 0

    kept = cli("managed", "remove", "pixel")
    assert (kept.code, kept.err) == (
        2,
        f"leakbot: watch pixel is not in the config file ({cli.config_path}) yet: removing it "
        "would stop it. Copy it there first (`leakbot managed export` prints it), or pass "
        "--force to remove it anyway; nothing removed\n",
    )
    followed = cli("managed", "remove", "weibo", "--force")
    assert (followed.code, followed.err) == (
        2,
        "leakbot: source weibo is named by the watches pixel; remove those first; "
        "nothing removed\n",
    )
    cli.write_config(config + "  - id: pixel\n    any: [Pixel 11]\n")
    removed = cli("managed", "remove", "pixel")
    assert (removed.code, removed.out) == (
        0,
        "watch pixel: removed from the database; the config file's entry is the one in use\n",
    )
    assert "id: pixel" not in cli("managed", "export").out

    forced = cli("managed", "remove", "weibo", "--force")
    assert forced.code == 0, forced.err
    assert forced.out.startswith("source weibo: removed; the config file does not have it")
    unknown = cli("managed", "remove", "nope")
    assert (unknown.code, unknown.err) == (
        2,
        "leakbot: nothing set from Discord has the id nope (set from Discord: watch oppo)\n",
    )
