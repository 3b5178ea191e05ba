"""Access-token verification against the auth service's JWKS.

Every hop checks the token itself (zero trust): the gateway before proxying, each service
again before acting. The rules, in the order they are applied:

- the header's ``alg`` must be on the allow-list (never ``none``, never an HMAC algorithm
  that a public key could be abused as the secret of);
- the ``kid`` must name a key of the JWKS; an unknown ``kid`` triggers one refresh of the
  cached JWKS (at most once per ``min_refresh_interval``), which is how a rotated key
  becomes known without a restart;
- when that refresh fails (auth down or restarting), or failed less than
  ``failure_backoff`` ago, the token is neither good nor bad: ``KeysUnavailable``, which the
  gateway and the services answer with 503 and ``Retry-After``. A 401 would tell the client
  its token is bad, and a client that trusts it logs its user out. Only an unknown ``kid``
  against a key set that was fetched is ``InvalidToken``. The back-off after a failure is
  short (a second) where the throttle after a success is not (``min_refresh_interval``), so
  tokens verify again as soon as auth is back;
- signature, ``exp``, ``iss`` and ``aud`` are checked by PyJWT; ``sub`` and ``exp`` must exist;
- ``exp - iat`` may not exceed ``max_lifetime`` (auth's access-token lifetime) plus the
  leeway: a token minted for a day, by a leaked key or a misconfigured signer, is refused.

Between those on-demand refreshes, ``start()`` re-reads the JWKS every ``refresh_interval``
in the background, so a key that auth stops publishing (retired past its grace period, or
withdrawn because it leaked) stops verifying within that interval, without a restart. The
refresh never blocks a request, and when auth is down the last good key set is kept.
The default interval is auth's own signing-key refresh (60 s), far below a retired key's
grace period (the access-token lifetime plus that interval plus clock leeway).

Given a ``VerifiedTokenCache``, a token verified a moment ago is not checked again: its
claims are taken from the cache while the key that signed it is still in the key set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from jwt import PyJWK

from marketplace_platform.security.verified_tokens import VerifiedTokenCache

JwksFetcher = Callable[[], Awaitable[dict[str, Any]]]

log = logging.getLogger("marketplace.jwks")

# Auth's defaults (``AUTH_ACCESS_TOKEN_TTL``, ``AUTH_SIGNING_KEY_REFRESH``).
DEFAULT_MAX_LIFETIME = 900.0
DEFAULT_REFRESH_INTERVAL = 60.0
REFRESH_PATH = "POST /api/auth/refresh"


class InvalidToken(Exception):
    """The token is missing, malformed, forged, expired, or not meant for us."""


class KeysUnavailable(Exception):
    """The token cannot be checked now: auth's key set could not be fetched. Not an
    ``InvalidToken``: the caller should try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"the signing keys are unavailable (the auth service did not answer); "
            f"retry in {retry_after} s"
        )
        self.retry_after = retry_after


class ExpiredToken(InvalidToken):
    """The token was valid but its ``exp`` has passed: the caller should refresh it."""

    def __init__(self) -> None:
        super().__init__(
            f"the access token has expired; get a new one from {REFRESH_PATH} "
            "with your refresh token, then retry"
        )


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as the verified token says."""

    user_id: uuid.UUID
    role: str
    email: str | None = None
    token_id: str | None = None
    # When the token stops being valid (seconds since the epoch): a long-lived connection
    # opened with it (a WebSocket) must end then.
    expires_at: float | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def http_jwks_fetcher(url: str, *, timeout: float = 3.0) -> JwksFetcher:
    async def fetch() -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.get(url)
            response.raise_for_status()
            return response.json()

    return fetch


class JWKSVerifier:
    def __init__(
        self,
        fetch_jwks: JwksFetcher,
        *,
        issuer: str,
        audience: str,
        algorithms: tuple[str, ...] = ("EdDSA",),
        min_refresh_interval: float = 10.0,
        failure_backoff: float = 1.0,
        refresh_interval: float = DEFAULT_REFRESH_INTERVAL,
        max_lifetime: float = DEFAULT_MAX_LIFETIME,
        leeway: float = 5.0,
        cache: VerifiedTokenCache | None = None,
    ) -> None:
        """``cache``: remember tokens verified a moment ago (``verified_tokens``), so that a
        client's next calls with the same token skip the signature check."""
        if any(a.upper().startswith("HS") or a.lower() == "none" for a in algorithms):
            raise ValueError("only asymmetric algorithms may be allow-listed")
        self._fetch = fetch_jwks
        self.issuer = issuer
        self.audience = audience
        self.algorithms = tuple(algorithms)
        self._min_refresh = min_refresh_interval
        # A failure never blocks fetching longer than a success would.
        self._failure_backoff = min(failure_backoff, min_refresh_interval)
        self._refresh_interval = refresh_interval
        self._max_lifetime = max_lifetime
        self._leeway = leeway
        self._keys: dict[str, PyJWK] = {}
        self._last_refresh = float("-inf")
        self._lock = asyncio.Lock()
        self._refresher: asyncio.Task[None] | None = None
        self._refresh_failing = False
        self._fetch_failed = False  # the last fetch, on demand or in the background, failed
        self._cache = cache

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> JWKSVerifier:
        return cls(http_jwks_fetcher(url), **kwargs)

    def load(self, jwks: dict[str, Any]) -> None:
        keys: dict[str, PyJWK] = {}
        for jwk in jwks.get("keys", []):
            kid = jwk.get("kid")
            if not kid or jwk.get("use", "sig") != "sig":
                continue
            try:
                keys[kid] = PyJWK(jwk)
            except jwt.PyJWTError:
                continue  # a key type we cannot use is skipped, not fatal
        self._keys = keys

    def has_key(self, kid: str) -> bool:
        """``kid`` is in the key set as last fetched (a withdrawn key is not)."""
        return kid in self._keys

    def start(self) -> None:
        """Re-read the JWKS every ``refresh_interval`` in the background (needs a running
        loop; ``close()`` stops it)."""
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.create_task(self._refresh_periodically(), name="jwks")

    async def close(self) -> None:
        task, self._refresher = self._refresher, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _refresh_periodically(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_interval)
            try:
                await self.refresh(force=True)
            except Exception as exc:
                # Auth down or answering nonsense: keep verifying with the last good set,
                # and say so once per outage rather than every interval.
                if not self._refresh_failing:
                    log.warning("JWKS refresh failed, keeping the last key set: %r", exc)
                self._refresh_failing = True
            else:
                if self._refresh_failing:
                    log.info("JWKS refresh works again")
                self._refresh_failing = False

    async def refresh(self, *, force: bool = False) -> None:
        async with self._lock:
            now = time.monotonic()
            wait = self._failure_backoff if self._fetch_failed else self._min_refresh
            if not force and now - self._last_refresh < wait:
                return
            self._last_refresh = now
            try:
                jwks = await self._fetch()
            except Exception:  # a cancelled refresh (at close) is not a failed fetch
                self._fetch_failed = True
                raise
            self.load(jwks)
            self._fetch_failed = False

    def _unavailable(self) -> KeysUnavailable:
        return KeysUnavailable(retry_after=max(1, math.ceil(self._failure_backoff)))

    async def _key_for(self, kid: str) -> PyJWK:
        key = self._keys.get(kid)
        if key is None:
            try:
                await self.refresh()
            except (httpx.HTTPError, OSError, ValueError) as exc:
                raise self._unavailable() from exc
            key = self._keys.get(kid)
        if key is None:
            if self._fetch_failed:
                # Within the back-off after a failed fetch: the set may be missing this key.
                raise self._unavailable()
            raise InvalidToken("unknown signing key")
        return key

    async def verify(self, token: str) -> dict[str, Any]:
        """Return the token's claims, or raise ``InvalidToken`` (or ``KeysUnavailable``)."""
        if self._cache is not None:
            remembered = self._cache.get(token)
            # Only while the key that signed it is still published.
            if remembered is not None and self.has_key(remembered[0]):
                return remembered[1]
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed token") from exc
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise InvalidToken("algorithm not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("token has no key id")
        key = await self._key_for(kid)
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise ExpiredToken() from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        if _lifetime(claims) > self._max_lifetime + self._leeway:
            raise InvalidToken("the token's lifetime (exp - iat) is longer than an access token's")
        if self._cache is not None:
            self._cache.add(token, claims, kid)
        return claims

    async def principal(self, token: str) -> Principal:
        claims = await self.verify(token)
        try:
            user_id = uuid.UUID(claims["sub"])
        except (ValueError, TypeError) as exc:
            raise InvalidToken("subject is not a user id") from exc
        role = claims.get("role")
        if role not in ("user", "admin"):
            raise InvalidToken("token has no valid role")
        return Principal(
            user_id=user_id,
            role=role,
            email=claims.get("email"),
            token_id=claims.get("jti"),
            expires_at=float(claims["exp"]),
        )


def _lifetime(claims: dict[str, Any]) -> float:
    # PyJWT accepted both as integers, but may have done so from strings like "1700000000".
    try:
        return float(claims["exp"]) - float(claims["iat"])
    except (TypeError, ValueError) as exc:
        raise InvalidToken("exp and iat must be numbers") from exc


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
