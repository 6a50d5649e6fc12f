"""Settings from the environment and `.env` (the DESIGN.md settings contract)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.timezones import resolve_timezone


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_path: Path = Path("data/digest-bot.db")
    digest_sources: Annotated[list[str], NoDecode] = Field(default_factory=list)
    poll_interval: float = Field(300, gt=0)
    send_rate: float = Field(25, gt=0)
    ledger_keep_days: int = Field(30, ge=0)  # delivered ledger rows kept; 0: forever
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(8080, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    default_tz: str = ""  # "": each digest's own offset, as published
    ingest_allow_private: bool = False  # /ingest may read any path and private URLs

    @field_validator("digest_sources", mode="before")
    @classmethod
    def _sources(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admins(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("bot_token", "webhook_secret", "webhook_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Never echo the value: the message names only the expected shape.
        if value is not None and ":" not in value.get_secret_value():
            raise ValueError("does not look like a bot token (expected '<digits>:<secret>')")
        return value

    @field_validator("telegram_api_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value.rstrip("/")

    @field_validator("default_tz")
    @classmethod
    def _zone(cls, value: str) -> str:
        if not value.strip():
            return ""
        choice = resolve_timezone(value)
        if choice.tz is None:
            hint = f" (did you mean {', '.join(choice.suggestions)}?)" if choice.suggestions else ""
            raise ValueError(f"unknown time zone {value!r}{hint}")
        return choice.tz

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
        if self.webhook_url and not self.webhook_url.startswith("https://"):
            host = urlsplit(self.webhook_url).hostname or ""
            if host not in ("127.0.0.1", "localhost", "::1"):
                raise ValueError("WEBHOOK_URL must be https:// (Telegram only posts to HTTPS)")
        return self

    @property
    def source_entries(self) -> list[tuple[str | None, str]]:
        """DIGEST_SOURCES as (name or None, feed URL or folder)."""
        return [split_source(entry) for entry in self.digest_sources]

    @property
    def source_targets(self) -> list[str]:
        return [target for _, target in self.source_entries]

    @property
    def token(self) -> str:
        """BOT_TOKEN, where the bot needs it; SettingsError when it is not set."""
        return _required(self.bot_token, "BOT_TOKEN")

    @property
    def webhook_token(self) -> str:
        """WEBHOOK_SECRET (required in webhook mode, validated above)."""
        return _required(self.webhook_secret, "WEBHOOK_SECRET")

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url or "").path.lstrip("/")


_NAMED = re.compile(r"^\s*([^=/\\:]+?)\s*=\s*(\S.*)$")


def split_source(entry: str) -> tuple[str | None, str]:
    """A DIGEST_SOURCES entry as (name, target): "AINews=https://…/rss.xml" names its
    source; a plain URL or folder (even one with "=" in its query) does not."""
    match = _NAMED.match(entry)
    if match is None or Path(entry).exists():
        return None, entry.strip()
    return match.group(1), match.group(2).strip()


SECRET_SETTINGS = frozenset({"BOT_TOKEN", "WEBHOOK_SECRET"})


class SettingsError(Exception):
    """One line per bad setting, naming the environment variable."""


def _required(secret: SecretStr | None, name: str) -> str:
    if secret is None:
        raise SettingsError(f"{name} is not set")
    return secret.get_secret_value()


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            loc = problem["loc"]
            name = str(loc[0]).upper() if loc else ""
            message = problem["msg"].removeprefix("Value error, ")
            if not name:
                lines.append(message)
                continue
            # A list's bad element (ADMIN_IDS=12,abc): name the setting and the value,
            # never a secret's value.
            value = problem.get("input")
            shown = isinstance(value, str | int) and value != "" and repr(value) not in message
            if name not in SECRET_SETTINGS and shown:
                message = f"{message}: {str(value)[:80]!r}"
            lines.append(f"{name}: {message}")
        raise SettingsError("\n".join(lines)) from None
