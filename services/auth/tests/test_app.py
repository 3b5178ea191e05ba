"""The service as a whole: health, OpenAPI, and behaviour across restarts and replicas."""

import pytest

from auth_service.service import keys

pytestmark = pytest.mark.integration


async def test_ready_without_a_broker_is_degraded_not_down(auth) -> None:
    response = await auth.http.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "signing_key": "ok", "broker": "down: ServiceUnavailable"},
    }


async def test_every_operation_has_a_tagged_id_and_a_summary(auth) -> None:
    spec = (await auth.http.get("/openapi.json")).json()
    operations = [op for path in spec["paths"].values() for op in path.values()]
    assert {op["operationId"] for op in operations} >= {
        "auth-register",
        "auth-login",
        "auth-refresh",
        "auth-logout",
        "keys-get_jwks",
        "profile-get_me",
        "profile-update_me",
        "profile-put_avatar",
        "profile-delete_avatar",
        "avatars-get_avatar",
        "users-list_users",
        "users-update_user",
    }
    for op in operations:
        assert op["operationId"].startswith(f"{op['tags'][0]}-")
        assert op.get("summary") or op.get("description"), op["operationId"]
    upload = spec["paths"]["/api/auth/me/avatar"]["put"]["requestBody"]["content"]
    assert "multipart/form-data" in upload


async def test_a_stored_hash_is_upgraded_when_the_cost_is_raised(auth) -> None:
    user = await auth.register()
    before = await auth.scalar("SELECT password_hash FROM users")
    assert ",t=1," in before
    async with auth.replica(argon2_time_cost=2) as stronger:
        await stronger.login(user["email"])
    after = await auth.scalar("SELECT password_hash FROM users")
    assert ",t=2," in after
    await auth.login(user["email"])  # the old instance still verifies the new hash


async def test_replicas_share_the_failure_counts(auth) -> None:
    user = await auth.register()
    async with auth.replica() as other:
        for instance in (auth, other, auth, other, auth):
            async with instance.client("198.51.100.9") as http:
                wrong = await http.post(
                    "/api/auth/login", json={"email": user["email"], "password": "nope nope"}
                )
                assert wrong.status_code == 401
        async with other.client("198.51.100.9") as http:
            throttled = await http.post(
                "/api/auth/login", json={"email": user["email"], "password": user["password"]}
            )
    assert throttled.status_code == 429


async def test_a_rotation_reaches_every_replica(auth) -> None:
    session = await auth.user_session()
    async with auth.replica() as other:
        new_kid = await keys.rotate(
            unit_of_work=other.components.unit_of_work,
            passphrase=other.components.settings.signing_key_passphrase,
        )
        await other.components.keys.reload()
        await auth.components.keys.reload()  # what its refresh loop does every minute
        for instance in (auth, other):
            assert instance.components.keys.current().kid == new_kid
            assert (
                await instance.http.get("/api/auth/me", headers=session.headers)
            ).status_code == 200
