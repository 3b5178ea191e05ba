import pytest

from auth_service.domain.profile import BIO_MAX, clean_name, clean_phone, clean_text

pytestmark = pytest.mark.unit


def test_names_are_trimmed_and_bounded() -> None:
    assert clean_name("  Анна Петрова ") == "Анна Петрова"
    for bad in ["", "   ", "x" * 101, "Anna\x00", "Anna\u202e"]:
        with pytest.raises(ValueError, match="name"):
            clean_name(bad)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("+7 (912) 345-67-89", "+79123456789"), ("+44 20 7946 0958", "+442079460958"), ("", None)],
)
def test_phones_are_normalised_to_e164(raw: str, clean: str | None) -> None:
    assert clean_phone(raw) == clean


@pytest.mark.parametrize(
    "raw", ["89123456789", "+0123456789", "+12345", "+1234567890123456", "+7 912 abc"]
)
def test_phones_not_in_international_form_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="international"):
        clean_phone(raw)


def test_free_text_keeps_newlines_refuses_control_characters_and_length() -> None:
    assert clean_text(" line one\nline two ", limit=BIO_MAX, field="bio") == "line one\nline two"
    assert clean_text("   ", limit=BIO_MAX, field="bio") is None
    with pytest.raises(ValueError, match="at most 2000"):
        clean_text("x" * (BIO_MAX + 1), limit=BIO_MAX, field="bio")
    with pytest.raises(ValueError, match="control"):
        clean_text("bell\x07", limit=BIO_MAX, field="bio")
