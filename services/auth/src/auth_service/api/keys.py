"""The public keys that verify access tokens."""

from __future__ import annotations

from fastapi import APIRouter, Response

from auth_service.api.deps import ComponentsDep
from auth_service.schemas import JsonWebKeySet

router = APIRouter(prefix="/api/auth", tags=["keys"])

# Short: a verifier meeting an unknown kid refetches anyway, and a retired key should not
# linger in caches much past its grace period.
JWKS_MAX_AGE = 300


@router.get("/jwks.json")
async def get_jwks(components: ComponentsDep, response: Response) -> JsonWebKeySet:
    """The JWKS: the current signing key and retired ones still within their grace period."""
    response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    return JsonWebKeySet(keys=components.keys.jwks()["keys"])
