"""The JWKS, key rotation with a grace period, and the tokens the service refuses."""

import base64
import json
import time
import uuid
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from auth_service.service import keys
from marketplace_platform.clock import utcnow
from marketplace_platform.db import UTCDateTime

pytestmark = pytest.mark.integration


async def rotate(auth) -> str:
    kid = await keys.rotate(
        unit_of_work=auth.components.unit_of_work,
        passphrase=auth.components.settings.signing_key_passphrase,
    )
    await auth.components.keys.reload()
    return kid


def kid_of(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


async def test_jwks_publishes_the_current_ed25519_public_key(auth) -> None:
    response = await auth.http.get("/api/auth/jwks.json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    [key] = response.json()["keys"]
    assert key["kty"] == "OKP"
    assert key["crv"] == "Ed25519"
    assert key["alg"] == "EdDSA"
    assert key["use"] == "sig"
    assert "d" not in key  # the private part never leaves
    session = await auth.user_session()
    assert kid_of(session.tokens["access_token"]) == key["kid"]


async def test_the_private_key_is_stored_encrypted(auth) -> None:
    stored = await auth.scalar("SELECT private_key FROM signing_keys")
    assert stored.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")


async def test_after_rotation_tokens_of_the_previous_key_still_verify(auth) -> None:
    session = await auth.user_session()
    old_kid = kid_of(session.tokens["access_token"])

    new_kid = await rotate(auth)

    published = [key["kid"] for key in (await auth.http.get("/api/auth/jwks.json")).json()["keys"]]
    assert published == [new_kid, old_kid]
    assert (await auth.http.get("/api/auth/me", headers=session.headers)).status_code == 200
    fresh = await auth.login(session.user["email"])
    assert kid_of(fresh["access_token"]) == new_kid
    assert (
        await auth.http.get("/api/auth/me", headers=auth.bearer(fresh["access_token"]))
    ).status_code == 200


async def test_tokens_of_a_key_past_its_grace_stop_verifying(auth) -> None:
    session = await auth.user_session()
    old_kid = kid_of(session.tokens["access_token"])
    await rotate(auth)
    # As if the grace period had passed since the rotation (the token itself is still valid).
    past_grace = utcnow() - auth.components.keys.grace - timedelta(seconds=1)
    await auth.execute(
        "UPDATE signing_keys SET retired_at = :at WHERE kid = :kid",
        at=UTCDateTime().process_bind_param(past_grace, auth.db.engine.dialect),
        kid=old_kid,
    )
    await auth.components.keys.reload()

    published = [key["kid"] for key in (await auth.http.get("/api/auth/jwks.json")).json()["keys"]]
    assert old_kid not in published
    response = await auth.http.get("/api/auth/me", headers=session.headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_the_first_start_makes_one_key_and_later_starts_keep_it(auth) -> None:
    assert await auth.scalar("SELECT count(*) FROM signing_keys") == 1
    session = await auth.user_session()
    first_kid = kid_of(session.tokens["access_token"])
    for _ in range(2):  # two more starts of the service on the same database
        async with auth.replica() as restarted:
            jwks = (await restarted.http.get("/api/auth/jwks.json")).json()
            assert [key["kid"] for key in jwks["keys"]] == [first_kid]
            fresh = await restarted.login(session.user["email"])
            assert kid_of(fresh["access_token"]) == first_kid
            me = await restarted.http.get("/api/auth/me", headers=session.headers)
            assert me.status_code == 200  # a token from before the restart still verifies
    assert await auth.scalar("SELECT count(*) FROM signing_keys") == 1


async def test_a_start_with_a_lost_passphrase_retires_the_key_it_cannot_open(auth) -> None:
    """``var/`` (and the passphrase in it) removed while the database stayed: auth starts,
    signs with a new key, and the old key's tokens verify until its grace ends."""
    session = await auth.user_session()
    old_kid = kid_of(session.tokens["access_token"])
    async with auth.replica(signing_key_passphrase="a-new-passphrase-after-var-was-lost") as new:
        fresh = await new.login(session.user["email"])
        new_kid = kid_of(fresh["access_token"])
        assert new_kid != old_kid
        jwks = (await new.http.get("/api/auth/jwks.json")).json()
        assert [key["kid"] for key in jwks["keys"]] == [new_kid, old_kid]
        me = await new.http.get("/api/auth/me", headers=session.headers)
        assert me.status_code == 200  # the old key's token, within its grace period
    assert await auth.scalar("SELECT count(*) FROM signing_keys WHERE retired_at IS NULL") == 1


def b64(data: dict[str, object] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def test_a_tampered_token_is_401(auth) -> None:
    session = await auth.user_session()
    header, payload, signature = session.tokens["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    forged = f"{header}.{b64(claims)}.{signature}"
    response = await auth.http.get("/api/auth/users", headers=auth.bearer(forged))
    assert response.status_code == 401


async def test_alg_none_is_401(auth) -> None:
    session = await auth.user_session()
    kid = kid_of(session.tokens["access_token"])
    now = int(time.time())
    claims = {
        "sub": session.user["id"],
        "role": "admin",
        "iss": "marketplace-auth",
        "aud": "marketplace",
        "iat": now,
        "exp": now + 600,
    }
    unsigned = f"{b64({'alg': 'none', 'kid': kid, 'typ': 'JWT'})}.{b64(claims)}."
    response = await auth.http.get("/api/auth/me", headers=auth.bearer(unsigned))
    assert response.status_code == 401


def sign(auth, **overrides: object) -> str:
    """A token signed with the service's real current key, with some claims changed."""
    key = auth.components.keys.current()
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": "marketplace-auth",
        "aud": "marketplace",
        "sub": str(uuid.uuid4()),
        "role": "user",
        "email": "x@example.com",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})


BAD_CLAIMS = {
    "expired": {"exp": -3600, "iat": -4000},  # relative to now
    "wrong-audience": {"aud": "someone-else"},
    "wrong-issuer": {"iss": "https://evil.example"},
    "unknown-role": {"role": "superuser"},
    "bad-subject": {"sub": "not-a-uuid"},
    "no-subject": {"sub": None},
}


async def test_tokens_with_bad_claims_are_401(auth, subtests) -> None:
    now = int(time.time())
    for case, claims in BAD_CLAIMS.items():
        with subtests.test(case=case):
            if case == "expired":
                claims = {name: now + offset for name, offset in claims.items()}
            token = sign(auth, **claims)
            response = await auth.http.get("/api/auth/me", headers=auth.bearer(token))
            assert response.status_code == 401
            assert response.headers["content-type"] == "application/problem+json"


async def test_a_token_signed_by_a_key_we_never_had_is_401(auth) -> None:
    stranger = Ed25519PrivateKey.generate()
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": "marketplace-auth",
            "aud": "marketplace",
            "sub": str(uuid.uuid4()),
            "role": "admin",
            "iat": now,
            "exp": now + 600,
        },
        stranger,
        algorithm="EdDSA",
        headers={"kid": auth.components.keys.current().kid},
    )
    assert (await auth.http.get("/api/auth/me", headers=auth.bearer(token))).status_code == 401


MALFORMED_AUTHORIZATION = [
    "",
    "Bearer",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    "Bearer a.b",
    "Bearer ....",
]


async def test_missing_or_malformed_authorization_is_401(auth, subtests) -> None:
    for authorization in MALFORMED_AUTHORIZATION:
        with subtests.test(authorization=authorization):
            headers = {"Authorization": authorization} if authorization else {}
            response = await auth.http.get("/api/auth/me", headers=headers)
            assert response.status_code == 401
