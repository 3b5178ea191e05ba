"""Access tokens for the tests of services that only *verify* them.

A service's tests should not need the auth service running: ``TokenSigner`` holds an Ed25519
key, signs tokens with the claims auth would put in them, and gives the ``JWKSVerifier`` that
trusts exactly that key (the service under test gets it through its ``ServiceRuntime``).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from marketplace_platform.security.jwks import JWKSVerifier

ISSUER = "marketplace-auth"
AUDIENCE = "marketplace"


class TokenSigner:
    def __init__(self, *, issuer: str = ISSUER, audience: str = AUDIENCE) -> None:
        self.issuer = issuer
        self.audience = audience
        self.kid = f"test-{uuid.uuid4().hex[:8]}"
        self._key = Ed25519PrivateKey.generate()

    def jwks(self) -> dict[str, Any]:
        public = OKPAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "EdDSA"}]}

    def verifier(self) -> JWKSVerifier:
        jwks = self.jwks()

        async def fetch() -> dict[str, Any]:
            return jwks

        verifier = JWKSVerifier(fetch, issuer=self.issuer, audience=self.audience)
        verifier.load(jwks)
        return verifier

    def token(self, *, user_id: uuid.UUID | None = None, role: str = "user", ttl: int = 300) -> str:
        now = int(time.time())
        claims = {
            "sub": str(user_id or uuid.uuid4()),
            "role": role,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + ttl,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self.kid})

    def headers(self, *, role: str = "user", user_id: uuid.UUID | None = None) -> dict[str, str]:
        """``Authorization`` for a caller with ``role``."""
        return {"Authorization": f"Bearer {self.token(role=role, user_id=user_id)}"}
