import pytest

from auth_service.domain.emails import email_key, normalise_email
from auth_service.domain.errors import InvalidEmail

pytestmark = pytest.mark.unit


def test_domain_is_lowercased_and_local_part_kept_as_typed() -> None:
    email = normalise_email("  Anna.Petrova@Example.COM ")
    assert email.address == "Anna.Petrova@example.com"
    assert email.key == "anna.petrova@example.com"
    assert email.local_part == "Anna.Petrova"


def test_addresses_differing_only_in_case_share_a_key() -> None:
    assert normalise_email("ANNA@example.com").key == normalise_email("anna@EXAMPLE.com").key


def test_international_domain_is_normalised() -> None:
    assert normalise_email("ivan@Пример.рф").address == "ivan@пример.рф"


@pytest.mark.parametrize(
    "raw", ["", "no-at-sign", "two@@example.com", "a@b", "anna@example..com", "x@host.test"]
)
def test_invalid_addresses_are_refused(raw: str) -> None:
    with pytest.raises(InvalidEmail):
        normalise_email(raw)


def test_overlong_address_is_refused() -> None:
    with pytest.raises(InvalidEmail, match="at most 254"):
        normalise_email("a" * 64 + "@" + "b" * 200 + ".com")


def test_login_key_of_an_invalid_address_matches_no_account_but_is_stable() -> None:
    assert email_key("Anna@Example.com") == "anna@example.com"
    key = email_key("  Not An Email\x00 ")
    assert "@" not in key
    assert "\x00" not in key
    assert key == email_key("not an email\x00")
