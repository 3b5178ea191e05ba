"""The first administrator.

With ``MARKETPLACE_ADMIN_PASSWORD`` set, the launcher makes sure on every run that the account
(``MARKETPLACE_ADMIN_EMAIL``, else the admin made before, else the default) exists, is an
admin and has that password: this is how an operator replaces a lost one (auth's
``ensure-admin`` signs the account out when its password changes). Without a password it
creates ``admin@marketplace.example`` (or the given email) with a generated password on the
first run of a database only, and prints the password that once. A marker file under the var dir
remembers which databases got their admin; it holds no password.
"""

from __future__ import annotations

import json
import os
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# RFC 2606 keeps .example for addresses like this one: valid, yet never anyone's mailbox
# (.local is refused by email validation as a special-use name).
DEFAULT_ADMIN_EMAIL = "admin@marketplace.example"
EMAIL_ENV = "MARKETPLACE_ADMIN_EMAIL"
PASSWORD_ENV = "MARKETPLACE_ADMIN_PASSWORD"  # noqa: S105 - a variable name
MARKER_NAME = "first-admin.json"
GENERATED_LENGTH = 20


@dataclass(frozen=True, slots=True)
class AdminPlan:
    email: str
    password: str
    generated: bool


def generate_password(length: int = GENERATED_LENGTH) -> str:
    """Letters and digits (nothing a shell or a form mangles), at least one of each kind."""
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
        ):
            return password


class AdminMarker:
    """``var/first-admin.json`` (mode 0600): database -> email and when its admin was made."""

    def __init__(self, var_dir: Path) -> None:
        self.path = var_dir / MARKER_NAME

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError:
            return {}  # a damaged marker only means the admin is ensured again
        return data if isinstance(data, dict) else {}

    def done(self, database: str) -> str | None:
        """The email of the admin made for ``database``, if one was."""
        entry = self._read().get(database)
        return entry.get("email") if isinstance(entry, dict) else None

    def record(self, database: str, email: str) -> None:
        data = self._read()
        data[database] = {"email": email, "created_at": datetime.now(UTC).isoformat()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Created 0600 from the start: there is never a moment it is readable by others.
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2)
        os.chmod(self.path, 0o600)


def plan_admin(
    environ: Mapping[str, str], marker: AdminMarker, database: str, *, fresh_database: bool
) -> AdminPlan | None:
    """What to do about the first admin on this run; None when nothing is to be done.

    ``database`` names the auth database (no password in it); ``fresh_database`` says it
    was created by this run, so any old marker entry for it is stale.
    """
    made = None if fresh_database else marker.done(database)
    given = environ.get(EMAIL_ENV, "").strip()
    password = environ.get(PASSWORD_ENV, "")
    if password:
        # A password alone is for the admin the last run's banner named.
        email = given or made or DEFAULT_ADMIN_EMAIL
        return AdminPlan(email=email, password=password, generated=False)
    if made is not None:
        return None
    return AdminPlan(email=given or DEFAULT_ADMIN_EMAIL, password=generate_password(),
                     generated=True)
