"""The app as a whole: health, the OpenAPI document, no card field in any read model."""

import pytest

pytestmark = pytest.mark.integration


async def test_health_and_readiness(payments) -> None:
    assert (await payments.http.get("/health/live")).json() == {"status": "ok"}
    ready = (await payments.http.get("/health/ready")).json()
    assert ready["checks"]["database"] == "ok"


async def test_openapi_lists_the_routes_with_clean_ids(payments) -> None:
    spec = (await payments.http.get("/openapi.json")).json()
    operations = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {
        "payments-create_payment",
        "payments-list_payments",
        "payments-get_payment",
        "internal-list_order_payments",
    } <= operations
    read = spec["components"]["schemas"]["PaymentRead"]["properties"]
    assert "number" not in spec["components"]["schemas"]["CardRead"]["properties"]
    assert {"attempts", "failure_reason", "card"} <= set(read)
