"""The gateway's merged /openapi.json, built from the real services' documents: what a
newcomer reads to learn the API must say what it really answers."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.system

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def test_the_merged_document_shows_problems_and_keys_and_hides_internal_routes(
    client: httpx.Client,
) -> None:
    document = client.get("/openapi.json").json()

    assert not document["x-unavailable"]
    assert not [path for path in document["paths"] if path.startswith("/internal")]
    assert "HTTPValidationError" not in str(document)
    create_order = document["paths"]["/api/orders"]["post"]
    assert create_order["responses"]["422"]["content"] == PROBLEM
    assert create_order["responses"]["401"]["content"] == PROBLEM
    assert "Idempotency-Key" in [
        p["name"] for p in create_order["parameters"] if p["in"] == "header"
    ]
    schemas = document["components"]["schemas"]
    assert [name for name in schemas if name.endswith("Problem")] == ["Problem"]
    assert schemas["OrderCreate"]["properties"]["items"]["maxItems"] == 50
    assert "Minor units" in schemas["OrderRead"]["properties"]["total"]["description"]
