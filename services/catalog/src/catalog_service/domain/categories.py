"""The category tree's rules.

Each category stores its *materialised path*: the ids from the top of the tree down to
itself, as ``/<id>/<id>/``. A whole subtree is then one prefix match
(``path LIKE '/<top>/<sub>/%'``) on both engines, with no recursive query, and a move is
one UPDATE that rewrites the prefix of the subtree's paths.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

from catalog_service.domain.errors import InvalidCategoryMove
from marketplace_platform.problems import InvalidInput

MAX_DEPTH = 5  # levels: enough for "Электроника / Телефоны / Смартфоны / ..."
NAME_MAX = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def clean_name(name: str) -> str:
    """Trimmed, inner runs of spaces made one, 1 to 100 characters, no control characters."""
    if _CONTROL.search(name):
        raise InvalidInput("The category name holds control characters.")
    cleaned = _SPACES.sub(" ", name).strip()
    if not cleaned:
        raise InvalidInput("The category name must not be empty.")
    if len(cleaned) > NAME_MAX:
        raise InvalidInput(f"The category name must be at most {NAME_MAX} characters.")
    return cleaned


def name_key(name: str) -> str:
    """What makes two names "the same" among siblings: case does not count."""
    return name.casefold()


def path_of(category_id: uuid.UUID, *, parent_path: str | None) -> str:
    return f"{parent_path or '/'}{category_id.hex}/"


def path_ids(path: str) -> list[uuid.UUID]:
    """The ids of a path, from the top of the tree down."""
    return [uuid.UUID(hex=part) for part in path.strip("/").split("/") if part]


def depth(path: str) -> int:
    return path.count("/") - 1


def subtree_height(paths: Iterable[str], *, root_path: str) -> int:
    """Levels in the subtree at ``root_path`` (1 for a leaf), given the paths within it."""
    base = depth(root_path)
    return max((depth(path) - base + 1 for path in paths), default=1)


def check_depth(*, parent_path: str | None, height: int = 1) -> None:
    """A category (with a subtree ``height`` levels tall) may go under ``parent_path``."""
    above = depth(parent_path) if parent_path else 0
    if above + height > MAX_DEPTH:
        raise InvalidCategoryMove(f"The category tree is at most {MAX_DEPTH} levels deep.")


def check_move(*, path: str, new_parent_path: str | None, height: int) -> None:
    """A category may move anywhere but into its own subtree, within the depth limit."""
    if new_parent_path is not None and new_parent_path.startswith(path):
        raise InvalidCategoryMove("A category cannot move into itself or its own subtree.")
    check_depth(parent_path=new_parent_path, height=height)
