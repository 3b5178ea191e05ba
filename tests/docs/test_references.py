"""The docs work for someone who has just cloned the repository: every page is reachable from
the README, a page named in another is a link one can follow, and every command they give
runs as written after ``make install`` (which puts uv under ``.tools/``, not on PATH)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.docs.test_links import DOCS, FENCE, INLINE_LINK, ROOT, relative_links

pytestmark = pytest.mark.unit

PAGES = sorted((ROOT / "docs").glob("*.md"))
DOC_NAME = re.compile(r"(?<![\w/.-])(?:docs/)?([\w-]+\.md)\b")
# A command as the docs write it: `uv run ...` at the start of a code span or a shell line.
UV_COMMAND = re.compile(r"(?:^|`)\s*(uv (?:run|sync)\b[^`\n]*)", re.MULTILINE)
VENV_TOOL = re.compile(r"\.venv/bin/([\w.-]+)")


def _named(document: Path) -> str:
    return str(document.relative_to(ROOT))


def test_the_readme_links_every_page_of_the_docs() -> None:
    linked = {
        (ROOT / target).resolve()
        for target in relative_links((ROOT / "README.md").read_text(encoding="utf-8"))
    }
    assert [_named(page) for page in PAGES if page.resolve() not in linked] == []


@pytest.mark.parametrize("document", PAGES, ids=_named)
def test_a_page_named_in_the_docs_is_a_link(document: Path) -> None:
    prose = INLINE_LINK.sub("", FENCE.sub("", document.read_text(encoding="utf-8")))
    pages = {page.name for page in PAGES}
    assert [name for name in DOC_NAME.findall(prose) if name in pages] == []


@pytest.mark.parametrize("document", DOCS, ids=_named)
def test_commands_in_the_docs_need_no_uv_on_path(document: Path) -> None:
    assert UV_COMMAND.findall(document.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("document", DOCS, ids=_named)
def test_every_venv_tool_the_docs_name_is_installed(document: Path) -> None:
    tools = set(VENV_TOOL.findall(document.read_text(encoding="utf-8")))
    assert sorted(tool for tool in tools if not (ROOT / ".venv" / "bin" / tool).exists()) == []


def test_the_finders_see_what_they_look_for() -> None:
    assert DOC_NAME.findall("see `docs/auth.md`, catalog.md and [x](orders.md)") == [
        "auth.md", "catalog.md", "orders.md",
    ]
    assert UV_COMMAND.findall("run `uv run pytest -q`\nuv sync\nsee `.venv/bin/pytest`") == [
        "uv run pytest -q", "uv sync",
    ]
