"""``/`` without a web UI folder (the placeholder page) and ``/docs`` (Swagger UI served from
the wheel, no CDN). The web UI itself: test_web_ui.py."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


async def test_the_root_page_says_what_this_is_and_links_the_docs(start_gateway, tmp_path):
    gateway = await start_gateway({}, web_root=str(tmp_path))

    response = await gateway.get("/")

    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    assert "Marketplace" in page
    assert 'href="/docs"' in page


async def test_docs_is_swagger_ui_over_the_merged_document(start_gateway):
    gateway = await start_gateway({})

    page = await (await gateway.get("/docs")).text()
    script = await (await gateway.get("/docs/init.js")).text()
    bundle = await gateway.get("/docs/static/swagger-ui-bundle.js")
    css = await gateway.get("/docs/static/swagger-ui.css")

    assert "/docs/static/swagger-ui-bundle.js" in page
    assert 'url: "/openapi.json"' in script
    assert bundle.status == 200
    assert len(await bundle.read()) > 100_000
    assert css.status == 200


async def test_a_missing_docs_asset_is_a_404(start_gateway):
    gateway = await start_gateway({})

    response = await gateway.get("/docs/static/nope.js")

    assert response.status == 404
    assert response.content_type == "application/problem+json"


async def test_the_root_page_offers_only_what_exists_and_marks_the_rest_as_coming(
    start_gateway, tmp_path
):
    gateway = await start_gateway({}, web_root=str(tmp_path))

    page = await (await gateway.get("/")).text()

    today, _, coming = page.partition("Coming")
    for built in ("/api/auth", "/api/catalog", "/api/orders", "/api/payments",
                  "/api/notifications", "/api/analytics"):
        assert built in today
    for planned in ("/api/reviews",):
        assert planned not in today
        assert planned in coming
    assert "/ws" in today
