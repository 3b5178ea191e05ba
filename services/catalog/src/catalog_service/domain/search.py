"""What a product search asks for, and how its text becomes an engine's query.

PostgreSQL gets the user's text as it is: ``websearch_to_tsquery`` is made for raw input
and never fails on it. SQLite's FTS5 has a query *language* (quotes, ``AND``, ``NEAR``,
parentheses, ``column:``), so its query is built here from the words alone, each one quoted:
nothing a user types can be read as syntax, and ``"`` or ``AND (`` is a query with no words,
not an error.

FTS5 has no stemmer for Russian. ``fts5_query`` gets close with a light suffix stripper and
prefix queries: "смартфоны" becomes ``"смартфон"*``, which finds "смартфон", "смартфона",
"смартфонов". It is a heuristic, not morphology (see docs/catalog.md).
"""

# ruff: noqa: RUF001 - Russian word endings are Cyrillic on purpose

from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass

from marketplace_platform.problems import InvalidInput

QUERY_MAX = 200
MAX_WORDS = 12
WORD_MAX = 50
# Below this many characters a query is not worth a fuzzy match: two letters are "alike" to
# half the catalog.
FUZZY_MIN_LENGTH = 4

_WORD = re.compile(r"\w+")
_CYRILLIC = re.compile(r"[а-яё]")
# Russian inflectional endings, longest first; a stem keeps at least MIN_STEM letters.
_RUSSIAN_ENDING_LIST = """
    иями ями ами иях иям ием ией ого его ому ему ыми ими ых их ая яя ое ее ые ие ую юю
    ой ей ий ый ом ем ам ям ах ях ов ев ью ия ье ья а я о е ы и у ю ь й
"""
_RUSSIAN_ENDINGS = tuple(sorted(_RUSSIAN_ENDING_LIST.split(), key=len, reverse=True))
_ENGLISH_ENDINGS = ("ing", "ies", "es", "ed", "s")
MIN_STEM = 3


class Sort(enum.StrEnum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    RATING = "rating"
    POPULAR = "popular"
    NEWEST = "newest"


def search_words(text: str) -> list[str]:
    """The words of a query, lower-cased, at most ``MAX_WORDS`` of at most ``WORD_MAX``."""
    return [word[:WORD_MAX] for word in _WORD.findall(text.casefold())][:MAX_WORDS]


def light_stem(word: str) -> str:
    """``word`` without an inflectional ending, if enough of it is left."""
    if any(char.isdigit() for char in word):
        return word  # a model number ("15", "a55") is matched as it is
    endings = _RUSSIAN_ENDINGS if _CYRILLIC.search(word) else _ENGLISH_ENDINGS
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def fts5_query(words: list[str]) -> str:
    """An FTS5 MATCH expression: every word (as a prefix of its stem) must occur."""
    terms = []
    for word in words:
        stem = light_stem(word)
        # Word characters only, so the quotes can never be closed early; a number is exact.
        terms.append(f'"{stem}"' if stem.isdigit() else f'"{stem}"*')
    return " ".join(terms)


@dataclass(frozen=True, slots=True)
class ProductSearch:
    """A search or a browse of active products. ``text`` is None when nothing searchable was
    typed (a query of only punctuation searches for nothing, so it lists everything)."""

    text: str | None = None
    category_id: uuid.UUID | None = None
    min_price: int | None = None
    max_price: int | None = None
    min_rating: float | None = None
    in_stock: bool | None = None
    sort: Sort | None = None

    @property
    def words(self) -> list[str]:
        return search_words(self.text) if self.text else []

    @property
    def effective_sort(self) -> Sort:
        """Relevance needs a query: without one the default (and a relevance sort) is newest."""
        if self.sort is None or self.sort is Sort.RELEVANCE:
            return Sort.RELEVANCE if self.text else Sort.NEWEST
        return self.sort

    @property
    def fuzzy(self) -> bool:
        return self.text is not None and len(self.text) >= FUZZY_MIN_LENGTH


def product_search(
    *,
    q: str | None = None,
    category_id: uuid.UUID | None = None,
    min_price: int | None = None,
    max_price: int | None = None,
    min_rating: float | None = None,
    in_stock: bool | None = None,
    sort: Sort | None = None,
) -> ProductSearch:
    """A checked search: the query trimmed (and dropped if it has no words), the price range
    the right way round."""
    text = " ".join(q.split()) if q else None
    if text is not None and len(text) > QUERY_MAX:
        raise InvalidInput(f"The query must be at most {QUERY_MAX} characters.")
    if text is not None and not search_words(text):
        text = None
    if min_price is not None and max_price is not None and min_price > max_price:
        raise InvalidInput("min_price is above max_price.")
    return ProductSearch(
        text=text,
        category_id=category_id,
        min_price=min_price,
        max_price=max_price,
        min_rating=min_rating,
        in_stock=in_stock,
        sort=sort,
    )
