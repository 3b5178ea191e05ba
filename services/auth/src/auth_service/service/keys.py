"""The signing keys' life cycle: the first key, rotation, and withdrawal of a leaked one."""

from __future__ import annotations

import asyncio
import logging

from auth_service.adapters.orm import SigningKey
from auth_service.adapters.signing_keys import load_private_key, new_signing_key
from auth_service.adapters.unit_of_work import UnitOfWorkFactory
from auth_service.domain.errors import SigningKeyNotFound
from auth_service.domain.signing_keys import KeyState, signing_key
from marketplace_platform.clock import utcnow

log = logging.getLogger(__name__)


async def ensure(*, unit_of_work: UnitOfWorkFactory, passphrase: str) -> str | None:
    """Create a signing key if there is none to sign with; return its kid, or None if one
    existed. (Two replicas starting at once may both create one: harmless, the newer signs
    and both are published.)

    A signing key that this passphrase cannot open (the passphrase was lost, e.g. ``var/``
    removed while the PostgreSQL databases stayed) is retired and a new one made: the old
    key's tokens still verify for its grace period, and no one has to repair the database
    by hand before auth starts again."""
    async with unit_of_work() as uow:
        keys = uow.signing_keys
        existing = await keys.get_all()
        chosen = signing_key([KeyState(k.kid, k.created_at, k.retired_at) for k in existing])
        now = utcnow()
        if chosen is not None:
            row = next(key for key in existing if key.kid == chosen.kid)
            if await asyncio.to_thread(_opens, row, passphrase):
                return None
            log.warning(
                "signing key %s does not open with this passphrase: retiring it for a new one",
                row.kid,
            )
            await keys.retire([key.kid for key in existing if key.retired_at is None], at=now)
        key = new_signing_key(passphrase=passphrase, now=now)
        keys.add(key)
        await uow.commit()
    return key.kid


def _opens(row: SigningKey, passphrase: str) -> bool:
    try:
        load_private_key(row, passphrase=passphrase)
    except (ValueError, TypeError):
        return False
    return True


async def rotate(*, unit_of_work: UnitOfWorkFactory, passphrase: str) -> str:
    """Make a new key the signing key and retire the others (they stay published for their
    grace period, see ``domain.signing_keys``). Returns the new kid."""
    now = utcnow()
    async with unit_of_work() as uow:
        keys = uow.signing_keys
        active = [key.kid for key in await keys.get_all() if key.retired_at is None]
        key = new_signing_key(passphrase=passphrase, now=now)
        await keys.retire(active, at=now)
        keys.add(key)
        await uow.commit()
    return key.kid


async def withdraw(*, unit_of_work: UnitOfWorkFactory, passphrase: str, kid: str) -> str | None:
    """Delete the key ``kid`` (a leaked one): it leaves the JWKS at the next key refresh,
    with no grace period, so every token it signed stops verifying. If it was the signing
    key, a new one takes its place (the other unretired keys are retired, as in ``rotate``)
    and its kid is returned; otherwise None."""
    now = utcnow()
    async with unit_of_work() as uow:
        keys = uow.signing_keys
        existing = await keys.get_all()
        if not any(key.kid == kid for key in existing):
            raise SigningKeyNotFound(f"There is no signing key {kid}.")
        chosen = signing_key([KeyState(k.kid, k.created_at, k.retired_at) for k in existing])
        await keys.delete(kid)
        replacement = None
        if chosen is not None and chosen.kid == kid:
            replacement = new_signing_key(passphrase=passphrase, now=now)
            await keys.retire([k.kid for k in existing if k.retired_at is None], at=now)
            keys.add(replacement)
        await uow.commit()
    return replacement.kid if replacement else None
