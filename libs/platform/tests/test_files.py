import stat
from pathlib import Path

import pytest

from marketplace_platform.files import (
    FileNotFound,
    LocalFileStore,
    StoredFile,
    content_type_of,
    file_response,
)

pytestmark = pytest.mark.unit


async def test_put_chooses_a_random_name_with_the_right_extension(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "files")
    first = await store.put(b"one", content_type="image/webp")
    second = await store.put(b"one", content_type="image/webp")
    assert first != second
    assert first.endswith(".webp")
    assert len(first) == 32 + 5
    stored = await store.get(first)
    assert (stored.data, stored.content_type) == (b"one", "image/webp")
    mode = (tmp_path / "files" / first).stat().st_mode
    assert stat.S_IMODE(mode) == 0o644


async def test_delete_removes_and_is_idempotent(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    name = await store.put(b"x", content_type="image/png")
    await store.delete(name)
    await store.delete(name)
    with pytest.raises(FileNotFound):
        await store.get(name)


@pytest.mark.parametrize(
    "name",
    [
        "../secret.webp",
        "/etc/passwd",
        "..",
        "0123456789abcdef0123456789abcdef.html",
        "0123456789abcdef0123456789abcdef.webp/..",
        "0123456789ABCDEF0123456789ABCDEF.webp",
        "0123456789abcdef0123456789abcdef.webp\x00.png",
    ],
)
async def test_names_the_store_could_not_have_made_are_not_found(tmp_path: Path, name: str) -> None:
    (tmp_path / "secret.webp").write_bytes(b"secret")
    store = LocalFileStore(tmp_path / "store")
    with pytest.raises(FileNotFound):
        await store.get(name)
    await store.delete(name)  # refused quietly, nothing removed
    assert (tmp_path / "secret.webp").exists()


async def test_unknown_content_types_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported"):
        await LocalFileStore(tmp_path).put(b"<svg/>", content_type="image/svg+xml")


def test_content_type_follows_the_extension() -> None:
    assert content_type_of("0123456789abcdef0123456789abcdef.jpg") == "image/jpeg"


def test_a_served_file_is_never_sniffed_never_run_and_cached_for_good() -> None:
    response = file_response(StoredFile(name="a.webp", content_type="image/webp", data=b"img"))
    assert response.body == b"img"
    assert response.media_type == "image/webp"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
