"""The demo catalog generator: reproducible, large enough, two levels of categories, both
kinds, both languages, believable prices and stock, and Russian words in their forms."""

# ruff: noqa: RUF001 - Russian words are Cyrillic on purpose

import hashlib
import json
import re
from collections import Counter
from dataclasses import asdict

import pytest

from catalog_service.demo import vocabulary
from catalog_service.demo.generator import DEFAULT_COUNT, DemoCatalog, DemoItem, generate
from catalog_service.domain import products as product_rules

pytestmark = pytest.mark.unit

CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
# The digest of the default catalog. It changes when the vocabulary or the generator does:
# then update it, on purpose. It must never change between machines or runs.
DEFAULT_DIGEST = "003f6bfd117c358accbc905b328d8e6801167870f4f61a52142eb702e88547d8"


def digest(catalog: DemoCatalog) -> str:
    content = {
        "categories": [asdict(category) for category in catalog.categories],
        "pictures": [asdict(picture) for picture in catalog.pictures.values()],
        "items": [asdict(item) for item in catalog.items()],
    }
    data = json.dumps(content, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def catalog() -> DemoCatalog:
    return generate()


@pytest.fixture(scope="module")
def items(catalog: DemoCatalog) -> list[DemoItem]:
    return list(catalog.items())


def test_two_runs_give_the_same_catalog(catalog: DemoCatalog, items: list[DemoItem]) -> None:
    again = generate()

    assert again.categories == catalog.categories
    assert again.pictures == catalog.pictures
    assert list(again.items()) == items
    assert list(catalog.items()) == items  # the stream can be read twice


def test_the_default_catalog_is_pinned(catalog: DemoCatalog) -> None:
    assert digest(catalog) == DEFAULT_DIGEST


def test_another_seed_gives_another_catalog(items: list[DemoItem]) -> None:
    other = list(generate(seed=7).items())

    assert len(other) == len(items)
    assert [item.title for item in other] != [item.title for item in items]


@pytest.mark.parametrize("count", [0, 1, 33, 5000])
def test_the_count_is_exact(count: int) -> None:
    assert sum(1 for _ in generate(count=count).items()) == count


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        generate(count=-1)


def test_the_default_catalog_has_at_least_2000_items(items: list[DemoItem]) -> None:
    assert len(items) == DEFAULT_COUNT >= 2000
    assert [item.number for item in items] == list(range(1, len(items) + 1))


def test_the_categories_are_a_two_level_tree(catalog: DemoCatalog, items: list[DemoItem]) -> None:
    tops = {c.slug for c in catalog.categories if c.parent is None}
    leaves = {c.slug for c in catalog.categories if c.parent is not None}

    assert len(catalog.categories) >= 25
    assert 6 <= len(tops) <= 8
    assert {c.parent for c in catalog.categories if c.parent} == tops  # every top has children
    assert len({c.slug for c in catalog.categories}) == len(catalog.categories)
    assert {item.category for item in items} == leaves  # items sit in leaves, every leaf used
    positions = {c.slug: i for i, c in enumerate(catalog.categories)}
    assert all(positions[c.parent] < positions[c.slug] for c in catalog.categories if c.parent)


def test_sibling_names_are_unique_and_valid_for_the_catalog(catalog: DemoCatalog) -> None:
    names = Counter((c.parent, c.name.casefold()) for c in catalog.categories)

    assert max(names.values()) == 1
    assert all(1 <= len(c.name) <= 100 for c in catalog.categories)


def test_both_kinds_are_there_and_services_have_no_stock(items: list[DemoItem]) -> None:
    kinds = Counter(item.kind for item in items)

    assert kinds["product"] > 1500
    assert kinds["service"] > 100
    assert all(item.stock is None for item in items if item.kind == "service")
    assert all(isinstance(item.stock, int) for item in items if item.kind == "product")


def test_titles_are_in_russian_and_in_english(items: list[DemoItem]) -> None:
    languages = Counter(item.language for item in items)

    assert languages["ru"] > languages["en"] > len(items) // 10
    for item in items:
        if item.language == "ru":
            assert CYRILLIC.search(item.title), item.title
        else:
            assert not CYRILLIC.search(item.title), item.title
            assert not CYRILLIC.search(item.description), item.description


def test_titles_and_descriptions_pass_the_catalogs_rules(items: list[DemoItem]) -> None:
    for item in items:
        assert product_rules.clean_title(item.title) == item.title
        assert product_rules.clean_description(item.description) == item.description
        assert product_rules.clean_attributes(dict(item.attributes)) == item.attributes


def test_titles_are_varied(items: list[DemoItem]) -> None:
    assert len({item.title for item in items}) > len(items) * 3 // 4


def test_prices_are_retail_prices_in_kopecks_with_a_wide_spread(items: list[DemoItem]) -> None:
    prices = sorted(item.price for item in items)

    assert all(item.currency == "RUB" for item in items)
    assert all(price % 100 == 0 and price // 100 in vocabulary.PRICE_LADDER for price in prices)
    assert prices[0] < 500_00
    assert prices[-1] > 100_000_00
    assert 1000_00 <= prices[len(prices) // 2] <= 10_000_00  # the median: a few thousand


def test_a_price_stays_within_its_nouns_bounds(items: list[DemoItem]) -> None:
    mowers = [item for item in items if item.title.startswith("Газонокосилка")]
    kettles = [item for item in items if item.title.startswith("Чайник")]

    assert mowers
    assert kettles
    assert all(7990_00 <= item.price <= 49990_00 for item in mowers)
    assert all(1490_00 <= item.price <= 14990_00 for item in kettles)


def test_stock_levels_are_valid_and_some_are_sold_out(items: list[DemoItem]) -> None:
    stock = [item.stock for item in items if item.stock is not None]

    assert all(0 <= level < 1000 for level in stock)
    assert 0.05 < stock.count(0) / len(stock) < 0.2
    assert max(stock) >= 100


def test_every_attribute_has_a_label_and_goods_name_their_brand(items: list[DemoItem]) -> None:
    for item in items:
        assert item.attributes
        assert set(item.attributes) <= set(vocabulary.ATTRIBUTE_LABELS), item.attributes
        if item.kind == "service":
            assert "provider" in item.attributes
        elif item.category not in ("fiction", "nonfiction", "kids-books", "textbooks"):
            assert item.attributes["brand"] in item.title


def test_russian_words_appear_in_several_forms(items: list[DemoItem]) -> None:
    """What stemming is for: one search for "смартфон" should find all of these."""
    text = " ".join(f"{item.title} {item.description}" for item in items).casefold()
    words = set(re.findall(r"\w+", text))

    for forms in (
        {"смартфон", "смартфона", "смартфоны", "смартфонов"},
        {"ноутбук", "ноутбука", "ноутбуков"},
        {"куртка", "куртки", "курток"},
        {"черный", "черная", "черные"},
    ):
        assert forms <= words, forms - words


def test_adjectives_agree_with_their_nouns(items: list[DemoItem]) -> None:
    titles = {item.title.split(",")[0] for item in items}

    assert any(title.startswith("Беспроводные наушники") for title in titles)
    assert any(title.startswith("Куртка мужская") for title in titles)
    wrong = ("Беспроводной наушники", "Куртка мужской")
    assert not any(title.startswith(wrong) for title in titles)


def test_every_item_has_a_picture_with_a_two_character_label(
    catalog: DemoCatalog, items: list[DemoItem]
) -> None:
    assert {item.picture for item in items} <= set(catalog.pictures)
    for picture in catalog.pictures.values():
        assert re.fullmatch(r"[A-Z0-9]{2}", picture.label), picture
    # Shared: a picture per leaf category and brand, not one per item.
    assert len(catalog.pictures) < len(items) // 5


def test_every_description_template_has_the_words_it_asks_for() -> None:
    """Templates are picked at random: render each once so that none fails only sometimes."""
    words = dict.fromkeys(
        ("noun", "noun_gen", "noun_pl", "noun_gen_pl", "brand", "this", "This", "such", "Such"),
        "x",
    )
    for top in vocabulary.TREE:
        for leaf in top.leaves:
            content = leaf.content
            if isinstance(content, vocabulary.Books):
                continue
            for template in (*content.about_ru, *content.about_en):
                template.format(**words)
            if isinstance(content, vocabulary.Services):
                for action in content.actions:
                    action.ru.format(gen="x", gen_pl="x", nom="x")
                    action.en.format(en="x", en_pl="x")


def test_restrictions_name_words_the_leaf_has() -> None:
    """A typo in an ``only`` table would silently let everything through."""
    for top in vocabulary.TREE:
        for leaf in top.leaves:
            goods = leaf.content
            if not isinstance(goods, vocabulary.Goods):
                continue
            nouns = {noun.nom for noun in goods.nouns}
            words = (
                {a.m for a in goods.adjectives}
                | {b.name for b in goods.makers}
                | {s.key for s in goods.specs}
                | {"colour"}
            )
            assert set(goods.only) <= words, (leaf.slug, set(goods.only) - words)
            assert set(goods.prices) <= nouns, (leaf.slug, set(goods.prices) - nouns)
            for allowed in goods.only.values():
                assert set(allowed) <= nouns, (leaf.slug, set(allowed) - nouns)
