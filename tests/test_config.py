"""A bad config file stops leakbot with exit 2 and a message naming file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.config.file import ConfigError, load_config
from bot.delivery.routing import Routes
from tests.conftest import ROOT, Leakbot

GOOD = """\
sources:
  - id: gsmarena
    feed: https://www.gsmarena.com/rss-news-reviews.php3
    interval: 15m
  - id: weibo-dcs
    feed: https://rsshub.app/weibo/user/6048569942
    track_deletions: true
channels:
  - id: leaks-hook
    webhook: ${LEAKS_WEBHOOK_URL}
watches:
  - id: xiaomi-leica
    any: [Leica, 徕卡]
    all: [[Xiaomi, 小米]]
    none: [giveaway, "re:\\\\bcase\\\\b"]
    sources: [weibo-dcs]
    channels: [leaks-hook]
"""


@pytest.mark.parametrize(
    ("broken", "line", "key", "message"),
    [
        (
            GOOD.replace("track_deletions", "track_deletion"),
            7,
            "sources[1].track_deletion",
            "unknown key 'track_deletion'; did you mean 'track_deletions'?",
        ),
        (
            GOOD.replace("interval: 15m", "interval: [15m]"),
            4,
            "sources[0].interval",
            "expected a duration",
        ),
        (
            GOOD.replace("track_deletions: true", "track_deletions: often"),
            7,
            "sources[1].track_deletions",
            "expected true or false, got 'often'",
        ),
        (
            GOOD.replace("channels: [leaks-hook]", "channels: [leaks]"),
            17,
            "watches[0].channels[0]",
            "unknown channel 'leaks' (channels are: leaks-hook)",
        ),
        (
            GOOD.replace("sources: [weibo-dcs]", "sources: [weibo]"),
            16,
            "watches[0].sources[0]",
            "unknown source 'weibo' (sources are: gsmarena, weibo-dcs)",
        ),
        (
            GOOD.replace("id: weibo-dcs", "id: gsmarena").replace("[weibo-dcs]", "[gsmarena]"),
            5,
            "sources[1].id",
            "duplicate id 'gsmarena' (also sources[0])",
        ),
        (
            GOOD.replace("interval: 15m", "interval: 15 minutes"),
            4,
            "sources[0].interval",
            "expected a duration such as 90s, 10m or 1h, got '15 minutes'",
        ),
        (
            GOOD.replace("interval: 15m", "interval: 2s"),
            4,
            "sources[0].interval",
            "an interval must be at least 10s",
        ),
        (
            GOOD.replace("re:\\\\bcase\\\\b", "re:(case"),
            15,
            "watches[0].none[1]",
            "bad regular expression '(case'",
        ),
        (
            GOOD.replace("id: gsmarena", "id: GSM Arena"),
            2,
            "sources[0].id",
            "an id uses lowercase letters, digits and dashes",
        ),
        (
            GOOD.replace(
                "    webhook: ${LEAKS_WEBHOOK_URL}\n", "    webhook: ${NOT_SET_ANYWHERE}\n"
            ),
            10,
            "channels[0].webhook",
            "environment variable NOT_SET_ANYWHERE is not set",
        ),
        (GOOD + "timezone: Mars/Olympus\n", 18, "timezone", "unknown time zone 'Mars/Olympus'"),
        (GOOD + "sources: []\n", 18, "sources", "duplicate key 'sources' (first at line 1)"),
        (
            GOOD.replace("    feed: https://www.gsmarena", "    feed: ftp://www.gsmarena"),
            3,
            "sources[0].feed",
            "a feed must be an http:// or https:// URL",
        ),
    ],
    ids=[
        "unknown-key",
        "wrong-type-interval",
        "wrong-type-bool",
        "unknown-channel",
        "unknown-source",
        "duplicate-id",
        "bad-interval",
        "too-short-interval",
        "bad-regex",
        "bad-id",
        "unset-variable",
        "bad-timezone",
        "duplicate-key",
        "bad-feed-url",
    ],
)
def test_bad_config_names_file_line_and_key(
    cli: Leakbot, broken: str, line: int, key: str, message: str
) -> None:
    path = cli.write_config(broken)
    result = cli("check-config")
    assert result.code == 2
    where = f"{path}:{line}: {key}: "
    reported = [row for row in result.err.splitlines() if row.startswith(where)]
    assert reported, f"nothing reported at {where}:\n{result.err}"
    assert message in reported[0]
    assert "Traceback" not in result.err


# each kind of mistake pydantic finds, as a newcomer makes it, after a good first source
# (lines 1-3): what is added, the line of the mistake, and what the file is told
NEWCOMER_MISTAKES = [
    (
        "channels:\n  - id: leaks\n    discord_channel: abc\n",
        6,
        "channels[0].discord_channel: a Discord channel id is 15 to 21 digits, got 'abc'",
    ),
    (
        "channels:\n  - id: leaks\n    discord_channel: [12]\n",
        6,
        "channels[0].discord_channel: a Discord channel id is 15 to 21 digits, got [12]",
    ),
    (
        "watches:\n  - id: leica\n    any: Leica\n",
        6,
        "watches[0].any: expected a list such as [a, b] (one item: [a]), got 'Leica'",
    ),
    (
        "watches:\n  - id: leica\n    any: [Leica]\n    all: [5]\n",
        7,
        "watches[0].all[0]: expected a term, or a list of aliases such as [Xiaomi, 小米], got 5",
    ),
    (
        "watches:\n  - id: leica\n    any: [{Leica: 1}]\n",
        6,
        "watches[0].any[0]: expected text, got {'Leica': 1}",
    ),
    (
        "watches:\n  - id: leica\n    any: [Leica]\n    stories: sometimes\n",
        7,
        "watches[0].stories: expected true or false, got 'sometimes'",
    ),
    (
        "  - id: tipster\n    x: Ice Universe\n",
        5,
        "sources[1].x: an X username is 1 to 15 letters, digits or underscores, with or "
        "without an @, got 'Ice Universe'",
    ),
    ("  - feed: https://example.com/feed\n", 4, "sources[1].id: 'id' is required here"),
    (
        "  - example\n",
        4,
        "sources[1]: expected a source: keys such as id and feed (or x), got 'example'",
    ),
    (
        "defaults:\n  failures_before_pause: 0\n",
        5,
        "defaults.failures_before_pause: expected 1 or more, got 0",
    ),
    (
        "defaults:\n  failures_before_pause: 5000\n",
        5,
        "defaults.failures_before_pause: expected 1000 or less, got 5000",
    ),
    (
        "defaults:\n  failures_before_pause: 2.5\n",
        5,
        "defaults.failures_before_pause: expected a whole number, got 2.5",
    ),
    ("defaults: 10m\n", 4, "defaults: expected keys and values, got '10m'"),
    ("digest:\n  at: [9]\n", 5, 'digest.at: expected a time of day such as "09:00", got [9]'),
    ("timezone: 1\n", 4, "timezone: expected text, got 1"),
    ("stories: 3\n", 4, "stories: expected true, false, or keys such as window: 72h, got 3"),
]


@pytest.mark.parametrize(("added", "line", "expected"), NEWCOMER_MISTAKES)
def test_config_errors_speak_the_files_terms(
    cli: Leakbot, added: str, line: int, expected: str
) -> None:
    """pydantic's own wording ("input should be a valid tuple", "string should match
    pattern '^[0-9]{15,21}$'") never reaches the user: each error says what the key holds."""
    path = cli.write_config(
        "sources:\n  - id: gsmarena\n    feed: https://example.com/feed\n" + added
    )

    result = cli("check-config")

    assert result.code == 2
    assert result.err.splitlines() == [f"{path}:{line}: {expected}"], result.err
    for pydantic_wording in ("nput should", "should match", "pattern", "Field required"):
        assert pydantic_wording not in result.err


@pytest.mark.parametrize("text", ["", "\n\n", "# sources: to come\n\n# watches: later\n", "{}\n"])
def test_an_empty_config_file_is_an_error(cli: Leakbot, text: str) -> None:
    """A file that names nothing (or only comments) watches nothing: not "OK, 0 sources"."""
    path = cli.write_config(text)

    result = cli("check-config")

    assert result.code == 2
    assert result.out == ""
    assert result.err == (
        f"{path}: the file is empty: it names no source to watch; write at least one under "
        "'sources:' (config/example.yaml shows how)\n"
    )
    assert cli("poll-once").code == 2


@pytest.mark.parametrize(
    "placeholder",
    [
        "https://discord.com/api/webhooks/<id>/<token>",  # the README's .env, as written
        "https://discord.com/api/webhooks/ID/TOKEN",  # the shape the message shows
        "https://discord.com",
    ],
)
def test_a_placeholder_webhook_says_the_shape_and_names_its_variable(
    cli: Leakbot, monkeypatch: pytest.MonkeyPatch, placeholder: str
) -> None:
    monkeypatch.setenv("LEAKS_WEBHOOK_URL", placeholder)
    path = cli.write_config(GOOD)

    result = cli("check-config")

    assert result.code == 2
    assert result.err == (
        f"{path}:10: channels[0].webhook: ${{LEAKS_WEBHOOK_URL}} is not a Discord webhook URL: "
        "a webhook looks like https://discord.com/api/webhooks/ID/TOKEN\n"
    )


def test_a_malformed_webhook_in_the_file_never_shows_its_token(cli: Leakbot) -> None:
    path = cli.write_config(
        GOOD.replace("${LEAKS_WEBHOOK_URL}", "https://discord.com/api/webhooks/leaks/s3cret-t0ken")
    )

    result = cli("check-config")

    assert result.code == 2
    assert result.err == (
        f"{path}:10: channels[0].webhook: not a Discord webhook URL "
        "(got 'https://discord.com/api/webhooks/***'): a webhook looks like "
        "https://discord.com/api/webhooks/ID/TOKEN\n"
    )


def test_good_config_prints_a_summary(cli: Leakbot) -> None:
    cli.write_config(GOOD)
    result = cli("check-config")
    assert result.code == 0, result.err
    assert "2 sources:" in result.out
    assert "weibo-dcs" in result.out and "(tracks deletions)" in result.out
    assert "xiaomi-leica" in result.out and "-> leaks-hook" in result.out
    assert "secret-webhook-token" not in result.out + result.err  # the secret is never echoed


def test_every_poll_and_run_refuses_a_bad_config(cli: Leakbot) -> None:
    cli.write_config(GOOD.replace("channels: [leaks-hook]", "channels: [nowhere]"))
    for command in ("poll-once", "run"):
        result = cli(command)
        assert result.code == 2
        assert "unknown channel 'nowhere'" in result.err


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("sources:\n  - id: a\n    feed: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert f"{path}:" in str(caught.value) and "not valid YAML" in str(caught.value)


def test_missing_file_is_named(cli: Leakbot) -> None:
    result = cli("check-config", "--config", "nowhere.yaml")
    assert result.code == 2
    assert "nowhere.yaml: file not found" in result.err


def test_follow_everything_watch_must_name_its_sources(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "sources:\n  - id: a\n    feed: https://a.example/feed\nwatches:\n  - id: all-of-a\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "watches[0]" in str(caught.value) and "must name its 'sources'" in str(caught.value)


@pytest.mark.parametrize("name", ["config/leakbot.yaml", "config/example.yaml"])
def test_shipped_configs_are_valid(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAKS_WEBHOOK_URL", "https://discord.com/api/webhooks/123456789012345678/t")
    config = load_config(ROOT / name)
    assert config.sources and config.watches


def test_docker_compose_alerts_the_webhook_its_dot_env_names() -> None:
    """The README's docker section as written: LEAKS_WEBHOOK_URL in .env, alerts go there."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    bot = compose["services"]["bot"]
    assert bot["env_file"] in (".env", [".env"])  # plain: older Compose reads it too
    assert "./config:/app/config:ro" in bot["volumes"]
    in_checkout = ROOT / bot["environment"]["LEAKBOT_CONFIG"].replace("/app/", "", 1)
    webhook = "https://discord.com/api/webhooks/1234567890123456789/from-dot-env"

    config = load_config(in_checkout, env={"LEAKS_WEBHOOK_URL": webhook})

    assert [(c.id, c.webhook and c.webhook.get_secret_value()) for c in config.channels] == [
        ("leaks", webhook)
    ]
    routes = Routes(config)
    assert all(routes.of_watch(watch.id) == ("leaks",) for watch in config.watches)
    # the same watchlist as the default one, which alerts on the console
    default = load_config(ROOT / "config/leakbot.yaml", env={})
    assert config.model_copy(update={"channels": ()}) == default


def test_docker_healthcheck_asks_healthz_where_the_bot_serves_it() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    bot = compose["services"]["bot"]
    port = bot["environment"]["LEAKBOT_HTTP_ADDR"].rpartition(":")[2]
    check = " ".join(bot["healthcheck"]["test"])
    # it asks the port LEAKBOT_HTTP_ADDR names (tests/test_packaging.py runs the check itself)
    assert "os.environ.get('LEAKBOT_HTTP_ADDR'" in check
    assert "http://127.0.0.1:{port}/healthz" in check
    assert "ProxyHandler({})" in check  # HTTP_PROXY from .env must not catch it
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert f"LEAKBOT_HTTP_ADDR=0.0.0.0:{port}" in dockerfile
