"""Ed25519 signing keys: made here, stored in the database, cached in memory by ``KeyRing``.

Private keys are stored as PKCS#8 PEM encrypted with ``AUTH_SIGNING_KEY_PASSPHRASE``, so a
copy of the database alone cannot mint tokens. The key id is the key's RFC 7638 thumbprint:
stable, derived from the key itself, and meaningless to anyone else.

``KeyRing`` is what the rest of the process uses: the current signing key and the published
JWKS, re-read from the database every ``refresh_interval`` so that a rotation made by another
process (``python -m auth_service rotate-keys``, another replica) reaches this one.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm
from sqlalchemy import select

from auth_service.adapters.orm import SigningKey
from auth_service.domain.signing_keys import KeyState, published_keys, signing_key
from marketplace_platform.clock import utcnow
from marketplace_platform.db import Database
from marketplace_platform.periodic import Periodic
from marketplace_platform.problems import ServiceUnavailable

log = logging.getLogger(__name__)

ALGORITHM = "EdDSA"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def thumbprint(public_jwk: dict[str, Any]) -> str:
    """RFC 7638: SHA-256 over the required members, sorted, without whitespace."""
    required = {name: public_jwk[name] for name in ("crv", "kty", "x")}
    canonical = json.dumps(required, sort_keys=True, separators=(",", ":"))
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def new_signing_key(*, passphrase: str, now: datetime) -> SigningKey:
    private_key = Ed25519PrivateKey.generate()
    jwk = OKPAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    public_jwk = {"kty": jwk["kty"], "crv": jwk["crv"], "x": jwk["x"]}
    kid = thumbprint(public_jwk)
    pem = private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.BestAvailableEncryption(passphrase.encode()),
    )
    return SigningKey(
        kid=kid,
        algorithm=ALGORITHM,
        private_key=pem.decode("ascii"),
        public_jwk={**public_jwk, "kid": kid, "use": "sig", "alg": ALGORITHM},
        created_at=now,
    )


def load_private_key(row: SigningKey, *, passphrase: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(row.private_key.encode(), passphrase.encode())
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"signing key {row.kid} is not an Ed25519 key")
    return key


@dataclass(frozen=True, slots=True)
class ActiveKey:
    kid: str
    private_key: Ed25519PrivateKey


JwksListener = Callable[[dict[str, Any]], None]


class KeyRing:
    def __init__(
        self,
        db: Database,
        *,
        passphrase: str,
        grace: timedelta,
        refresh_interval: timedelta,
    ) -> None:
        self._db = db
        self._passphrase = passphrase
        self._grace = grace
        self._current: ActiveKey | None = None
        self._jwks: dict[str, Any] = {"keys": []}
        self._listeners: list[JwksListener] = []
        self._timer = Periodic(
            self._refresh, interval=refresh_interval, name="signing-key-refresh", run_first=False
        )
        self._lock = asyncio.Lock()

    @property
    def grace(self) -> timedelta:
        """How long a retired key stays published."""
        return self._grace

    def on_reload(self, listener: JwksListener) -> None:
        """Call ``listener`` with the published JWKS after every reload (the service's own
        token verifier subscribes, so a key that leaves the JWKS stops verifying here)."""
        self._listeners.append(listener)

    def current(self) -> ActiveKey:
        if self._current is None:
            raise ServiceUnavailable("No signing key is loaded yet.")
        return self._current

    def jwks(self) -> dict[str, Any]:
        return self._jwks

    async def fetch_jwks(self) -> dict[str, Any]:
        """The JWKS, re-read from the database first: a verifier's fetcher for unknown kids."""
        await self.reload()
        return self._jwks

    async def ready(self) -> None:
        """Readiness check: a key to sign with is loaded."""
        self.current()

    async def reload(self, *, now: datetime | None = None) -> None:
        async with self._lock:
            async with self._db.read_session() as session:
                rows = list((await session.scalars(select(SigningKey))).all())
            states = {row.kid: row for row in rows}
            keys = [KeyState(r.kid, r.created_at, r.retired_at) for r in rows]
            chosen = signing_key(keys)
            if chosen is not None and (self._current is None or self._current.kid != chosen.kid):
                # Decrypting costs a key derivation: only when the signing key changes.
                private_key = await asyncio.to_thread(
                    load_private_key, states[chosen.kid], passphrase=self._passphrase
                )
                self._current = ActiveKey(kid=chosen.kid, private_key=private_key)
            elif chosen is None:
                self._current = None
            published = published_keys(keys, now=now or utcnow(), grace=self._grace)
            self._jwks = {"keys": [dict(states[key.kid].public_jwk) for key in published]}
        for listener in self._listeners:
            listener(self._jwks)

    async def start(self) -> None:
        await self.reload()
        self._timer.start()

    async def stop(self) -> None:
        await self._timer.stop()

    async def _refresh(self) -> None:
        try:
            await self.reload()
        except Exception as error:
            # Keep the last good keys; the database may be back at the next round.
            log.warning("could not reload the signing keys: %s", error)
