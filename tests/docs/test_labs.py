"""The labs (docs/labs/) name only what exists: every service setting (``CATALOG_...``) is a
field of that service's settings, every ``MARKETPLACE_...`` variable and ``make run ARGS=``
option is one the launcher takes, every ``marketplace`` command parses, every helper a lab
calls is defined by ``lab.sh``, and every lab is listed on the index with the tests that
prove it. The labs that script themselves are run by ``tests/system/test_labs.py``."""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path

import pytest
from tests.docs.test_links import ROOT, relative_links
from tests.docs.test_patterns import POINTER

from marketplace_launcher.options import build_parser

pytestmark = pytest.mark.unit

LABS_DIR = ROOT / "docs" / "labs"
LABS = sorted(path for path in LABS_DIR.glob("*.md") if path.name != "README.md")
SETTINGS = {
    "AUTH": "auth_service.settings:AuthSettings",
    "CATALOG": "catalog_service.settings:CatalogSettings",
    "ORDERS": "orders_service.settings:OrdersSettings",
    "PAYMENTS": "payments_service.settings:PaymentsSettings",
    "REVIEWS": "reviews_service.settings:ReviewsSettings",
    "NOTIFICATIONS": "notifications_service.settings:NotificationsSettings",
    "GATEWAY": "gateway_service.settings:GatewaySettings",
}
SETTING = re.compile(rf"\b({'|'.join(SETTINGS)})_([A-Z0-9_]+[A-Z0-9])\b")
LAUNCHER_VARIABLE = re.compile(r"\bMARKETPLACE_[A-Z_]+[A-Z]\b")
RUN_ARGS = re.compile(r"make run ARGS='([^']*)'")
MARKETPLACE_COMMAND = re.compile(r"\.venv/bin/marketplace ([^`\n#|]+)")
SHELL_BLOCK = re.compile(r"^```sh[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
HELPER_CALL = re.compile(r"(?:^|\$\(|&& |\| |; )\s*([a-z_]+)\b", re.MULTILINE)
LAB_HELPERS = set(re.findall(r"^([a-z_]+)\(\)", (LABS_DIR / "lab.sh").read_text(), re.MULTILINE))
# Launcher-only variables that are no option of `up` (docs/operations.md).
LAUNCHER_ONLY = {
    "MARKETPLACE_ADMIN_EMAIL", "MARKETPLACE_ADMIN_PASSWORD", "MARKETPLACE_NATS_USER",
    "MARKETPLACE_NATS_PASSWORD", "MARKETPLACE_TEST_POSTGRES_URL",
}


def _named(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _fields(prefix: str) -> set[str]:
    module, _, name = SETTINGS[prefix].partition(":")
    return set(getattr(importlib.import_module(module), name).model_fields)


def _options() -> set[str]:
    up = build_parser({})._subparsers._group_actions[0].choices["up"]  # type: ignore[union-attr]
    return {
        "MARKETPLACE_" + option.lstrip("-").replace("-", "_").upper()
        for action in up._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }


def test_the_index_lists_every_lab() -> None:
    index = LABS_DIR / "README.md"
    linked = {(index.parent / target).resolve() for target in relative_links(index.read_text())}
    assert [_named(lab) for lab in LABS if lab.resolve() not in linked] == []


@pytest.mark.parametrize("lab", LABS, ids=_named)
def test_each_lab_names_the_tests_that_prove_it(lab: Path) -> None:
    text = lab.read_text(encoding="utf-8")
    assert "## The test that proves it" in text
    proof = text[text.index("## The test that proves it") :]
    assert [file for file, _ in POINTER.findall(proof) if "/test_" in file]


@pytest.mark.parametrize("lab", [*LABS, LABS_DIR / "README.md"], ids=_named)
def test_every_setting_option_and_command_a_lab_names_exists(lab: Path) -> None:
    text = lab.read_text(encoding="utf-8")
    unknown = [
        f"{prefix}_{name}"
        for prefix, name in SETTING.findall(text)
        if name.lower() not in _fields(prefix)
    ]
    options = _options()
    unknown += [
        variable for variable in LAUNCHER_VARIABLE.findall(text)
        if variable not in options and variable not in LAUNCHER_ONLY
    ]
    parser = build_parser({})
    for args in RUN_ARGS.findall(text):
        parser.parse_args(["up", *shlex.split(args)])  # exits (fails the test) if unknown
    for command in MARKETPLACE_COMMAND.findall(text):
        words = ["1" if word == "SEQ" else word for word in shlex.split(command)]
        parser.parse_args(words)
    assert unknown == []


@pytest.mark.parametrize("lab", LABS, ids=_named)
def test_the_helpers_a_lab_calls_are_defined_in_lab_sh(lab: Path) -> None:
    scripts = "\n".join(SHELL_BLOCK.findall(lab.read_text(encoding="utf-8")))
    called = set(HELPER_CALL.findall(scripts))
    # The helpers lab.sh defines are the snake_case words a script may call as commands.
    suspects = {word for word in called if "_" in word and not word.startswith("_")}
    assert sorted(suspects - LAB_HELPERS) == []


def test_the_finders_see_what_they_look_for() -> None:
    text = (
        "CATALOG_FAULT_FAIL_EVENTS_FILE=x make run ARGS='--replicas catalog=2'\n"
        "`.venv/bin/marketplace dlq replay SEQ` MARKETPLACE_REPLICAS=auth=2"
    )
    assert SETTING.findall(text) == [("CATALOG", "FAULT_FAIL_EVENTS_FILE")]
    assert RUN_ARGS.findall(text) == ["--replicas catalog=2"]
    assert MARKETPLACE_COMMAND.findall(text) == ["dlq replay SEQ"]
    assert LAUNCHER_VARIABLE.findall(text) == ["MARKETPLACE_REPLICAS"]
    assert {"pid_of", "wait_for", "sign_up"} <= LAB_HELPERS
