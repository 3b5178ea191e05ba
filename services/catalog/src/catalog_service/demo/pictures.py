"""Product pictures drawn on the spot: a gradient in the category's colour, the leaf
category's figure, and the brand's two letters.

Nothing is read from disk and no font is needed: the letters come from Pillow's built-in
bitmap font, scaled up pixel by pixel, and every coordinate is an integer, so the pixels are
the same on every machine with the same Pillow. (The PNG bytes may still differ with the
zlib version; compare decoded pixels, not files.)
"""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from catalog_service.demo.generator import DemoPicture
from catalog_service.demo.vocabulary import Rgb

SIZE = 480
# Figures on a 100 x 100 grid, scaled to the picture. Integers only: no trigonometry whose
# last bit could depend on the C library.
_POLYGONS: dict[str, tuple[tuple[int, int], ...]] = {
    "triangle": ((50, 10), (90, 82), (10, 82)),
    "diamond": ((50, 6), (94, 50), (50, 94), (6, 50)),
    "hexagon": ((50, 6), (88, 28), (88, 72), (50, 94), (12, 72), (12, 28)),
    "star": ((50, 6), (61, 37), (94, 37), (67, 57), (77, 89), (50, 69), (23, 89), (33, 57),
             (6, 37), (39, 37)),
}
SHAPES = ("circle", "ring", "square", "stripes", *_POLYGONS)
_FIGURE_ALPHA = 72
_LABEL_HEIGHT = SIZE * 30 // 100


def render(picture: DemoPicture, *, size: int = SIZE) -> bytes:
    """The picture as a PNG."""
    image = _gradient(picture.colour, picture.variant, size)
    overlay = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    _figure(ImageDraw.Draw(overlay), picture.shape, size)
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    _label(image, picture.label, size)
    buffer = io.BytesIO()
    # Fast rather than small: the image pipeline decodes it straight away.
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _mix(colour: Rgb, towards: int, percent: int) -> Rgb:
    r, g, b = (channel + (towards - channel) * percent // 100 for channel in colour)
    return (r, g, b)


def _gradient(colour: Rgb, variant: int, size: int) -> Image.Image:
    light = _mix(colour, 255, 20 + 12 * (variant % 3))
    dark = _mix(colour, 0, 25 + 8 * (variant % 2))
    mask = Image.linear_gradient("L").resize((size, size), Image.Resampling.NEAREST)
    # Four directions, by exact transposition (no resampling).
    turns = (None, Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180,
             Image.Transpose.ROTATE_270)[variant % 4]
    if turns is not None:
        mask = mask.transpose(turns)
    return Image.composite(Image.new("RGB", (size, size), dark),
                           Image.new("RGB", (size, size), light), mask)


def _figure(draw: ImageDraw.ImageDraw, shape: str, size: int) -> None:
    fill = (255, 255, 255, _FIGURE_ALPHA)

    def at(x: int, y: int) -> tuple[int, int]:
        return (x * size // 100, y * size // 100)

    if shape == "circle":
        draw.ellipse((*at(10, 10), *at(90, 90)), fill=fill)
    elif shape == "ring":
        draw.ellipse((*at(8, 8), *at(92, 92)), outline=fill, width=size * 12 // 100)
    elif shape == "square":
        draw.rounded_rectangle((*at(14, 14), *at(86, 86)), radius=size // 10, fill=fill)
    elif shape == "stripes":
        for left in range(-100, 100, 25):
            draw.polygon([at(left, 100), at(left + 12, 100), at(left + 112, 0),
                          at(left + 100, 0)], fill=fill)
    elif shape in _POLYGONS:
        draw.polygon([at(x, y) for x, y in _POLYGONS[shape]], fill=fill)
    else:
        raise ValueError(f"unknown shape {shape!r}")


@cache
def _font() -> ImageFont.ImageFont:
    return ImageFont.load_default_imagefont()


def _label(image: Image.Image, text: str, size: int) -> None:
    font = _font()
    left, top, right, bottom = font.getbbox(text)
    glyphs = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(glyphs).text((-left, -top), text, fill=255, font=font)
    scale = max(1, _LABEL_HEIGHT * size // SIZE // glyphs.height)
    big = glyphs.resize((glyphs.width * scale, glyphs.height * scale),
                        Image.Resampling.NEAREST)
    x = (size - big.width) // 2
    y = (size - big.height) // 2
    shadow = max(2, scale // 2)
    image.paste((0, 0, 0), (x + shadow, y + shadow), big.point(lambda v: v * 45 // 100))
    image.paste((255, 255, 255), (x, y), big)
