"""The caller's own profile: read and change it; ``UserUpdated`` goes out with the change."""

import pytest

pytestmark = pytest.mark.integration


async def outbox_changes(auth) -> list[list[str]]:
    return [envelope["data"]["changed"] for envelope in await auth.outbox("auth.user.updated.v1")]


async def test_the_profile_needs_a_token(auth) -> None:
    response = await auth.http.get("/api/auth/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_new_profile_has_empty_fields(auth) -> None:
    session = await auth.user_session(name="Anna")
    profile = (await auth.http.get("/api/auth/me", headers=session.headers)).json()
    assert profile == {
        "id": session.user["id"],
        "email": session.user["email"],
        "name": "Anna",
        "phone": None,
        "address": None,
        "bio": None,
        "avatar_url": None,
        "avatar_small_url": None,
        "role": "user",
        "created_at": session.user["created_at"],
        "order_history": [],
    }


async def test_patch_changes_the_fields_sent_and_publishes_their_names(auth) -> None:
    session = await auth.user_session(name="Anna")
    response = await auth.http.patch(
        "/api/auth/me",
        headers=session.headers,
        json={"name": "Anna P.", "phone": "+7 (912) 345-67-89", "bio": "Hello\nthere"},
    )
    assert response.status_code == 200
    profile = response.json()
    assert (profile["name"], profile["phone"], profile["bio"]) == (
        "Anna P.",
        "+79123456789",
        "Hello\nthere",
    )
    assert profile["address"] is None
    assert await outbox_changes(auth) == [["bio", "name", "phone"]]

    again = await auth.http.patch(
        "/api/auth/me", headers=session.headers, json={"address": "Moscow"}
    )
    assert again.json()["name"] == "Anna P."  # untouched
    assert again.json()["address"] == "Moscow"
    assert await outbox_changes(auth) == [["bio", "name", "phone"], ["address"]]


async def test_a_patch_that_changes_nothing_publishes_nothing(auth) -> None:
    session = await auth.user_session(name="Anna")
    response = await auth.http.patch("/api/auth/me", headers=session.headers, json={"name": "Anna"})
    assert response.status_code == 200
    assert await outbox_changes(auth) == []


async def test_null_or_empty_clears_optional_fields(auth) -> None:
    session = await auth.user_session()
    await auth.http.patch(
        "/api/auth/me", headers=session.headers, json={"phone": "+79123456789", "bio": "x"}
    )
    response = await auth.http.patch(
        "/api/auth/me", headers=session.headers, json={"phone": None, "bio": "   "}
    )
    assert (response.json()["phone"], response.json()["bio"]) == (None, None)


INVALID_CHANGES = [
    ({"name": ""}, "name"),
    ({"name": None}, None),
    ({"name": "x" * 101}, "name"),
    ({"phone": "call me"}, "phone"),
    ({"phone": "+1" + "2" * 20}, "phone"),
    ({"address": "a" * 501}, "address"),
    ({"bio": "b" * 2001}, "bio"),
    ({"bio": "b" * 100_000}, "bio"),
    ({"email": "new@example.com"}, "email"),
    ({"role": "admin"}, "role"),
    ({"avatar_url": "javascript:alert(1)"}, "avatar_url"),
]


async def test_invalid_changes_are_422_and_change_nothing(auth, subtests) -> None:
    session = await auth.user_session(name="Anna")
    for body, field in INVALID_CHANGES:
        with subtests.test(body=str(body)[:60]):
            response = await auth.http.patch("/api/auth/me", headers=session.headers, json=body)
            assert response.status_code == 422
            assert response.headers["content-type"] == "application/problem+json"
            if field:
                assert any(field in error["loc"] for error in response.json()["errors"])
    profile = (await auth.http.get("/api/auth/me", headers=session.headers)).json()
    assert (profile["name"], profile["role"], profile["email"], profile["bio"]) == (
        "Anna",
        "user",
        session.user["email"],
        None,
    )
    assert await auth.outbox("auth.user.updated.v1") == []


async def test_a_body_that_is_not_an_object_is_422(auth, subtests) -> None:
    session = await auth.user_session()
    for body in ([], "name", 42, None):
        with subtests.test(body=body):
            response = await auth.http.patch("/api/auth/me", headers=session.headers, json=body)
            assert response.status_code == 422


async def test_a_token_of_a_deleted_account_finds_no_profile(auth) -> None:
    session = await auth.user_session()
    await auth.execute("DELETE FROM users")
    response = await auth.http.get("/api/auth/me", headers=session.headers)
    assert response.status_code == 404
    assert response.json()["type"].endswith("/user-not-found")
