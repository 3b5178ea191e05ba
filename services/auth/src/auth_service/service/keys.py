"""The signing keys' life cycle: the first key, and rotation."""

from __future__ import annotations

from auth_service.adapters.repositories import SigningKeyRepository
from auth_service.adapters.signing_keys import new_signing_key
from auth_service.domain.signing_keys import KeyState, signing_key
from marketplace_platform.clock import utcnow
from marketplace_platform.events.unit_of_work import UnitOfWork


async def ensure(*, uow: UnitOfWork, passphrase: str) -> str | None:
    """Create a signing key if there is none to sign with; return its kid, or None if one
    existed. (Two replicas starting at once may both create one: harmless, the newer signs
    and both are published.)"""
    async with uow:
        keys = SigningKeyRepository(uow.session)
        existing = await keys.get_all()
        if signing_key([KeyState(k.kid, k.created_at, k.retired_at) for k in existing]):
            return None
        key = new_signing_key(passphrase=passphrase, now=utcnow())
        keys.add(key)
        await uow.commit()
    return key.kid


async def rotate(*, uow: UnitOfWork, passphrase: str) -> str:
    """Make a new key the signing key and retire the others (they stay published for their
    grace period, see ``domain.signing_keys``). Returns the new kid."""
    now = utcnow()
    async with uow:
        keys = SigningKeyRepository(uow.session)
        active = [key.kid for key in await keys.get_all() if key.retired_at is None]
        key = new_signing_key(passphrase=passphrase, now=now)
        await keys.retire(active, at=now)
        keys.add(key)
        await uow.commit()
    return key.kid
