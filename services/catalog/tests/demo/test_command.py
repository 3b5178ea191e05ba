"""``python -m catalog_service seed``, run as the launcher runs it: one line either way."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog_service.__main__ import main
from catalog_service.settings import get_settings

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def environment(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path
) -> Iterator[None]:
    monkeypatch.setenv("CATALOG_DATABASE_URL", database_url)
    monkeypatch.setenv("CATALOG_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("CATALOG_ENVIRONMENT", "test")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_seed_fills_an_empty_catalog_then_says_there_is_nothing_to_do(capsys) -> None:
    assert main(["seed", "--count", "40", "--no-images"]) == 0
    first = capsys.readouterr().out
    assert re.fullmatch(
        r"seeded the demo catalog: 41 categories, \d+ goods, \d+ services, 0 images "
        r"in \d+\.\d s\n",
        first,
    ), first

    goods, services = re.search(r"(\d+) goods, (\d+) services", first).groups()
    assert int(goods) + int(services) == 40

    assert main(["seed", "--count", "40"]) == 0
    assert capsys.readouterr().out == (
        f"catalog not empty (41 categories, {goods} goods, {services} services): nothing seeded\n"
    )


def test_seed_with_images_writes_them_under_the_var_directory(capsys, tmp_path: Path) -> None:
    assert main(["seed", "--count", "5"]) == 0

    assert "5 images" in capsys.readouterr().out
    assert len(list((tmp_path / "catalog" / "images").iterdir())) == 10


@pytest.mark.parametrize("count", ["0", "-3", "many", "1000001"])
def test_a_bad_count_is_refused_by_the_parser(count: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["seed", "--count", count])

    assert exit_info.value.code == 2
    assert "--count" in capsys.readouterr().err
