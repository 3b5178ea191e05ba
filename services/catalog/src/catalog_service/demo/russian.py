"""Just enough Russian grammar for believable demo titles.

A shop writes "беспроводные наушники", "беспроводная колонка" and "ремонт смартфона": the
adjective agrees with the noun's gender and number, and a noun changes its ending with its
role. Demo data that got this wrong would look machine-made, and would not show what the
search's stemming is for (``смартфоны`` finding "Ремонт смартфона").
"""

# Russian text is the point of this module: Cyrillic letters are not look-alikes here.
# ruff: noqa: RUF001, RUF002

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# "pl" is a noun with no singular (часы, джинсы, наушники): it takes plural adjectives.
Gender = Literal["m", "f", "n", "pl"]

_VELAR = frozenset("гкх")
_SIBILANT = frozenset("жшчщ")


@dataclass(frozen=True, slots=True)
class Noun:
    """A noun in the four forms the demo needs, with its English counterpart."""

    gender: Gender
    nom: str  # "смартфон": titles
    gen: str  # "смартфона": "ремонт смартфона", "чехол для смартфона"
    nom_pl: str  # "смартфоны"
    gen_pl: str  # "смартфонов": "набор кастрюль", "один из лучших смартфонов"
    en: str
    en_pl: str


def noun(gender: Gender, forms: str, english: str) -> Noun:
    """``noun("m", "смартфон|смартфона|смартфоны|смартфонов", "smartphone|smartphones")``.

    A noun phrase works too: ``"спальный мешок|спального мешка|..."``."""
    nom, gen, nom_pl, gen_pl = forms.split("|")
    en, _, en_pl = english.partition("|")
    return Noun(gender, nom, gen, nom_pl, gen_pl, en, en_pl or en)


@dataclass(frozen=True, slots=True)
class Adjective:
    m: str
    f: str
    n: str
    pl: str
    en: str

    def agree(self, gender: Gender) -> str:
        """The nominative form that goes with a noun of ``gender``."""
        return {"m": self.m, "f": self.f, "n": self.n, "pl": self.pl}[gender]


def adjective(masculine: str, english: str) -> Adjective:
    """All nominative forms of a regular adjective from its masculine form.

    Hard stems (красный, деревянный), stressed endings (мужской, шерстяной), soft stems
    (синий, зимний) and the spelling rule after г, к, х, ж, ш, ч, щ (детский → детские,
    свежий → свежее, большой → большие)."""
    stem, ending = masculine[:-2], masculine[-2:]
    last = stem[-1]
    if ending == "ый":
        return Adjective(masculine, stem + "ая", stem + "ое", stem + "ые", english)
    if ending == "ой":
        plural = "ие" if last in _VELAR or last in _SIBILANT else "ые"
        return Adjective(masculine, stem + "ая", stem + "ое", stem + plural, english)
    if ending == "ий":
        if last in _VELAR:
            return Adjective(masculine, stem + "ая", stem + "ое", stem + "ие", english)
        if last in _SIBILANT:
            return Adjective(masculine, stem + "ая", stem + "ее", stem + "ие", english)
        return Adjective(masculine, stem + "яя", stem + "ее", stem + "ие", english)
    raise ValueError(f"not a regular adjective: {masculine!r}")


_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
}  # fmt: skip


def transliterate(text: str) -> str:
    """Latin letters for Cyrillic ones (a simplified BGN/PCGN), other characters kept."""
    out = []
    for char in text:
        latin = _LATIN.get(char.lower())
        if latin is None:
            out.append(char)
        else:
            out.append(latin.capitalize() if char.isupper() else latin)
    return "".join(out)
