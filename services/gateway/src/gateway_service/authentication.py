"""Bearer-token checks in front of the proxy, with a short memory of tokens already verified
(``marketplace_platform.security.verified_tokens``: the services keep one too). A remembered
token counts only while the verifier's key set (re-read every ``jwks_refresh_seconds``) still
has the key that signed it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import jwt

from marketplace_platform.security.jwks import InvalidToken, JWKSVerifier, KeysUnavailable
from marketplace_platform.security.verified_tokens import VerifiedTokenCache


class TokenCheck:
    def __init__(self, verifier: JWKSVerifier, cache: VerifiedTokenCache) -> None:
        self.verifier = verifier
        self.cache = cache

    def remembers(self, token: str) -> bool:
        """True if ``token`` was verified a moment ago (checked without a coroutine, since
        that is the common case on the hot path), with a key still published."""
        kid = self.cache.kid_of(token)
        return kid is not None and self.verifier.has_key(kid)

    async def verify(self, token: str) -> None:
        """Return if ``token`` is a valid access token for us, else raise ``InvalidToken``;
        ``KeysUnavailable`` if it cannot be checked now (auth's keys could not be fetched)."""
        if self.remembers(token):
            return
        claims = await self.verifier.verify(token)
        # Verified, so the header parses and names a kid.
        self.cache.add(token, claims, jwt.get_unverified_header(token)["kid"])


def jwks_fetcher(
    fetch_json: Callable[[], Awaitable[Any]],
) -> Callable[[], Awaitable[dict[str, Any]]]:
    """Adapt a JSON fetch over aiohttp to what ``JWKSVerifier`` expects: a JWKS dict, or a
    ``ValueError`` when the keys cannot be had (which it turns into ``KeysUnavailable``: a
    503, not a refused token)."""

    async def fetch() -> dict[str, Any]:
        try:
            jwks = await fetch_json()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise ValueError(f"JWKS unavailable: {exc!r}") from exc
        if not isinstance(jwks, dict):
            raise ValueError("JWKS is not a JSON object")
        return jwks

    return fetch


__all__ = ["InvalidToken", "KeysUnavailable", "TokenCheck", "jwks_fetcher"]
