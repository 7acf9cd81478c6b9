"""Shared fixtures: a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set),
loopback fakes of the feed servers and Discord, and a way to run the real command line."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from bot.cli.main import main
from bot.clock import Now, utc_now
from storage.db import make_engine, normalize_url
from tests.fakes.discord import DiscordFake
from tests.fakes.discord_gateway import DiscordBotFake
from tests.fakes.feed_server import FeedServer

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "tests" / "data" / "ref"  # copied from public projects: see its README


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield an empty database: a SQLite file, or a fresh schema in TEST_DATABASE_URL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'leakbot.db'}"
        return
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set: the PostgreSQL run of this test is skipped")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    url = normalize_url(base) + f"{separator}options={quote(f'-csearch_path={schema}')}"
    try:
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    """Serve test feeds on loopback."""
    with FeedServer() as server:
        yield server


@pytest.fixture
def discord() -> Iterator[DiscordFake]:
    """Serve a fake of Discord's REST API on loopback; fail a test that sent a bad body."""
    with DiscordFake() as fake:
        yield fake
    assert fake.rejected == [], f"Discord would have refused these bodies: {fake.rejected}"


@pytest.fixture
def discord_bot() -> Iterator[DiscordBotFake]:
    """Serve Discord's gateway and REST on loopback; fail a test that sent a bad body."""
    with DiscordBotFake() as fake:
        yield fake
    assert fake.rejected == [], f"Discord would have refused these bodies: {fake.rejected}"


WEBHOOK_ID = "112233445566778899"
WEBHOOK_TOKEN = "secret-webhook-token_ABC"
WEBHOOK_URL = f"https://discord.com/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}"


@dataclass
class Result:
    """What one run of the command line printed and returned."""

    code: int
    out: str
    err: str


@dataclass
class Leakbot:
    """Drive the real ``leakbot`` command line against a config file and a database."""

    home: Path
    env: dict[str, str]
    capsys: pytest.CaptureFixture[str]
    # the clock the in-process commands read: a test that fixes its posts' dates hands its
    # own clock here, so that nothing depends on the day the suite runs
    now: Now = utc_now

    @property
    def config_path(self) -> Path:
        return self.home / "leakbot.yaml"

    def write_config(self, text: str) -> Path:
        """Write the config file the next runs use."""
        self.config_path.write_text(textwrap.dedent(text), encoding="utf-8")
        return self.config_path

    def __call__(self, *args: str) -> Result:
        """Run ``leakbot ARGS`` in this process, as a user would from a shell."""
        self.capsys.readouterr()
        code = main(list(args), now=self.now)
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def process(self, *args: str, timeout: float = 60) -> Result:
        """Run ``python -m bot ARGS`` as a separate process."""
        done = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=self.home,
            env={**os.environ, **self.env, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def leakbot(
    tmp_path: Path,
    database_url: str,
    discord: DiscordFake,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Leakbot:
    """A leakbot home: its config file, its database (each kind), Discord faked on loopback."""
    return _home(tmp_path, database_url, discord, monkeypatch, capsys)


@pytest.fixture
def cli(
    tmp_path: Path,
    discord: DiscordFake,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Leakbot:
    """A leakbot home on SQLite only, for commands whose outcome no database changes."""
    return _home(tmp_path, f"sqlite:///{tmp_path / 'leakbot.db'}", discord, monkeypatch, capsys)


def _home(
    tmp_path: Path,
    database_url: str,
    discord: DiscordFake,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Leakbot:
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "LEAKBOT_CONFIG": str(home / "leakbot.yaml"),
        "DATABASE_URL": database_url,
        "DISCORD_API_BASE_URL": discord.api_base,
        "LEAKBOT_ALLOW_PRIVATE_URLS": "1",
        "LEAKS_WEBHOOK_URL": WEBHOOK_URL,
    }
    for name in (
        "DISCORD_TOKEN",
        "X_BEARER_TOKEN",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(home)
    return Leakbot(home, env, capsys)
