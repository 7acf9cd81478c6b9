"""Settings read from the environment and ``.env``: the public contract's variables."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from dotenv import dotenv_values
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///data/leakbot.db"
DEFAULT_CONFIG = Path("config/leakbot.yaml")
EMBEDDED_CONFIG = Path(__file__).parents[1] / "defaults" / "leakbot.yaml"
ENV_FILE = Path(".env")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")


class Settings(BaseSettings):
    """The environment of one leakbot process."""

    model_config = SettingsConfigDict(
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
        # a validation error must not quote DATABASE_URL or a token back, password and all
        hide_input_in_errors=True,
    )

    leakbot_config: Path | None = None
    database_url: SecretStr = Field(default=SecretStr(DEFAULT_DATABASE_URL))
    discord_token: SecretStr | None = None
    discord_api_base_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str = "wss://gateway.discord.gg/"
    x_bearer_token: SecretStr | None = None
    x_api_base_url: str = "https://api.twitter.com"
    leakbot_allow_private_urls: bool = False
    # no longer read: the container healthcheck asks /healthz instead of a heartbeat file
    leakbot_log_level: str = "INFO"
    leakbot_http_addr: str | None = None
    # seconds the Discord gateway's lease lasts; its holder renews it every third of that
    leakbot_gateway_lease: int = Field(default=30, ge=15)

    @field_validator("leakbot_log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}, got {value!r}")
        return level

    @field_validator("database_url")
    @classmethod
    def _usable_database(cls, value: SecretStr) -> SecretStr:
        # a wrong DATABASE_URL is a wrong setting (exit 2), found before anything starts;
        # imported here: the config file's models import this module, and must not load storage
        from bot.ops.database_trouble import database_url_problem

        problem = database_url_problem(value.get_secret_value())
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("leakbot_http_addr")
    @classmethod
    def _host_and_port(cls, value: str | None) -> str | None:
        if value is not None:
            http_address(value)
        return value

    def config_path(self) -> Path:
        """Return the watchlist file: LEAKBOT_CONFIG, else ./config/leakbot.yaml, else the
        default watchlist shipped inside the package."""
        if self.leakbot_config is not None:
            return self.leakbot_config
        if DEFAULT_CONFIG.exists():
            return DEFAULT_CONFIG
        return EMBEDDED_CONFIG

    @property
    def discord_api(self) -> str:
        """Return the Discord REST base without a trailing slash."""
        return self.discord_api_base_url.rstrip("/")

    @property
    def http_address(self) -> tuple[str, int] | None:
        """Return the host and port /metrics and /healthz are served on; None when off."""
        return http_address(self.leakbot_http_addr) if self.leakbot_http_addr else None


def http_address(value: str) -> tuple[str, int]:
    """Read ``host:port`` (``[::1]:9464`` for IPv6); raise ValueError saying what is wrong."""
    example = "such as 127.0.0.1:9464 or 0.0.0.0:9464"
    host, colon, port = value.strip().rpartition(":")
    if not colon or not host:
        raise ValueError(f"expected host:port {example}, got {value!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"expected an IPv6 address in brackets, got {value!r}") from None
    elif ":" in host or not all(part.isalnum() or part == "-" for part in host.split(".")):
        raise ValueError(f"expected host:port {example}, got {value!r}")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected a port from 1 to 65535 after the colon, got {value!r}")
    return host, int(port)


def dotenv_file() -> dict[str, str]:
    """Return the variables the ``.env`` file in the working directory sets."""
    if not ENV_FILE.is_file():
        return {}
    return {name: value for name, value in dotenv_values(ENV_FILE).items() if value is not None}


def environment() -> dict[str, str]:
    """Return the variables ``${VAR}`` in the config may name: ``.env``, then the process
    environment, which wins as it does for the settings."""
    return {**dotenv_file(), **os.environ}


def export_proxies() -> None:
    """Put the proxies ``.env`` sets into this process's environment, unless it has its own.

    aiohttp (``trust_env``), requests (the X API) and the SSRF guard's list of trusted
    proxies all read the proxies from ``os.environ`` only; nothing else from ``.env`` goes
    there.
    """
    dotenv = {name.upper(): value for name, value in dotenv_file().items()}
    for name in PROXY_VARIABLES:
        if name in dotenv and name not in os.environ and name.lower() not in os.environ:
            os.environ[name] = dotenv[name]
