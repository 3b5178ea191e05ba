"""The token check in front of the proxy: public routes, refused tokens, key rotation."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict, claims: dict) -> str:
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"


def tampered(keys) -> str:
    header, _, signature = keys.token().split(".")
    forged = b64url(json.dumps(keys.claims(role="admin")).encode())
    return f"{header}.{forged}.{signature}"


def alg_none(keys) -> str:
    return unsigned({"alg": "none", "typ": "JWT", "kid": keys.keys[-1][0]}, keys.claims()) + "."


def hs256_with_public_key(keys) -> str:
    """The classic confusion attack: HMAC keyed with the server's public key."""
    kid, private = keys.keys[-1]
    public_pem = private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    signing_input = unsigned({"alg": "HS256", "typ": "JWT", "kid": kid}, keys.claims())
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


REFUSED_TOKENS = {
    "tampered": tampered,
    "expired": lambda keys: keys.token(exp=int(time.time()) - 120, iat=int(time.time()) - 600),
    "wrong audience": lambda keys: keys.token(aud="someone-else"),
    "wrong issuer": lambda keys: keys.token(iss="https://evil.example"),
    "alg none": alg_none,
    "HS256 with the public key": hs256_with_public_key,
    "not a JWT": lambda keys: "not-a-token",
    "unknown kid": lambda keys: jwt.encode(
        keys.claims(), Ed25519PrivateKey.generate(), algorithm="EdDSA",
        headers={"kid": "never-published"},
    ),
    "living longer than an access token": lambda keys: keys.token(exp=int(time.time()) + 86400),
    "no kid": lambda keys: jwt.encode(keys.claims(), keys.keys[-1][1], algorithm="EdDSA"),
}


@pytest.fixture
async def gateway(start_gateway, start_echo, auth_url):
    return await start_gateway({
        "auth": [auth_url],
        "catalog": [await start_echo("catalog")],
        "orders": [await start_echo("orders")],
        "reviews": [await start_echo("reviews")],
        "analytics": [await start_echo("analytics")],
    })


async def test_a_private_route_without_a_token_is_a_401_problem(gateway):
    response = await gateway.get("/api/orders")

    assert response.status == 401
    assert response.content_type == PROBLEM
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="marketplace"'
    body = await response.json()
    assert body["status"] == 401
    assert body["instance"] == "/api/orders"


async def test_a_non_bearer_authorization_is_a_missing_token(gateway):
    response = await gateway.get("/api/orders", headers={"Authorization": "Basic dTpw"})

    assert response.status == 401


@pytest.mark.parametrize("make_token", REFUSED_TOKENS.values(), ids=REFUSED_TOKENS.keys())
async def test_a_bad_token_is_a_401_problem(gateway, keys, make_token):
    response = await gateway.get(
        "/api/orders", headers={"Authorization": f"Bearer {make_token(keys)}"}
    )

    assert response.status == 401
    assert response.content_type == PROBLEM
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


async def test_a_valid_token_goes_through_unchanged(gateway, keys):
    token = keys.token()

    response = await gateway.get("/api/orders/1", headers={"Authorization": f"Bearer {token}"})

    assert response.status == 200
    assert (await response.json())["headers"]["Authorization"] == f"Bearer {token}"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/auth/register"),
        ("POST", "/api/auth/login"),
        ("POST", "/api/auth/refresh"),
        ("POST", "/api/auth/logout"),
        ("GET", "/api/auth/avatars/ab/cd.webp"),
        ("GET", "/api/catalog/products?q=lamp"),
        ("GET", "/api/catalog/categories"),
        ("HEAD", "/api/catalog/products/1"),
        ("GET", "/api/reviews?product_id=1"),
        ("GET", "/api/reviews/products/1/rating"),
        ("GET", "/api/reviews/5/comments"),
        ("GET", "/api/reviews/5"),
        ("GET", "/api/reviews/comments/5"),
        ("GET", "/api/analytics/products/1/stats"),
        ("GET", "/api/analytics/popular?by=views"),
    ],
)
async def test_public_routes_need_no_token(gateway, method, path):
    response = await gateway.request(method, path)

    assert response.status == 200


async def test_the_jwks_is_public(gateway, keys):
    response = await gateway.get("/api/auth/jwks.json")

    assert response.status == 200
    assert await response.json() == keys.jwks()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/catalog/products"),
        ("DELETE", "/api/catalog/products/1"),
        ("GET", "/api/auth/me"),
        ("GET", "/api/reviews/products/1/rating/history"),
        ("POST", "/api/reviews"),
        ("PUT", "/api/reviews/5/like"),
        ("PATCH", "/api/reviews/comments/5"),
        ("GET", "/api/analytics/sales"),
        ("GET", "/api/analytics/products/1/stats/raw"),
        ("POST", "/api/auth/login/extra"),
    ],
)
async def test_routes_off_the_public_list_need_a_token(gateway, method, path):
    response = await gateway.request(method, path)

    assert response.status == 401


async def test_a_method_a_sole_public_route_lacks_gets_the_services_405_not_a_401(
    start_gateway, start_server
):
    async def login(_: web.Request) -> web.Response:
        return web.json_response({"access_token": "t"})

    auth = web.Application()
    auth.router.add_post("/api/auth/login", login)  # its only route there, as in auth
    gateway = await start_gateway({"auth": [await start_server(auth)]})

    response = await gateway.request("DELETE", "/api/auth/login")

    assert response.status == 405
    assert response.headers["Allow"] == "POST"


async def test_on_a_public_route_any_token_is_passed_on_unchecked(gateway):
    response = await gateway.get(
        "/api/catalog/products", headers={"Authorization": "Bearer whatever-the-client-has"}
    )

    assert response.status == 200
    seen = (await response.json())["headers"]
    assert seen["Authorization"] == "Bearer whatever-the-client-has"


async def test_a_token_of_a_new_key_is_accepted_once_the_jwks_has_it(gateway, keys):
    first = await gateway.get("/api/orders", headers={"Authorization": f"Bearer {keys.token()}"})
    keys.rotate()  # the auth service publishes a new key and signs with it

    second = await gateway.get(
        "/api/orders", headers={"Authorization": f"Bearer {keys.token()}"}
    )

    assert first.status == 200
    assert second.status == 200


def assert_keys_unavailable(response, body: dict) -> None:
    """A token that could not be checked: 503 with Retry-After, never a 401 (which tells the
    client its token is bad, and a client that trusts it logs its user out)."""
    assert response.status == 503
    assert response.content_type == PROBLEM
    assert int(response.headers["Retry-After"]) >= 1
    assert "WWW-Authenticate" not in response.headers
    assert "keys are unavailable" in body["detail"]


async def test_a_token_that_cannot_be_checked_while_the_jwks_cannot_be_fetched_is_a_503(
    start_gateway, start_echo, dead_url, keys
):
    gateway = await start_gateway(
        {
            "auth": [dead_url],
            "orders": [await start_echo("orders")],
            "notifications": [await start_echo("notifications")],
        },
        jwks_min_refresh_seconds=10.0,
    )
    headers = {"Authorization": f"Bearer {keys.token()}"}

    # The second comes within the back-off after the failed fetch: still unavailable, not
    # "unknown signing key".
    for _ in range(2):
        response = await gateway.get("/api/orders", headers=headers)
        assert_keys_unavailable(response, await response.json())
    # The WebSocket route checks its token the same way.
    socket = await gateway.get(f"/ws?token={keys.token()}")
    assert_keys_unavailable(socket, await socket.json())


async def test_tokens_are_accepted_again_soon_after_auth_restarts(
    start_gateway, start_echo, start_server, keys
):
    auth = {"up": False}

    async def jwks(_: web.Request) -> web.Response:
        if not auth["up"]:
            return web.json_response({"detail": "starting"}, status=503)
        return web.json_response(keys.jwks())

    app = web.Application()
    app.router.add_get("/api/auth/jwks.json", jwks)
    auth_url = await start_server(app)
    gateway = await start_gateway(
        {"orders": [await start_echo("orders")]},
        jwks_url=f"{auth_url}/api/auth/jwks.json",
        jwks_min_refresh_seconds=10.0,  # the default: a fetched set is not re-read sooner
    )
    headers = {"Authorization": f"Bearer {keys.token()}"}
    response = await gateway.get("/api/orders", headers=headers)
    assert_keys_unavailable(response, await response.json())

    auth["up"] = True
    statuses = []
    async with asyncio.timeout(8):  # the back-off after a failed fetch is about a second
        while not statuses or statuses[-1] != 200:
            statuses.append((await gateway.get("/api/orders", headers=headers)).status)
            await asyncio.sleep(0.05)
    assert set(statuses[:-1]) <= {503}


async def test_a_verified_token_is_remembered_not_verified_again(gateway, keys):

    token_check = gateway.core.token_check
    token = keys.token()
    for _ in range(3):
        response = await gateway.get("/api/orders", headers={"Authorization": f"Bearer {token}"})
        assert response.status == 200

    assert token in token_check.cache
    assert len(token_check.cache) == 1


async def test_an_expired_token_is_told_to_refresh(gateway, keys):
    expired = keys.token(exp=int(time.time()) - 120, iat=int(time.time()) - 600)

    response = await gateway.get("/api/orders", headers={"Authorization": f"Bearer {expired}"})

    assert response.status == 401
    detail = (await response.json())["detail"]
    assert "expired" in detail
    assert "/api/auth/refresh" in detail


async def test_a_withdrawn_key_stops_verifying_after_the_refresh_interval(
    start_gateway, start_echo, auth_url, keys
):
    gateway = await start_gateway(
        {"auth": [auth_url], "orders": [await start_echo("orders")]},
        jwks_refresh_seconds=0.05,
        jwks_min_refresh_seconds=60.0,
    )
    withdrawn = keys.keys[0][0]
    token = keys.token()
    headers = {"Authorization": f"Bearer {token}"}
    assert (await gateway.get("/api/orders", headers=headers)).status == 200
    assert token in gateway.core.token_check.cache

    keys.rotate()
    del keys.keys[0]  # auth stops publishing the old key (leaked, or past its grace)
    verifier = gateway.core.token_check.verifier
    for _ in range(500):
        if not verifier.has_key(withdrawn):
            break
        await asyncio.sleep(0.01)

    response = await gateway.get("/api/orders", headers=headers)
    assert response.status == 401
