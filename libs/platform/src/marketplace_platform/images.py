"""The safe image pipeline: an untrusted upload in, clean WebP variants out.

Every image a user sends (avatars, product pictures) goes through the same steps:

1. ``read_image_upload`` reads one file of a ``multipart/form-data`` request in chunks and
   stops as soon as the body passes the limit (413). ``Content-Length`` is only used to
   refuse early; it is never trusted to be true.
2. ``process_image`` decodes it with Pillow, allowing only the PNG, JPEG and WebP decoders.
   The *decoded* format decides, never the file name or the declared content type, so an SVG
   (script inside), an HTML page or a polyglot named ``cat.png`` is refused (415).
3. The pixel count is checked from the header before any pixel is decoded: a 50 000 x 50 000
   PNG of one colour is a few kilobytes on the wire and gigabytes in memory (413). Each use
   sets its own cap (an avatar needs far fewer pixels than a product photo). A JPEG is
   decoded at the smallest scale (1/2, 1/4, 1/8) that still covers the largest variant
   (``Image.draft``), so a big photo for a small avatar costs a fraction of its full size.
4. The EXIF orientation is applied, the colours are brought to sRGB, then the pixels are
   copied into a new image: EXIF (GPS position, camera serial), XMP, ICC and comments stay
   behind.
5. Each requested variant is cut (square: centre crop) and re-encoded as WebP.

Decoding is CPU work and takes memory in proportion to the pixels: ``process_upload`` runs
``process_image`` in a small pool of its own threads (``MAX_CONCURRENT_DECODES``), which keeps
the event loop free and bounds how many images are decoded at once, however many uploads
arrive together; the others wait their turn in the pool's queue.
"""

from __future__ import annotations

import asyncio
import functools
import io
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import Message

from marketplace_platform.problems import InvalidInput, PayloadTooLarge, UnsupportedMediaType

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000  # e.g. 8000 x 5000; a 40 MP RGBA image is 160 MB decoded
OUTPUT_CONTENT_TYPE = "image/webp"
# Room for the multipart framing around the file (boundaries, part headers, small fields).
MULTIPART_OVERHEAD = 16 * 1024
_CHUNK = 64 * 1024
# Two decodes at a time per process: enough to use a two-core machine, and a ceiling on the
# memory that decoding can take (about 3 copies of the largest accepted image each).
MAX_CONCURRENT_DECODES = 2
# A pool of its own rather than the default one, whose threads also hash passwords and
# write files: those must not wait behind a queue of images. Threads serve any event loop.
_decoders = ThreadPoolExecutor(MAX_CONCURRENT_DECODES, thread_name_prefix="image-decode")


@dataclass(frozen=True, slots=True)
class Variant:
    """One output of the pipeline: ``size`` is the side of a square (centre-cropped) when
    ``square``, else the longest side of an image that keeps its proportions."""

    name: str
    size: int
    square: bool = True


@dataclass(frozen=True, slots=True)
class EncodedImage:
    data: bytes
    width: int
    height: int
    content_type: str = OUTPUT_CONTENT_TYPE


async def read_image_upload(request: Request, *, field: str = "file", max_bytes: int) -> bytes:
    """The bytes of the file in form field ``field`` of a multipart request.

    The route must not declare a body parameter (FastAPI would read the whole body first);
    it takes the ``Request`` and calls this, so that reading stops at the limit."""
    limit = max_bytes + MULTIPART_OVERHEAD
    too_large = PayloadTooLarge(f"The file is larger than {max_bytes // (1024 * 1024)} MB.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "multipart/form-data":
        raise UnsupportedMediaType(f"Send the image as multipart/form-data in field {field!r}.")

    received = 0

    async def receive_within_limit() -> Message:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise too_large
        return message

    limited = Request(request.scope, receive_within_limit)
    form = await limited.form(max_files=1, max_fields=8)
    try:
        upload = form.get(field)
        if not isinstance(upload, UploadFile):
            raise InvalidInput(f"Send the image as a file in form field {field!r}.")
        chunks: list[bytes] = []
        size = 0
        while chunk := await upload.read(_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise too_large
            chunks.append(chunk)
    finally:
        await form.close()
    if size == 0:
        raise InvalidInput("The file is empty.")
    return b"".join(chunks)


async def process_upload(
    data: bytes,
    variants: Sequence[Variant],
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    quality: int = 85,
) -> Mapping[str, EncodedImage]:
    """``process_image`` off the event loop, at most ``MAX_CONCURRENT_DECODES`` at once."""
    work = functools.partial(process_image, data, variants, max_pixels=max_pixels, quality=quality)
    return await asyncio.get_running_loop().run_in_executor(_decoders, work)


def process_image(
    data: bytes,
    variants: Sequence[Variant],
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    quality: int = 85,
) -> Mapping[str, EncodedImage]:
    """Decode ``data`` and return each variant by name, as WebP without metadata."""
    largest = max((variant.size for variant in variants), default=0)
    image = _decode(data, max_pixels=max_pixels, cover=largest)
    clean = _clean_pixels(image)
    return {variant.name: _encode(_cut(clean, variant), quality) for variant in variants}


def _decode(data: bytes, *, max_pixels: int, cover: int = 0) -> Image.Image:
    """The image's pixels, refused before decoding if there are more than ``max_pixels``.
    A JPEG is decoded at the smallest scale whose sides are both at least ``cover``."""
    not_an_image = UnsupportedMediaType("The file is not a PNG, JPEG or WebP image.")
    too_many_pixels = PayloadTooLarge(_too_many_pixels(max_pixels))
    try:
        # ``formats`` limits which decoders may even look at the bytes.
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own (global, much higher) bomb limit; the warning is an error where
        # warnings are errors, as under the test suite.
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_an_image from None
    width, height = image.size
    if width <= 0 or height <= 0:
        raise not_an_image
    if width * height > max_pixels:
        raise PayloadTooLarge(_too_many_pixels(max_pixels, size=(width, height)))
    try:
        image.seek(0)  # an animated image gives its first frame
        if image.format == "JPEG" and cover > 0:
            # Only JPEG can decode at a lower scale; other formats ignore the request.
            image.draft(image.mode, (cover, cover))
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError):
        raise not_an_image from None
    return image


def _too_many_pixels(max_pixels: int, *, size: tuple[int, int] | None = None) -> str:
    limit = f"{max_pixels:,}".replace(",", " ")
    if size is None:
        return f"The image has more than {limit} pixels."
    width, height = size
    return (
        f"The image is {width} x {height} pixels; at most {limit} pixels are accepted "
        "(send a smaller image)."
    )


def _clean_pixels(image: Image.Image) -> Image.Image:
    """Upright, sRGB, RGB(A) pixels in a new image that carries no metadata at all."""
    try:
        upright = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, TypeError, KeyError):
        upright = image  # unreadable EXIF: keep the pixels as stored
    has_alpha = upright.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    converted = upright.convert("RGBA" if has_alpha else "RGB")
    icc = image.info.get("icc_profile")
    if icc:
        converted = _to_srgb(converted, icc)
    clean = Image.new(converted.mode, converted.size)
    clean.paste(converted)
    return clean


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    # Dropping a wide-gamut profile without converting would wash out the colours.
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(image, source, target, outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a broken profile is ignored, not fatal
    return converted if converted is not None else image


def _cut(image: Image.Image, variant: Variant) -> Image.Image:
    if variant.square:
        return ImageOps.fit(image, (variant.size, variant.size), Image.Resampling.LANCZOS)
    copy = image.copy()
    copy.thumbnail((variant.size, variant.size), Image.Resampling.LANCZOS)
    return copy


def _encode(image: Image.Image, quality: int) -> EncodedImage:
    image.info.clear()  # nothing from the source may ride along into the output
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=quality, method=4)
    return EncodedImage(data=buffer.getvalue(), width=image.width, height=image.height)
