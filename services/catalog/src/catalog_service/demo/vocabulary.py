"""The words the demo catalog is made of: the category tree and, for each leaf category, what
its goods are called, who makes them, what they are like and what they cost.

Everything here is data. ``generator`` combines it with a seeded random generator; editing a
word here changes the demo data (and the digest pinned in the tests, on purpose).

Brands are real names a shopper would type into the search box; every model number, spec
and price is invented. Book titles are classics (titles are not protected); the authors of
the non-fiction and textbooks are invented.
"""

# Russian text is the point of this module: Cyrillic letters are not look-alikes here.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from catalog_service.demo.russian import Adjective, Noun, adjective, noun

Rgb = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Spec:
    """An attribute with its possible values as (Russian, English) pairs."""

    key: str
    values: tuple[tuple[str, str], ...]
    in_title: bool = False


def spec(key: str, values: str, *, in_title: bool = False, english: str = "") -> Spec:
    """``spec("storage", "128 ГБ|256 ГБ", english="128 GB|256 GB")``; without ``english``
    the values read the same in both languages (sizes, model years)."""
    ru = values.split("|")
    en = english.split("|") if english else ru
    if len(ru) != len(en):
        raise ValueError(f"{key}: {len(ru)} Russian values but {len(en)} English ones")
    return Spec(key, tuple(zip(ru, en, strict=True)), in_title)


@dataclass(frozen=True, slots=True)
class Brand:
    name: str
    # Model patterns; each "#" becomes a digit and "{key}" the digits of that spec's value
    # ("UE{diagonal}CU7100" -> "UE55CU7100"). Empty: the goods have no model name.
    models: tuple[str, ...] = ()


def brands(*entries: str) -> tuple[Brand, ...]:
    """``brands("Samsung: Galaxy A#5, Galaxy S2#", "Bosch")``."""
    result = []
    for entry in entries:
        name, _, models = entry.partition(":")
        patterns = tuple(m.strip() for m in models.split(",") if m.strip())
        result.append(Brand(name.strip(), patterns))
    return tuple(result)


@dataclass(frozen=True, slots=True)
class Goods:
    """Physical goods named "<adjective> <noun> <brand> <model>, <specs>, <colour>"."""

    nouns: tuple[Noun, ...]
    adjectives: tuple[Adjective, ...]
    makers: tuple[Brand, ...]
    colours: tuple[Adjective, ...]
    specs: tuple[Spec, ...]
    # What the thing is for; placeholders: {noun} {noun_gen} {noun_gen_pl} {brand}, and
    # {this} / {such} (этот, такая ...) agreeing with the noun, capitalised as {This} {Such}.
    about_ru: tuple[str, ...]
    about_en: tuple[str, ...]
    english_share: int  # percent of titles in English
    # Clothing reads "Куртка зимняя мужская": adjectives after the noun.
    postpositive: bool = False
    # Who it is for (мужской / женский); one is picked and always shown when given.
    audiences: tuple[Adjective, ...] = ()
    # Sizes of sets ("Набор из 6 тарелок"); a set is one item in five when given.
    set_sizes: tuple[int, ...] = ()
    # What goes with what: an adjective (masculine form), a brand, a spec key or "colour",
    # mapped to the nouns (nominative) it fits. Words not listed fit every noun of the leaf,
    # so a tent can be "двухместная" and a torch cannot.
    only: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Price bounds in roubles of a noun (nominative) where the leaf's own would be silly:
    # a trimmer at 299 ₽, a shovel at 39 990 ₽.
    prices: Mapping[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Work:
    author: str  # empty for folk tales
    title: str
    genre: str


@dataclass(frozen=True, slots=True)
class Books:
    works_ru: tuple[Work, ...]
    works_en: tuple[Work, ...]
    publishers_ru: tuple[str, ...]
    publishers_en: tuple[str, ...]
    pages: tuple[int, int]


@dataclass(frozen=True, slots=True)
class Action:
    """A service on an object: "Ремонт {gen}" / "{en} repair" over ``objects``."""

    ru: str  # placeholders {gen} {gen_pl} {nom}
    en: str  # placeholders {en} {en_pl}
    objects: tuple[Noun, ...]
    # Title endings for this action only, instead of the leaf's (see ``Services``).
    modifiers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Services:
    actions: tuple[Action, ...]
    # (Russian, English) endings of a title: "на дому" / "at home".
    modifiers: tuple[tuple[str, str], ...]
    providers: tuple[str, ...]
    specs: tuple[Spec, ...]
    about_ru: tuple[str, ...]
    about_en: tuple[str, ...]
    english_share: int


Content = Goods | Books | Services


@dataclass(frozen=True, slots=True)
class Leaf:
    slug: str
    name: str
    weight: int  # share of the catalog's items
    price_rub: tuple[int, int]  # bounds of the price ladder used, in roubles
    shape: str  # the figure on the category's pictures, see ``pictures``
    content: Content

    @property
    def kind(self) -> str:
        return "service" if isinstance(self.content, Services) else "product"


@dataclass(frozen=True, slots=True)
class Top:
    slug: str
    name: str
    colour: Rgb
    leaves: tuple[Leaf, ...] = field(default=())


# Retail prices in roubles, roughly geometric: every price in the demo is one of these, so
# the spread is believable (499, 1 990, 24 990) and no floating point decides a price.
PRICE_LADDER: tuple[int, ...] = (
    99, 149, 199, 249, 299, 349, 399, 449, 499, 599, 699, 799, 899, 999, 1190, 1290, 1490,
    1690, 1990, 2290, 2490, 2790, 2990, 3490, 3990, 4490, 4990, 5490, 5990, 6990, 7990,
    8990, 9990, 11990, 12990, 14990, 16990, 18990, 19990, 22990, 24990, 27990, 29990,
    34990, 39990, 44990, 49990, 54990, 59990, 64990, 69990, 79990, 89990, 99990, 109990,
    119990, 129990, 149990, 169990, 189990, 219990, 249990,
)  # fmt: skip

# How each attribute is called in a description: (Russian, English).
ATTRIBUTE_LABELS: dict[str, tuple[str, str]] = {
    "brand": ("Бренд", "Brand"),
    "colour": ("Цвет", "Colour"),
    "audience": ("Пол", "For"),
    "set_size": ("Предметов в наборе", "Pieces in the set"),
    "storage": ("Встроенная память", "Storage"),
    "ram": ("Оперативная память", "RAM"),
    "screen": ("Экран", "Screen"),
    "warranty": ("Гарантия", "Warranty"),
    "connection": ("Подключение", "Connection"),
    "battery": ("Автономность", "Battery life"),
    "diagonal": ("Диагональ", "Screen size"),
    "resolution": ("Разрешение", "Resolution"),
    "platform": ("Платформа", "Platform"),
    "display": ("Дисплей", "Display"),
    "material": ("Материал", "Material"),
    "style": ("Стиль", "Style"),
    "volume": ("Объем", "Volume"),
    "dishwasher_safe": ("Можно мыть в посудомоечной машине", "Dishwasher safe"),
    "size": ("Размер", "Size"),
    "length": ("Длина", "Length"),
    "power": ("Мощность", "Power"),
    "light": ("Цвет свечения", "Light colour"),
    "season": ("Сезон", "Season"),
    "wheel": ("Диаметр колес", "Wheel size"),
    "speeds": ("Число скоростей", "Speeds"),
    "weight": ("Вес", "Weight"),
    "area": ("Назначение", "Use"),
    "skin": ("Тип кожи", "Skin type"),
    "age": ("Возраст", "Age"),
    "pieces": ("Количество деталей", "Pieces"),
    "author": ("Автор", "Author"),
    "publisher": ("Издательство", "Publisher"),
    "year": ("Год издания", "Published"),
    "pages": ("Страниц", "Pages"),
    "cover": ("Переплет", "Binding"),
    "language": ("Язык", "Language"),
    "provider": ("Исполнитель", "Provider"),
    "format": ("Формат", "Format"),
    "duration": ("Длительность", "Duration"),
    "team": ("Исполнители", "Team"),
    "level": ("Уровень", "Level"),
    "result": ("Результат", "Result"),
}
# Attributes a title names with their label: "размер 42", not a bare "42".
LABELLED_IN_TITLE = frozenset({"size"})

# --- shared words ------------------------------------------------------------------------

A = adjective  # the tables below read better short

BLACK, WHITE, GREY = A("черный", "black"), A("белый", "white"), A("серый", "grey")
BLUE, RED, GREEN = A("синий", "blue"), A("красный", "red"), A("зеленый", "green")
BEIGE, PINK, BROWN = A("бежевый", "beige"), A("розовый", "pink"), A("коричневый", "brown")
SILVER, GOLD = A("серебристый", "silver"), A("золотистый", "gold")
LIGHT_BLUE, PURPLE = A("голубой", "light blue"), A("фиолетовый", "purple")
GRAPHITE, ORANGE = A("графитовый", "graphite"), A("оранжевый", "orange")

GADGET_COLOURS = (BLACK, WHITE, GRAPHITE, SILVER, BLUE, GREEN, PURPLE, GOLD)
CLOTHES_COLOURS = (BLACK, WHITE, GREY, BLUE, BEIGE, RED, GREEN, BROWN, PINK, LIGHT_BLUE)
HOME_COLOURS = (WHITE, BLACK, GREY, BEIGE, BROWN, GREEN, BLUE)
SPORT_COLOURS = (BLACK, RED, BLUE, GREEN, ORANGE, GREY, WHITE)
BRIGHT_COLOURS = (RED, BLUE, GREEN, PINK, ORANGE, PURPLE, LIGHT_BLUE, WHITE)

MENS, WOMENS = A("мужской", "men's"), A("женский", "women's")
KIDS = A("детский", "kids'")

WARRANTY = spec("warranty", "6 мес.|12 мес.|24 мес.", english="6 months|12 months|24 months")
CLOTHES_SIZES = spec("size", "XS|S|M|L|XL|XXL", in_title=True)
SHOE_SIZES = spec("size", "36|37|38|39|40|41|42|43|44|45", in_title=True)
FABRICS = spec("material", "хлопок|шерсть|полиэстер|лен|вискоза|шелк",
               english="cotton|wool|polyester|linen|viscose|silk")

# --- the tree --------------------------------------------------------------------------

ELECTRONICS = Top("electronics", "Электроника", (25, 118, 210), (
    Leaf("smartphones", "Смартфоны", 95, (6990, 149990), "circle", Goods(
        nouns=(noun("m", "смартфон|смартфона|смартфоны|смартфонов", "smartphone|smartphones"),),
        adjectives=(A("игровой", "gaming"), A("компактный", "compact"),
                    A("защищенный", "rugged")),
        makers=brands("Samsung: Galaxy A#5, Galaxy S2#, Galaxy M#4",
                      "Xiaomi: Redmi Note 1#, Redmi 1#C, Poco X#",
                      "Honor: X#b, #0 Lite, Magic #", "realme: C#5, #1 Pro, GT Neo #",
                      "Tecno: Spark 2#, Camon 3#", "Huawei: nova 1#, Pura #0"),
        colours=GADGET_COLOURS,
        specs=(spec("storage", "64 ГБ|128 ГБ|256 ГБ|512 ГБ", in_title=True,
                    english="64 GB|128 GB|256 GB|512 GB"),
               spec("ram", "4 ГБ|6 ГБ|8 ГБ|12 ГБ", english="4 GB|6 GB|8 GB|12 GB"),
               spec("screen", "6,1\"|6,5\"|6,7\"|6,8\"", english="6.1\"|6.5\"|6.7\"|6.8\""),
               WARRANTY),
        about_ru=("Один из самых популярных смартфонов {brand}: яркий экран, быстрая "
                  "зарядка и камера для съемки ночью.",
                  "{This} {noun} справится с играми, видео и работой весь день без "
                  "подзарядки.",
                  "Чехол и защитное стекло для смартфона можно подобрать в том же "
                  "разделе."),
        about_en=("A {brand} smartphone with a bright screen, fast charging and a "
                  "night-mode camera.",
                  "This {noun} lasts a full day of games, video and work on one charge."),
        english_share=45)),
    Leaf("laptops", "Ноутбуки", 70, (27990, 249990), "square", Goods(
        nouns=(noun("m", "ноутбук|ноутбука|ноутбуки|ноутбуков", "laptop|laptops"),),
        adjectives=(A("игровой", "gaming"), A("ультратонкий", "ultra-thin"),
                    A("легкий", "lightweight"), A("офисный", "office")),
        makers=brands("Lenovo: IdeaPad Slim #, ThinkPad E1#, Legion #",
                      "ASUS: VivoBook 1#, ZenBook 1#, TUF Gaming F1#",
                      "HP: Pavilion 1#, Victus 1#", "Acer: Aspire #, Nitro V 1#",
                      "Huawei: MateBook D 1#", "MSI: Modern 1#, Katana 1#"),
        colours=(BLACK, GREY, SILVER, BLUE, WHITE),
        specs=(spec("screen", "14\"|15,6\"|16\"", in_title=True, english="14\"|15.6\"|16\""),
               spec("ram", "8 ГБ|16 ГБ|32 ГБ", in_title=True, english="8 GB|16 GB|32 GB"),
               spec("storage", "SSD 256 ГБ|SSD 512 ГБ|SSD 1 ТБ",
                    english="256 GB SSD|512 GB SSD|1 TB SSD"),
               WARRANTY),
        about_ru=("Ноутбук для учебы, работы и несложных игр: тихое охлаждение и "
                  "клавиатура с подсветкой.",
                  "Среди ноутбуков {brand} эта модель выделяется автономностью до 10 "
                  "часов.",
                  "Легкий корпус: {such} {noun} удобно носить с собой каждый день."),
        about_en=("A {brand} laptop for study, work and light gaming, with a quiet fan "
                  "and a backlit keyboard.",
                  "Up to 10 hours on battery: one of the longest-lasting laptops of its "
                  "class."),
        english_share=45)),
    Leaf("headphones", "Наушники", 80, (599, 44990), "ring", Goods(
        nouns=(noun("pl", "наушники|наушников|наушники|наушников", "headphones"),
               noun("f", "гарнитура|гарнитуры|гарнитуры|гарнитур", "headset|headsets")),
        adjectives=(A("беспроводной", "wireless"), A("спортивный", "sports"),
                    A("игровой", "gaming"), A("водонепроницаемый", "waterproof")),
        makers=brands("Sony: WH-1000XM#, WF-C#00, WH-CH#20", "JBL: Tune #20, Live #60",
                      "Sennheiser: HD #50, Momentum #", "Huawei: FreeBuds #",
                      "Marshall: Major #, Minor #", "Xiaomi: Buds #"),
        colours=(BLACK, WHITE, BLUE, PINK, GREY, GREEN),
        prices={"гарнитура": (599, 9990)},
        specs=(spec("connection", "Bluetooth 5.3|Bluetooth 5.0|проводное",
                    english="Bluetooth 5.3|Bluetooth 5.0|wired"),
               spec("battery", "до 20 ч|до 30 ч|до 50 ч",
                    english="up to 20 h|up to 30 h|up to 50 h"),
               WARRANTY),
        about_ru=("Чистый звук с глубокими басами и шумоподавлением: метро больше не "
                  "слышно.",
                  "Удобная посадка: носить можно часами, а зарядки хватает на неделю "
                  "поездок.",
                  "Подключаются к смартфону и ноутбуку одновременно."),
        about_en=("Clean sound with deep bass and noise cancelling: you will not hear the "
                  "underground.",
                  "Pairs with your phone and laptop at the same time."),
        english_share=40)),
    Leaf("tv", "Телевизоры", 50, (12990, 219990), "square", Goods(
        nouns=(noun("m", "телевизор|телевизора|телевизоры|телевизоров", "TV|TVs"),),
        adjectives=(A("умный", "smart"), A("безрамочный", "frameless")),
        makers=brands("Samsung: UE{diagonal}CU7100U, QE{diagonal}Q60C",
                      "LG: {diagonal}UR78006LK, OLED{diagonal}C#",
                      "Hisense: {diagonal}A6K, {diagonal}U7K",
                      "TCL: {diagonal}P7#5, {diagonal}C6#5",
                      "Xiaomi: TV A {diagonal} 202#", "Haier: {diagonal} Smart TV S#"),
        colours=(BLACK, SILVER, GREY),
        specs=(spec("diagonal", "32\"|43\"|50\"|55\"|65\"|75\"", in_title=True),
               spec("resolution", "Full HD|4K UHD|4K UHD|8K"),
               spec("platform", "Android TV|Tizen|webOS|Яндекс ТВ",
                    english="Android TV|Tizen|webOS|Yandex TV"),
               WARRANTY),
        about_ru=("Телевизор с ярким изображением и поддержкой HDR: фильмы выглядят как в "
                  "кинотеатре.",
                  "Голосовой поиск и все онлайн-кинотеатры в одном меню.",
                  "Кронштейн и установка телевизора на стену доступны в разделе услуг."),
        about_en=("A TV with a bright HDR picture: films look like they do in the cinema.",
                  "Voice search and every streaming service in one menu."),
        english_share=35)),
    Leaf("smartwatches", "Умные часы", 50, (1490, 59990), "ring", Goods(
        nouns=(noun("pl", "умные часы|умных часов|умные часы|умных часов",
                    "smartwatch|smartwatches"),
               noun("m", "фитнес-браслет|фитнес-браслета|фитнес-браслеты|фитнес-браслетов",
                    "fitness tracker|fitness trackers")),
        adjectives=(A("спортивный", "sports"), A("детский", "kids'"),
                    A("водонепроницаемый", "waterproof")),
        makers=brands("Huawei: Watch GT #, Band #", "Amazfit: Bip #, GTR #, Balance",
                      "Samsung: Galaxy Watch#", "Xiaomi: Smart Band #, Watch S#",
                      "Garmin: Forerunner #55, Venu #"),
        colours=(BLACK, SILVER, PINK, GREEN, BLUE, WHITE),
        only={"Garmin": ("умные часы",), "Samsung": ("умные часы",)},
        prices={"фитнес-браслет": (1490, 9990), "умные часы": (2990, 59990)},
        specs=(spec("display", "AMOLED 1,4\"|AMOLED 1,8\"|LCD 1,6\"",
                    english="AMOLED 1.4\"|AMOLED 1.8\"|LCD 1.6\""),
               spec("battery", "до 7 дней|до 14 дней|до 21 дня",
                    english="up to 7 days|up to 14 days|up to 21 days"),
               WARRANTY),
        about_ru=("Считают шаги, пульс и сон, показывают уведомления со смартфона.",
                  "Более 100 спортивных режимов и защита от воды: в часах можно плавать."),
        about_en=("Counts steps, heart rate and sleep; shows your phone's notifications.",
                  "Over 100 sports modes and water resistance: swim with them on."),
        english_share=40)),
))

HOME = Top("home", "Дом и сад", (56, 142, 60), (
    Leaf("furniture", "Мебель", 70, (1490, 129990), "square", Goods(
        nouns=(noun("m", "стол|стола|столы|столов", "table|tables"),
               noun("m", "стул|стула|стулья|стульев", "chair|chairs"),
               noun("n", "кресло|кресла|кресла|кресел", "armchair|armchairs"),
               noun("m", "шкаф|шкафа|шкафы|шкафов", "wardrobe|wardrobes"),
               noun("m", "диван|дивана|диваны|диванов", "sofa|sofas"),
               noun("m", "стеллаж|стеллажа|стеллажи|стеллажей", "shelving unit|shelving units"),
               noun("m", "комод|комода|комоды|комодов", "chest of drawers|chests of drawers")),
        adjectives=(A("деревянный", "wooden"), A("офисный", "office"), A("складной", "folding"),
                    A("угловой", "corner"), A("компьютерный", "computer"),
                    A("раскладной", "extendable")),
        makers=brands("IKEA", "Hoff", "Askona", "Шатура", "Лазурит", "Stool Group"),
        colours=HOME_COLOURS,
        only={"деревянный": ("стол", "стул", "стеллаж", "комод", "шкаф"),
              "офисный": ("стол", "стул", "кресло", "шкаф", "стеллаж"),
              "складной": ("стол", "стул"), "угловой": ("диван", "шкаф", "стол"),
              "компьютерный": ("стол", "кресло"), "раскладной": ("диван", "стол"),
              "Askona": ("диван", "кресло"), "Stool Group": ("стул", "стол", "кресло")},
        prices={"стол": (2990, 49990), "стул": (990, 9990), "кресло": (4990, 59990),
                "шкаф": (7990, 89990), "диван": (19990, 129990), "стеллаж": (1490, 19990),
                "комод": (4990, 39990)},
        specs=(spec("material", "массив дуба|массив сосны|МДФ|ЛДСП|металл",
                    english="solid oak|solid pine|MDF|chipboard|metal"),
               spec("style", "лофт|скандинавский|классика|минимализм",
                    english="loft|Scandinavian|classic|minimalist"),
               WARRANTY),
        about_ru=("Мебель для дома и офиса: прочный каркас и простая сборка за час.",
                  "{Such} {noun} легко впишется в интерьер в скандинавском стиле.",
                  "Сборка мебели мастером доступна в разделе услуг."),
        about_en=("Sturdy frame and an hour's assembly: for home or office.",
                  "This {noun} fits a Scandinavian interior."),
        english_share=15)),
    Leaf("cookware", "Посуда", 80, (199, 24990), "circle", Goods(
        nouns=(noun("f", "кастрюля|кастрюли|кастрюли|кастрюль", "saucepan|saucepans"),
               noun("f", "сковорода|сковороды|сковороды|сковород", "frying pan|frying pans"),
               noun("m", "чайник|чайника|чайники|чайников", "kettle|kettles"),
               noun("f", "тарелка|тарелки|тарелки|тарелок", "plate|plates"),
               noun("f", "кружка|кружки|кружки|кружек", "mug|mugs"),
               noun("m", "бокал|бокала|бокалы|бокалов", "wine glass|wine glasses")),
        adjectives=(A("керамический", "ceramic"), A("эмалированный", "enamelled"),
                    A("антипригарный", "non-stick"), A("стеклянный", "glass"),
                    A("чугунный", "cast-iron")),
        makers=brands("Tefal", "Rondell", "Fissman", "Luminarc", "Bork", "Нева Металл Посуда"),
        colours=(WHITE, BLACK, GREY, RED, GREEN, BLUE),
        only={"антипригарный": ("сковорода", "кастрюля"),
              "эмалированный": ("кастрюля", "чайник", "кружка"),
              "чугунный": ("сковорода", "кастрюля"),
              "стеклянный": ("чайник", "тарелка", "кружка", "бокал"),
              "керамический": ("тарелка", "кружка", "кастрюля", "сковорода"),
              "Tefal": ("сковорода", "кастрюля", "чайник"),
              "Rondell": ("сковорода", "кастрюля", "чайник"),
              "Luminarc": ("тарелка", "кружка", "бокал"), "Bork": ("чайник",),
              "Нева Металл Посуда": ("сковорода", "кастрюля"),
              "volume": ("кастрюля", "чайник", "кружка")},
        prices={"кастрюля": (990, 7990), "сковорода": (990, 9990), "чайник": (1490, 14990),
                "тарелка": (199, 1490), "кружка": (199, 999), "бокал": (199, 1490)},
        specs=(spec("volume", "0,3 л|1,5 л|2 л|3 л|5 л", english="0.3 l|1.5 l|2 l|3 l|5 l"),
               spec("dishwasher_safe", "да|нет", english="yes|no")),
        about_ru=("Посуда на каждый день: не боится посудомоечной машины.",
                  "Прочная посуда, которая прослужит много лет и не потеряет вид.",
                  "Подходит и для будней, и для праздничного стола."),
        about_en=("Everyday kitchenware, dishwasher safe.",
                  "Durable, and made to keep its looks for years."),
        english_share=15,
        set_sizes=(2, 3, 4, 6, 12))),
    Leaf("textiles", "Текстиль", 60, (299, 19990), "stripes", Goods(
        nouns=(noun("m", "плед|пледа|пледы|пледов", "throw blanket|throw blankets"),
               noun("f", "подушка|подушки|подушки|подушек", "pillow|pillows"),
               noun("n", "одеяло|одеяла|одеяла|одеял", "duvet|duvets"),
               noun("n", "полотенце|полотенца|полотенца|полотенец", "towel|towels"),
               noun("m", "комплект постельного белья|комплекта постельного белья|"
                         "комплекты постельного белья|комплектов постельного белья",
                    "bed linen set|bed linen sets"),
               noun("f", "штора|шторы|шторы|штор", "curtain|curtains")),
        adjectives=(A("хлопковый", "cotton"), A("махровый", "terry"), A("мягкий", "soft"),
                    A("теплый", "warm"), A("бамбуковый", "bamboo")),
        makers=brands("Togas", "Cleanelly", "Arya", "Текс-Дизайн", "Самойловский текстиль"),
        colours=HOME_COLOURS,
        only={"махровый": ("полотенце",), "теплый": ("плед", "одеяло"),
              "мягкий": ("плед", "подушка", "полотенце"),
              "бамбуковый": ("одеяло", "подушка", "полотенце")},
        prices={"плед": (990, 7990), "подушка": (499, 4990), "одеяло": (1490, 12990),
                "полотенце": (299, 2490), "комплект постельного белья": (1990, 19990),
                "штора": (799, 6990)},
        specs=(spec("size", "50×70|70×140|140×200|200×220", in_title=True),
               spec("material", "хлопок|сатин|бамбук|микрофибра|лен",
                    english="cotton|sateen|bamboo|microfibre|linen")),
        about_ru=("Мягкий текстиль для спальни и ванной: не линяет после стирки.",
                  "Пледы, подушки и полотенца из одной коллекции отлично смотрятся вместе."),
        about_en=("Soft textiles for bedroom and bathroom that keep their colour wash after "
                  "wash.",),
        english_share=10,
        set_sizes=(2, 3, 4))),
    Leaf("garden", "Сад и огород", 60, (199, 49990), "triangle", Goods(
        nouns=(noun("f", "лопата|лопаты|лопаты|лопат", "shovel|shovels"),
               noun("pl", "грабли|граблей|грабли|граблей", "rake|rakes"),
               noun("m", "секатор|секатора|секаторы|секаторов", "pruner|pruners"),
               noun("m", "шланг|шланга|шланги|шлангов", "garden hose|garden hoses"),
               noun("f", "газонокосилка|газонокосилки|газонокосилки|газонокосилок",
                    "lawn mower|lawn mowers"),
               noun("f", "лейка|лейки|лейки|леек", "watering can|watering cans"),
               noun("m", "триммер|триммера|триммеры|триммеров", "grass trimmer|grass trimmers")),
        adjectives=(A("садовый", "garden"), A("электрический", "electric"),
                    A("аккумуляторный", "cordless"), A("складной", "folding"),
                    A("облегченный", "lightweight")),
        makers=brands("Gardena", "Fiskars", "Bosch", "Palisad", "Greenworks", "Patriot"),
        colours=(GREEN, ORANGE, BLACK, RED, GREY),
        only={"электрический": ("газонокосилка", "триммер"),
              "аккумуляторный": ("газонокосилка", "триммер", "секатор"),
              "складной": ("лопата",), "облегченный": ("лопата", "грабли"),
              "Greenworks": ("газонокосилка", "триммер"),
              "Patriot": ("газонокосилка", "триммер"),
              "Bosch": ("газонокосилка", "триммер", "секатор"),
              "Fiskars": ("лопата", "грабли", "секатор"),
              "power": ("газонокосилка", "триммер")},
        prices={"лопата": (499, 2990), "грабли": (399, 1990), "секатор": (499, 3990),
                "шланг": (499, 4990), "газонокосилка": (7990, 49990), "лейка": (199, 1490),
                "триммер": (2990, 19990)},
        specs=(spec("power", "1000 Вт|1400 Вт|1800 Вт|36 В",
                    english="1000 W|1400 W|1800 W|36 V"),
               WARRANTY),
        about_ru=("Инструмент для сада и огорода: удобная рукоять и защита от коррозии.",
                  "С таким инвентарем работа на даче займет вдвое меньше времени."),
        about_en=("A garden tool with a comfortable grip and a rust-proof finish.",),
        english_share=15)),
    Leaf("lighting", "Освещение", 50, (249, 39990), "star", Goods(
        nouns=(noun("f", "лампа|лампы|лампы|ламп", "lamp|lamps"),
               noun("m", "светильник|светильника|светильники|светильников",
                    "light fixture|light fixtures"),
               noun("f", "люстра|люстры|люстры|люстр", "chandelier|chandeliers"),
               noun("m", "торшер|торшера|торшеры|торшеров", "floor lamp|floor lamps"),
               noun("f", "гирлянда|гирлянды|гирлянды|гирлянд", "string lights|string lights")),
        adjectives=(A("настольный", "desk"), A("светодиодный", "LED"),
                    A("потолочный", "ceiling"), A("умный", "smart"), A("уличный", "outdoor")),
        makers=brands("Philips", "Yeelight", "Gauss", "Эра", "Lightstar", "Citilux"),
        colours=(WHITE, BLACK, GOLD, SILVER, BEIGE),
        only={"настольный": ("лампа", "светильник"), "потолочный": ("светильник", "люстра"),
              "умный": ("лампа", "светильник", "гирлянда"),
              "уличный": ("светильник", "гирлянда")},
        prices={"лампа": (249, 4990), "светильник": (499, 9990), "люстра": (2990, 39990),
                "торшер": (1990, 14990), "гирлянда": (299, 2990)},
        specs=(spec("light", "теплый 2700 K|нейтральный 4000 K|холодный 6500 K",
                    english="warm 2700 K|neutral 4000 K|cold 6500 K"),
               spec("power", "7 Вт|12 Вт|24 Вт|60 Вт", english="7 W|12 W|24 W|60 W")),
        about_ru=("Ровный свет без мерцания: глаза не устают даже вечером.",
                  "Монтаж люстры и светильников закажите в разделе услуг."),
        about_en=("Even, flicker-free light that is easy on the eyes.",),
        english_share=15)),
))

CLOTHING = Top("clothing", "Одежда и обувь", (216, 27, 96), (
    Leaf("mens", "Мужская одежда", 80, (499, 29990), "triangle", Goods(
        nouns=(noun("f", "куртка|куртки|куртки|курток", "jacket|jackets"),
               noun("f", "рубашка|рубашки|рубашки|рубашек", "shirt|shirts"),
               noun("pl", "джинсы|джинсов|джинсы|джинсов", "jeans"),
               noun("m", "свитер|свитера|свитера|свитеров", "sweater|sweaters"),
               noun("f", "футболка|футболки|футболки|футболок", "T-shirt|T-shirts"),
               noun("pl", "брюки|брюк|брюки|брюк", "trousers"),
               noun("m", "пуховик|пуховика|пуховики|пуховиков", "down jacket|down jackets")),
        adjectives=(A("зимний", "winter"), A("демисезонный", "all-season"),
                    A("хлопковый", "cotton"), A("шерстяной", "wool"),
                    A("классический", "classic"), A("утепленный", "insulated")),
        makers=brands("Columbia", "Levi's", "Gloria Jeans", "Zolla", "Finn Flare", "O'stin",
                      "Baon"),
        colours=CLOTHES_COLOURS,
        only={"зимний": ("куртка", "пуховик", "брюки"), "демисезонный": ("куртка",),
              "шерстяной": ("свитер", "брюки"),
              "хлопковый": ("рубашка", "футболка", "брюки"),
              "утепленный": ("куртка", "брюки", "джинсы"),
              "классический": ("рубашка", "брюки", "джинсы"),
              "Levi's": ("джинсы", "рубашка", "куртка", "футболка"),
              "Columbia": ("куртка", "пуховик", "брюки", "футболка", "свитер")},
        prices={"куртка": (2990, 24990), "рубашка": (999, 5990), "джинсы": (1490, 9990),
                "свитер": (1490, 9990), "футболка": (499, 2990), "брюки": (1490, 7990),
                "пуховик": (4990, 29990)},
        specs=(CLOTHES_SIZES, FABRICS),
        about_ru=("Удобная посадка и качественные швы: вещь прослужит не один сезон.",
                  "Легко сочетается с другими вещами гардероба.",
                  "Стирка при 30 °C, сохраняет форму после стирки."),
        about_en=("A comfortable fit and quality seams that last more than one season.",
                  "Machine wash at 30 °C; keeps its shape."),
        english_share=15,
        postpositive=True,
        audiences=(MENS,))),
    Leaf("womens", "Женская одежда", 90, (499, 34990), "circle", Goods(
        nouns=(noun("n", "платье|платья|платья|платьев", "dress|dresses"),
               noun("f", "блузка|блузки|блузки|блузок", "blouse|blouses"),
               noun("f", "юбка|юбки|юбки|юбок", "skirt|skirts"),
               # Indeclinable: the same word in every case.
               noun("n", "пальто|пальто|пальто|пальто", "coat|coats"),
               noun("m", "джемпер|джемпера|джемперы|джемперов", "jumper|jumpers"),
               noun("m", "кардиган|кардигана|кардиганы|кардиганов", "cardigan|cardigans"),
               noun("f", "куртка|куртки|куртки|курток", "jacket|jackets")),
        adjectives=(A("летний", "summer"), A("вязаный", "knitted"), A("шелковый", "silk"),
                    A("льняной", "linen"), A("свободный", "loose-fit"), A("зимний", "winter")),
        makers=brands("Zarina", "Love Republic", "Befree", "Incity", "Mango", "Concept Club"),
        colours=CLOTHES_COLOURS,
        only={"летний": ("платье", "блузка", "юбка"),
              "вязаный": ("платье", "джемпер", "кардиган"),
              "шелковый": ("платье", "блузка", "юбка"), "льняной": ("платье", "блузка", "юбка"),
              "зимний": ("пальто", "куртка")},
        prices={"платье": (1490, 14990), "блузка": (999, 5990), "юбка": (999, 6990),
                "пальто": (5990, 34990), "джемпер": (1490, 7990), "кардиган": (1490, 7990),
                "куртка": (2990, 24990)},
        specs=(CLOTHES_SIZES, FABRICS),
        about_ru=("Легкая ткань и свободный крой: удобно и в офисе, и на прогулке.",
                  "Платья, юбки и блузки этой коллекции легко сочетать между собой.",
                  "Модель садится по фигуре и не мнется в поездке."),
        about_en=("A light fabric and a relaxed cut, for the office and for a walk.",
                  "Mix and match with the rest of the collection."),
        english_share=15,
        postpositive=True,
        audiences=(WOMENS,))),
    Leaf("shoes", "Обувь", 80, (999, 24990), "diamond", Goods(
        nouns=(noun("pl", "кроссовки|кроссовок|кроссовки|кроссовок", "sneakers"),
               noun("pl", "ботинки|ботинок|ботинки|ботинок", "boots"),
               noun("pl", "сапоги|сапог|сапоги|сапог", "high boots"),
               noun("pl", "туфли|туфель|туфли|туфель", "shoes"),
               noun("pl", "кеды|кед|кеды|кед", "canvas shoes"),
               noun("pl", "сандалии|сандалий|сандалии|сандалий", "sandals")),
        adjectives=(A("кожаный", "leather"), A("беговой", "running"), A("зимний", "winter"),
                    A("замшевый", "suede"), A("легкий", "lightweight")),
        makers=brands("Nike: Air Max #0, Pegasus #0", "Adidas: Ultraboost #, Samba",
                      "Puma: Suede, RS-X", "ECCO", "Ralf Ringer", "Converse: Chuck #0",
                      "Salomon: XT-#"),
        colours=(BLACK, WHITE, BROWN, GREY, BEIGE, BLUE, RED),
        only={"беговой": ("кроссовки",), "замшевый": ("ботинки", "туфли", "сапоги"),
              "зимний": ("ботинки", "сапоги", "кроссовки"),
              "кожаный": ("ботинки", "туфли", "сапоги", "кроссовки", "сандалии"),
              "Converse": ("кеды",), "Salomon": ("кроссовки", "ботинки"),
              "Puma": ("кроссовки", "кеды"), "Nike": ("кроссовки",),
              "Adidas": ("кроссовки", "кеды")},
        prices={"кеды": (999, 7990), "сандалии": (999, 6990)},
        specs=(SHOE_SIZES,
               spec("material", "натуральная кожа|замша|текстиль|искусственная кожа",
                    english="genuine leather|suede|textile|faux leather"),
               spec("season", "лето|зима|демисезон", english="summer|winter|all-season")),
        about_ru=("Амортизирующая подошва: ноги не устают даже после долгой прогулки.",
                  "Обувь по размеру: посмотрите таблицу размеров перед заказом.",
                  "Водоотталкивающая пропитка защищает от дождя и слякоти."),
        about_en=("A cushioned sole: your feet will not get tired.",
                  "Water-repellent, for rain and slush."),
        english_share=25,
        postpositive=True,
        audiences=(MENS, WOMENS))),
    Leaf("accessories", "Аксессуары", 60, (299, 29990), "hexagon", Goods(
        nouns=(noun("m", "рюкзак|рюкзака|рюкзаки|рюкзаков", "backpack|backpacks"),
               noun("f", "сумка|сумки|сумки|сумок", "bag|bags"),
               noun("m", "ремень|ремня|ремни|ремней", "belt|belts"),
               noun("m", "шарф|шарфа|шарфы|шарфов", "scarf|scarves"),
               noun("pl", "перчатки|перчаток|перчатки|перчаток", "gloves"),
               noun("m", "кошелек|кошелька|кошельки|кошельков", "wallet|wallets")),
        adjectives=(A("кожаный", "leather"), A("городской", "city"), A("шерстяной", "wool"),
                    A("вместительный", "roomy"), A("водонепроницаемый", "waterproof")),
        makers=brands("Samsonite", "Eastpak", "Tony Perotti", "Lakestone", "Fjällräven"),
        colours=(BLACK, BROWN, GREY, BLUE, BEIGE, RED, GREEN),
        only={"шерстяной": ("шарф", "перчатки"),
              "кожаный": ("ремень", "сумка", "кошелек", "перчатки", "рюкзак"),
              "городской": ("рюкзак", "сумка"), "вместительный": ("рюкзак", "сумка", "кошелек"),
              "водонепроницаемый": ("рюкзак", "сумка"),
              "Samsonite": ("рюкзак", "сумка"), "Eastpak": ("рюкзак", "сумка"),
              "Fjällräven": ("рюкзак", "сумка"),
              "material": ("рюкзак", "сумка", "ремень", "кошелек", "перчатки")},
        prices={"рюкзак": (1490, 24990), "сумка": (990, 29990), "ремень": (499, 4990),
                "шарф": (299, 2990), "перчатки": (299, 3990), "кошелек": (499, 7990)},
        specs=(spec("material", "натуральная кожа|искусственная кожа|текстиль|шерсть",
                    english="genuine leather|faux leather|textile|wool"),),
        about_ru=("Аксессуар, который дополнит образ: качественная фурнитура и прочные "
                  "швы.",
                  "Подойдет и для повседневного образа, и в подарок."),
        about_en=("Quality hardware and strong seams to finish your look.",),
        english_share=25,
        audiences=(MENS, WOMENS))),
))

_FICTION_RU = (
    Work("А. С. Пушкин", "Евгений Онегин", "роман в стихах"),
    Work("А. С. Пушкин", "Капитанская дочка", "повесть"),
    Work("М. Ю. Лермонтов", "Герой нашего времени", "роман"),
    Work("Н. В. Гоголь", "Мертвые души", "поэма"),
    Work("Н. В. Гоголь", "Вечера на хуторе близ Диканьки", "сборник повестей"),
    Work("Л. Н. Толстой", "Война и мир", "роман-эпопея"),
    Work("Л. Н. Толстой", "Анна Каренина", "роман"),
    Work("Ф. М. Достоевский", "Преступление и наказание", "роман"),
    Work("Ф. М. Достоевский", "Идиот", "роман"),
    Work("Ф. М. Достоевский", "Братья Карамазовы", "роман"),
    Work("И. С. Тургенев", "Отцы и дети", "роман"),
    Work("А. П. Чехов", "Вишневый сад", "пьеса"),
    Work("А. П. Чехов", "Дама с собачкой и другие рассказы", "сборник рассказов"),
    Work("И. А. Гончаров", "Обломов", "роман"),
    Work("М. А. Булгаков", "Мастер и Маргарита", "роман"),
    Work("М. А. Булгаков", "Собачье сердце", "повесть"),
    Work("А. И. Куприн", "Гранатовый браслет", "повесть"),
    Work("И. А. Бунин", "Темные аллеи", "сборник рассказов"),
    Work("И. Ильф, Е. Петров", "Двенадцать стульев", "роман"),
    Work("Джейн Остин", "Гордость и предубеждение", "роман"),
    Work("Артур Конан Дойл", "Приключения Шерлока Холмса", "сборник рассказов"),
)
_FICTION_EN = (
    Work("Jane Austen", "Pride and Prejudice", "novel"),
    Work("Herman Melville", "Moby-Dick", "novel"),
    Work("Charles Dickens", "Great Expectations", "novel"),
    Work("Mary Shelley", "Frankenstein", "novel"),
    Work("Bram Stoker", "Dracula", "novel"),
    Work("Oscar Wilde", "The Picture of Dorian Gray", "novel"),
    Work("Arthur Conan Doyle", "The Adventures of Sherlock Holmes", "short stories"),
    Work("Mark Twain", "The Adventures of Tom Sawyer", "novel"),
    Work("Jack London", "The Call of the Wild", "novel"),
    Work("H. G. Wells", "The Time Machine", "novella"),
    Work("Charlotte Brontë", "Jane Eyre", "novel"),
    Work("Leo Tolstoy", "War and Peace", "novel"),
)
_NONFICTION_RU = tuple(
    Work(author, title, genre)
    for author, title, genre in (
        ("И. Петров", "Python для начинающих", "учебное пособие"),
        ("А. Смирнова", "Алгоритмы и структуры данных", "учебное пособие"),
        ("Д. Волков", "История России с древнейших времен", "научно-популярная книга"),
        ("Е. Орлова", "Основы финансовой грамотности", "практическое руководство"),
        ("М. Соколов", "Психология привычек", "научно-популярная книга"),
        ("Н. Лебедева", "Искусство публичных выступлений", "практическое руководство"),
        ("О. Кузнецова", "Здоровое питание на каждый день", "книга рецептов"),
        ("П. Морозов", "Как работает мозг", "научно-популярная книга"),
        ("С. Новикова", "Русская кухня: 300 рецептов", "книга рецептов"),
        ("Т. Федоров", "Атлас звездного неба", "атлас"),
        ("В. Егорова", "Тайм-менеджмент для занятых людей", "практическое руководство"),
    )
)
_NONFICTION_EN = tuple(
    Work(author, title, genre)
    for author, title, genre in (
        ("J. Carter", "Practical Python Programming", "guide"),
        ("E. Morgan", "Distributed Systems in Practice", "guide"),
        ("R. Patel", "The Art of Clear Writing", "guide"),
        ("S. Nakamura", "A Short History of Mathematics", "popular science"),
        ("L. Fischer", "Mindful Productivity", "self-help"),
        ("A. Novak", "Cooking for Beginners", "cookbook"),
    )
)
_KIDS_RU = (
    Work("А. С. Пушкин", "Сказка о рыбаке и рыбке", "сказка"),
    Work("А. С. Пушкин", "Сказка о царе Салтане", "сказка"),
    Work("К. И. Чуковский", "Мойдодыр", "стихи"),
    Work("К. И. Чуковский", "Доктор Айболит", "сказка"),
    Work("С. Я. Маршак", "Кошкин дом", "сказка"),
    Work("А. Н. Толстой", "Золотой ключик, или Приключения Буратино", "повесть-сказка"),
    Work("Н. Н. Носов", "Приключения Незнайки и его друзей", "повесть"),
    Work("", "Русские народные сказки", "сборник сказок"),
    Work("", "Колобок. Теремок. Репка", "сборник сказок"),
    Work("Г. Х. Андерсен", "Снежная королева", "сказка"),
)
_KIDS_EN = (
    Work("Lewis Carroll", "Alice's Adventures in Wonderland", "fairy tale"),
    Work("Beatrix Potter", "The Tale of Peter Rabbit", "picture book"),
    Work("J. M. Barrie", "Peter Pan", "fairy tale"),
    Work("Kenneth Grahame", "The Wind in the Willows", "novel"),
    Work("L. Frank Baum", "The Wonderful Wizard of Oz", "fairy tale"),
)
# Subject and the grades it is taught in; each grade comes as a book of one kind.
_SUBJECTS = (("Математика", (5, 6)), ("Алгебра", (7, 8, 9)), ("Русский язык", (5, 7, 9)),
             ("Литература", (6, 8)), ("Физика", (7, 9, 11)), ("Химия", (8, 11)),
             ("Биология", (6, 10)), ("География", (5, 9)), ("История России", (6, 10)),
             ("Английский язык", (3, 5, 9)), ("Информатика", (7, 11)))
_TEXTBOOK_KINDS = (("Учебник", "Коллектив авторов"), ("Рабочая тетрадь", "Е. Иванова"),
                   ("Контрольные работы", "А. Васильев"))
_TEXTBOOKS_RU = (
    *(
        Work(_TEXTBOOK_KINDS[grade % 3][1], f"{subject}. {grade} класс. "
             f"{_TEXTBOOK_KINDS[grade % 3][0]}", "учебник")
        for subject, grades in _SUBJECTS
        for grade in grades
    ),
    Work("М. Павлова", "ЕГЭ по математике. Типовые варианты", "пособие"),
    Work("М. Павлова", "ЕГЭ по русскому языку. Типовые варианты", "пособие"),
    Work("А. Васильев", "ОГЭ по физике. Тренировочные задания", "пособие"),
)
_TEXTBOOKS_EN = (
    Work("K. Brown", "English Grammar Practice. Level A2", "workbook"),
    Work("K. Brown", "English Grammar Practice. Level B1", "workbook"),
    Work("H. Wilson", "Vocabulary in Use. Intermediate", "textbook"),
    Work("H. Wilson", "IELTS Preparation Course", "textbook"),
)
PUBLISHERS_RU = ("Эксмо", "АСТ", "Азбука", "Питер", "МИФ", "Речь", "Просвещение")
PUBLISHERS_EN = ("Penguin Classics", "Vintage", "Oxford University Press", "Wordsworth",
                 "Cambridge University Press")

BOOKS = Top("books", "Книги", (121, 85, 72), (
    Leaf("fiction", "Художественная литература", 80, (249, 4990), "stripes",
         Books(_FICTION_RU, _FICTION_EN, PUBLISHERS_RU[:6], PUBLISHERS_EN[:4], (160, 1300))),
    Leaf("nonfiction", "Нон-фикшн", 50, (399, 3990), "square",
         Books(_NONFICTION_RU, _NONFICTION_EN, PUBLISHERS_RU[:6], PUBLISHERS_EN, (190, 640))),
    Leaf("kids-books", "Детские книги", 50, (149, 2490), "star",
         Books(_KIDS_RU, _KIDS_EN, ("Эксмо", "АСТ", "Махаон", "Росмэн", "Мелик-Пашаев"),
               PUBLISHERS_EN[:2], (16, 320))),
    Leaf("textbooks", "Учебники", 40, (249, 2990), "hexagon",
         Books(_TEXTBOOKS_RU, _TEXTBOOKS_EN, ("Просвещение", "Дрофа", "Легион", "Экзамен"),
               PUBLISHERS_EN[2:], (64, 320))),
))

SPORT = Top("sport", "Спорт и отдых", (245, 124, 0), (
    Leaf("bicycles", "Велосипеды и самокаты", 50, (2990, 169990), "circle", Goods(
        nouns=(noun("m", "велосипед|велосипеда|велосипеды|велосипедов", "bicycle|bicycles"),
               noun("m", "самокат|самоката|самокаты|самокатов", "kick scooter|kick scooters"),
               noun("m", "электросамокат|электросамоката|электросамокаты|электросамокатов",
                    "electric scooter|electric scooters")),
        adjectives=(A("горный", "mountain"), A("городской", "city"), A("детский", "kids'"),
                    A("складной", "folding"), A("шоссейный", "road")),
        makers=brands("Stels: Navigator #00, Miss #00", "Stern: Energy #.0, Motion #.0",
                      "Merida: Big.Nine #0, Crossway #0", "Forward: Sporting #.0",
                      "Ninebot: KickScooter E#", "Xiaomi: Mi # Pro, Mi # Lite"),
        colours=SPORT_COLOURS,
        only={"горный": ("велосипед",), "шоссейный": ("велосипед",),
              "детский": ("велосипед", "самокат"),
              "Stels": ("велосипед",), "Merida": ("велосипед",), "Forward": ("велосипед",),
              "Stern": ("велосипед", "самокат"), "Ninebot": ("электросамокат",),
              "Xiaomi": ("электросамокат",), "wheel": ("велосипед",),
              "speeds": ("велосипед",)},
        prices={"велосипед": (9990, 169990), "самокат": (2990, 14990),
                "электросамокат": (19990, 89990)},
        specs=(spec("wheel", "16\"|20\"|24\"|26\"|27,5\"|29\"", in_title=True,
                    english="16\"|20\"|24\"|26\"|27.5\"|29\""),
               spec("speeds", "1|7|18|21|24"),
               WARRANTY),
        about_ru=("Легкая алюминиевая рама и надежные дисковые тормоза.",
                  "Для прогулок по городу и поездок по лесным тропам.",
                  "Среди велосипедов и самокатов {brand} эта модель самая продаваемая."),
        about_en=("A light aluminium frame and reliable disc brakes.",
                  "For city rides and forest trails alike."),
        english_share=20)),
    Leaf("fitness", "Фитнес", 60, (199, 149990), "diamond", Goods(
        nouns=(noun("pl", "гантели|гантелей|гантели|гантелей", "dumbbells"),
               noun("m", "коврик для йоги|коврика для йоги|коврики для йоги|"
                         "ковриков для йоги", "yoga mat|yoga mats"),
               noun("f", "скакалка|скакалки|скакалки|скакалок", "jump rope|jump ropes"),
               noun("m", "эспандер|эспандера|эспандеры|эспандеров",
                    "resistance band|resistance bands"),
               noun("f", "беговая дорожка|беговой дорожки|беговые дорожки|беговых дорожек",
                    "treadmill|treadmills"),
               noun("f", "гиря|гири|гири|гирь", "kettlebell|kettlebells")),
        adjectives=(A("разборный", "adjustable"), A("профессиональный", "professional"),
                    A("нескользящий", "non-slip"), A("компактный", "compact")),
        makers=brands("Torres", "Demix", "Starfit", "Kettler", "Kingsmith", "Bradex"),
        colours=SPORT_COLOURS,
        only={"разборный": ("гантели",), "нескользящий": ("коврик для йоги",),
              "компактный": ("беговая дорожка",), "Kingsmith": ("беговая дорожка",),
              "Kettler": ("гантели", "беговая дорожка", "гиря"),
              "weight": ("гантели", "гиря")},
        prices={"гантели": (990, 14990), "коврик для йоги": (499, 4990),
                "скакалка": (199, 1490), "эспандер": (199, 1990),
                "беговая дорожка": (24990, 149990), "гиря": (990, 6990)},
        specs=(spec("weight", "1 кг|2 кг|5 кг|10 кг|16 кг|24 кг",
                    english="1 kg|2 kg|5 kg|10 kg|16 kg|24 kg"),),
        about_ru=("Для тренировок дома и в зале: надежный инвентарь на годы.",
                  "Занятия с гантелями и гирями укрепляют мышцы спины и рук."),
        about_en=("For workouts at home or in the gym; built to last for years.",),
        english_share=20)),
    Leaf("tourism", "Туризм", 60, (299, 59990), "triangle", Goods(
        nouns=(noun("f", "палатка|палатки|палатки|палаток", "tent|tents"),
               noun("m", "спальный мешок|спального мешка|спальные мешки|спальных мешков",
                    "sleeping bag|sleeping bags"),
               noun("m", "туристический рюкзак|туристического рюкзака|туристические рюкзаки|"
                         "туристических рюкзаков", "hiking backpack|hiking backpacks"),
               noun("m", "термос|термоса|термосы|термосов", "thermos|thermoses"),
               noun("m", "фонарь|фонаря|фонари|фонарей", "flashlight|flashlights")),
        adjectives=(A("кемпинговый", "camping"), A("трекинговый", "trekking"),
                    A("двухместный", "two-person"), A("легкий", "ultralight")),
        makers=brands("Tramp", "Outventure", "Nova Tour", "Stanley", "Coleman", "Fenix"),
        colours=(GREEN, ORANGE, BLUE, GREY, BLACK, RED),
        only={"двухместный": ("палатка",), "трекинговый": ("палатка", "туристический рюкзак"),
              "кемпинговый": ("палатка", "фонарь", "термос"),
              "Stanley": ("термос",), "Fenix": ("фонарь",),
              "season": ("палатка", "спальный мешок")},
        prices={"палатка": (2990, 39990), "спальный мешок": (1990, 14990),
                "туристический рюкзак": (2990, 19990), "термос": (899, 5990),
                "фонарь": (499, 7990)},
        specs=(spec("season", "летний|трехсезонный|всесезонный",
                    english="summer|three-season|four-season"),
               spec("weight", "0,5 кг|1,2 кг|2,5 кг|4 кг",
                    english="0.5 kg|1.2 kg|2.5 kg|4 kg")),
        about_ru=("Снаряжение для походов выходного дня и долгих путешествий.",
                  "Проверено в походах: надежные материалы и продуманные мелочи."),
        about_en=("Gear for weekend hikes and long journeys.",),
        english_share=20)),
    Leaf("winter", "Зимний спорт", 40, (999, 89990), "star", Goods(
        nouns=(noun("pl", "лыжи|лыж|лыжи|лыж", "skis"),
               noun("m", "сноуборд|сноуборда|сноуборды|сноубордов", "snowboard|snowboards"),
               noun("pl", "коньки|коньков|коньки|коньков", "skates"),
               noun("pl", "санки|санок|санки|санок", "sled|sleds"),
               noun("m", "шлем|шлема|шлемы|шлемов", "helmet|helmets")),
        adjectives=(A("горный", "alpine"), A("горнолыжный", "ski"),
                    A("беговой", "cross-country"), A("хоккейный", "hockey"),
                    A("фигурный", "figure"), A("детский", "kids'")),
        makers=brands("Fischer", "Atomic", "Burton", "Bauer", "Nordway", "Salomon"),
        colours=SPORT_COLOURS,
        only={"горный": ("лыжи",), "горнолыжный": ("шлем",), "беговой": ("лыжи",),
              "хоккейный": ("коньки", "шлем"), "фигурный": ("коньки",),
              "Burton": ("сноуборд", "шлем"), "Bauer": ("коньки", "шлем"),
              "Fischer": ("лыжи",), "Atomic": ("лыжи", "шлем"),
              "Salomon": ("лыжи", "сноуборд", "шлем"),
              "size": ("шлем",), "length": ("лыжи", "сноуборд")},
        prices={"лыжи": (4990, 59990), "сноуборд": (9990, 69990), "коньки": (2990, 29990),
                "санки": (999, 6990), "шлем": (2990, 19990)},
        specs=(spec("size", "S|M|L|XL"),
               spec("length", "140 см|150 см|160 см|170 см",
                    english="140 cm|150 cm|160 cm|170 cm")),
        about_ru=("Для катания на склоне, на катке и с горки: для всей семьи.",
                  "Лыжи, коньки и санки для всей семьи в одном разделе."),
        about_en=("For the slopes, the rink and the sledging hill: for the whole family.",),
        english_share=20)),
))

BEAUTY = Top("beauty", "Красота и здоровье", (142, 36, 170), (
    Leaf("skincare", "Уход за кожей", 70, (149, 7990), "circle", Goods(
        nouns=(noun("m", "крем|крема|кремы|кремов", "cream|creams"),
               noun("f", "сыворотка|сыворотки|сыворотки|сывороток", "serum|serums"),
               noun("f", "маска|маски|маски|масок", "face mask|face masks"),
               noun("m", "гель|геля|гели|гелей", "gel|gels"),
               noun("m", "лосьон|лосьона|лосьоны|лосьонов", "lotion|lotions")),
        adjectives=(A("увлажняющий", "moisturising"), A("ночной", "night"),
                    A("солнцезащитный", "sunscreen"), A("питательный", "nourishing"),
                    A("очищающий", "cleansing")),
        makers=brands("La Roche-Posay", "Vichy", "Nivea", "Garnier", "Натура Сиберика",
                      "Черный жемчуг"),
        colours=(),
        only={"солнцезащитный": ("крем", "лосьон"), "ночной": ("крем", "маска", "сыворотка"),
              "очищающий": ("гель", "маска", "лосьон")},
        specs=(spec("area", "для лица|для рук|для тела", in_title=True,
                    english="for face|for hands|for body"),
               spec("volume", "30 мл|50 мл|100 мл|200 мл", english="30 ml|50 ml|100 ml|200 ml"),
               spec("skin", "для всех типов кожи|для сухой кожи|для жирной кожи",
                    english="all skin types|dry skin|oily skin")),
        about_ru=("Увлажняет кожу на весь день и не оставляет жирного блеска.",
                  "Гипоаллергенная формула: подходит для чувствительной кожи.",
                  "Кремы и сыворотки {brand} проверены дерматологами."),
        about_en=("Keeps skin moisturised all day without a greasy shine.",
                  "Hypoallergenic, for sensitive skin."),
        english_share=25)),
    Leaf("perfume", "Парфюмерия", 50, (299, 19990), "diamond", Goods(
        nouns=(noun("f", "туалетная вода|туалетной воды|туалетные воды|туалетных вод",
                    "eau de toilette|eaux de toilette"),
               noun("f", "парфюмерная вода|парфюмерной воды|парфюмерные воды|"
                         "парфюмерных вод", "eau de parfum|eaux de parfum"),
               noun("pl", "духи|духов|духи|духов", "perfume|perfumes"),
               noun("m", "дезодорант|дезодоранта|дезодоранты|дезодорантов",
                    "deodorant|deodorants")),
        adjectives=(A("свежий", "fresh"), A("цветочный", "floral"), A("древесный", "woody"),
                    A("цитрусовый", "citrus")),
        makers=brands("Brocard", "Новая Заря", "Dilis", "Lacoste", "Antonio Banderas"),
        colours=(),
        prices={"дезодорант": (199, 999)},
        specs=(spec("volume", "30 мл|50 мл|75 мл|100 мл", in_title=True,
                    english="30 ml|50 ml|75 ml|100 ml"),),
        about_ru=("Стойкий аромат с нотами бергамота, кедра и мускуса.",
                  "Духи и туалетная вода во флаконе, который удобно взять с собой."),
        about_en=("A lasting scent with notes of bergamot, cedar and musk.",),
        english_share=30,
        audiences=(MENS, WOMENS))),
    Leaf("health", "Здоровье", 40, (199, 24990), "ring", Goods(
        nouns=(noun("m", "тонометр|тонометра|тонометры|тонометров",
                    "blood pressure monitor|blood pressure monitors"),
               noun("m", "термометр|термометра|термометры|термометров",
                    "thermometer|thermometers"),
               noun("m", "массажер|массажера|массажеры|массажеров", "massager|massagers"),
               noun("f", "зубная щетка|зубной щетки|зубные щетки|зубных щеток",
                    "toothbrush|toothbrushes"),
               noun("m", "ирригатор|ирригатора|ирригаторы|ирригаторов",
                    "water flosser|water flossers")),
        adjectives=(A("электрический", "electric"), A("электронный", "digital"),
                    A("автоматический", "automatic"), A("беспроводной", "cordless")),
        makers=brands("Omron: M#, MC-###", "B.Well: MED-##", "Oral-B: Pro #, iO #",
                      "Philips: Sonicare #00", "Beurer: BM ##", "Revyline: RL ###"),
        colours=(WHITE, BLACK, BLUE, PINK),
        only={"электрический": ("зубная щетка",), "электронный": ("термометр", "тонометр"),
              "автоматический": ("тонометр",), "беспроводной": ("массажер", "ирригатор"),
              "Omron": ("тонометр", "термометр"), "B.Well": ("тонометр", "термометр"),
              "Oral-B": ("зубная щетка", "ирригатор"), "Philips": ("зубная щетка", "ирригатор"),
              "Beurer": ("тонометр", "массажер", "термометр"),
              "Revyline": ("зубная щетка", "ирригатор")},
        prices={"тонометр": (1990, 9990), "термометр": (199, 2490), "массажер": (990, 14990),
                "зубная щетка": (990, 14990), "ирригатор": (2990, 12990)},
        specs=(WARRANTY,),
        about_ru=("Товары для здоровья всей семьи: надежно и просто в использовании.",
                  "Компактный: легко взять с собой в поездку."),
        about_en=("Health care for the whole family: reliable and easy to use.",),
        english_share=25)),
))

KIDS_GOODS = Top("kids", "Детские товары", (0, 137, 123), (
    Leaf("toys", "Игрушки", 70, (149, 14990), "star", Goods(
        nouns=(noun("f", "кукла|куклы|куклы|кукол", "doll|dolls"),
               noun("f", "машинка|машинки|машинки|машинок", "toy car|toy cars"),
               noun("m", "плюшевый мишка|плюшевого мишки|плюшевые мишки|плюшевых мишек",
                    "teddy bear|teddy bears"),
               noun("m", "мяч|мяча|мячи|мячей", "ball|balls"),
               noun("m", "пазл|пазла|пазлы|пазлов", "jigsaw puzzle|jigsaw puzzles"),
               noun("f", "настольная игра|настольной игры|настольные игры|настольных игр",
                    "board game|board games")),
        adjectives=(A("мягкий", "soft"), A("радиоуправляемый", "remote-controlled"),
                    A("развивающий", "educational"), A("деревянный", "wooden")),
        makers=brands("Hasbro", "Mattel", "Hot Wheels", "Ravensburger", "Мякиши",
                      "Десятое королевство"),
        colours=BRIGHT_COLOURS,
        only={"радиоуправляемый": ("машинка",), "мягкий": ("плюшевый мишка",),
              "деревянный": ("машинка", "пазл"),
              "Hot Wheels": ("машинка",), "Ravensburger": ("пазл", "настольная игра"),
              "Мякиши": ("плюшевый мишка",), "Десятое королевство": ("настольная игра", "пазл"),
              "Hasbro": ("настольная игра", "кукла"), "Mattel": ("кукла", "машинка"),
              "colour": ("кукла", "машинка", "плюшевый мишка", "мяч")},
        prices={"кукла": (499, 4990), "машинка": (299, 7990), "плюшевый мишка": (499, 3990),
                "мяч": (199, 1990), "пазл": (299, 2490), "настольная игра": (790, 4990)},
        specs=(spec("age", "от 1 года|от 3 лет|от 6 лет|от 8 лет",
                    english="1+|3+|6+|8+"),),
        about_ru=("Безопасные материалы и яркие цвета: игрушка для детей и всей семьи.",
                  "Развивает моторику, воображение и внимание.",
                  "Куклы, машинки и пазлы {brand} часто выбирают в подарок."),
        about_en=("Safe materials and bright colours, for children and the whole family.",),
        english_share=15)),
    Leaf("construction", "Конструкторы", 50, (399, 39990), "square", Goods(
        nouns=(noun("m", "конструктор|конструктора|конструкторы|конструкторов",
                    "building set|building sets"),),
        adjectives=(A("магнитный", "magnetic"), A("деревянный", "wooden"),
                    A("металлический", "metal"), A("развивающий", "educational")),
        makers=brands("LEGO: City 60###, Technic 42###, Friends 41###",
                      "Magformers: Basic Plus ##", "Город мастеров", "Brick: ####"),
        colours=(),
        specs=(spec("pieces", "120 деталей|350 деталей|800 деталей|1500 деталей",
                    in_title=True, english="120 pieces|350 pieces|800 pieces|1500 pieces"),
               spec("age", "от 4 лет|от 6 лет|от 8 лет|от 12 лет",
                    english="4+|6+|8+|12+")),
        about_ru=("Конструктор с понятной инструкцией: собрать можно за вечер вместе с "
                  "родителями.",
                  "Детали совместимы с другими наборами серии."),
        about_en=("Clear instructions: build it in an evening with your parents.",),
        english_share=20)),
    Leaf("baby", "Товары для малышей", 50, (199, 89990), "circle", Goods(
        nouns=(noun("f", "коляска|коляски|коляски|колясок", "stroller|strollers"),
               noun("n", "автокресло|автокресла|автокресла|автокресел", "car seat|car seats"),
               noun("pl", "подгузники|подгузников|подгузники|подгузников", "diapers"),
               noun("f", "бутылочка|бутылочки|бутылочки|бутылочек",
                    "baby bottle|baby bottles"),
               noun("f", "кроватка|кроватки|кроватки|кроваток", "cot|cots")),
        adjectives=(A("прогулочный", "lightweight"), A("анатомический", "ergonomic"),
                    A("складной", "folding"), A("детский", "baby")),
        makers=brands("Chicco", "Philips Avent", "Pampers", "Huggies", "Happy Baby",
                      "Cybex"),
        colours=(GREY, BEIGE, BLUE, PINK, WHITE),
        only={"прогулочный": ("коляска",), "анатомический": ("бутылочка", "автокресло"),
              "складной": ("коляска", "кроватка"), "детский": ("кроватка", "автокресло"),
              "Pampers": ("подгузники",), "Huggies": ("подгузники",),
              "Philips Avent": ("бутылочка",), "Cybex": ("коляска", "автокресло"),
              "Chicco": ("коляска", "автокресло", "бутылочка", "кроватка"),
              "colour": ("коляска", "автокресло", "кроватка")},
        prices={"коляска": (9990, 89990), "автокресло": (4990, 49990),
                "подгузники": (499, 2490), "бутылочка": (199, 1490),
                "кроватка": (4990, 29990)},
        specs=(spec("age", "0+|от 6 месяцев|от 1 года", english="0+|6 months+|1 year+"),),
        about_ru=("Все для малышей: безопасно, удобно и проверено родителями.",
                  "Гипоаллергенные материалы, безопасные для малышей с первых дней."),
        about_en=("Safe, practical and tested by parents.",),
        english_share=10)),
))

_LESSON_SUBJECTS = (
    noun("m", "английский язык|английского языка|английские языки|"
              "английских языков", "English"),
    noun("f", "математика|математики|математики|математик", "maths"),
    noun("f", "физика|физики|физики|физик", "physics"),
    noun("n", "программирование на Python|программирования на Python|"
              "программирования на Python|программирований на Python",
         "Python programming"),
    noun("f", "игра на гитаре|игры на гитаре|игры на гитаре|игр на гитаре",
         "guitar"),
    noun("pl", "шахматы|шахмат|шахматы|шахмат", "chess"),
)
_EVENTS = (
    noun("f", "свадьба|свадьбы|свадьбы|свадеб", "wedding"),
    noun("m", "день рождения|дня рождения|дни рождения|дней рождения",
         "birthday"),
    noun("m", "выпускной|выпускного|выпускные|выпускных", "graduation"),
    noun("n", "мероприятие|мероприятия|мероприятия|мероприятий", "event"),
    noun("pl", "товары для маркетплейса|товаров для маркетплейса|"
               "товары для маркетплейса|товаров для маркетплейса",
         "marketplace product"),
)

SERVICES = Top("services", "Услуги", (57, 73, 171), (
    Leaf("repair", "Ремонт техники", 50, (499, 19990), "hexagon", Services(
        actions=(
            Action("Ремонт {gen}", "{en} repair", (
                noun("m", "смартфон|смартфона|смартфоны|смартфонов", "smartphone"),
                noun("m", "ноутбук|ноутбука|ноутбуки|ноутбуков", "laptop"),
                noun("m", "холодильник|холодильника|холодильники|холодильников",
                     "fridge"),
                noun("f", "стиральная машина|стиральной машины|стиральные машины|"
                          "стиральных машин", "washing machine"),
                noun("m", "телевизор|телевизора|телевизоры|телевизоров", "TV"),
                noun("f", "кофемашина|кофемашины|кофемашины|кофемашин",
                     "coffee machine"))),
            Action("Замена экрана {gen}", "{en} screen replacement", (
                noun("m", "смартфон|смартфона|смартфоны|смартфонов", "smartphone"),
                noun("m", "ноутбук|ноутбука|ноутбуки|ноутбуков", "laptop"),
                noun("m", "планшет|планшета|планшеты|планшетов", "tablet"))),
            Action("Замена аккумулятора {gen}", "{en} battery replacement", (
                noun("m", "смартфон|смартфона|смартфоны|смартфонов", "smartphone"),
                noun("m", "ноутбук|ноутбука|ноутбуки|ноутбуков", "laptop"),
                noun("pl", "умные часы|умных часов|умные часы|умных часов",
                     "smartwatch"))),
            Action("Чистка {gen} от пыли", "{en} dust cleaning", (
                noun("m", "ноутбук|ноутбука|ноутбуки|ноутбуков", "laptop"),
                noun("m", "компьютер|компьютера|компьютеры|компьютеров", "desktop PC"))),
            Action("Диагностика {gen}", "{en} diagnostics", (
                noun("f", "стиральная машина|стиральной машины|стиральные машины|"
                          "стиральных машин", "washing machine"),
                noun("m", "холодильник|холодильника|холодильники|холодильников",
                     "fridge"),
                noun("m", "ноутбук|ноутбука|ноутбуки|ноутбуков", "laptop"))),
        ),
        modifiers=(("", ""), ("на дому", "at home"), ("срочно", "express"),
                   ("с гарантией", "with warranty"), ("с выездом мастера",
                                                     "with a technician visit")),
        providers=("СервисМастер", "ТехноДоктор", "iRepair", "Мастерская 24"),
        specs=(WARRANTY,
               spec("duration", "1 час|2 часа|1 день|3 дня",
                    english="1 hour|2 hours|1 day|3 days")),
        about_ru=("Мастер приедет в удобное время, диагностика бесплатно при ремонте.",
                  "Оригинальные запчасти и гарантия на все работы.",
                  "Ремонтируем смартфоны, ноутбуки и бытовую технику всех марок."),
        about_en=("A technician comes at a time that suits you; diagnostics are free with "
                  "a repair.",
                  "Original parts and a warranty on all work."),
        english_share=10)),
    Leaf("cleaning", "Уборка и химчистка", 40, (990, 24990), "ring", Services(
        actions=(
            Action("Генеральная уборка {gen}", "Deep cleaning of a {en}", (
                noun("f", "квартира|квартиры|квартиры|квартир", "flat"),
                noun("m", "дом|дома|дома|домов", "house"),
                noun("m", "офис|офиса|офисы|офисов", "office"))),
            Action("Уборка {gen} после ремонта", "After-renovation cleaning of a {en}", (
                noun("f", "квартира|квартиры|квартиры|квартир", "flat"),
                noun("m", "офис|офиса|офисы|офисов", "office"))),
            Action("Химчистка {gen}", "{en} dry cleaning", (
                noun("m", "диван|дивана|диваны|диванов", "sofa"),
                noun("m", "ковер|ковра|ковры|ковров", "carpet"),
                noun("m", "матрас|матраса|матрасы|матрасов", "mattress"),
                noun("n", "кресло|кресла|кресла|кресел", "armchair")),
                (("", ""), ("на дому", "at home"), ("с выездом сегодня", "same day"),
                 ("эко-средствами", "with eco products"))),
            Action("Мойка {gen_pl}", "{en} washing", (
                noun("n", "окно|окна|окна|окон", "window"),),
                (("", ""), ("в квартире", "in a flat"), ("в офисе", "in an office"),
                 ("с выездом сегодня", "same day"))),
        ),
        modifiers=(("", ""), ("до 50 м²", "up to 50 m²"), ("до 100 м²", "up to 100 m²"),
                   ("с выездом сегодня", "same day"), ("эко-средствами", "with eco products")),
        providers=("ЧистоДом", "Клинер Про", "Блеск", "Чистая линия"),
        specs=(spec("duration", "2 часа|4 часа|6 часов|8 часов",
                    english="2 hours|4 hours|6 hours|8 hours"),
               spec("team", "1 клинер|2 клинера|бригада",
                    english="1 cleaner|2 cleaners|a crew")),
        about_ru=("Профессиональная уборка квартир, домов и офисов: все средства и "
                  "инвентарь с собой.",
                  "Химчистка мебели и ковров на месте, высыхает за несколько часов."),
        about_en=("Professional cleaning of flats, houses and offices; we bring everything.",),
        english_share=5)),
    Leaf("lessons", "Обучение", 40, (700, 49990), "star", Services(
        actions=(
            Action("Урок {gen}", "{en} lesson", _LESSON_SUBJECTS),
            Action("Курс {gen}", "{en} course", _LESSON_SUBJECTS),
            Action("Репетитор {gen}", "{en} tutor", _LESSON_SUBJECTS[:4]),
        ),
        modifiers=(("", ""), ("онлайн", "online"), ("для начинающих", "for beginners"),
                   ("для детей", "for children"), ("с домашними заданиями", "with homework")),
        providers=("Школа Знаний", "Skillbox", "Фоксфорд", "Учи.ру"),
        specs=(spec("format", "онлайн|очно|в группе", english="online|in person|group"),
               spec("duration", "45 минут|60 минут|90 минут|8 недель",
                    english="45 minutes|60 minutes|90 minutes|8 weeks"),
               spec("level", "начальный|средний|продвинутый",
                    english="beginner|intermediate|advanced")),
        about_ru=("Занятия с опытным преподавателем по индивидуальной программе.",
                  "Первый урок пробный: познакомимся и определим уровень."),
        about_en=("Lessons with an experienced teacher on a plan made for you.",
                  "The first lesson is a trial."),
        english_share=20)),
    Leaf("photo", "Фото и видео", 30, (1490, 79990), "circle", Services(
        actions=(
            Action("Фотосъемка {gen}", "{en} photography", _EVENTS),
            Action("Видеосъемка {gen}", "{en} videography", _EVENTS[:4]),
            Action("Фотосессия {gen}", "{en} photo session", (
                noun("f", "семья|семьи|семьи|семей", "family"),
                noun("m", "ребенок|ребенка|дети|детей", "children's"),
                noun("f", "пара|пары|пары|пар", "couple"))),
        ),
        modifiers=(("", ""), ("в студии", "in the studio"), ("на природе", "outdoors"),
                   ("с обработкой фото", "with retouching")),
        providers=("Фотостудия Кадр", "Светотень", "Momento", "Видеопродакшн Фокус"),
        specs=(spec("duration", "1 час|2 часа|4 часа|весь день",
                    english="1 hour|2 hours|4 hours|full day"),
               spec("result", "50 фото|100 фото|фильм 10 минут",
                    english="50 photos|100 photos|10-minute film")),
        about_ru=("Профессиональная съемка с обработкой: готовые фото через неделю.",
                  "Фотограф поможет с позами и подберет место для съемки."),
        about_en=("Professional shooting with retouching; photos ready in a week.",),
        english_share=10)),
    Leaf("installation", "Сборка и установка", 40, (499, 29990), "triangle", Services(
        actions=(
            Action("Сборка {gen}", "{en} assembly", (
                noun("m", "шкаф|шкафа|шкафы|шкафов", "wardrobe"),
                noun("f", "кровать|кровати|кровати|кроватей", "bed"),
                noun("f", "кухня|кухни|кухни|кухонь", "kitchen"),
                noun("m", "комод|комода|комоды|комодов", "chest of drawers"),
                noun("m", "стол|стола|столы|столов", "table"))),
            Action("Установка {gen}", "{en} installation", (
                noun("m", "кондиционер|кондиционера|кондиционеры|кондиционеров",
                     "air conditioner"),
                noun("m", "телевизор|телевизора|телевизоры|телевизоров", "TV"),
                noun("f", "посудомоечная машина|посудомоечной машины|посудомоечные машины|"
                          "посудомоечных машин", "dishwasher"),
                noun("m", "водонагреватель|водонагревателя|водонагреватели|"
                          "водонагревателей", "water heater"))),
            Action("Монтаж {gen}", "{en} mounting", (
                noun("f", "люстра|люстры|люстры|люстр", "chandelier"),
                noun("m", "карниз|карниза|карнизы|карнизов", "curtain rail"),
                noun("m", "светильник|светильника|светильники|светильников",
                     "light fixture"))),
            Action("Подключение {gen}", "{en} hook-up", (
                noun("f", "стиральная машина|стиральной машины|стиральные машины|"
                          "стиральных машин", "washing machine"),
                noun("f", "варочная панель|варочной панели|варочные панели|"
                          "варочных панелей", "hob"))),
        ),
        modifiers=(("", ""), ("под ключ", "turnkey"), ("в день заказа", "same day"),
                   ("с гарантией", "with warranty")),
        providers=("Мастер на час", "СборкаПро", "Монтаж Сервис", "Домовой"),
        specs=(spec("duration", "1 час|2 часа|4 часа|1 день",
                    english="1 hour|2 hours|4 hours|1 day"),
               WARRANTY),
        about_ru=("Сборка мебели и установка техники с гарантией на работу.",
                  "Мастер привезет инструмент и уберет упаковку."),
        about_en=("Furniture assembly and appliance installation with a warranty.",),
        english_share=10)),
))

TREE: tuple[Top, ...] = (ELECTRONICS, HOME, CLOTHING, BOOKS, SPORT, BEAUTY, KIDS_GOODS,
                         SERVICES)
