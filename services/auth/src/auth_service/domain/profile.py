"""What a profile may hold. Each function returns the cleaned value or raises ``ValueError``
with a message meant for the user (request validation turns it into a 422 problem)."""

from __future__ import annotations

import re
import unicodedata

NAME_MAX = 100
ADDRESS_MAX = 500
BIO_MAX = 2000
PHONE_MAX = 16  # "+" and at most 15 digits (E.164)

_PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")
_PHONE_PUNCTUATION = re.compile(r"[\s().-]")


def _has_control_characters(value: str, *, allow_newlines: bool) -> bool:
    allowed = {"\n", "\t"} if allow_newlines else set()
    return any(unicodedata.category(char) in ("Cc", "Cf") and char not in allowed for char in value)


def clean_name(value: str) -> str:
    name = value.strip()
    if not 1 <= len(name) <= NAME_MAX:
        raise ValueError(f"The name must have 1 to {NAME_MAX} characters.")
    if _has_control_characters(name, allow_newlines=False):
        raise ValueError("The name must not contain control characters.")
    return name


def clean_phone(value: str) -> str | None:
    """E.164 with the usual punctuation allowed: ``+7 (912) 345-67-89`` -> ``+79123456789``.
    An empty value clears the phone."""
    phone = _PHONE_PUNCTUATION.sub("", value)
    if not phone:
        return None
    if not _PHONE.match(phone):
        raise ValueError("The phone number must be in international form: + then 7 to 15 digits.")
    return phone


def clean_text(value: str, *, limit: int, field: str) -> str | None:
    """Free text (address, bio): trimmed, newlines allowed; empty clears it."""
    text = value.strip()
    if not text:
        return None
    if len(text) > limit:
        raise ValueError(f"The {field} must have at most {limit} characters.")
    if _has_control_characters(text, allow_newlines=True):
        raise ValueError(f"The {field} must not contain control characters.")
    return text
