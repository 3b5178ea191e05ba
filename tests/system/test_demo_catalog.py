"""`make run` on a fresh database shows a full demo catalog: the launcher seeds it on first
start, and the seeded products are searchable through the gateway like any other."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.system


def _count_categories(nodes: list[dict]) -> int:
    return sum(1 + _count_categories(node.get("children", [])) for node in nodes)


def test_the_first_start_seeds_the_demo_catalog(client: httpx.Client) -> None:
    products = client.get("/api/catalog/products", params={"limit": 1})
    categories = client.get("/api/catalog/categories")

    assert products.status_code == 200, products.text
    assert products.json()["total"] >= 2000
    assert categories.status_code == 200, categories.text
    assert _count_categories(categories.json()["items"]) >= 25


def test_a_russian_word_form_finds_seeded_products(client: httpx.Client) -> None:
    # The demo titles use "наушники"; searching another form of the word must find them.
    response = client.get("/api/catalog/products", params={"q": "наушников", "limit": 5})

    assert response.status_code == 200, response.text
    titles = [item["title"].lower() for item in response.json()["items"]]
    assert titles, "no seeded product found for an inflected Russian word"
    assert any("наушник" in title for title in titles)
