"""Configuration from LINLI_* environment variables and an optional .env file."""

from __future__ import annotations

import re
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from surveys.complaints.rules import ComplaintLimits

LANGUAGES = ("zh_CN", "en")
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_LOOPBACK_HTTP = re.compile(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)")
_SECRET_HEADER = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Telegram's ceiling for bots with paid broadcasts; the free limit is about 30 per second.
MAX_SEND_RATE = 1000
# Reminders and scheduled announcements go out up to one interval late.
MIN_SWEEP_INTERVAL, MAX_SWEEP_INTERVAL = 1, 3600


class SettingsError(Exception):
    """A configuration value is missing or malformed; the message is one sentence for people."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINLI_", env_file=".env", extra="ignore")

    bot_token: str | None = Field(default=None, description="Telegram bot token from @BotFather")
    bot_username: str | None = Field(
        default=None, description="The bot's username, for QR deep links without asking Telegram"
    )
    api_url: str = Field(
        default="https://api.telegram.org",
        description="Bot API base URL: Telegram, a self-hosted Bot API server or the sandbox",
    )
    database_url: str = Field(
        default="sqlite+aiosqlite:///linli.db",
        description="SQLAlchemy URL: sqlite+aiosqlite:///FILE or postgresql+asyncpg://…",
    )
    secret_key: str | None = Field(
        default=None, description="Secret for signing join codes (at least 16 characters)"
    )
    timezone: str = Field(default="Asia/Shanghai", description="Timezone of the compounds")
    default_language: str = Field(default="zh_CN", description="Language for new residents")
    webhook_url: str | None = Field(
        default=None, description="Public HTTPS URL Telegram posts updates to (webhook mode)"
    )
    webhook_secret: str | None = Field(
        default=None, description="Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token"
    )
    webhook_host: str = Field(default="0.0.0.0", description="Address the webhook server binds")
    webhook_port: int = Field(default=8080, description="Port the webhook server listens on")
    # /metrics tells the outbox depth and traffic to whoever asks: its own server, on the
    # loopback unless the operator opens it to a scraper's network.
    metrics_host: str = Field(default="127.0.0.1", description="Address the metrics server binds")
    metrics_port: int = Field(
        default=9464, ge=0, le=65535, description="Port of the metrics server (0: none)"
    )
    # The web pages (bot.web): served with the webhook, or by `linli web` when polling.
    web_url: str | None = Field(
        default=None, description="Public HTTPS base URL of the web pages, for links and Mini App"
    )
    web_host: str = Field(default="127.0.0.1", description="Address `linli web` binds")
    web_port: int = Field(default=8082, ge=1, le=65535, description="Port `linli web` listens on")
    web_link_minutes: int = Field(
        default=10, ge=1, le=60, description="Minutes a one-time sign-in link stays valid"
    )
    web_launch_seconds: int = Field(
        default=300, ge=10, le=86400, description="Age beyond which Mini App initData is refused"
    )
    web_session_hours: int = Field(
        default=12, ge=1, le=720, description="Hours a signed-in browser stays signed in"
    )
    send_rate: float = Field(
        default=25.0,
        description="Messages per second the outbox dispatcher sends, under Telegram's ~30",
    )
    flood_limit: int = Field(
        default=20, ge=1, le=1000, description="Updates one person may send per flood window"
    )
    flood_window: float = Field(
        default=10.0, gt=0, le=3600, description="Seconds of the flood window (see flood_limit)"
    )
    sweep_interval: float = Field(
        default=60.0,
        description="Seconds between two runs of the schedules (reminders, announcements)",
    )

    complaints_per_day: int = Field(
        default=3, ge=1, le=100, description="Complaints a resident may file in 24 hours"
    )
    complaint_photos: int = Field(default=5, ge=1, le=20, description="Photos per complaint")
    complaint_text_limit: int = Field(
        default=1000, ge=50, le=3500, description="Characters of a complaint or a committee note"
    )
    complaint_reopen_days: int = Field(
        default=14, ge=0, le=365, description="Days a finished complaint can be reopened"
    )
    complaint_acknowledge_hours: int = Field(
        default=48, ge=1, le=720, description="Hours before an unacknowledged complaint reminds"
    )
    pledge_reminder_days: int = Field(
        default=7, ge=0, le=365, description="Days between reminders of unpaid pledges (0: none)"
    )

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: str | None) -> str | None:
        if value is not None and not _TOKEN.match(value):
            raise ValueError("it should look like 123456789:AA… as given by @BotFather")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        # Telegram posts updates only to HTTPS; plain HTTP is left to a Bot API server (or the
        # sandbox) on this machine.
        if value is None or value.startswith("https://") or _LOOPBACK_HTTP.match(value):
            return value
        raise ValueError(
            "it must be an https:// address; Telegram delivers updates only over HTTPS"
        )

    @field_validator("secret_key")
    @classmethod
    def _secret_length(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 16:
            raise ValueError("it must be at least 16 characters long")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_header(cls, value: str | None) -> str | None:
        if value is not None and not _SECRET_HEADER.match(value):
            raise ValueError("it must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not a known timezone such as Asia/Shanghai") from None
        return value

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"it must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("it must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("send_rate")
    @classmethod
    def _positive_rate(cls, value: float) -> float:
        if not 0 < value <= MAX_SEND_RATE:
            raise ValueError(
                f"it must be a number of messages per second, above 0 and at most {MAX_SEND_RATE}"
            )
        return value

    @field_validator("sweep_interval")
    @classmethod
    def _sweep_interval(cls, value: float) -> float:
        if not MIN_SWEEP_INTERVAL <= value <= MAX_SWEEP_INTERVAL:
            raise ValueError(
                f"it must be a number of seconds from {MIN_SWEEP_INTERVAL} to {MAX_SWEEP_INTERVAL}"
            )
        return value

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def complaint_limits(self) -> ComplaintLimits:
        return ComplaintLimits(
            per_day=self.complaints_per_day,
            photos=self.complaint_photos,
            text=self.complaint_text_limit,
            reopen_days=self.complaint_reopen_days,
            acknowledge_hours=self.complaint_acknowledge_hours,
        )

    def require(self, *names: str) -> None:
        """Stop with one sentence when a command needs a value that is not set."""
        for name in names:
            if getattr(self, name) is None:
                raise SettingsError(f"LINLI_{name.upper()} is not set; this command needs it.")


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation errors into one sentence naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = "LINLI_" + str(first["loc"][0]).upper() if first["loc"] else "a LINLI_ variable"
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{name} is not valid: {reason}.") from None
