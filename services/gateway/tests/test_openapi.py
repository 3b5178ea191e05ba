"""The merged ``/openapi.json`` (through HTTP) and the merge rules (unit)."""

from __future__ import annotations

import pytest

from gateway_service.openapi import merge_specs
from gateway_service.public_routes import PublicRouteTable

VALIDATION_ERROR = {"type": "object", "properties": {"detail": {"type": "array"}}}


def spec(paths: dict, schemas: dict) -> dict:
    return {"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": paths,
            "components": {"schemas": schemas}}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def returns(schema_name: str, operation_id: str) -> dict:
    return {
        "operationId": operation_id,
        "responses": {"200": {"content": {"application/json": {"schema": ref(schema_name)}}}},
    }


CATALOG = spec(
    {
        "/api/catalog/products": {"get": returns("ProductPage", "products-list")},
        "/health/live": {"get": returns("Status", "health-live")},
    },
    {
        "ProductPage": {"type": "object", "properties": {"items": {"type": "array"}}},
        "Page": {"type": "object", "properties": {"cursor": {"type": "string"}}},
        "HTTPValidationError": VALIDATION_ERROR,
    },
)
ORDERS = spec(
    {
        "/api/orders": {"post": returns("Page", "orders-create")},
        "/api/orders/{order_id}": {"get": returns("Order", "products-list")},
    },
    {
        "Page": {"type": "object", "properties": {"page": {"type": "integer"}}},
        "Order": {"type": "object", "properties": {"page": ref("Page")}},
        "HTTPValidationError": VALIDATION_ERROR,
    },
)


@pytest.mark.unit
def test_paths_of_every_service_are_merged_and_unreachable_ones_dropped():
    merged = merge_specs({"catalog": CATALOG, "orders": ORDERS}, unavailable=["reviews"],
                         public_routes=PublicRouteTable())

    assert {"/api/catalog/products", "/api/orders", "/api/orders/{order_id}"} <= set(
        merged["paths"]
    )
    assert "/health/live" in merged["paths"]  # the gateway's own, not catalog's
    assert merged["paths"]["/health/live"]["get"]["operationId"] == "gateway-live"
    assert merged["x-unavailable"] == ["reviews"]


@pytest.mark.unit
def test_clashing_schemas_are_prefixed_and_their_references_follow():
    merged = merge_specs({"catalog": CATALOG, "orders": ORDERS}, unavailable=[],
                         public_routes=PublicRouteTable())

    schemas = merged["components"]["schemas"]
    assert schemas["Page"] == CATALOG["components"]["schemas"]["Page"]
    assert schemas["orders_Page"] == ORDERS["components"]["schemas"]["Page"]
    assert schemas["Order"]["properties"]["page"] == ref("orders_Page")
    post = merged["paths"]["/api/orders"]["post"]
    assert post["responses"]["200"]["content"]["application/json"]["schema"] == ref("orders_Page")
    # Identical definitions are shared, not duplicated.
    assert "orders_HTTPValidationError" not in schemas


@pytest.mark.unit
def test_a_schema_referring_to_a_renamed_one_is_renamed_too():
    first = spec({}, {"Item": {"type": "string"}, "List": {"items": ref("Item")}})
    second = spec({}, {"Item": {"type": "integer"}, "List": {"items": ref("Item")}})

    merged = merge_specs({"catalog": first, "orders": second}, unavailable=[],
                         public_routes=PublicRouteTable())

    schemas = merged["components"]["schemas"]
    assert schemas["orders_List"] == {"items": ref("orders_Item")}
    assert schemas["List"] == {"items": ref("Item")}


@pytest.mark.unit
def test_operation_ids_stay_unique_and_private_operations_ask_for_a_token():
    merged = merge_specs({"catalog": CATALOG, "orders": ORDERS}, unavailable=[],
                         public_routes=PublicRouteTable())

    catalog_get = merged["paths"]["/api/catalog/products"]["get"]
    order_get = merged["paths"]["/api/orders/{order_id}"]["get"]
    assert catalog_get["operationId"] == "products-list"
    assert order_get["operationId"] == "orders-products-list"
    assert "security" not in catalog_get
    assert order_get["security"] == [{"bearerAuth": []}]
    assert "bearerAuth" in merged["components"]["securitySchemes"]


@pytest.mark.integration
async def test_openapi_json_merges_the_live_upstreams(
    start_gateway, start_server, make_upstream, dead_url
):
    gateway = await start_gateway({
        "catalog": [await start_server(make_upstream("catalog", spec=CATALOG))],
        "orders": [await start_server(make_upstream("orders", spec=ORDERS))],
        "reviews": [dead_url],
    })

    response = await gateway.get("/openapi.json")

    assert response.status == 200
    document = await response.json()
    assert document["openapi"].startswith("3.")
    assert "/api/catalog/products" in document["paths"]
    assert "/api/orders/{order_id}" in document["paths"]
    assert "/health/ready" in document["paths"]
    assert "/ws" in document["paths"]
    assert document["x-unavailable"] == ["reviews"]
