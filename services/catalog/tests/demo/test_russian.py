"""The grammar the demo titles rely on: adjective agreement, noun forms, transliteration."""

import pytest

from catalog_service.demo.russian import adjective, noun, transliterate

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("masculine", "feminine", "neuter", "plural"),
    [
        ("красный", "красная", "красное", "красные"),  # hard stem
        ("мужской", "мужская", "мужское", "мужские"),  # stressed ending after к
        ("шерстяной", "шерстяная", "шерстяное", "шерстяные"),  # stressed ending
        ("большой", "большая", "большое", "большие"),  # stressed ending after ш
        ("синий", "синяя", "синее", "синие"),  # soft stem
        ("детский", "детская", "детское", "детские"),  # -ий after к
        ("свежий", "свежая", "свежее", "свежие"),  # -ий after ж
    ],
)
def test_an_adjective_agrees_with_each_gender_and_the_plural(
    masculine: str, feminine: str, neuter: str, plural: str
) -> None:
    word = adjective(masculine, "x")

    assert [word.agree(g) for g in ("m", "f", "n", "pl")] == [masculine, feminine, neuter, plural]


def test_an_irregular_word_is_refused_rather_than_declined_wrongly() -> None:
    with pytest.raises(ValueError, match="not a regular adjective"):
        adjective("пальто", "coat")


def test_a_noun_keeps_its_four_forms_and_english_plural() -> None:
    word = noun("f", "кастрюля|кастрюли|кастрюли|кастрюль", "saucepan|saucepans")

    assert (word.nom, word.gen, word.nom_pl, word.gen_pl) == (
        "кастрюля",
        "кастрюли",
        "кастрюли",
        "кастрюль",
    )
    assert (word.en, word.en_pl) == ("saucepan", "saucepans")


def test_a_noun_without_an_english_plural_uses_the_same_word() -> None:
    assert noun("pl", "джинсы|джинсов|джинсы|джинсов", "jeans").en_pl == "jeans"


def test_transliteration_keeps_case_and_other_characters() -> None:
    assert transliterate("Натура Сиберика") == "Natura Siberika"
    assert transliterate("Щука-2 ёж") == "Shchuka-2 ezh"
