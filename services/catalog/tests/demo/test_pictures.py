"""Demo pictures: valid images, the same pixels every time, fit for the image pipeline."""

import io

import pytest
from PIL import Image

from catalog_service.demo.generator import DemoPicture, generate
from catalog_service.demo.pictures import SHAPES, SIZE, render
from catalog_service.service.images import LARGE, SMALL
from marketplace_platform.images import process_image

pytestmark = pytest.mark.unit


def picture(shape: str = "circle", label: str = "SA", variant: int = 0) -> DemoPicture:
    return DemoPicture("leaf/brand", label, (25, 118, 210), shape, variant)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data), formats=["PNG"])
    image.load()
    return image


@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_renders_as_a_png_of_the_picture_size(shape: str) -> None:
    image = decode(render(picture(shape)))

    assert image.format == "PNG"
    assert image.size == (SIZE, SIZE)
    assert image.mode == "RGB"


def test_the_same_picture_has_the_same_pixels() -> None:
    first, second = decode(render(picture())), decode(render(picture()))

    assert first.tobytes() == second.tobytes()


def test_variants_and_labels_change_the_picture() -> None:
    base = decode(render(picture())).tobytes()

    assert decode(render(picture(variant=1))).tobytes() != base
    assert decode(render(picture(label="LG"))).tobytes() != base


def test_the_label_is_drawn_in_white_in_the_middle() -> None:
    image = decode(render(picture(shape="square", label="MM")))
    middle = image.crop((SIZE // 3, SIZE // 3, 2 * SIZE // 3, 2 * SIZE // 3))

    assert (255, 255, 255) in {colour for _, colour in middle.getcolors(SIZE * SIZE)}


def test_an_unknown_shape_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown shape"):
        render(picture(shape="blob"))


def test_every_catalog_picture_goes_through_the_image_pipeline() -> None:
    pictures = list(generate().pictures.values())[::20]  # a sample: the pipeline is slow-ish

    for demo in pictures:
        variants = process_image(render(demo), (LARGE, SMALL))
        assert variants[SMALL.name].width == variants[SMALL.name].height == SMALL.size
        assert variants[LARGE.name].content_type == "image/webp"
        assert Image.open(io.BytesIO(variants[LARGE.name].data)).format == "WEBP"
