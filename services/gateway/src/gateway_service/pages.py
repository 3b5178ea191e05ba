"""The gateway's own pages: ``/docs`` (Swagger UI from the swagger-ui-bundle-v2 wheel, so it
works offline), ``/openapi.json``, and ``/``: the web UI of ``web/`` (web_ui.py), or a
placeholder page where the gateway runs without that folder."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import orjson
from aiohttp import web
from swagger_ui_bundle import swagger_ui_path

from gateway_service.edge import Handler
from gateway_service.openapi import OpenAPIAggregator
from gateway_service.problem_responses import problem_response
from gateway_service.web_ui import WebUI

_STATIC = files("gateway_service") / "static"
_PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _asset(name: str, content_type: str) -> web.Response:
    return web.Response(
        body=(_STATIC / name).read_bytes(), content_type=content_type, headers=_PAGE_HEADERS
    )


def page_routes(
    aggregator: OpenAPIAggregator, web_ui: WebUI | None = None
) -> tuple[dict[str, Handler], dict[str, Handler]]:
    """GET routes by path, and by prefix (one segment below it). With ``web_ui``, ``/`` is
    its page (and it answers every other path the edge does not route)."""
    index = (_STATIC / "index.html").read_bytes()
    docs = (_STATIC / "docs.html").read_bytes()
    docs_init = (_STATIC / "docs-init.js").read_bytes()

    async def root(_: web.BaseRequest) -> web.Response:
        return web.Response(body=index, content_type="text/html", charset="utf-8",
                            headers=_PAGE_HEADERS)

    async def docs_page(_: web.BaseRequest) -> web.Response:
        return web.Response(body=docs, content_type="text/html", charset="utf-8",
                            headers=_PAGE_HEADERS)

    async def docs_script(_: web.BaseRequest) -> web.Response:
        return web.Response(body=docs_init, content_type="text/javascript", charset="utf-8",
                            headers=_PAGE_HEADERS)

    swagger_dir = Path(str(swagger_ui_path))
    swagger_files = {p.name for p in swagger_dir.iterdir() if p.is_file()}

    async def swagger_asset(request: web.BaseRequest) -> web.StreamResponse:
        # Served by name from a fixed list: no path from the request reaches the file system.
        name = request.path.rpartition("/")[2]
        if name not in swagger_files:
            return problem_response(404, "No such documentation asset.", instance=request.path)
        return web.FileResponse(swagger_dir / name, headers={"Cache-Control": "max-age=86400"})

    async def openapi(_: web.BaseRequest) -> web.Response:
        document = await aggregator.document()
        return web.Response(body=orjson.dumps(document), content_type="application/json")

    routes = {
        "/": web_ui.handle if web_ui is not None else root,
        "/docs": docs_page,
        "/docs/init.js": docs_script,
        "/openapi.json": openapi,
    }
    return routes, {"/docs/static/": swagger_asset}
