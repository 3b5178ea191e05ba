"""Avatar upload through the safe image pipeline, serving, replacing and deleting."""

import io

import pytest
from PIL import Image

pytestmark = pytest.mark.integration


def picture(format: str = "PNG", size: tuple[int, int] = (300, 200), **params: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, format=format, **params)
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 1
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (55.0, 45.0, 21.0), "E", (37.0, 37.0, 4.0)
    data = picture("JPEG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    return data


async def upload(
    auth, session, data: bytes, filename: str = "me.png", content_type: str = "image/png"
):
    return await auth.http.put(
        "/api/auth/me/avatar",
        headers=session.headers,
        files={"file": (filename, data, content_type)},
    )


async def profile(auth, session) -> dict:
    return (await auth.http.get("/api/auth/me", headers=session.headers)).json()


async def test_an_uploaded_png_becomes_two_webp_variants(auth) -> None:
    session = await auth.user_session()
    response = await upload(auth, session, picture("PNG"))
    assert response.status_code == 200
    me = response.json()
    assert me["avatar_url"].startswith("/api/auth/avatars/")
    assert me["avatar_small_url"].startswith("/api/auth/avatars/")

    for url, side in ((me["avatar_url"], 256), (me["avatar_small_url"], 64)):
        served = await auth.http.get(url)
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/webp"
        assert served.headers["x-content-type-options"] == "nosniff"
        assert served.headers["content-security-policy"].startswith("default-src 'none'")
        assert "immutable" in served.headers["cache-control"]
        image = Image.open(io.BytesIO(served.content))
        assert (image.format, image.size) == ("WEBP", (side, side))


async def test_a_jpeg_with_gps_comes_back_without_exif(auth) -> None:
    session = await auth.user_session()
    me = (await upload(auth, session, jpeg_with_gps(), "photo.jpg", "image/jpeg")).json()
    for url in (me["avatar_url"], me["avatar_small_url"]):
        data = (await auth.http.get(url)).content
        image = Image.open(io.BytesIO(data))
        assert not image.getexif()
        assert "exif" not in image.info
        assert b"Exif" not in data


REFUSED_UPLOADS = [
    (b"just some text, not an image", "me.png", "image/png", 415),
    (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
        "me.svg",
        "image/svg+xml",
        415,
    ),
    (b"<svg onload=alert(1)>", "me.png", "image/png", 415),  # lying about its type
    (picture("GIF"), "me.gif", "image/gif", 415),
    (b"\x89PNG" + b"\x00" * (5 * 1024 * 1024), "big.png", "image/png", 413),
]


async def test_refused_uploads_leave_the_profile_unchanged(auth, subtests) -> None:
    session = await auth.user_session()
    first = (await upload(auth, session, picture())).json()
    for data, filename, content_type, status in REFUSED_UPLOADS:
        with subtests.test(filename=filename, size=len(data)):
            response = await upload(auth, session, data, filename, content_type)
            assert response.status_code == status
            assert response.headers["content-type"] == "application/problem+json"
            after = await profile(auth, session)
            assert (after["avatar_url"], after["avatar_small_url"]) == (
                first["avatar_url"],
                first["avatar_small_url"],
            )
            assert (await auth.http.get(after["avatar_url"])).status_code == 200


async def test_an_image_with_too_many_pixels_is_refused(auth) -> None:
    session = await auth.user_session()
    buffer = io.BytesIO()
    Image.new("1", (9000, 5000)).save(buffer, format="PNG")  # 45 MP in a few kB
    response = await upload(auth, session, buffer.getvalue())
    assert response.status_code == 413
    assert (await profile(auth, session))["avatar_url"] is None


async def test_a_small_png_bomb_is_refused_before_decoding(auth, png_bomb) -> None:
    assert len(png_bomb) < 200_000  # 40 MP on the wire in under 200 KB
    session = await auth.user_session()
    response = await upload(auth, session, png_bomb)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert "6300 x 6300" in detail
    assert "4 000 000" in detail
    assert (await profile(auth, session))["avatar_url"] is None


async def test_the_upload_must_be_multipart_with_a_file_field(auth) -> None:
    session = await auth.user_session()
    as_json = await auth.http.put(
        "/api/auth/me/avatar", headers=session.headers, json={"file": "x"}
    )
    assert as_json.status_code == 415
    wrong_field = await auth.http.put(
        "/api/auth/me/avatar", headers=session.headers, files={"image": ("a.png", picture())}
    )
    assert wrong_field.status_code == 422


async def test_uploading_needs_a_token(auth) -> None:
    response = await auth.http.put("/api/auth/me/avatar", files={"file": ("a.png", picture())})
    assert response.status_code == 401


async def test_a_new_avatar_replaces_the_old_files(auth) -> None:
    session = await auth.user_session()
    first = (await upload(auth, session, picture())).json()
    second = (await upload(auth, session, picture("JPEG"), "b.jpg", "image/jpeg")).json()
    assert second["avatar_url"] != first["avatar_url"]
    assert (await auth.http.get(first["avatar_url"])).status_code == 404
    assert (await auth.http.get(first["avatar_small_url"])).status_code == 404
    assert (await auth.http.get(second["avatar_url"])).status_code == 200


async def test_deleting_the_avatar_removes_it(auth) -> None:
    session = await auth.user_session()
    me = (await upload(auth, session, picture())).json()
    response = await auth.http.delete("/api/auth/me/avatar", headers=session.headers)
    assert response.status_code == 204
    after = await profile(auth, session)
    assert (after["avatar_url"], after["avatar_small_url"]) == (None, None)
    assert (await auth.http.get(me["avatar_url"])).status_code == 404
    again = await auth.http.delete("/api/auth/me/avatar", headers=session.headers)
    assert again.status_code == 204


NOT_AVATARS = [
    "..%2F..%2Fauth.db",
    "%2e%2e",
    "0123456789abcdef0123456789abcdef.webp",
    "0123456789abcdef0123456789abcdef.html",
    "x" * 300,
]


async def test_names_that_are_not_stored_avatars_are_404(auth, subtests) -> None:
    for name in NOT_AVATARS:
        with subtests.test(name=name[:40]):
            response = await auth.http.get(f"/api/auth/avatars/{name}")
            assert response.status_code in (404, 422)
            assert response.headers["content-type"] == "application/problem+json"


async def test_the_avatar_link_uses_the_public_base_url(auth) -> None:
    async with auth.replica(public_base_url="https://shop.example/") as public:
        session = await public.user_session()
        me = (await upload(public, session, picture())).json()
    assert me["avatar_url"].startswith("https://shop.example/api/auth/avatars/")
