import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from marketplace_platform.runtime import ServiceRuntime
from marketplace_platform.security.jwks import (
    ExpiredToken,
    InvalidToken,
    JWKSVerifier,
    KeysUnavailable,
    bearer_token,
)
from marketplace_platform.security.verified_tokens import VerifiedTokenCache
from marketplace_platform.settings import ServiceSettings

pytestmark = pytest.mark.unit

ISSUER, AUDIENCE = "marketplace-auth", "marketplace"


class KeyRing:
    """A stand-in for the auth service's JWKS endpoint, counting fetches."""

    def __init__(self) -> None:
        self.keys: dict[str, Ed25519PrivateKey] = {}
        self.fetches = 0

    def add(self, kid: str) -> Ed25519PrivateKey:
        self.keys[kid] = Ed25519PrivateKey.generate()
        return self.keys[kid]

    async def fetch(self) -> dict[str, Any]:
        self.fetches += 1
        jwks = []
        for kid, key in self.keys.items():
            jwk = OKPAlgorithm.to_jwk(key.public_key(), as_dict=True)
            jwks.append({**jwk, "kid": kid, "use": "sig", "alg": "EdDSA"})
        return {"keys": jwks}

    def token(self, kid: str, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(uuid.uuid4()),
            "role": "user",
            "iat": now,
            "exp": now + 300,
        }
        claims.update(overrides)
        return jwt.encode(claims, self.keys[kid], algorithm="EdDSA", headers={"kid": kid})


@pytest.fixture
def ring() -> KeyRing:
    ring = KeyRing()
    ring.add("k1")
    return ring


@pytest.fixture
def verifier(ring: KeyRing) -> JWKSVerifier:
    return JWKSVerifier(ring.fetch, issuer=ISSUER, audience=AUDIENCE, min_refresh_interval=0)


async def test_a_valid_token_gives_its_principal(ring: KeyRing, verifier: JWKSVerifier) -> None:
    user_id = uuid.uuid4()
    principal = await verifier.principal(ring.token("k1", sub=str(user_id), role="admin"))
    assert principal.user_id == user_id
    assert principal.is_admin


async def test_keys_are_cached_between_verifications(ring: KeyRing, verifier: JWKSVerifier) -> None:
    for _ in range(3):
        await verifier.verify(ring.token("k1"))
    assert ring.fetches == 1


async def test_an_unknown_kid_refreshes_the_jwks(ring: KeyRing, verifier: JWKSVerifier) -> None:
    await verifier.verify(ring.token("k1"))
    ring.add("k2")  # the auth service rotated its key
    await verifier.verify(ring.token("k2"))
    assert ring.fetches == 2


async def test_refresh_is_rate_limited_against_kid_spraying(ring: KeyRing) -> None:
    verifier = JWKSVerifier(ring.fetch, issuer=ISSUER, audience=AUDIENCE, min_refresh_interval=60)
    await verifier.verify(ring.token("k1"))
    forged = jwt.encode(
        {"sub": "x"}, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "nope"}
    )
    for _ in range(5):
        with pytest.raises(InvalidToken):
            await verifier.verify(forged)
    assert ring.fetches == 1


class Clock:
    """``time.monotonic`` as the verifier sees it, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FlakyAuth:
    """Auth's JWKS endpoint while auth restarts: it fails until ``up`` is set."""

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring
        self.up = False
        self.attempts = 0

    async def fetch(self) -> dict[str, Any]:
        self.attempts += 1
        if not self.up:
            raise ValueError("auth is restarting")
        return await self.ring.fetch()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("marketplace_platform.security.jwks.time.monotonic", clock)
    return clock


async def test_a_token_that_cannot_be_checked_for_want_of_keys_is_not_called_invalid(
    ring: KeyRing, clock: Clock
) -> None:
    auth = FlakyAuth(ring)
    verifier = JWKSVerifier(auth.fetch, issuer=ISSUER, audience=AUDIENCE)
    token = ring.token("k1")
    # While the fetch fails, and within the back-off after it: the keys are unavailable, the
    # token is not known to be bad (a 503 for the caller, not a 401).
    for _ in range(2):
        with pytest.raises(KeysUnavailable) as raised:
            await verifier.verify(token)
        assert not isinstance(raised.value, InvalidToken)
        assert raised.value.retry_after >= 1
    assert auth.attempts == 1


async def test_keys_are_fetched_again_a_second_after_a_failure(ring: KeyRing, clock: Clock) -> None:
    auth = FlakyAuth(ring)
    # The default throttle between fetches (10 s) is for a set that was fetched; a failed
    # fetch is tried again after about a second, so a restarted auth is seen at once.
    verifier = JWKSVerifier(auth.fetch, issuer=ISSUER, audience=AUDIENCE)
    token = ring.token("k1")
    with pytest.raises(KeysUnavailable):
        await verifier.verify(token)
    auth.up = True
    clock.now += 1.5
    await verifier.verify(token)
    assert auth.attempts == 2


async def test_an_unknown_kid_with_keys_freshly_fetched_is_invalid(
    ring: KeyRing, clock: Clock
) -> None:
    auth = FlakyAuth(ring)
    verifier = JWKSVerifier(auth.fetch, issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(KeysUnavailable):
        await verifier.verify(ring.token("k1"))
    auth.up = True
    clock.now += 1.5
    await verifier.verify(ring.token("k1"))
    ring.add("k2")
    clock.now += 1.5  # within the 10 s throttle: no new fetch, the set is a fresh one
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(ring.token("k2"))
    assert auth.attempts == 2


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": int(time.time()) - 60}, "expired"),
        ({"aud": "someone-else"}, "wrong audience"),
        ({"iss": "evil"}, "wrong issuer"),
        ({"role": "superuser"}, "unknown role"),
        ({"sub": "not-a-uuid"}, "subject not a user id"),
    ],
)
async def test_bad_claims_are_rejected(
    ring: KeyRing, verifier: JWKSVerifier, overrides: dict[str, Any], reason: str
) -> None:
    with pytest.raises(InvalidToken):
        await verifier.principal(ring.token("k1", **overrides))


async def test_a_tampered_payload_is_rejected(ring: KeyRing, verifier: JWKSVerifier) -> None:
    header, _payload, signature = ring.token("k1").split(".")
    _other_header, other_payload, _ = ring.token("k1", role="admin").split(".")
    with pytest.raises(InvalidToken):
        await verifier.verify(f"{header}.{other_payload}.{signature}")


async def test_a_token_signed_by_an_unknown_key_is_rejected(
    ring: KeyRing, verifier: JWKSVerifier
) -> None:
    impostor = jwt.encode(
        {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(uuid.uuid4()),
            "role": "admin",
            "iat": int(time.time()),
            "exp": int(time.time()) + 60,
        },
        Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
        headers={"kid": "k1"},
    )
    with pytest.raises(InvalidToken):
        await verifier.verify(impostor)


async def test_alg_none_and_hmac_are_refused(ring: KeyRing, verifier: JWKSVerifier) -> None:
    unsigned = jwt.encode(
        {"sub": str(uuid.uuid4())}, key=None, algorithm="none", headers={"kid": "k1"}
    )
    hmac = jwt.encode(
        {"sub": str(uuid.uuid4())}, "k" * 32, algorithm="HS256", headers={"kid": "k1"}
    )
    for token in (unsigned, hmac, "not.a.jwt", ""):
        with pytest.raises(InvalidToken):
            await verifier.verify(token)


def test_hmac_cannot_be_allow_listed() -> None:
    with pytest.raises(ValueError, match="asymmetric"):
        JWKSVerifier(KeyRing().fetch, issuer=ISSUER, audience=AUDIENCE, algorithms=("HS256",))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        ("Basic abc", None),
        ("Bearer ", None),
        (None, None),
    ],
)
def test_bearer_token_parsing(header: str | None, expected: str | None) -> None:
    assert bearer_token(header) == expected


async def _until(condition: Any) -> None:
    """Wait (at most a few seconds) for ``condition()`` to hold."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def test_a_withdrawn_key_stops_verifying_after_the_refresh_interval(ring: KeyRing) -> None:
    verifier = JWKSVerifier(
        ring.fetch,
        issuer=ISSUER,
        audience=AUDIENCE,
        min_refresh_interval=60,
        refresh_interval=0.05,
    )
    token = ring.token("k1")
    await verifier.verify(token)
    verifier.start()
    try:
        del ring.keys["k1"]  # withdrawn: auth no longer publishes it
        fetches = ring.fetches
        await _until(lambda: ring.fetches > fetches + 1)  # a whole refresh after the removal
        with pytest.raises(InvalidToken):
            await verifier.verify(token)
    finally:
        await verifier.close()


async def test_the_background_refresh_keeps_the_last_keys_while_auth_is_down(
    ring: KeyRing,
) -> None:
    attempts = 0

    async def down() -> dict[str, Any]:
        nonlocal attempts
        attempts += 1
        raise ValueError("auth is down")

    verifier = JWKSVerifier(
        down, issuer=ISSUER, audience=AUDIENCE, min_refresh_interval=60, refresh_interval=0.01
    )
    verifier.load(await ring.fetch())
    verifier.start()
    try:
        await _until(lambda: attempts >= 3)  # failed refreshes do not stop the timer
        await verifier.verify(ring.token("k1"))
    finally:
        await verifier.close()


async def test_a_token_living_longer_than_an_access_token_is_refused(ring: KeyRing) -> None:
    verifier = JWKSVerifier(ring.fetch, issuer=ISSUER, audience=AUDIENCE, max_lifetime=900)
    now = int(time.time())
    await verifier.verify(ring.token("k1", iat=now, exp=now + 900))
    with pytest.raises(InvalidToken, match="lifetime"):
        await verifier.verify(ring.token("k1", iat=now, exp=now + 24 * 3600))


async def test_an_expired_token_says_to_refresh_it(ring: KeyRing, verifier: JWKSVerifier) -> None:
    now = int(time.time())
    with pytest.raises(ExpiredToken, match=r"expired.*POST /api/auth/refresh"):
        await verifier.verify(ring.token("k1", iat=now - 400, exp=now - 100))


async def test_a_services_verifier_takes_its_limits_from_the_settings(
    ring: KeyRing, tmp_path: Path
) -> None:
    settings = ServiceSettings(
        environment="test", var_dir=tmp_path, access_token_max_lifetime_seconds=60
    )
    runtime = ServiceRuntime(settings)
    try:
        runtime.verifier.load(await ring.fetch())
        with pytest.raises(InvalidToken, match="lifetime"):
            await runtime.verifier.verify(ring.token("k1"))  # lives 300 s
    finally:
        await runtime.db.dispose()


def _remembering(ring: KeyRing) -> JWKSVerifier:
    return JWKSVerifier(
        ring.fetch,
        issuer=ISSUER,
        audience=AUDIENCE,
        min_refresh_interval=0,
        cache=VerifiedTokenCache(ttl=30, max_size=10),
    )


async def test_a_remembered_token_is_not_checked_again(
    ring: KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    verifier = _remembering(ring)
    user_id = uuid.uuid4()
    token = ring.token("k1", sub=str(user_id))
    await verifier.principal(token)
    decodes = 0
    real_decode = jwt.decode

    def counting_decode(*args: Any, **kwargs: Any) -> Any:
        nonlocal decodes
        decodes += 1
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting_decode)

    principal = await verifier.principal(token)

    assert principal.user_id == user_id
    assert decodes == 0
    await verifier.principal(ring.token("k1"))  # another token is checked
    assert decodes == 1


async def test_a_remembered_token_stops_counting_when_its_key_is_withdrawn(
    ring: KeyRing,
) -> None:
    verifier = _remembering(ring)
    token = ring.token("k1")
    await verifier.verify(token)
    ring.add("k2")
    del ring.keys["k1"]  # withdrawn
    await verifier.refresh(force=True)

    with pytest.raises(InvalidToken):
        await verifier.verify(token)


async def test_a_refused_token_is_not_remembered(ring: KeyRing) -> None:
    verifier = _remembering(ring)
    now = int(time.time())
    token = ring.token("k1", iat=now - 400, exp=now - 100)
    for _ in range(2):
        with pytest.raises(ExpiredToken):
            await verifier.verify(token)


async def test_a_services_verifier_remembers_tokens_as_its_settings_say(
    ring: KeyRing, tmp_path: Path
) -> None:
    for seconds, remembered in ((30.0, 1), (0.0, 0)):
        settings = ServiceSettings(
            environment="test", var_dir=tmp_path, token_cache_seconds=seconds
        )
        runtime = ServiceRuntime(settings)
        try:
            runtime.verifier.load(await ring.fetch())
            await runtime.verifier.verify(ring.token("k1"))
            assert len(runtime.verifier._cache or ()) == remembered
        finally:
            await runtime.db.dispose()
