"""docs/patterns.md stays true to the code: every ``path::name`` pointer in it (and in the
labs and the services' READMEs) names a file of this repository that defines that function,
class or method, and every pattern has its entry in the one form the page promises."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest
from tests.docs.test_links import ROOT

pytestmark = pytest.mark.unit

PATTERNS = ROOT / "docs" / "patterns.md"
POINTING_DOCS = [
    PATTERNS,
    *sorted((ROOT / "docs" / "labs").glob("*.md")),
    *sorted((ROOT / "services").glob("*/README.md")),
]
# `services/orders/src/orders_service/service/orders.py::create`, `...::Class.method`
POINTER = re.compile(r"`([\w./-]+\.py)::([A-Za-z_][\w.]*)`")
# The patterns the page must cover, each in the same form.
PATTERN_NAMES = [
    "API gateway",
    "JWT with JWKS and key rotation",
    "Refresh rotation with reuse detection",
    "Database per service",
    "Transactional outbox and relay",
    "Idempotent consumer (inbox)",
    "Dead letters and replay",
    "Choreographed saga with compensation",
    "Idempotency keys",
    "CQRS projections",
    "Real-time fan-out",
    "Supervision and health",
    "Unit of work and aggregates",
    "Trace context",
]
PARTS = [
    "**Problem.**", "**Forces.**", "**Solution here.**", "**Proof.**", "**Drawbacks",
    "**Related.**",
]


def _named(document: Path) -> str:
    return str(document.relative_to(ROOT))


@cache
def defined_names(path: Path) -> frozenset[str]:
    """Every function, class, method (``Class.method``) and module-level name of a file."""
    names: set[str] = set()

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(prefix + node.name)
                if isinstance(node, ast.ClassDef):
                    visit(node.body, f"{prefix}{node.name}.")
            elif not prefix and isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names.update(t.id for t in targets if isinstance(t, ast.Name))

    visit(ast.parse(path.read_text(encoding="utf-8")).body, "")
    return frozenset(names)


def broken_pointer(file: str, name: str) -> str | None:
    path = ROOT / file
    if not path.is_file():
        return "no such file"
    if name not in defined_names(path):
        return "not defined there"
    return None


def test_the_pointer_finder_and_checker_work() -> None:
    text = "see `libs/platform/src/marketplace_platform/aggregates.py::Aggregate.record` and `x.py`"
    assert POINTER.findall(text) == [
        ("libs/platform/src/marketplace_platform/aggregates.py", "Aggregate.record")
    ]
    aggregates = "libs/platform/src/marketplace_platform/aggregates.py"
    assert broken_pointer(aggregates, "Aggregate") is None
    assert broken_pointer(aggregates, "Nothing") == "not defined there"
    assert broken_pointer("libs/no/such.py", "x") == "no such file"


@pytest.mark.parametrize("document", POINTING_DOCS, ids=_named)
def test_every_pointer_names_a_definition_in_the_repository(document: Path) -> None:
    problems = [
        f"{file}::{name}: {why}"
        for file, name in POINTER.findall(document.read_text(encoding="utf-8"))
        if (why := broken_pointer(file, name)) is not None
    ]
    assert problems == []


def test_patterns_md_points_into_the_code_a_lot() -> None:
    assert len(POINTER.findall(PATTERNS.read_text(encoding="utf-8"))) >= 80


@pytest.mark.parametrize("pattern", PATTERN_NAMES)
def test_each_pattern_has_an_entry_in_the_one_form(pattern: str) -> None:
    text = PATTERNS.read_text(encoding="utf-8")
    start = text.find(f"\n## {pattern}\n")
    assert start >= 0, f"no '## {pattern}' heading"
    end = text.find("\n## ", start + 1)
    entry = text[start : end if end >= 0 else len(text)]
    assert [part for part in PARTS if part not in entry] == []
    # The proof is a test, named so that one can run it.
    proof = entry[entry.index("**Proof.**") : entry.index("**Drawbacks")]
    assert [file for file, _ in POINTER.findall(proof) if "/test_" not in file] == []
    assert POINTER.findall(proof)
