import uuid

import pytest

from catalog_service.domain import categories as rules
from catalog_service.domain.errors import InvalidCategoryMove
from marketplace_platform.problems import InvalidInput

pytestmark = pytest.mark.unit


def test_names_are_trimmed_and_checked() -> None:
    assert rules.clean_name("  Бытовая   техника ") == "Бытовая техника"
    for name in ("", "   ", "x" * 101, "a\nb", "a\x00b"):
        with pytest.raises(InvalidInput):
            rules.clean_name(name)
    assert rules.name_key("Смартфоны") == rules.name_key("СМАРТФОНЫ")


def test_a_path_lists_the_ids_from_the_top_down() -> None:
    top, sub = uuid.uuid4(), uuid.uuid4()
    top_path = rules.path_of(top, parent_path=None)
    sub_path = rules.path_of(sub, parent_path=top_path)
    assert sub_path == f"/{top.hex}/{sub.hex}/"
    assert rules.path_ids(sub_path) == [top, sub]
    assert (rules.depth(top_path), rules.depth(sub_path)) == (1, 2)
    assert len(rules.path_of(uuid.uuid4(), parent_path=sub_path * 2)) <= 200


def test_no_move_into_the_own_subtree_or_past_the_depth_limit() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    a_path = rules.path_of(a, parent_path=None)
    b_path = rules.path_of(b, parent_path=a_path)
    for target in (a_path, b_path):
        with pytest.raises(InvalidCategoryMove):
            rules.check_move(path=a_path, new_parent_path=target, height=2)
    rules.check_move(path=b_path, new_parent_path=None, height=1)
    c_path = rules.path_of(c, parent_path=None)
    rules.check_move(path=a_path, new_parent_path=c_path, height=2)
    deep = "/" + "".join(f"{uuid.uuid4().hex}/" for _ in range(4))
    with pytest.raises(InvalidCategoryMove):
        rules.check_move(path=a_path, new_parent_path=deep, height=2)
    rules.check_move(path=a_path, new_parent_path=deep, height=1)


def test_subtree_height_counts_levels() -> None:
    top = "/a/"
    assert rules.subtree_height([top], root_path=top) == 1
    assert rules.subtree_height([top, "/a/b/", "/a/b/c/", "/a/d/"], root_path=top) == 3
