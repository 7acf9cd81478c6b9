"""The two registries: a kind of source or sink is one package plus one entry, and nothing
that wires or runs the bot branches on a kind."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlmodel import select

from bot.config.file import CHANNEL_LOOK_KEYS, Channel, Source
from bot.config.managed import source_spec
from bot.domain import SourceKind
from bot.sinks.base import SINK_KINDS
from bot.sources.base import SOURCE_KINDS
from storage.db import make_engine, migrate, session_scope
from storage.models import SourceState
from storage.sources import sync_sources
from tests.conftest import WEBHOOK_TOKEN, Leakbot

ROOT = Path(__file__).resolve().parents[1]
# the keys every source and every channel has, whatever its kind
SOURCE_COMMON = {"id", "interval", "track_deletions", "deleted_markers"}
CHANNEL_COMMON = {"id", *CHANNEL_LOOK_KEYS}  # how alerts look, whatever the kind


def test_every_key_that_names_a_kind_in_the_config_file_has_its_registry_entry() -> None:
    assert {entry.key for entry in SOURCE_KINDS} == set(Source.model_fields) - SOURCE_COMMON
    assert {entry.kind for entry in SOURCE_KINDS} == set(SourceKind)
    assert {entry.key for entry in SINK_KINDS} == set(Channel.model_fields) - CHANNEL_COMMON


def _kind_branches(path: Path) -> list[str]:
    """List where a module names a kind of source or sink: SourceKind.X, channel.webhook."""
    kinds = {entry.kind.name for entry in SOURCE_KINDS}
    keys = {entry.key for entry in SOURCE_KINDS} | {entry.key for entry in SINK_KINDS}
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Attribute):
            continue
        enum = isinstance(node.value, ast.Name) and node.value.id == "SourceKind"
        if (enum and node.attr in kinds) or (not enum and node.attr in keys):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{node.attr}")
    return found


def test_the_app_and_the_scheduler_ask_the_registries_instead_of_branching_on_a_kind() -> None:
    modules = sorted((ROOT / "bot" / "runtime").glob("*.py"))
    assert modules
    assert [line for path in modules for line in _kind_branches(path)] == []


def test_a_source_named_from_discord_is_written_with_its_kinds_key() -> None:
    assert source_spec(" gsm ", feed=" https://example.org/feed ") == {
        "id": "gsm",
        "feed": "https://example.org/feed",
    }
    assert source_spec("ice", feed=None, x="@UniverseIce") == {"id": "ice", "x": "@UniverseIce"}
    # a key no kind has is kept, for the file's checks to refuse as the file would
    assert source_spec("toot", mastodon="@a@b") == {"id": "toot", "mastodon": "@a@b"}


def test_a_config_with_a_kind_no_registry_has_is_refused_with_the_files_error(
    leakbot: Leakbot,
) -> None:
    leakbot.write_config(
        """\
        sources:
          - id: tipster
            mastodon: https://mastodon.social/@tipster
          - id: both
            feed: https://example.org/feed
            x: someone
        channels:
          - id: tg
            telegram: "@leaks"
        """
    )
    result = leakbot("check-config")
    assert result.code == 2
    assert result.err.splitlines() == [
        f"{leakbot.config_path}:3: sources[0].mastodon: unknown key 'mastodon'",
        f"{leakbot.config_path}:4: sources[1]: a source needs exactly one of 'feed' or 'x'",
        f"{leakbot.config_path}:9: channels[0].telegram: unknown key 'telegram'",
    ]


def test_check_config_describes_each_channel_by_its_kind(leakbot: Leakbot) -> None:
    leakbot.write_config(
        """\
        sources:
          - id: gsmarena
            feed: https://www.gsmarena.com/rss-news-reviews.php3
        channels:
          - id: leaks
            discord_channel: "123456789012345678"
          - id: leaks-hook
            webhook: ${LEAKS_WEBHOOK_URL}
        """
    )
    result = leakbot("check-config")
    assert result.code == 0, result.err
    assert f"  {'leaks':<24} discord channel 123456789012345678\n" in result.out
    assert f"  {'leaks-hook':<24} webhook\n" in result.out
    assert WEBHOOK_TOKEN not in result.out + result.err


def test_an_x_source_is_skipped_without_its_token_as_its_registry_entry_says(
    leakbot: Leakbot, caplog: pytest.LogCaptureFixture
) -> None:
    leakbot.write_config(
        """\
        sources:
          - id: ice-universe
            x: UniverseIce
        """
    )
    result = leakbot("poll-once")
    assert result.code == 0, result.err
    assert "ice-universe: skipped (X_BEARER_TOKEN is not set)" in result.out
    assert "X_BEARER_TOKEN is not set, so X sources are skipped" in result.err + caplog.text


def test_a_source_kind_longer_than_eight_characters_is_stored(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        with session_scope(engine) as session:
            sync_sources(
                session=session,
                sources=[("toots", "mastodon-account", "https://mastodon.social/@tipster")],
            )
        with session_scope(engine) as session:
            kinds = [row.kind for row in session.exec(select(SourceState)).all()]
    finally:
        engine.dispose()
    assert kinds == ["mastodon-account"]
