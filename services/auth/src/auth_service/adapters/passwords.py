"""Password hashing with argon2id (pwdlib), off the event loop.

A hash costs tens of milliseconds of CPU and 19 MiB of memory on purpose; run on the event
loop it would stall every other request, so it runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import secrets

from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError
from pwdlib.hashers.argon2 import Argon2Hasher


class PasswordHasher:
    def __init__(self, *, memory_cost: int, time_cost: int, parallelism: int) -> None:
        self._hash = PasswordHash(
            (Argon2Hasher(memory_cost=memory_cost, time_cost=time_cost, parallelism=parallelism),)
        )
        # A hash of nothing anyone knows, checked when the email is unknown so that a wrong
        # email costs as much time as a wrong password and the timing tells nothing.
        self._dummy_hash = self._hash.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hash.hash, password)

    async def verify(self, password: str, password_hash: str) -> tuple[bool, str | None]:
        """Whether ``password`` matches, and a new hash if the stored one used other (older)
        cost parameters and should be replaced."""
        return await asyncio.to_thread(self._verify, password, password_hash)

    async def verify_nothing(self, password: str) -> None:
        """Spend the time of one verification for a login whose email matched no account."""
        await asyncio.to_thread(self._verify, password, self._dummy_hash)

    def _verify(self, password: str, password_hash: str) -> tuple[bool, str | None]:
        try:
            return self._hash.verify_and_update(password, password_hash)
        except UnknownHashError:
            return False, None
