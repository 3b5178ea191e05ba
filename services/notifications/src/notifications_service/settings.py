"""The notifications service's settings: environment variables prefixed ``NOTIFICATIONS_``.

Everything has a default that works for ``make run``: with no ``NOTIFICATIONS_SMTP_HOST``,
mail is written to a Maildir (``NOTIFICATIONS_MAILDIR``, by default ``<var dir>/mail``).
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from marketplace_platform.settings import ServiceSettings
from marketplace_platform.settings_types import Duration, require_positive


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore", frozen=True)

    service_name: str = "notifications"
    port: int = Field(default=8106, ge=0, le=65535)

    # Where users open the site: the links in letters start with it.
    site_url: str = "http://127.0.0.1:8000"
    # Likes on one review or comment within this long fold into one notification.
    like_fold_window: Duration = Field(default=timedelta(minutes=5))

    # Mail: an SMTP server, or with no host a Maildir.
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = Field(default="", repr=False)
    smtp_starttls: bool = False
    smtp_timeout: Duration = Field(default=timedelta(seconds=10))
    mail_from: str = "Marketplace <no-reply@marketplace.example>"
    maildir: Path | None = None
    # The sender looks for due letters this often (and at once when one is queued).
    mail_interval: Duration = Field(default=timedelta(seconds=5))
    mail_batch: int = Field(default=50, ge=1, le=1000)
    # Woken by a new letter, the sender waits this long first, so that the letters of the
    # next moments go out in the same round (one claim and one record for them all).
    mail_gather: Duration = Field(default=timedelta(milliseconds=250))
    # How long a sender holds a letter it is sending; past it, another may try.
    mail_claim: Duration = Field(default=timedelta(minutes=2))

    # The real-time channel.
    max_sockets_per_user: int = Field(default=5, ge=1, le=100)
    # A heartbeat message after this long without another one.
    heartbeat: Duration = Field(default=timedelta(seconds=25))
    # At most this many missed notifications are replayed to a reconnecting socket.
    catch_up_limit: int = Field(default=100, ge=1, le=1000)

    @model_validator(mode="after")
    def _notifications_checks(self) -> NotificationsSettings:
        require_positive(
            self, "like_fold_window", "smtp_timeout", "mail_interval", "mail_claim", "heartbeat"
        )
        if self.maildir is None:
            object.__setattr__(self, "maildir", (self.var_dir / "mail").resolve())
        return self

    @property
    def mail_directory(self) -> Path:
        assert self.maildir is not None  # set by the validator
        return self.maildir


@lru_cache
def get_settings() -> NotificationsSettings:
    return NotificationsSettings()
