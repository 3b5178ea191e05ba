"""Texts are kept exactly as written, within their limits."""

import pytest

from reviews_service.domain.errors import InvalidText
from reviews_service.domain.texts import MAX_REVIEW_TEXT, check_text

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "text", ["<script>alert(1)</script>", "  padded  ", "a < b & c", "ё" * 5000]
)
def test_a_text_is_kept_as_written(text: str) -> None:
    assert check_text(text, limit=MAX_REVIEW_TEXT) == text


@pytest.mark.parametrize("text", ["", " \n\t", "x" * 5001, "nul\x00"])
def test_a_blank_long_or_nul_text_is_refused(text: str) -> None:
    with pytest.raises(InvalidText):
        check_text(text, limit=MAX_REVIEW_TEXT)
