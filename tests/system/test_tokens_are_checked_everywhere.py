"""A token is checked at the gateway and again by the service (zero trust): every kind of bad
token gets 401 at both, through the gateway and at the auth service's own port."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from marketplace_launcher.testing import Account

pytestmark = pytest.mark.system

Forgery = Callable[[str, dict[str, Any]], str]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def segments(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")
    return json.loads(unb64url(header)), json.loads(unb64url(payload)), signature


def encode(part: dict[str, Any]) -> str:
    return b64url(json.dumps(part, separators=(",", ":")).encode())


def with_claims(token: str, **changes: Any) -> str:
    """The same header and signature over a changed payload."""
    header, _, signature = token.split(".")
    return ".".join([header, encode({**segments(token)[1], **changes}), signature])


def signed_by_a_stranger(token: str, *, kid: str | None = None, **changes: Any) -> str:
    """Well-formed and properly signed, by a key that is not one of ours."""
    header, claims, _ = segments(token)
    return jwt.encode(
        {**claims, **changes},
        Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
        headers={"kid": kid or header["kid"], "typ": "JWT"},
    )


def unsigned(token: str, _jwks: dict[str, Any]) -> str:
    header, claims, _ = segments(token)
    return f"{encode({**header, 'alg': 'none'})}.{encode(claims)}."


def hmac_with_the_public_key(token: str, jwks: dict[str, Any]) -> str:
    """The classic algorithm confusion: HS256 keyed with the (public) verification key."""
    header, claims, _ = segments(token)
    public = next(key for key in jwks["keys"] if key["kid"] == header["kid"])
    signing_input = f"{encode({**header, 'alg': 'HS256'})}.{encode(claims)}"
    digest = hmac.new(unb64url(public["x"]), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(digest)}"


FORGERIES: dict[str, Forgery] = {
    "payload changed to admin": lambda t, _: with_claims(t, role="admin"),
    "payload changed to another audience": lambda t, _: with_claims(t, aud="someone-else"),
    "payload changed to another user": lambda t, _: with_claims(
        t, sub="01900000-0000-7000-8000-000000000000"
    ),
    "signed by a stranger under our kid": lambda t, _: signed_by_a_stranger(t),
    "signed by a stranger under an unknown kid": lambda t, _: signed_by_a_stranger(
        t, kid="not-one-of-ours"
    ),
    "stranger's token for another audience": lambda t, _: signed_by_a_stranger(
        t, kid="not-one-of-ours", aud="someone-else"
    ),
    "alg none": unsigned,
    "HS256 keyed with the public key": hmac_with_the_public_key,
    "not a JWT at all": lambda _t, _: "not-a-token",
}


@pytest.fixture
def jwks(client: httpx.Client) -> dict[str, Any]:
    response = client.get("/api/auth/jwks.json")
    assert response.status_code == 200
    return dict(response.json())


@pytest.mark.parametrize("where", ["gateway", "auth service"])
def test_a_genuine_token_is_accepted(
    where: str, client: httpx.Client, auth_client: httpx.Client, account: Account
) -> None:
    http = client if where == "gateway" else auth_client

    response = http.get("/api/auth/me", headers=account.headers)

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("forgery", FORGERIES)
@pytest.mark.parametrize("where", ["gateway", "auth service"])
def test_a_forged_token_is_refused(
    forgery: str,
    where: str,
    client: httpx.Client,
    auth_client: httpx.Client,
    account: Account,
    jwks: dict[str, Any],
) -> None:
    token = FORGERIES[forgery](account.access_token, jwks)
    http = client if where == "gateway" else auth_client

    response = http.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
