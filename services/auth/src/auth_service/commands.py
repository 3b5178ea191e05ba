"""The auth service's own command-line verbs, beside ``serve``, ``migrate`` and ``revision``.

- ``ensure-admin --email E [--name N]``: make E an admin whose password is the one in
  ``AUTH_ADMIN_PASSWORD`` (environment only: argv is visible to every user of the machine in
  ``ps``). Creates the account, or promotes an existing one; an existing account with
  another password gets this one and is signed out everywhere. This is how an operator
  replaces a lost admin password.
- ``rotate-keys``: a new signing key becomes current; the old one stays published until the
  tokens it signed have expired. Running replicas pick it up within
  ``AUTH_SIGNING_KEY_REFRESH``.
- ``withdraw-key KID``: for a leaked key. It leaves the JWKS with no grace period, so the
  tokens it signed stop verifying, at auth and at every service, within their key refresh
  intervals (``AUTH_SIGNING_KEY_REFRESH``, ``<PREFIX>JWKS_REFRESH_SECONDS``); if it was
  the signing key, a new one is made. Its users log in again.

All expect a migrated database and print one line (``withdraw-key`` of an unknown kid:
exit 1). Events they cause (``UserRegistered``, ``UserUpdated``) wait in the outbox for the
running service's relay.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from auth_service.adapters.unit_of_work import AuthUnitOfWork, UnitOfWorkFactory
from auth_service.components import password_hasher
from auth_service.service import accounts, keys
from auth_service.settings import AuthSettings
from marketplace_platform.db import Database
from marketplace_platform.problems import DomainError
from marketplace_platform.settings import ServiceSettings

T = TypeVar("T")


def _say(line: str, *, error: bool = False) -> None:
    (sys.stderr if error else sys.stdout).write(line + "\n")


def _with_database(settings: AuthSettings, work: Callable[[UnitOfWorkFactory], Awaitable[T]]) -> T:
    async def run() -> T:
        database = Database(settings.database_url, pool_size=1)
        try:
            return await work(partial(AuthUnitOfWork, database, source=settings.service_name))
        finally:
            await database.dispose()

    return asyncio.run(run())


def configure_ensure_admin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--email", required=True, help="the admin's email address")
    parser.add_argument("--name", default="Administrator", help="display name if created")
    parser.description = (
        "Make the account an admin whose password is AUTH_ADMIN_PASSWORD: create it, or "
        "promote it and set that password (a new one signs it out everywhere)."
    )


def ensure_admin(args: argparse.Namespace, settings: ServiceSettings) -> int:
    assert isinstance(settings, AuthSettings)
    if not settings.admin_password:
        _say("AUTH_ADMIN_PASSWORD is not set: it is the new admin's password.", error=True)
        return 2
    passwords = password_hasher(settings)
    try:
        outcome = _with_database(
            settings,
            lambda unit_of_work: accounts.ensure_admin(
                unit_of_work=unit_of_work,
                passwords=passwords,
                email=args.email,
                password=settings.admin_password,
                name=args.name,
            ),
        )
    except DomainError as error:
        _say(f"ensure-admin failed: {error.detail}", error=True)
        return 1
    _say(_describe(args.email, outcome))
    return 0


def _describe(email: str, result: accounts.AdminResult) -> str:
    signed_out = "(its sessions are signed out)"
    match result.outcome, result.password_set:
        case accounts.AdminOutcome.CREATED, _:
            return f"created admin {email}"
        case accounts.AdminOutcome.PROMOTED, True:
            return f"promoted {email} to admin and set a new password for it {signed_out}"
        case accounts.AdminOutcome.PROMOTED, False:
            return f"promoted {email} to admin"
        case accounts.AdminOutcome.UNCHANGED, True:
            return f"set a new password for admin {email} {signed_out}"
    return f"{email} is already an admin"


def configure_rotate_keys(parser: argparse.ArgumentParser) -> None:
    parser.description = "Make a new signing key current; the old one stays published."


def rotate_keys(args: argparse.Namespace, settings: ServiceSettings) -> int:
    assert isinstance(settings, AuthSettings)
    kid = _with_database(
        settings,
        lambda unit_of_work: keys.rotate(
            unit_of_work=unit_of_work, passphrase=settings.signing_key_passphrase
        ),
    )
    _say(f"rotated signing keys: {kid} is now current")
    return 0


def configure_withdraw_key(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "kid",
        help="the key id, as the JWKS and the tokens' header show it (one that starts with "
        "'-', as base64url ids may, goes after '--': withdraw-key -- -Ab3...)",
    )
    parser.description = (
        "Withdraw a leaked signing key: it leaves the JWKS at once (no grace period) and the "
        "tokens it signed stop verifying; a new key is made if it was the current one."
    )


def withdraw_key(args: argparse.Namespace, settings: ServiceSettings) -> int:
    assert isinstance(settings, AuthSettings)
    try:
        replacement = _with_database(
            settings,
            lambda unit_of_work: keys.withdraw(
                unit_of_work=unit_of_work, passphrase=settings.signing_key_passphrase, kid=args.kid
            ),
        )
    except DomainError as error:
        _say(f"withdraw-key failed: {error.detail}", error=True)
        return 1
    made = f"; {replacement} is now current" if replacement else ""
    _say(f"withdrew signing key {args.kid}{made}")
    return 0
