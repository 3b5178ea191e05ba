"""The password policy (NIST SP 800-63B, OWASP ASVS): length and a block-list, no
composition rules.

- At least 8 and at most 128 characters. Any character may be used, spaces included; the
  upper bound only keeps hashing cheap to ask for.
- Not one of the most common passwords (``common_passwords.txt``, compared ignoring case),
  not one character repeated, and not the user's own email address or its local part: these
  are the first guesses of any attacker.

Hashing is not a rule and lives in ``adapters.passwords``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from auth_service.domain.emails import EmailAddress
from auth_service.domain.errors import WeakPassword

MIN_LENGTH = 8
MAX_LENGTH = 128


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The block-list shipped with the package (read once, then cached)."""
    text = files("auth_service.domain").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def check_password(
    password: str, *, email: EmailAddress, common: frozenset[str] | None = None
) -> None:
    """Raise ``WeakPassword`` with the reason if ``password`` may not be used."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"The password must have at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"The password must have at most {MAX_LENGTH} characters.")
    folded = password.strip().lower()
    if folded in (common if common is not None else common_passwords()):
        raise WeakPassword("This password is one of the most common ones; choose another.")
    if len(set(password)) == 1:
        raise WeakPassword("The password must not be one character repeated.")
    if folded in (email.key, email.local_part.lower()):
        raise WeakPassword("The password must not be your email address.")
