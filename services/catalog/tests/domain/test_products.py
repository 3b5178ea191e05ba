# ruff: noqa: RUF001 - Russian text is Cyrillic on purpose
import math

import pytest

from catalog_service.domain.products import (
    Kind,
    Status,
    check_stock,
    check_stock_change,
    clean_attributes,
    clean_description,
    clean_title,
    in_stock,
)
from marketplace_platform.problems import InvalidInput

pytestmark = pytest.mark.unit


def test_titles_and_descriptions() -> None:
    assert clean_title("  Чайник    электрический ") == "Чайник электрический"
    for title in ("", " ", "x" * 201, "a\nb", "a\tb"):
        with pytest.raises(InvalidInput):
            clean_title(title)
    assert clean_description(" Line one.\nLine two. ") == "Line one.\nLine two."
    with pytest.raises(InvalidInput):
        clean_description("bell\x07")


def test_goods_have_stock_and_services_none() -> None:
    assert check_stock(kind=Kind.PRODUCT, stock=None) == 0
    assert check_stock(kind=Kind.PRODUCT, stock=3) == 3
    assert check_stock(kind=Kind.SERVICE, stock=None) is None
    with pytest.raises(InvalidInput):
        check_stock(kind=Kind.SERVICE, stock=0)
    with pytest.raises(InvalidInput):
        check_stock(kind=Kind.PRODUCT, stock=-1)
    with pytest.raises(InvalidInput):
        check_stock_change(kind=Kind.PRODUCT, stock=None)


def test_attributes_are_flat_and_bounded() -> None:
    cleaned = clean_attributes({" цвет ": " синий ", "5g": True, "вес": 0.2, "гб": 128})
    assert cleaned == {"цвет": "синий", "5g": True, "вес": 0.2, "гб": 128}
    bad = [
        {"nested": {"a": 1}},
        {"list": [1]},
        {"none": None},
        {"": "x"},
        {"k" * 51: "x"},
        {"long": "x" * 201},
        {"nan": math.nan},
        {"big": 2**60},
        {f"a{i}": i for i in range(31)},
        {"a": 1, " a ": 2},
    ]
    for attributes in bad:
        with pytest.raises(InvalidInput):
            clean_attributes(attributes)


def test_in_stock() -> None:
    assert in_stock(status=Status.ACTIVE, stock=None)
    assert in_stock(status=Status.ACTIVE, stock=1)
    assert not in_stock(status=Status.ACTIVE, stock=0)
    assert not in_stock(status=Status.ARCHIVED, stock=5)
