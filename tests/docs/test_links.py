"""The docs stand alone: every relative link in README.md and docs/*.md names a file of this
repository. A link to a sibling checkout (``../shared/...``) or to a file that was renamed is
a dead end for whoever clones the repository alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DOCS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted((ROOT / "docs" / "labs").glob("*.md")),
    *sorted((ROOT / "services").glob("*/README.md")),
    *sorted(ROOT.glob("launcher/README.md")),
]

# [text](target "title") and reference definitions ``[name]: target``.
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
# A path written as code that climbs out of its folder (`../x/y.md`) is a link too.
CLIMBING_PATH = re.compile(r"`(\.\./[^`\s]+)`")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # https:, mailto: ...


def relative_links(text: str) -> list[str]:
    """The relative targets a Markdown text links to, without their #fragment."""
    prose = FENCE.sub("", text)  # code blocks show shell and output, not links
    targets = [
        *INLINE_LINK.findall(prose),
        *REFERENCE_LINK.findall(prose),
        *CLIMBING_PATH.findall(prose),
    ]
    paths = [target.split("#", 1)[0] for target in targets if not EXTERNAL.match(target)]
    return [path for path in paths if path]


def broken(document: Path, target: str) -> str | None:
    """Why ``target``, linked from ``document``, is no file of the repository, or None."""
    base = ROOT if target.startswith("/") else document.parent
    resolved = (base / target.lstrip("/")).resolve()
    if not resolved.is_relative_to(ROOT):
        return "points outside the repository"
    if not resolved.exists():
        return "names no file"
    return None


def test_the_link_finder_sees_every_kind_of_relative_link() -> None:
    text = (
        "See [a](docs/a.md#top), ![b](img/b.png \"B\"), `../shared/C.md`, [web](https://x.org),\n"
        "[d]: ./d.md\n"
        "```\n[not](in-code.md)\n```\n[anchor](#here)\n"
    )
    assert relative_links(text) == ["docs/a.md", "img/b.png", "./d.md", "../shared/C.md"]


def test_a_link_out_of_the_repository_or_to_no_file_is_broken() -> None:
    readme = ROOT / "README.md"
    assert broken(readme, "../shared/ARCHITECTURE.md") == "points outside the repository"
    assert broken(readme, "docs/no-such-page.md") == "names no file"
    assert broken(ROOT / "docs" / "catalog.md", "architecture.md") is None


@pytest.mark.parametrize("document", DOCS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_names_a_file_in_the_repository(document: Path) -> None:
    problems = [
        f"{target}: {why}"
        for target in relative_links(document.read_text(encoding="utf-8"))
        if (why := broken(document, target)) is not None
    ]
    assert problems == []
