"""The service as a whole: health, OpenAPI."""

import pytest

pytestmark = pytest.mark.integration


async def test_ready_without_a_broker_is_degraded_not_down(catalog) -> None:
    response = await catalog.http.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "broker": "down: ServiceUnavailable"},
    }


async def test_every_operation_has_a_tagged_id_and_a_summary(catalog) -> None:
    spec = (await catalog.http.get("/openapi.json")).json()
    operations = [op for path in spec["paths"].values() for op in path.values()]
    assert {op["operationId"] for op in operations} >= {
        "categories-get_category_tree",
        "categories-get_category",
        "categories-create_category",
        "categories-update_category",
        "categories-delete_category",
        "products-list_products",
        "products-get_product",
        "products-create_product",
        "products-update_product",
        "products-archive_product",
        "products-add_product_image",
        "products-delete_product_image",
        "images-get_image",
        "stock-reserve_stock",
        "stock-get_reservation",
        "stock-release_stock",
        "stock-commit_stock",
    }
    for op in operations:
        assert op["operationId"].startswith(f"{op['tags'][0]}-")
        assert op.get("summary") or op.get("description"), op["operationId"]
    upload = spec["paths"]["/api/catalog/products/{product_id}/images"]["post"]["requestBody"]
    assert "multipart/form-data" in upload["content"]
