"""The demo catalog, generated: the same categories, items and pictures on every machine and
every run for a given seed and count.

Determinism rests on ``random.Random(seed)`` and integer arithmetic only: its integer draws
(``randrange``, ``choice``, ``shuffle``) are specified to be the same across platforms and
Python versions, while a float computed through ``math.log`` or ``**`` could differ in the
last bit from one C library to another and round a price the other way. Prices therefore
come from a ladder of retail prices (``PRICE_LADDER``), never from a formula.

Items are produced lazily (``DemoCatalog.items()``), so 100 000 of them for a benchmark are
a stream, not a list held in memory.
"""

# Russian text is the point of this module: Cyrillic letters are not look-alikes here.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from catalog_service.demo.russian import Adjective, Gender, Noun, transliterate
from catalog_service.demo.vocabulary import (
    ATTRIBUTE_LABELS,
    LABELLED_IN_TITLE,
    PRICE_LADDER,
    TREE,
    Books,
    Brand,
    Goods,
    Leaf,
    Rgb,
    Services,
    Spec,
)

DEFAULT_SEED = 20261126
DEFAULT_COUNT = 2400
CURRENCY = "RUB"

_THIS = Adjective("этот", "эта", "это", "эти", "this")
_SUCH = Adjective("такой", "такая", "такое", "такие", "such")
_SMALL_WORDS = frozenset({"a", "an", "and", "for", "in", "of", "on", "the", "to", "with"})


@dataclass(frozen=True, slots=True)
class DemoCategory:
    slug: str
    name: str
    parent: str | None  # the parent's slug; top-level categories have none


@dataclass(frozen=True, slots=True)
class DemoPicture:
    """What a product picture shows: a ``shape`` on a gradient of ``colour`` with ``label``
    (two Latin letters or digits) in the middle. Items of one leaf category and one
    brand (publisher, provider) share a picture."""

    key: str
    label: str
    colour: Rgb
    shape: str
    variant: int  # which way the gradient runs and how light it is


@dataclass(frozen=True, slots=True)
class DemoItem:
    number: int  # 1-based position in the stream: a stable name for "the n-th demo item"
    category: str  # slug of a leaf category
    kind: str  # "product" | "service"
    title: str
    description: str
    price: int  # minor units (kopecks)
    currency: str
    stock: int | None  # None for services: they are not counted
    attributes: Mapping[str, str]
    language: str  # "ru" | "en": the language of the title and description
    picture: str  # key of a DemoPicture


@dataclass(frozen=True, slots=True)
class DemoCatalog:
    seed: int
    count: int
    categories: tuple[DemoCategory, ...]  # every parent before its children
    pictures: Mapping[str, DemoPicture]

    def items(self) -> Iterator[DemoItem]:
        """The ``count`` items, in the same order every time."""
        return _items(self.seed, self.count)


def generate(*, count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED) -> DemoCatalog:
    if count < 0:
        raise ValueError(f"count must not be negative: {count}")
    categories: list[DemoCategory] = []
    for top in TREE:
        categories.append(DemoCategory(top.slug, top.name, None))
        categories.extend(DemoCategory(leaf.slug, leaf.name, top.slug) for leaf in top.leaves)
    return DemoCatalog(seed, count, tuple(categories), _pictures())


# --- items ---------------------------------------------------------------------------------


def _leaves() -> list[Leaf]:
    return [leaf for top in TREE for leaf in top.leaves]


def _quotas(count: int, weights: list[int]) -> list[int]:
    """Split ``count`` in proportion to ``weights`` (largest remainder): exact integers."""
    total = sum(weights)
    shares = [count * weight // total for weight in weights]
    remainders = sorted(
        range(len(weights)), key=lambda i: (-(count * weights[i] % total), i)
    )
    for i in remainders[: count - sum(shares)]:
        shares[i] += 1
    return shares


def _items(seed: int, count: int) -> Iterator[DemoItem]:
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not a secret
    leaves = _leaves()
    order = [
        index
        for index, quota in enumerate(_quotas(count, [leaf.weight for leaf in leaves]))
        for _ in range(quota)
    ]
    # A mixed catalog, not one category after another: seeding gives ids in this order, and
    # newest first is how a shopper browsing without a query sees the catalog.
    rng.shuffle(order)
    for number, index in enumerate(order, start=1):
        leaf = leaves[index]
        content = leaf.content
        if isinstance(content, Goods):
            text = _goods(rng, content)
        elif isinstance(content, Books):
            text = _book(rng, content)
        else:
            text = _service(rng, content)
        yield DemoItem(
            number=number,
            category=leaf.slug,
            kind=leaf.kind,
            title=text.title,
            description=text.description,
            price=_price(rng, text.prices or leaf.price_rub) * 100,
            currency=CURRENCY,
            stock=None if leaf.kind == "service" else _stock(rng),
            attributes=text.attributes,
            language=text.language,
            picture=f"{leaf.slug}/{text.maker}",
        )


@dataclass(frozen=True, slots=True)
class _Text:
    title: str
    description: str
    attributes: dict[str, str]
    language: str
    maker: str  # brand, publisher or provider: picks the picture
    prices: tuple[int, int] | None = None  # bounds in roubles, if not the leaf's


def _price(rng: random.Random, bounds: tuple[int, int]) -> int:
    low, high = bounds
    ladder = [price for price in PRICE_LADDER if low <= price <= high]
    # Half the draws take the lower of two: cheap things are more numerous than dear ones.
    index = rng.randrange(len(ladder))
    if rng.randrange(2):
        index = min(index, rng.randrange(len(ladder)))
    return ladder[index]


def _stock(rng: random.Random) -> int:
    roll = rng.randrange(100)
    if roll < 10:
        return 0  # sold out: the in_stock filter has something to hide
    if roll < 40:
        return rng.randrange(1, 10)
    if roll < 85:
        return rng.randrange(10, 100)
    return rng.randrange(100, 1000)


def _english(rng: random.Random, share: int) -> bool:
    return rng.randrange(100) < share


def _model(rng: random.Random, brand: Brand, specs: Mapping[str, str]) -> str:
    if not brand.models:
        return ""
    pattern = rng.choice(brand.models)
    with_specs = re.sub(r"\{(\w+)\}", lambda m: re.sub(r"\D", "", specs[m[1]]), pattern)
    # "#" is a digit; one that starts a number is never 0 ("Watch GT 4", not "GT 0").
    model: list[str] = []
    for char in with_specs:
        if char == "#":
            previous = model[-1] if model else ""
            char = str(rng.randrange(10) if previous.isdigit() else rng.randrange(1, 10))
        model.append(char)
    return "".join(model)


def _named_by(spec: Spec, quality: Adjective) -> tuple[str, str] | None:
    """The value of ``spec`` an adjective names ("leather" names "genuine leather")."""
    return next((values for values in spec.values if quality.en in values[1].split()), None)


def _is_cyrillic(text: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in text)


def _fits(goods: Goods, word: str, thing: Noun) -> bool:
    nouns = goods.only.get(word)
    return nouns is None or thing.nom in nouns


def _title_case(text: str) -> str:
    words = text.split(" ")
    return " ".join(
        word if (i and word in _SMALL_WORDS) or not word[:1].islower() else word[0].upper()
        + word[1:]
        for i, word in enumerate(words)
    )


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _features(attributes: Mapping[str, str], keys: list[str], *, english: bool) -> str:
    """ "Экран: 6,5". Гарантия: 12 мес." for a few attributes."""
    sentences = [
        f"{ATTRIBUTE_LABELS[key][1 if english else 0]}: {attributes[key].removesuffix('.')}."
        for key in keys
        if key in attributes
    ]
    return " ".join(sentences)


def _goods(rng: random.Random, goods: Goods) -> _Text:
    english = _english(rng, goods.english_share)
    thing = rng.choice(goods.nouns)
    makers = [b for b in goods.makers if _fits(goods, b.name, thing)] or list(goods.makers)
    brand = rng.choice(makers)
    # An English text spells a Russian brand in Latin letters, as the firms do themselves.
    brand_name = transliterate(brand.name) if english else brand.name
    specs = [(spec, rng.choice(spec.values)) for spec in goods.specs
             if _fits(goods, spec.key, thing)]
    model = _model(rng, brand, {spec.key: values[0] for spec, values in specs})
    qualities = [a for a in goods.adjectives
                 if _fits(goods, a.m, thing) and a.en.lower() not in model.lower()]
    quality = rng.choice(qualities) if qualities and rng.randrange(100) < 60 else None
    if quality is not None:  # a silk blouse is made of silk, whatever the draw said
        specs = [(spec, _named_by(spec, quality) or values) for spec, values in specs]
    colour = (rng.choice(goods.colours)
              if goods.colours and _fits(goods, "colour", thing) else None)
    audience = rng.choice(goods.audiences) if goods.audiences else None
    set_size = rng.choice(goods.set_sizes) if goods.set_sizes and not rng.randrange(5) else 0
    language = 1 if english else 0

    attributes: dict[str, str] = {"brand": brand_name}
    if colour is not None:
        attributes["colour"] = colour.en if english else colour.m
    if audience is not None:
        attributes["audience"] = audience.en if english else audience.m
    if set_size:
        attributes["set_size"] = str(set_size)
    for spec, values in specs:
        attributes[spec.key] = values[language]
    in_title = [_title_spec(spec, values[language], english) for spec, values in specs
                if spec.in_title]

    if english:
        title = _english_goods_title(thing, brand_name, model, quality, audience, set_size,
                                     colour, in_title)
    else:
        title = _russian_goods_title(goods, thing, brand_name, model, quality, audience,
                                     set_size, colour, in_title)
    description = _goods_description(rng, goods, thing, brand_name, attributes,
                                     english=english)
    prices = goods.prices.get(thing.nom)
    if prices and set_size:  # a set costs about half of its pieces bought one by one
        prices = (prices[0] * set_size // 2, prices[1] * set_size // 2)
    return _Text(title, description, attributes, "en" if english else "ru", brand.name,
                 prices)


def _title_spec(spec: Spec, value: str, english: bool) -> str:
    if spec.key in LABELLED_IN_TITLE:
        return f"{ATTRIBUTE_LABELS[spec.key][1 if english else 0].lower()} {value}"
    return value


def _russian_goods_title(
    goods: Goods, thing: Noun, brand: str, model: str, quality: Adjective | None,
    audience: Adjective | None, set_size: int, colour: Adjective | None, specs: list[str],
) -> str:
    gender: Gender = thing.gender
    if set_size:
        # "Набор из 6 тарелок Luminarc, белый": the colour agrees with "набор".
        head = f"Набор из {set_size} {thing.gen_pl}"
        gender = "m"
    elif goods.postpositive:
        # "Куртка мужская зимняя": how clothes are listed in Russian shops.
        head = _join(_capitalise(thing.nom), audience.agree(gender) if audience else "",
                     quality.agree(gender) if quality else "")
    else:
        head = _capitalise(_join(audience.agree(gender) if audience else "",
                                 quality.agree(gender) if quality else "", thing.nom))
    tail = [*specs, colour.agree(gender)] if colour else specs
    return ", ".join([_join(head, brand, model), *tail])


def _english_goods_title(
    thing: Noun, brand: str, model: str, quality: Adjective | None,
    audience: Adjective | None, set_size: int, colour: Adjective | None, specs: list[str],
) -> str:
    if set_size:
        head = _join(brand, model, f"Set of {set_size} {_title_case(thing.en_pl)}")
    else:
        described = _join(audience.en if audience else "", quality.en if quality else "",
                          thing.en)
        head = _join(brand, model, _title_case(described))
    tail = [*specs, _title_case(colour.en)] if colour else specs
    return ", ".join([head, *tail])


_GOODS_CLOSING_RU = (
    "Официальная гарантия производителя {brand}.",
    "В этом разделе есть и другие модели {noun_gen_pl} {brand}.",
    "Доставка {noun_gen} по всей России от одного дня.",
    "Надежная упаковка защитит от ударов при доставке.",
    "Отзывы покупателей помогут выбрать среди {noun_gen_pl} на любой вкус.",
)
_GOODS_CLOSING_EN = (
    "Official {brand} warranty.",
    "See more {brand} {noun_pl} in this category.",
    "Delivery across Russia from one day.",
    "Carefully packed so that it arrives intact.",
)


def _goods_description(
    rng: random.Random, goods: Goods, thing: Noun, brand: str, attributes: dict[str, str],
    *, english: bool,
) -> str:
    words = {
        "noun": thing.en if english else thing.nom,
        "noun_gen": thing.gen,
        "noun_pl": thing.en_pl,
        "noun_gen_pl": thing.gen_pl,
        "brand": brand,
        "this": _THIS.agree(thing.gender),
        "This": _capitalise(_THIS.agree(thing.gender)),
        "such": _SUCH.agree(thing.gender),
        "Such": _capitalise(_SUCH.agree(thing.gender)),
    }
    about = rng.choice(goods.about_en if english else goods.about_ru)
    closing = rng.choice(_GOODS_CLOSING_EN if english else _GOODS_CLOSING_RU)
    keys = [*[spec.key for spec in goods.specs if not spec.in_title][:2], "colour"]
    features = _features(attributes, keys, english=english)
    return _join(about.format(**words), features, closing.format(**words))


_COVERS = (("твердый переплет", "Hardcover"), ("мягкая обложка", "Paperback"),
           ("твердый переплет", "Hardcover"), ("подарочное издание", "Collector's Edition"))
_BOOK_CLOSING_RU = (
    "Одна из книг, которые стоит перечитать.",
    "Книгу удобно взять с собой в дорогу.",
    "Хороший выбор для подарка и для домашней библиотеки.",
    "Больше книг этого автора ищите в том же разделе.",
)
_BOOK_CLOSING_EN = (
    "A book worth reading twice.",
    "Light enough to take on a journey.",
    "A fine gift and a fine addition to a home library.",
)


def _book(rng: random.Random, books: Books) -> _Text:
    works = books.works_ru + books.works_en
    index = rng.randrange(len(works))
    work = works[index]
    english = index >= len(books.works_ru)
    publisher = rng.choice(books.publishers_en if english else books.publishers_ru)
    cover_ru, cover_en = rng.choice(_COVERS)
    low, high = books.pages
    pages = max(16, rng.randrange(low, high) // 16 * 16)  # books are printed in signatures
    year = 2015 + rng.randrange(11)
    if english:
        title = f"{work.title} by {work.author} ({cover_en})"
        opening = f"{_capitalise(work.genre)}, {publisher}, {year}. {cover_en}, {pages} pages."
        language = ("English", "en")
        cover = cover_en
        closing = rng.choice(_BOOK_CLOSING_EN)
    else:
        title = f"{work.author}. {work.title}" if work.author else work.title
        if cover_ru == "подарочное издание":
            title += " (подарочное издание)"
        by = f" — {work.author}" if work.author else ""
        opening = (f"{_capitalise(work.genre)} «{work.title}»{by}. Издательство "
                   f"«{publisher}», {year}. {_capitalise(cover_ru)}, {pages} стр.")
        language = ("русский", "ru")
        cover = cover_ru
        closing = rng.choice(_BOOK_CLOSING_RU)
    attributes = {"publisher": publisher, "year": str(year), "pages": str(pages),
                  "cover": cover, "language": language[0]}
    if work.author:
        attributes = {"author": work.author, **attributes}
    return _Text(title, f"{opening} {closing}", attributes, language[1], publisher)


def _service(rng: random.Random, services: Services) -> _Text:
    english = _english(rng, services.english_share)
    action = rng.choice(services.actions)
    target = rng.choice(action.objects)
    modifier_ru, modifier_en = rng.choice(action.modifiers or services.modifiers)
    providers = [p for p in services.providers if not (english and _is_cyrillic(p))]
    maker = rng.choice(providers or services.providers)
    # Where a leaf has only Cyrillic names, an English text spells the firm in Latin letters.
    provider = transliterate(maker) if english else maker
    language = 1 if english else 0
    attributes = {"provider": provider}
    for spec in services.specs:
        attributes[spec.key] = rng.choice(spec.values)[language]
    if english:
        title = _join(_capitalise(action.en.format(en=target.en, en_pl=target.en_pl)),
                      modifier_en)
        about = rng.choice(services.about_en)
        by = f"Provided by {provider}."
    else:
        title = _join(action.ru.format(gen=target.gen, gen_pl=target.gen_pl, nom=target.nom),
                      modifier_ru)
        about = rng.choice(services.about_ru)
        by = f"Исполнитель — «{provider}»."
    keys = [spec.key for spec in services.specs]
    features = _features(attributes, keys, english=english)
    return _Text(title, _join(about, by, features), attributes, "en" if english else "ru",
                 maker)


# --- pictures ------------------------------------------------------------------------------


def _label(name: str) -> str:
    """Two capital Latin letters (or digits) for a brand: "La Roche-Posay" -> "LR",
    "Samsung" -> "SA", "Натура Сиберика" -> "NS". Only ASCII: the picture draws it with
    Pillow's built-in bitmap font, the same on every machine."""
    words = [
        "".join(c for c in word if c.isascii() and c.isalnum())
        for word in re.split(r"[\s\-]+", transliterate(name))
    ]
    words = [word for word in words if word]
    if len(words) >= 2:
        return (words[0][0] + words[1][0]).upper()
    return (words[0][:2] if words else "MP").upper()


def _makers(leaf: Leaf) -> tuple[str, ...]:
    content = leaf.content
    if isinstance(content, Goods):
        return tuple(brand.name for brand in content.makers)
    if isinstance(content, Books):
        return content.publishers_ru + content.publishers_en
    return content.providers


def _pictures() -> dict[str, DemoPicture]:
    pictures: dict[str, DemoPicture] = {}
    for top in TREE:
        for leaf in top.leaves:
            for variant, maker in enumerate(_makers(leaf)):
                key = f"{leaf.slug}/{maker}"
                pictures[key] = DemoPicture(key, _label(maker), top.colour, leaf.shape, variant)
    return pictures
