"""Settings read from the environment and ``.env``: the public contract's variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///data/leakbot.db"
DEFAULT_CONFIG = Path("config/leakbot.yaml")
EMBEDDED_CONFIG = Path(__file__).parent / "defaults" / "leakbot.yaml"


class Settings(BaseSettings):
    """The environment of one leakbot process."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    leakbot_config: Path | None = None
    database_url: SecretStr = Field(default=SecretStr(DEFAULT_DATABASE_URL))
    discord_token: SecretStr | None = None
    discord_api_base_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str = "wss://gateway.discord.gg/"
    x_bearer_token: SecretStr | None = None
    x_api_base_url: str = "https://api.twitter.com"
    leakbot_allow_private_urls: bool = False
    leakbot_data_dir: Path = Field(default=Path("data"))
    leakbot_log_level: str = "INFO"

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
