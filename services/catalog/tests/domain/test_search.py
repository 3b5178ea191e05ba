import pytest

from catalog_service.domain.search import (
    QUERY_MAX,
    Sort,
    fts5_query,
    light_stem,
    product_search,
    search_words,
)
from marketplace_platform.problems import InvalidInput

pytestmark = pytest.mark.unit


def test_words_are_lower_cased_and_punctuation_is_dropped() -> None:
    assert search_words('Смартфон "Galaxy" AND (A55)') == ["смартфон", "galaxy", "and", "a55"]
    assert search_words('" * - ( )') == []
    assert len(search_words("a " * 50)) == 12


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("смартфоны", "смартфон"),
        ("смартфонов", "смартфон"),
        ("красные", "красн"),
        ("ноутбуки", "ноутбук"),
        ("phones", "phon"),
        ("charging", "charg"),
        ("a55", "a55"),
        ("кот", "кот"),  # too short to lose anything
    ],
)
def test_light_stem(word: str, stem: str) -> None:
    assert light_stem(word) == stem


def test_the_fts5_query_quotes_every_term_so_nothing_is_syntax() -> None:
    assert fts5_query(["смартфоны", "a55", "15"]) == '"смартфон"* "a55"* "15"'
    assert fts5_query(search_words('x" OR y NEAR(')) == '"x"* "or"* "y"* "near"*'


def test_a_search_is_checked_and_normalised() -> None:
    search = product_search(q="  смартфон   синий ", min_price=10, max_price=10)
    assert search.text == "смартфон синий"
    assert search.effective_sort is Sort.RELEVANCE
    assert product_search(q='" ( )').text is None
    assert product_search().effective_sort is Sort.NEWEST
    assert product_search(sort=Sort.RELEVANCE).effective_sort is Sort.NEWEST
    assert product_search(q="x", sort=Sort.PRICE_ASC).effective_sort is Sort.PRICE_ASC
    assert product_search(q="iph").fuzzy is False
    assert product_search(q="iphnoe").fuzzy is True
    with pytest.raises(InvalidInput):
        product_search(min_price=5, max_price=4)
    with pytest.raises(InvalidInput):
        product_search(q="x" * (QUERY_MAX + 1))
