"""The merged ``/openapi.json`` (through HTTP) and the merge rules (unit)."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from pydantic import BaseModel

from gateway_service.openapi import GATEWAY_PATHS, merge_specs
from gateway_service.public_routes import PublicRouteTable
from marketplace_platform.http import create_service_app
from marketplace_platform.idempotency import IdempotencyKeyHeader
from marketplace_platform.security.dependencies import CurrentUser, InternalCaller
from marketplace_platform.settings import ServiceSettings

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


def platform_spec(service: str) -> dict:
    """The document a service made by the platform's app factory publishes."""
    router = APIRouter(prefix=f"/api/{service}", tags=[service])

    @router.post("")
    async def create(body: Thing, user: CurrentUser, key: IdempotencyKeyHeader) -> Thing:
        """Create one."""
        return body

    @router.get("/{thing_id}")
    async def read(thing_id: int) -> Thing:
        """Read one."""
        return Thing(name="x")

    @router.get("/internal/count")  # under /api, yet only for other services
    async def count(caller: InternalCaller) -> int:
        """Count them."""
        return 0

    app = create_service_app(
        ServiceSettings(environment="test", service_name=service, access_log=False),
        title=service,
        routers=[router],
    )
    return app.openapi()


class Thing(BaseModel):
    name: str


@pytest.mark.unit
def test_the_merged_document_shows_problems_idempotency_keys_and_no_internal_routes():
    merged = merge_specs(
        {"catalog": platform_spec("catalog"), "orders": platform_spec("orders")},
        unavailable=[], public_routes=PublicRouteTable(),
    )

    problem = {"application/problem+json": {"schema": ref("Problem")}}
    create = merged["paths"]["/api/orders"]["post"]
    assert create["responses"]["422"]["content"] == problem
    assert create["responses"]["401"]["content"] == problem
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"] if p["in"] == "header"]
    # Every service's Problem is the gateway's: one schema, not one per service.
    assert [name for name in merged["components"]["schemas"] if "Problem" in name] == ["Problem"]
    assert "HTTPValidationError" not in str(merged)
    assert not [path for path in merged["paths"] if "internal" in path]
    # A route the gateway guards shows the 401 the gateway answers.
    read = merged["paths"]["/api/orders/{thing_id}"]["get"]
    assert read["responses"]["401"]["content"] == problem
    assert read["responses"]["404"]["content"] == problem


@pytest.mark.unit
def test_the_websocket_path_documents_its_token_and_catch_up_parameters():
    operation = GATEWAY_PATHS["/ws"]["get"]

    assert "WebSocket" in operation["summary"]
    assert {p["name"] for p in operation["parameters"]} == {"token", "since"}
