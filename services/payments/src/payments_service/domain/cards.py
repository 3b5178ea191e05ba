"""Card details as the payer types them, checked before anything else happens.

This module is the only place that ever holds a whole card number, and only in memory for
the length of one request: what is kept (in the database, in events, in logs) is the
``CardSummary``, brand and last four digits. Errors name the field that is wrong and never
repeat what was typed, since what was typed may be a real card number.

The checks are what a payment form does before it calls a processor: the number's shape and
Luhn check digit, a brand that decides the CVC length, an expiry that is not behind us.
Whether the card is *good* (funds, blocked, stolen) is for the processor to say.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import date

from payments_service.domain.errors import InvalidCard

MIN_DIGITS = 12
MAX_DIGITS = 19
MAX_HOLDER = 100
# Nobody issues cards valid for longer; a year further out is a typo.
MAX_YEARS_AHEAD = 20

_SEPARATORS = re.compile(r"[ \-]")


class Brand(enum.StrEnum):
    VISA = "visa"
    MASTERCARD = "mastercard"
    AMEX = "amex"
    MIR = "mir"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class CardSummary:
    """All that is ever kept of a card."""

    brand: Brand
    last4: str


@dataclass(frozen=True, slots=True)
class Card:
    """A checked card. ``repr`` shows only the summary, so a stray log line or traceback
    cannot leak the number or the CVC."""

    number: str = field(repr=False)
    exp_month: int
    exp_year: int
    cvc: str = field(repr=False)
    holder: str = field(repr=False)
    brand: Brand

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def summary(self) -> CardSummary:
        return CardSummary(brand=self.brand, last4=self.last4)


def normalize_number(raw: str) -> str:
    """Digits only: payers type spaces and dashes in groups (``4242 4242 4242 4242``)."""
    digits = _SEPARATORS.sub("", raw.strip())
    if not digits.isascii() or not digits.isdigit():
        raise InvalidCard(
            "The card number may hold only digits, spaces and dashes.", field="number"
        )
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        raise InvalidCard(
            f"A card number has {MIN_DIGITS} to {MAX_DIGITS} digits.", field="number"
        )
    return digits


def luhn_valid(digits: str) -> bool:
    """The check digit every card number ends with (ISO/IEC 7812): catches one wrong digit
    and most swaps of neighbours."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def detect_brand(digits: str) -> Brand:
    """The brand from the number's issuer prefix (IIN ranges)."""
    if digits.startswith(("34", "37")) and len(digits) == 15:
        return Brand.AMEX
    if digits.startswith("4"):
        return Brand.VISA
    first_six = int(digits[:6]) if len(digits) >= 6 else 0
    first_two = int(digits[:2])
    if 51 <= first_two <= 55 or 222100 <= first_six <= 272099:
        return Brand.MASTERCARD
    if 2200 <= int(digits[:4]) <= 2204:
        return Brand.MIR
    return Brand.UNKNOWN


def check_expiry(month: int, year: int, *, today: date) -> None:
    """A card is good through the last day of its expiry month."""
    if not 1 <= month <= 12:
        raise InvalidCard("The expiry month is 1 to 12.", field="exp_month")
    if year < 100:
        year += 2000  # "27" as printed on the card
    if (year, month) < (today.year, today.month):
        raise InvalidCard("The card has expired.", field="exp_year", reason="expired_card")
    if year > today.year + MAX_YEARS_AHEAD:
        raise InvalidCard("The expiry year is too far ahead.", field="exp_year")


def check_cvc(cvc: str, brand: Brand) -> str:
    expected = 4 if brand is Brand.AMEX else 3
    cvc = cvc.strip()
    if len(cvc) != expected or not cvc.isascii() or not cvc.isdigit():
        raise InvalidCard(f"The CVC of this card is {expected} digits.", field="cvc")
    return cvc


def check_holder(holder: str) -> str:
    holder = " ".join(holder.split())
    if not 1 <= len(holder) <= MAX_HOLDER or not holder.isprintable():
        raise InvalidCard(
            f"The card holder's name is 1 to {MAX_HOLDER} printable characters.", field="holder"
        )
    return holder


def parse_card(
    *, number: str, exp_month: int, exp_year: int, cvc: str, holder: str, today: date
) -> Card:
    """Check every field and return the card; ``InvalidCard`` names the first field wrong."""
    digits = normalize_number(number)
    if not luhn_valid(digits):
        raise InvalidCard("The card number is not valid (check digit).", field="number")
    brand = detect_brand(digits)
    check_expiry(exp_month, exp_year, today=today)
    return Card(
        number=digits,
        exp_month=exp_month,
        exp_year=exp_year if exp_year >= 100 else exp_year + 2000,
        cvc=check_cvc(cvc, brand),
        holder=check_holder(holder),
        brand=brand,
    )
