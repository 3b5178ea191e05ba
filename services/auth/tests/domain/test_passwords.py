import pytest

from auth_service.domain.emails import normalise_email
from auth_service.domain.errors import WeakPassword
from auth_service.domain.passwords import MAX_LENGTH, check_password, common_passwords

pytestmark = pytest.mark.unit

EMAIL = normalise_email("Anna.Petrova@example.com")


def test_a_long_uncommon_password_is_accepted() -> None:
    check_password("correct horse battery", email=EMAIL)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "at least 8"),
        ("x" * (MAX_LENGTH + 1), "at most 128"),
        ("password", "most common"),
        ("Password1", "most common"),  # case does not help
        ("qwerty123", "most common"),
        ("zzzzzzzzzz", "one character repeated"),
        ("anna.petrova@example.com", "email"),
        ("ANNA.PETROVA@EXAMPLE.COM", "email"),
        ("anna.petrova", "email"),  # the local part is no better
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, reason: str) -> None:
    with pytest.raises(WeakPassword, match=reason):
        check_password(password, email=EMAIL)


def test_any_characters_count_spaces_and_unicode_included() -> None:
    check_password("пароль из слов", email=EMAIL)
    with pytest.raises(WeakPassword, match="at least 8"):
        check_password("пароль", email=EMAIL)


def test_the_shipped_list_has_about_a_thousand_passwords_long_enough_to_matter() -> None:
    common = common_passwords()
    assert 900 <= len(common) <= 1100
    assert all(len(password) >= 8 for password in common)
    assert {"password", "12345678", "iloveyou", "sunshine"} <= common


def test_a_given_block_list_replaces_the_shipped_one() -> None:
    with pytest.raises(WeakPassword, match="most common"):
        check_password("tr0ub4dor&3", email=EMAIL, common=frozenset({"tr0ub4dor&3"}))
