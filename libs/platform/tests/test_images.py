import asyncio
import io
import threading
import time
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI, Request
from httpx import ASGITransport, AsyncClient
from PIL import Image

from marketplace_platform import images
from marketplace_platform.http import create_service_app
from marketplace_platform.images import (
    MAX_CONCURRENT_DECODES,
    Variant,
    process_image,
    process_upload,
    read_image_upload,
)
from marketplace_platform.problems import PayloadTooLarge, UnsupportedMediaType
from marketplace_platform.settings import ServiceSettings

pytestmark = pytest.mark.unit

SQUARE = Variant("square", 64)
FIT = Variant("fit", 100, square=False)


def encode(image: Image.Image, format: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **params)
    return buffer.getvalue()


def two_colours(size: tuple[int, int] = (200, 100), mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue: orientation is visible in the pixels."""
    image = Image.new(mode, size, "red")
    image.paste("blue", (size[0] // 2, 0, size[0], size[1]))
    return image


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "CameraMaker"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (55.0, 45.0, 21.0)
    gps[3] = "E"
    gps[4] = (37.0, 37.0, 4.0)
    return exif


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("format", ["PNG", "JPEG", "WEBP"])
def test_accepted_formats_come_out_as_webp_variants_of_the_right_size(format: str) -> None:
    out = process_image(encode(two_colours(), format), [SQUARE, FIT])
    assert decode(out["square"].data).format == "WEBP"
    assert (out["square"].width, out["square"].height) == (64, 64)
    assert decode(out["square"].data).size == (64, 64)
    assert decode(out["fit"].data).size == (100, 50)  # proportions kept, longest side 100
    assert out["fit"].content_type == "image/webp"


def test_square_variants_are_centre_crops() -> None:
    out = process_image(encode(two_colours((300, 100)), "PNG"), [Variant("s", 10)])
    image = decode(out["s"].data).convert("RGB")
    left, right = image.getpixel((0, 5)), image.getpixel((9, 5))
    # A centre crop of 100 x 100 from 300 x 100 straddles the red/blue border at 150.
    assert (left[0] > 200, left[2] < 60) == (True, True)  # red
    assert (right[2] > 200, right[0] < 60) == (True, True)  # blue


def test_exif_orientation_is_applied_then_all_metadata_dropped() -> None:
    source = encode(two_colours(), "JPEG", exif=exif_with_gps(orientation=6).tobytes())
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(0x8825)  # the GPS is there

    out = process_image(source, [FIT])
    image = decode(out["fit"].data)
    assert image.size == (50, 100)  # orientation 6: rotated a quarter turn to portrait
    assert not image.getexif()
    assert not {"exif", "xmp", "icc_profile"} & set(image.info)
    assert b"Exif" not in out["fit"].data
    assert b"CameraMaker" not in out["fit"].data


def test_transparency_is_kept() -> None:
    image = Image.new("RGBA", (20, 20), (0, 255, 0, 0))
    out = process_image(encode(image, "PNG"), [Variant("s", 8)])
    assert decode(out["s"].data).mode == "RGBA"


def test_palette_and_greyscale_images_are_accepted() -> None:
    for image in (
        two_colours().convert("P"),
        two_colours().convert("L"),
        two_colours().convert("CMYK"),
    ):
        fmt = "JPEG" if image.mode == "CMYK" else "PNG"
        assert process_image(encode(image, fmt), [SQUARE])["square"].width == 64


@pytest.mark.parametrize(
    "data",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"<html><body>hello</body></html>",
        b"GIF89a" + b"\x00" * 100,
        b"",
        encode(two_colours(), "GIF"),
        encode(two_colours(), "BMP"),
        encode(two_colours(), "TIFF"),
        encode(two_colours(), "PNG")[:60],  # truncated
    ],
    ids=["svg", "html", "gif-header", "empty", "gif", "bmp", "tiff", "truncated-png"],
)
def test_anything_but_png_jpeg_or_webp_is_415(data: bytes) -> None:
    with pytest.raises(UnsupportedMediaType):
        process_image(data, [SQUARE])


def test_an_image_named_and_typed_as_png_is_still_judged_by_its_bytes() -> None:
    svg_pretending = b"\x89PNG\r\n\x1a\n<svg/>"
    with pytest.raises(UnsupportedMediaType):
        process_image(svg_pretending, [SQUARE])


def test_too_many_pixels_is_refused_before_decoding() -> None:
    wide = encode(Image.new("1", (4000, 3000)), "PNG")  # tiny file, 12 MP
    assert len(wide) < 10_000
    with pytest.raises(PayloadTooLarge, match="pixels"):
        process_image(wide, [SQUARE], max_pixels=10_000_000)


def test_pillows_own_bomb_limit_is_a_413_too() -> None:
    huge = encode(Image.new("1", (20_000, 10_000)), "PNG")  # 200 MP, past Pillow's limit
    with pytest.raises(PayloadTooLarge):
        process_image(huge, [SQUARE], max_pixels=10**12)


def test_the_refusal_names_the_size_and_the_limit() -> None:
    wide = encode(Image.new("1", (4000, 3000)), "PNG")
    with pytest.raises(PayloadTooLarge, match="4000 x 3000 pixels; at most 10 000 000"):
        process_image(wide, [SQUARE], max_pixels=10_000_000)


@pytest.mark.parametrize(("cover", "decoded"), [(256, (500, 375)), (1200, (2000, 1500))])
def test_a_jpeg_is_decoded_at_the_smallest_scale_that_covers_the_variants(
    cover: int, decoded: tuple[int, int]
) -> None:
    photo = encode(two_colours((4000, 3000)), "JPEG")
    assert images._decode(photo, max_pixels=20_000_000, cover=cover).size == decoded


def test_a_drafted_jpeg_still_gives_variants_of_the_right_size() -> None:
    photo = encode(two_colours((4000, 3000)), "JPEG")
    out = process_image(photo, [Variant("square", 256), Variant("fit", 300, square=False)])
    assert (out["square"].width, out["square"].height) == (256, 256)
    assert (out["fit"].width, out["fit"].height) == (300, 225)
    fit = decode(out["fit"].data)
    assert fit.getpixel((10, 100))[0] > 200  # red stays left
    assert fit.getpixel((290, 100))[2] > 200  # blue stays right


async def test_uploads_are_decoded_at_most_a_few_at_a_time(monkeypatch) -> None:
    lock = threading.Lock()
    running, most = 0, 0
    real_decode = images._decode

    def counting_decode(*args: object, **kwargs: object) -> Image.Image:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.05)  # long enough for the other uploads to start, were they allowed
            return real_decode(*args, **kwargs)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(images, "_decode", counting_decode)
    data = encode(two_colours(), "PNG")
    results = await asyncio.gather(*(process_upload(data, [SQUARE]) for _ in range(8)))
    assert all(result["square"].width == 64 for result in results)
    assert most == MAX_CONCURRENT_DECODES


# -- reading an upload ---------------------------------------------------------------------


def upload_app(max_bytes: int) -> FastAPI:
    from fastapi import APIRouter

    router = APIRouter(tags=["upload"])

    @router.put("/upload")
    async def upload(request: Request) -> dict[str, int]:
        """Read the file."""
        data = await read_image_upload(request, max_bytes=max_bytes)
        return {"size": len(data)}

    return create_service_app(
        ServiceSettings(environment="test", service_name="images", access_log=False),
        title="t",
        routers=[router],
    )


async def put(app: FastAPI, **kwargs: object) -> tuple[int, dict[str, object]]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http:
        response = await http.put("/upload", **kwargs)  # type: ignore[arg-type]
    return response.status_code, response.json()


async def test_an_upload_within_the_limit_is_read_whole() -> None:
    status, body = await put(upload_app(1000), files={"file": ("a.png", b"x" * 1000)})
    assert (status, body["size"]) == (200, 1000)


async def test_an_upload_past_the_limit_is_413() -> None:
    status, body = await put(upload_app(1000), files={"file": ("a.png", b"x" * 1001)})
    assert status == 413
    assert body["type"].endswith("/payload-too-large")


async def test_reading_stops_at_the_limit_whatever_content_length_says() -> None:
    sent = 0

    async def body() -> AsyncIterator[bytes]:  # streamed: no Content-Length
        nonlocal sent
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n'
        for _ in range(1000):
            sent += 1
            yield b"x" * 65536
        yield b"\r\n--b--\r\n"

    status, _ = await put(
        upload_app(100_000),
        content=body(),
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert status == 413
    assert sent < 10  # it stopped reading long before the 64 MB were sent


async def test_a_lying_content_length_is_refused_early() -> None:
    status, _ = await put(
        upload_app(1000),
        content=b"",
        headers={"content-type": "multipart/form-data; boundary=b", "content-length": "999999"},
    )
    assert status == 413


async def test_not_multipart_is_415_and_a_missing_field_is_422() -> None:
    status, _ = await put(upload_app(1000), json={"file": "x"})
    assert status == 415
    status, _ = await put(upload_app(1000), files={"other": ("a.png", b"x")})
    assert status == 422
    status, _ = await put(upload_app(1000), files={"file": ("a.png", b"")})
    assert status == 422


async def test_broken_multipart_is_400() -> None:
    status, body = await put(
        upload_app(1000),
        content=b"garbage",
        headers={"content-type": "multipart/form-data"},
    )
    assert status == 400
    assert body["status"] == 400
