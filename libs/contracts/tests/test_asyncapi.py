"""docs/asyncapi.json is the AsyncAPI document the contracts generate today: every event has
its channel (its versioned subject), its message and the schema of its data, so the
document cannot fall behind a changed or added event."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace_contracts import EVENT_TYPES
from marketplace_contracts.asyncapi import document, render

pytestmark = pytest.mark.unit

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "asyncapi.json"


def test_the_committed_document_is_current() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render(), (
        "docs/asyncapi.json is stale: "
        ".venv/bin/python -m marketplace_contracts.asyncapi > docs/asyncapi.json"
    )


def test_every_event_has_a_channel_a_message_and_its_schema() -> None:
    generated = document()
    addresses = {channel["address"] for channel in generated["channels"].values()}
    assert addresses == set(EVENT_TYPES)
    for model in EVENT_TYPES.values():
        message = generated["components"]["messages"][model.__name__]
        assert message["title"] == model.TYPE
        assert model.__name__ in generated["components"]["schemas"]
    assert generated["asyncapi"] == "3.0.0"


def test_every_reference_resolves() -> None:
    generated = document()
    text = json.dumps(generated)
    for reference in {part.split('"')[0] for part in text.split('"$ref": "#/')[1:]}:
        node = generated
        for key in reference.split("/"):
            node = node[key]


def test_the_module_prints_the_document() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "marketplace_contracts.asyncapi"],
        capture_output=True, text=True, check=True,
    )
    assert printed.stdout == render()
