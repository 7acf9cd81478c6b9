"""A bad config file stops leakbot with exit 2 and a message naming file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.config import ConfigError, load_config
from bot.routing import Routes
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
            "valid boolean",
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
    assert {"path": ".env", "required": False} in bot["env_file"]
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
    assert f"http://127.0.0.1:{port}/healthz" in check
    assert "ProxyHandler({})" in check  # HTTP_PROXY from .env must not catch it
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert f"LEAKBOT_HTTP_ADDR=0.0.0.0:{port}" in dockerfile
    assert bot["healthcheck"]["test"][-1] in dockerfile  # the image checks the same way
