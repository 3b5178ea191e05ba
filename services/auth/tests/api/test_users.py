"""Administration: the user list and role changes; users get 403, anonymous callers 401."""

import uuid

import pytest

pytestmark = pytest.mark.integration


async def test_admin_routes_need_a_token_and_the_admin_role(auth) -> None:
    user = await auth.user_session()
    some_id = user.user["id"]
    assert (await auth.http.get("/api/auth/users")).status_code == 401
    assert (
        await auth.http.patch(f"/api/auth/users/{some_id}", json={"role": "admin"})
    ).status_code == 401
    listing = await auth.http.get("/api/auth/users", headers=user.headers)
    assert listing.status_code == 403
    assert listing.json()["type"].endswith("/forbidden")
    promote_self = await auth.http.patch(
        f"/api/auth/users/{some_id}", headers=user.headers, json={"role": "admin"}
    )
    assert promote_self.status_code == 403


async def test_admin_lists_users_newest_first_in_pages(auth) -> None:
    admin = await auth.admin_session()
    emails = [(await auth.register(email=f"page-{i}@example.com"))["email"] for i in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await auth.http.get("/api/auth/users", headers=admin.headers, params=params)).json()
        assert page["total"] == 6
        assert len(page["items"]) <= 2
        seen += [item["email"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [*reversed(emails), admin.user["email"]]


async def test_admin_filters_users_by_email_and_role(auth) -> None:
    admin = await auth.admin_session()
    await auth.register(email="olga@example.com")
    await auth.register(email="boris@example.com")
    await auth.register(email="o_l%ga@example.com")
    by_email = (
        await auth.http.get("/api/auth/users", headers=admin.headers, params={"email": "OLGA"})
    ).json()
    assert [u["email"] for u in by_email["items"]] == ["olga@example.com"]
    wildcard = (
        await auth.http.get("/api/auth/users", headers=admin.headers, params={"email": "_l%"})
    ).json()
    assert [u["email"] for u in wildcard["items"]] == ["o_l%ga@example.com"]
    admins = (
        await auth.http.get("/api/auth/users", headers=admin.headers, params={"role": "admin"})
    ).json()
    assert [u["email"] for u in admins["items"]] == [admin.user["email"]]
    assert admins["total"] == 1


BAD_LIST_PARAMETERS = [
    {"limit": 0},
    {"limit": 101},
    {"limit": "many"},
    {"role": "root"},
    {"cursor": "%%%"},
    {"cursor": "x" * 65},
    {"email": "nul\x00byte"},
]


async def test_bad_list_parameters_are_422(auth, subtests) -> None:
    admin = await auth.admin_session()
    for params in BAD_LIST_PARAMETERS:
        with subtests.test(params=str(params)):
            response = await auth.http.get("/api/auth/users", headers=admin.headers, params=params)
            assert response.status_code == 422
            assert response.headers["content-type"] == "application/problem+json"


async def test_admin_changes_a_role_and_it_is_published(auth) -> None:
    admin = await auth.admin_session()
    user = await auth.register()
    response = await auth.http.patch(
        f"/api/auth/users/{user['id']}", headers=admin.headers, json={"role": "admin"}
    )
    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    data = (await auth.outbox("auth.user.updated.v1"))[-1]["data"]
    assert data == {
        "user_id": user["id"],
        "name": user["name"],
        "role": "admin",
        "changed": ["role"],
    }
    # The new admin's next token carries the role.
    tokens = await auth.login(user["email"])
    listing = await auth.http.get("/api/auth/users", headers=auth.bearer(tokens["access_token"]))
    assert listing.status_code == 200


async def test_the_last_admin_cannot_demote_themselves(auth) -> None:
    admin = await auth.admin_session()
    me = (await auth.http.get("/api/auth/me", headers=admin.headers)).json()
    response = await auth.http.patch(
        f"/api/auth/users/{me['id']}", headers=admin.headers, json={"role": "user"}
    )
    assert response.status_code == 409
    assert response.json()["type"].endswith("/last-admin")


async def test_an_admin_can_step_down_while_another_admin_remains(auth) -> None:
    first = await auth.admin_session()
    second = await auth.admin_session()
    me = (await auth.http.get("/api/auth/me", headers=first.headers)).json()
    response = await auth.http.patch(
        f"/api/auth/users/{me['id']}", headers=second.headers, json={"role": "user"}
    )
    assert response.status_code == 200
    assert response.json()["role"] == "user"


async def test_setting_the_same_role_changes_and_publishes_nothing(auth) -> None:
    admin = await auth.admin_session()
    user = await auth.register()
    before = await auth.scalar("SELECT count(*) FROM outbox")
    response = await auth.http.patch(
        f"/api/auth/users/{user['id']}", headers=admin.headers, json={"role": "user"}
    )
    assert response.status_code == 200
    assert await auth.scalar("SELECT count(*) FROM outbox") == before


BAD_ROLE_CHANGES = [
    (str(uuid.uuid4()), {"role": "admin"}, 404),
    ("not-a-uuid", {"role": "admin"}, 422),
    ("1' OR '1'='1", {"role": "admin"}, 422),
    (str(uuid.uuid4()), {"role": "owner"}, 422),
    (str(uuid.uuid4()), {"role": "admin", "email": "x@example.com"}, 422),
    (str(uuid.uuid4()), {}, 422),
]


async def test_bad_role_changes_are_4xx_problems(auth, subtests) -> None:
    admin = await auth.admin_session()
    for user_id, body, status in BAD_ROLE_CHANGES:
        with subtests.test(user_id=user_id, body=str(body)):
            response = await auth.http.patch(
                f"/api/auth/users/{user_id}", headers=admin.headers, json=body
            )
            assert response.status_code == status
            assert response.headers["content-type"] == "application/problem+json"
