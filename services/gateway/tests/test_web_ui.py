"""The web UI served from a ``web/`` folder: the page for every UI path, versioned assets
cached for good, compression, and nothing outside the folder."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest

from gateway_service.web_ui import find_web_root, read_web_files

pytestmark = pytest.mark.integration

SCRIPT = "export const answer = 42;\n" + "// a comment long enough to compress\n" * 40


@pytest.fixture
def web_root(tmp_path: Path) -> Path:
    root = tmp_path / "web"
    (root / "js").mkdir(parents=True)
    (root / "css").mkdir()
    (root / "index.html").write_text(
        '<!doctype html><title>Shop</title><link rel="stylesheet" href="%ASSETS%/css/app.css">'
        '<script type="module" src="%ASSETS%/js/app.js"></script>'
    )
    (root / "js" / "app.js").write_text(SCRIPT)
    (root / "css" / "app.css").write_text("body { color: black; }\n" * 30)
    (root / "robots.txt").write_text("User-agent: *\n")
    (root / ".secret").write_text("not for the web")
    (tmp_path / "outside.txt").write_text("OUTSIDE-SECRET")
    (root / "js" / "link.js").symlink_to(tmp_path / "outside.txt")
    return root


def asset_base(page: str) -> str:
    found = re.search(r'src="(/assets/[0-9a-f]+)/js/app.js"', page)
    assert found, page
    return found.group(1)


@pytest.mark.parametrize("path", ["/", "/products/0190-abc", "/orders/1", "/admin/users"])
async def test_every_ui_path_answers_the_page_revalidated_each_time(start_gateway, web_root, path):
    gateway = await start_gateway({}, web_root=str(web_root))

    response = await gateway.get(path)

    assert response.status == 200
    assert response.content_type == "text/html"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "ETag" in response.headers
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    page = await response.text()
    assert "%ASSETS%" not in page
    asset_base(page)


async def test_a_versioned_asset_is_cached_for_good(start_gateway, web_root):
    gateway = await start_gateway({}, web_root=str(web_root))
    base = asset_base(await (await gateway.get("/")).text())

    response = await gateway.get(f"{base}/js/app.js", headers={"Accept-Encoding": "identity"})

    assert response.status == 200
    assert response.content_type == "text/javascript"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert await response.text() == SCRIPT


async def test_a_changed_file_changes_every_asset_url(web_root):
    before = read_web_files(web_root).version
    (web_root / "css" / "app.css").write_text("body { color: red; }\n")

    assert read_web_files(web_root).version != before


async def test_an_asset_of_another_version_is_served_but_not_cached_for_good(
    start_gateway, web_root
):
    gateway = await start_gateway({}, web_root=str(web_root))

    response = await gateway.get("/assets/000000000000/js/app.js")

    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    ("accept", "encoding"), [("gzip, deflate, br", "br"), ("gzip", "gzip"), ("", None)]
)
async def test_text_assets_are_compressed_as_the_client_accepts(
    start_gateway, web_root, accept, encoding
):
    gateway = await start_gateway({}, web_root=str(web_root))
    base = asset_base(await (await gateway.get("/")).text())

    response = await gateway.get(
        f"{base}/js/app.js", headers={"Accept-Encoding": accept}, auto_decompress=False
    )

    body = await response.read()
    assert response.headers.get("Content-Encoding") == encoding
    assert response.headers["Vary"] == "Accept-Encoding"
    unpacked = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding](body)
    assert unpacked.decode() == SCRIPT
    if encoding:
        assert len(body) < len(SCRIPT) / 4


async def test_an_unchanged_file_is_not_sent_again(start_gateway, web_root):
    gateway = await start_gateway({}, web_root=str(web_root))
    first = await gateway.get("/")

    again = await gateway.get("/", headers={"If-None-Match": first.headers["ETag"]})

    assert again.status == 304
    assert await again.read() == b""


@pytest.mark.parametrize(
    "name", ["js/nope.js", "js/link.js", ".secret", "../outside.txt", "index.html"]
)
async def test_nothing_but_the_folders_own_files_is_served(start_gateway, web_root, name):
    gateway = await start_gateway({}, web_root=str(web_root))
    base = asset_base(await (await gateway.get("/")).text())

    response = await gateway.get(f"{base}/{name}")

    assert response.status == 404
    assert response.content_type == "application/problem+json"
    assert "OUTSIDE-SECRET" not in await response.text()


async def test_a_top_level_file_is_served_and_a_missing_one_is_a_404_not_the_page(
    start_gateway, web_root
):
    gateway = await start_gateway({}, web_root=str(web_root))

    robots = await gateway.get("/robots.txt")
    missing = await gateway.get("/favicon.ico")
    nested = await gateway.get("/products/logo.png")

    assert robots.status == 200
    assert await robots.text() == "User-agent: *\n"
    assert missing.status == 404
    assert nested.status == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/health/nope"),
        ("GET", "/metrics/x"),
        ("GET", "/docs/static/nope.js"),
        ("GET", "/internal/stock/reservations"),
        ("POST", "/internal/stock/reservations"),
    ],
)
async def test_the_gateways_own_prefixes_are_never_the_page(
    start_gateway, web_root, method, path
):
    gateway = await start_gateway({}, web_root=str(web_root))

    response = await gateway.request(method, path)

    assert response.status == 404
    assert response.content_type == "application/problem+json"


async def test_the_page_is_only_read(start_gateway, web_root):
    gateway = await start_gateway({}, web_root=str(web_root))

    response = await gateway.post("/products/1")

    assert response.status == 405


async def test_docs_and_the_api_still_go_where_they_did(start_gateway, web_root, start_echo):
    catalog = await start_echo("catalog")
    gateway = await start_gateway({"catalog": [catalog]}, web_root=str(web_root))

    docs = await gateway.get("/docs")
    api = await gateway.get("/api/catalog/products")

    assert "swagger" in (await docs.text()).lower()
    assert (await api.json())["replica"] == "catalog"


def test_the_repositorys_web_folder_is_found_without_a_setting():
    root = find_web_root("")

    assert root is not None
    assert (root / "index.html").is_file()
    assert (root / "js" / "app.js").is_file()


def test_a_configured_folder_without_a_page_means_no_web_ui(tmp_path):
    assert find_web_root(str(tmp_path)) is None
