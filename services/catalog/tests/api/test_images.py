"""Product pictures: uploaded by admins through the safe image pipeline, served as WebP
with safe headers, removed with their files."""

import io
import uuid

import pytest
from PIL import Image

pytestmark = pytest.mark.integration


def picture(format: str = "PNG", size: tuple[int, int] = (1600, 900)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, format=format)
    return buffer.getvalue()


async def upload(catalog, product_id: str, data: bytes, headers=None, name="photo.png"):
    return await catalog.http.post(
        f"/api/catalog/products/{product_id}/images",
        headers=headers or catalog.admin().headers,
        files={"file": (name, data, "image/png")},
    )


async def test_an_uploaded_picture_becomes_two_webp_variants(catalog) -> None:
    product = await catalog.create_product()
    response = await upload(catalog, product["id"], picture("JPEG"))
    assert response.status_code == 201, response.text
    image = response.json()
    assert image["url"].startswith("/api/catalog/images/")

    for url, size in ((image["url"], (1200, 675)), (image["small_url"], (320, 320))):
        served = await catalog.http.get(url)
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/webp"
        assert served.headers["x-content-type-options"] == "nosniff"
        assert served.headers["content-security-policy"].startswith("default-src 'none'")
        decoded = Image.open(io.BytesIO(served.content))
        assert (decoded.format, decoded.size) == ("WEBP", size)

    read = await catalog.product(product["id"])
    assert read["images"] == [image]
    [event] = await catalog.outbox("catalog.product.updated.v1")
    assert event["data"]["changed"] == ["images"]


async def test_pictures_keep_their_order_and_are_deleted_with_their_files(catalog) -> None:
    product = await catalog.create_product()
    first = (await upload(catalog, product["id"], picture())).json()
    second = (await upload(catalog, product["id"], picture())).json()
    assert [i["id"] for i in (await catalog.product(product["id"]))["images"]] == [
        first["id"],
        second["id"],
    ]
    deleted = await catalog.http.delete(
        f"/api/catalog/products/{product['id']}/images/{first['id']}",
        headers=catalog.admin().headers,
    )
    assert deleted.status_code == 204
    assert [i["id"] for i in (await catalog.product(product["id"]))["images"]] == [second["id"]]
    assert (await catalog.http.get(first["url"])).status_code == 404
    assert (await catalog.http.get(first["small_url"])).status_code == 404
    again = await catalog.http.delete(
        f"/api/catalog/products/{product['id']}/images/{first['id']}",
        headers=catalog.admin().headers,
    )
    assert again.status_code == 404


async def test_what_is_not_a_safe_image_is_refused(catalog) -> None:
    product = await catalog.create_product()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert (await upload(catalog, product["id"], svg, name="x.png")).status_code == 415
    assert (await upload(catalog, product["id"], b"")).status_code == 422
    too_big = catalog.components.settings.image_max_bytes + 1
    assert (await upload(catalog, product["id"], b"\0" * too_big)).status_code == 413
    missing = await upload(catalog, str(uuid.uuid4()), picture())
    assert missing.status_code == 404
    assert (await catalog.product(product["id"]))["images"] == []
    assert (await catalog.http.get("/api/catalog/images/..%2Fcatalog.db")).status_code == 404


@pytest.mark.parametrize("settings_overrides", [{"image_max_bytes": 64 * 1024}])
async def test_a_product_has_at_most_ten_pictures(catalog, settings_overrides) -> None:
    product = await catalog.create_product()
    small = picture(size=(40, 40))
    for _ in range(10):
        assert (await upload(catalog, product["id"], small)).status_code == 201
    eleventh = await upload(catalog, product["id"], small)
    assert eleventh.status_code == 409
    assert eleventh.json()["type"].endswith("/too-many-images")
    assert len((await catalog.product(product["id"]))["images"]) == 10
    stored = list(catalog.components.settings.images_path.iterdir())
    assert len([path for path in stored if not path.name.startswith(".")]) == 20
