"""Token minting: signed access tokens (JWT, EdDSA) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from auth_service.adapters.signing_keys import KeyRing
from marketplace_platform.clock import utcnow
from marketplace_platform.ids import new_id

ALGORITHM = "EdDSA"


@dataclass(frozen=True, slots=True)
class AccessToken:
    token: str
    expires_in: int  # seconds


class AccessTokenIssuer:
    """Signs access tokens with the key ring's current key; its ``kid`` goes in the header so
    verifiers pick the right public key from the JWKS."""

    def __init__(self, keys: KeyRing, *, issuer: str, audience: str, ttl: timedelta) -> None:
        self._keys = keys
        self.issuer = issuer
        self.audience = audience
        self.ttl = ttl

    def issue(
        self, *, user_id: uuid.UUID, role: str, email: str, now: datetime | None = None
    ) -> AccessToken:
        issued_at = now or utcnow()
        key = self._keys.current()
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(user_id),
            "role": role,
            "email": email,
            "iat": int(issued_at.timestamp()),
            "exp": int((issued_at + self.ttl).timestamp()),
            "jti": new_id().hex,
        }
        token = jwt.encode(
            claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": "JWT"}
        )
        return AccessToken(token=token, expires_in=int(self.ttl.total_seconds()))


def new_refresh_token() -> str:
    """256 random bits, URL-safe: the client's secret, never stored as such."""
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
