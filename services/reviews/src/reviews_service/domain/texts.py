"""What a review's or a comment's text may be.

Texts are plain text, stored and returned exactly as written: no trimming, no HTML escaping,
no "sanitising". Escaping is the job of whatever renders the text (a browser inserting it
as text, not as HTML), and a server that rewrote texts would both corrupt what people wrote
(``a < b``) and tempt renderers into trusting it as safe markup. So ``<script>`` comes back
byte for byte, as text, in a JSON string.

Refused: a text with nothing but white space, one longer than its limit (counted in
characters, not bytes), and the NUL character (PostgreSQL cannot store it in text).
"""

from __future__ import annotations

from reviews_service.domain.errors import InvalidText

MAX_REVIEW_TEXT = 5000
MAX_COMMENT_TEXT = 2000
MAX_REASON = 500


def check_text(text: str, *, limit: int, what: str = "The text") -> str:
    """``text`` itself if it may be stored; ``InvalidText`` saying why not."""
    if not text.strip():
        raise InvalidText(f"{what} must not be empty.")
    if len(text) > limit:
        raise InvalidText(f"{what} is {len(text)} characters long; at most {limit} are allowed.")
    if "\x00" in text:
        raise InvalidText(f"{what} must not hold the NUL character.")
    return text


def check_reason(reason: str) -> str:
    """A moderator's reason: required, so that the author and other admins learn why."""
    return check_text(reason, limit=MAX_REASON, what="The reason")
