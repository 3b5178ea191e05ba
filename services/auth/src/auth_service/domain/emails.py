"""Email addresses as the auth service keeps them.

The decision, for a learner wondering why:

- Surrounding whitespace is trimmed and the syntax is checked (no DNS lookup: a slow or
  unreachable mail domain must not stop a sign-up, and the domain layer does no I/O).
- The domain part is lowercased and IDNA-normalised: domain names are case-insensitive.
- The local part is *stored as typed*, because RFC 5321 allows a mail server to treat it
  case-sensitively, and mail should go to exactly the address the user gave.
- Uniqueness and login use a *key*: the whole address lowercased. No real provider gives
  ``Anna@`` and ``anna@`` to two people, and a user who typed a capital letter at sign-up
  must be able to log in without it. So ``Anna@Example.COM`` is stored as
  ``Anna@example.com`` with the key ``anna@example.com``, and ``anna@example.com`` is taken.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from auth_service.domain.errors import InvalidEmail

MAX_LENGTH = 254  # the longest address SMTP can carry (RFC 5321 path limit less brackets)


@dataclass(frozen=True, slots=True)
class EmailAddress:
    address: str  # for display and mail
    key: str  # for uniqueness and lookups

    @property
    def local_part(self) -> str:
        return self.address.rsplit("@", 1)[0]


def email_key(raw: str) -> str:
    """The lookup key of whatever was typed into a login form, valid address or not.

    An invalid one gets a key that no account can have (no ``@``), still the same for the
    same input so that throttling counts it; hashed, because it may hold anything, NUL
    characters included, that a database would refuse."""
    try:
        return normalise_email(raw).key
    except InvalidEmail:
        digest = hashlib.sha256(raw.strip().lower().encode("utf-8", "surrogatepass"))
        return f"invalid:{digest.hexdigest()}"


def normalise_email(raw: str) -> EmailAddress:
    candidate = raw.strip()
    if len(candidate) > MAX_LENGTH:
        raise InvalidEmail(f"An email address has at most {MAX_LENGTH} characters.")
    try:
        valid = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(f"This is not a valid email address: {exc}") from None
    address = valid.normalized
    if len(address) > MAX_LENGTH:
        raise InvalidEmail(f"An email address has at most {MAX_LENGTH} characters.")
    return EmailAddress(address=address, key=address.lower())
