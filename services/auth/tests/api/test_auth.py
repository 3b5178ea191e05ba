"""Registration, login, refresh rotation with reuse detection, logout."""

import asyncio

import pytest

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery"


async def test_register_login_and_read_the_profile(auth) -> None:
    email = auth.unique_email()
    registered = await auth.http.post(
        "/api/auth/register", json={"email": email, "password": auth.password, "name": " Anna "}
    )
    assert registered.status_code == 201
    user = registered.json()
    assert user["email"] == email
    assert user["name"] == "Anna"
    assert user["role"] == "user"
    assert "password" not in registered.text

    login = await auth.http.post(
        "/api/auth/login", json={"email": email, "password": auth.password}
    )
    assert login.status_code == 200
    assert login.headers["cache-control"] == "no-store"
    tokens = login.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 15 * 60
    assert tokens["refresh_token"]

    me = await auth.http.get("/api/auth/me", headers=auth.bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == user["id"]
    assert me.json()["order_history"] == []


async def test_login_ignores_the_case_of_the_email(auth) -> None:
    user = await auth.register(email="Mixed.Case@Example.com")
    assert user["email"] == "Mixed.Case@example.com"
    tokens = await auth.login("mixed.case@EXAMPLE.COM")
    assert tokens["access_token"]


async def test_a_taken_email_is_a_409_also_when_it_differs_only_in_case(
    auth,
) -> None:
    email = auth.unique_email()
    await auth.register(email=email)
    for again in (email, email.upper(), f"  {email} "):
        response = await auth.http.post(
            "/api/auth/register", json={"email": again, "password": auth.password, "name": "B"}
        )
        assert response.status_code == 409
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/email-taken")


async def test_concurrent_registrations_of_one_email_create_one_account(
    auth,
) -> None:
    email = auth.unique_email()
    body = {"email": email, "password": auth.password, "name": "Racer"}
    responses = await asyncio.gather(
        *(auth.http.post("/api/auth/register", json=body) for _ in range(4))
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    assert await auth.scalar("SELECT count(*) FROM users WHERE email_key = :e", e=email) == 1


WEAK_PASSWORDS = [
    ("short", "at least 8"),
    ("password123", "most common"),
    ("iloveyou", "most common"),
]


async def test_weak_and_common_passwords_are_a_422_with_the_reason(auth, subtests) -> None:
    for password, reason in WEAK_PASSWORDS:
        with subtests.test(password=password):
            response = await auth.http.post(
                "/api/auth/register",
                json={"email": auth.unique_email(), "password": password, "name": "A"},
            )
            assert response.status_code == 422
            assert response.json()["type"].endswith("/weak-password")
            assert reason in response.json()["detail"]


async def test_a_password_equal_to_the_email_is_refused(auth) -> None:
    email = auth.unique_email()
    response = await auth.http.post(
        "/api/auth/register", json={"email": email, "password": email.upper(), "name": "A"}
    )
    assert response.status_code == 422
    assert "email" in response.json()["detail"]


async def test_a_registration_with_several_wrong_fields_lists_them_all(auth) -> None:
    # A form can mark every wrong field at once instead of one per round trip.
    response = await auth.http.post(
        "/api/auth/register", json={"email": "bad", "password": "1"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/validation-error")
    wrong = {tuple(error["loc"]): error["type"] for error in problem["errors"]}
    assert wrong == {
        ("body", "email"): "invalid-email",
        ("body", "password"): "weak-password",
        ("body", "name"): "missing",
    }
    assert "1" not in [error["msg"] for error in problem["errors"]]  # no input echoed


async def test_one_wrong_field_keeps_its_own_problem_type(auth) -> None:
    response = await auth.http.post(
        "/api/auth/register", json={"email": "bad", "password": PASSWORD, "name": "A"}
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/invalid-email")
    assert "not a valid email address" in problem["detail"]
    assert [error["loc"] for error in problem["errors"]] == [["body", "email"]]


BAD_REGISTRATIONS = [
    {"email": "not-an-email", "password": PASSWORD, "name": "A"},
    {"email": "new@example.com", "password": PASSWORD, "name": ""},
    {"email": "new@example.com", "password": PASSWORD, "name": "x" * 101},
    {"email": "new@example.com", "password": PASSWORD},
    {"email": "new@example.com", "password": PASSWORD, "name": "A", "role": "admin"},
    {"email": "x" * 400 + "@example.com", "password": PASSWORD, "name": "A"},
    {"email": "new@example.com", "password": "p" * 5000, "name": "A"},
    {"email": ["a@example.com"], "password": PASSWORD, "name": "A"},
]


async def test_bad_registrations_are_422_problems(auth, subtests) -> None:
    for body in BAD_REGISTRATIONS:
        with subtests.test(body=str(body)[:80]):
            response = await auth.http.post("/api/auth/register", json=body)
            assert response.status_code == 422
            assert response.headers["content-type"] == "application/problem+json"


async def test_bad_json_is_a_4xx_problem_never_a_500(auth) -> None:
    for path in ("/api/auth/register", "/api/auth/login", "/api/auth/refresh"):
        response = await auth.http.post(
            path, content=b'{"email": ', headers={"content-type": "application/json"}
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"


async def test_control_characters_and_lone_surrogates_are_4xx_never_500(auth) -> None:
    login = await auth.http.post(
        "/api/auth/login", json={"email": "nul\x00@example.com", "password": "x"}
    )
    assert login.status_code == 401
    surrogate = '{"email": "a@example.com", "password": "abc\\ud800defgh", "name": "N"}'
    for path in ("/api/auth/register", "/api/auth/login"):
        response = await auth.http.post(
            path, content=surrogate, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422


async def test_wrong_password_and_unknown_email_get_the_same_401(auth) -> None:
    user = await auth.register()
    wrong_password = await auth.http.post(
        "/api/auth/login", json={"email": user["email"], "password": "not the password"}
    )
    unknown_email = await auth.http.post(
        "/api/auth/login", json={"email": auth.unique_email(), "password": "not the password"}
    )
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json()["detail"] == unknown_email.json()["detail"]
    assert wrong_password.json()["type"] == unknown_email.json()["type"]


async def test_the_access_token_carries_the_documented_claims(auth) -> None:
    session = await auth.user_session()
    claims = await auth.components.runtime.verifier.verify(session.tokens["access_token"])
    assert claims["sub"] == session.user["id"]
    assert claims["role"] == "user"
    assert claims["email"] == session.user["email"]
    assert claims["iss"] == "marketplace-auth"
    assert claims["aud"] == "marketplace"
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert claims["jti"]


async def test_refresh_rotates_the_refresh_token(auth) -> None:
    session = await auth.user_session()
    first = session.tokens["refresh_token"]
    response = await auth.http.post("/api/auth/refresh", json={"refresh_token": first})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    rotated = response.json()
    assert rotated["refresh_token"] != first
    me = await auth.http.get("/api/auth/me", headers=auth.bearer(rotated["access_token"]))
    assert me.status_code == 200
    again = await auth.http.post(
        "/api/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert again.status_code == 200


async def test_reusing_a_rotated_token_revokes_the_whole_family(auth) -> None:
    session = await auth.user_session()
    stolen = session.tokens["refresh_token"]
    newest = (await auth.http.post("/api/auth/refresh", json={"refresh_token": stolen})).json()[
        "refresh_token"
    ]

    reuse = await auth.http.post("/api/auth/refresh", json={"refresh_token": stolen})
    assert reuse.status_code == 401
    assert "used before" in reuse.json()["detail"]
    # The legitimate client's newest token dies with the stolen one.
    after = await auth.http.post("/api/auth/refresh", json={"refresh_token": newest})
    assert after.status_code == 401
    assert "revoked" in after.json()["detail"]


async def test_reuse_in_one_family_leaves_other_sessions_alone(auth) -> None:
    user = await auth.register()
    laptop = await auth.login(user["email"])
    phone = await auth.login(user["email"])
    laptop_token = {"refresh_token": laptop["refresh_token"]}
    rotated = await auth.http.post("/api/auth/refresh", json=laptop_token)
    assert rotated.status_code == 200
    reused = await auth.http.post("/api/auth/refresh", json=laptop_token)
    assert reused.status_code == 401
    assert "used before" in reused.json()["detail"]
    laptop_family = await auth.http.post(
        "/api/auth/refresh", json={"refresh_token": rotated.json()["refresh_token"]}
    )
    assert laptop_family.status_code == 401  # the reuse did revoke the laptop's session
    response = await auth.http.post(
        "/api/auth/refresh", json={"refresh_token": phone["refresh_token"]}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("racers", [2, 5])
async def test_concurrent_refreshes_of_one_token_let_one_win_and_revoke_the_family(
    auth, racers: int
) -> None:
    session = await auth.user_session()
    token = {"refresh_token": session.tokens["refresh_token"]}
    responses = await asyncio.gather(
        *(auth.http.post("/api/auth/refresh", json=token) for _ in range(racers))
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [401] * (racers - 1)
    # The first loser revokes the family; a loser served after that finds it revoked.
    details = [response.json()["detail"] for response in responses if response.status_code == 401]
    assert any("used before" in detail for detail in details), details
    assert all("used before" in detail or "revoked" in detail for detail in details), details
    assert await auth.scalar("SELECT count(*) FROM refresh_tokens WHERE used_at IS NOT NULL") == 1
    assert (
        await auth.scalar(
            "SELECT revoked_reason FROM refresh_token_families WHERE revoked_at IS NOT NULL"
        )
        == "reuse"
    )
    [winner] = [response for response in responses if response.status_code == 200]
    after = await auth.http.post(
        "/api/auth/refresh", json={"refresh_token": winner.json()["refresh_token"]}
    )
    assert after.status_code == 401
    assert "revoked" in after.json()["detail"]


async def test_unknown_and_expired_refresh_tokens_are_401(auth) -> None:
    unknown = await auth.http.post("/api/auth/refresh", json={"refresh_token": "made-up"})
    assert unknown.status_code == 401
    assert unknown.json()["type"].endswith("/invalid-refresh-token")

    session = await auth.user_session()
    await auth.execute("UPDATE refresh_tokens SET expires_at = issued_at")
    expired = await auth.http.post(
        "/api/auth/refresh", json={"refresh_token": session.tokens["refresh_token"]}
    )
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]


async def test_only_a_hash_of_the_refresh_token_is_stored(auth) -> None:
    session = await auth.user_session()
    token = session.tokens["refresh_token"]
    stored = await auth.scalar("SELECT token_hash FROM refresh_tokens")
    assert token not in stored
    assert len(stored) == 64


async def test_logout_revokes_the_family(auth) -> None:
    session = await auth.user_session()
    refresh = session.tokens["refresh_token"]
    logout = await auth.http.post("/api/auth/logout", json={"refresh_token": refresh})
    assert logout.status_code == 204
    after = await auth.http.post("/api/auth/refresh", json={"refresh_token": refresh})
    assert after.status_code == 401


async def test_logout_with_an_unknown_token_still_answers_204(auth) -> None:
    response = await auth.http.post("/api/auth/logout", json={"refresh_token": "nope"})
    assert response.status_code == 204


async def test_a_new_role_reaches_the_next_access_token_through_refresh(
    auth,
) -> None:
    session = await auth.user_session()
    await auth.execute("UPDATE users SET role = 'admin'")
    refreshed = (
        await auth.http.post(
            "/api/auth/refresh", json={"refresh_token": session.tokens["refresh_token"]}
        )
    ).json()
    claims = await auth.components.runtime.verifier.verify(refreshed["access_token"])
    assert claims["role"] == "admin"
