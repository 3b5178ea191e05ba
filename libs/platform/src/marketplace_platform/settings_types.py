"""Setting types every service reads the same way, so that no service parses them itself.

- ``Duration``: a ``timedelta`` from plain seconds (``5``, ``0.5``: what an environment
  variable usually says) or ISO 8601 (``PT5M``). Pydantic alone reads the string ``"5"`` as
  a malformed ISO duration.
- ``ReplicaUrls``: the base URLs of another service's replicas, comma-separated in the
  environment (``http://a:8103, http://b:8103``), without trailing slashes. Calls go round
  robin over them (``marketplace_platform.internal_http``).

``require_positive`` and ``require_urls`` are the checks services make of such settings,
with errors that name the environment variable to fix.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_settings import BaseSettings, NoDecode

_SECONDS = re.compile(r"^\s*[+-]?\d+(\.\d*)?\s*$")


def _seconds(value: Any) -> Any:
    if isinstance(value, str) and _SECONDS.match(value):
        return float(value)
    return value


def _urls(value: Any) -> Any:
    if isinstance(value, str):
        value = value.split(",")
    if isinstance(value, list | tuple):
        return tuple(str(part).strip().rstrip("/") for part in value if str(part).strip())
    return value


Duration = Annotated[timedelta, BeforeValidator(_seconds)]
# NoDecode: a comma-separated list, not the JSON pydantic-settings expects of a tuple.
ReplicaUrls = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_urls)]


def _variable(settings: BaseSettings, name: str) -> str:
    return f"{settings.model_config.get('env_prefix', '')}{name}".upper()


def require_positive(settings: BaseSettings, *names: str, zero_ok: bool = False) -> None:
    """``ValueError`` naming the variable unless each named duration is above zero (or at
    least zero with ``zero_ok``); an unset optional duration (None) passes."""
    for name in names:
        value = getattr(settings, name)
        if value is None:
            continue
        if value < timedelta(0) or (value == timedelta(0) and not zero_ok):
            must = "must not be negative" if zero_ok else "must be positive"
            raise ValueError(f"{_variable(settings, name)} {must}")


def require_urls(settings: BaseSettings, *names: str) -> None:
    """``ValueError`` naming the variable unless each named ``ReplicaUrls`` lists one URL
    at least."""
    for name in names:
        if not getattr(settings, name):
            raise ValueError(f"{_variable(settings, name)} needs at least one URL")
