"""The secrets of the system the launcher runs, generated on the first start and kept in
``var/secrets.json`` (mode 0600) for every later one.

- ``internal_token``: service-to-service calls (``X-Internal-Token``).
- ``signing_key_passphrase``: auth keeps its private signing keys encrypted with it, so it
  must outlive a restart: a new one would leave the stored keys unreadable.
- ``nats_user`` / ``nats_password``: the embedded NATS admits no one else, so another local
  process cannot publish an event (``payments.payment.succeeded.v1``) in a service's name.

No service has a default for them: outside tests a service refuses to start without them.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, fields
from pathlib import Path

SECRETS_NAME = "secrets.json"
NATS_USER = "marketplace"
MODE = 0o600


class SecretsUnreadable(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class LocalSecrets:
    internal_token: str
    signing_key_passphrase: str
    nats_user: str
    nats_password: str


def _generate(name: str) -> str:
    return NATS_USER if name == "nats_user" else secrets.token_urlsafe(32)


def _read(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        # Made anew, the passphrase would no longer open auth's stored keys: a person decides.
        raise SecretsUnreadable(
            f"cannot read {path} ({error}): repair it, or delete it together with the "
            "databases (`make clean`)"
        ) from None
    if not isinstance(data, dict):
        raise SecretsUnreadable(f"{path} is not a JSON object: repair or delete it")
    return data


def write_private(path: Path, text: str) -> None:
    """Written whole or not at all, never readable by anyone else, not even for a moment."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.unlink(missing_ok=True)  # O_CREAT would keep an existing file's mode
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    temporary.replace(path)


def load(var_dir: Path) -> LocalSecrets | None:
    """The secrets stored under ``var_dir``, if a launcher made them there."""
    path = var_dir / SECRETS_NAME
    stored = _read(path)
    if not stored:
        return None
    try:
        return LocalSecrets(**{f.name: str(stored[f.name]) for f in fields(LocalSecrets)})
    except KeyError:
        return None


def load_or_create(var_dir: Path) -> LocalSecrets:
    """The stored secrets, with any that are missing generated and stored."""
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / SECRETS_NAME
    stored = _read(path)
    values = {}
    for field in fields(LocalSecrets):
        value = stored.get(field.name)
        values[field.name] = value if isinstance(value, str) and value else _generate(field.name)
    if values != stored:
        write_private(path, json.dumps(values, indent=2) + "\n")
    else:
        os.chmod(path, MODE)  # a copy or a restore may have widened it
    return LocalSecrets(**values)
