"""Signing in and out: login (throttled), refresh-token rotation with reuse detection, logout.

See ``domain.throttling`` and ``domain.refresh_tokens`` for the rules, ``docs/auth.md`` for
the design as a whole.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from auth_service.adapters.passwords import PasswordHasher
from auth_service.adapters.tokens import AccessTokenIssuer, hash_refresh_token, new_refresh_token
from auth_service.adapters.unit_of_work import AuthUnitOfWork, UnitOfWorkFactory
from auth_service.domain.emails import email_key
from auth_service.domain.errors import InvalidCredentials, InvalidRefreshToken, LoginThrottled
from auth_service.domain.refresh_tokens import RefreshTokenFamily, Verdict
from auth_service.domain.throttling import FailureHistory, ThrottlePolicy, client_key, decide
from auth_service.domain.users import User
from marketplace_contracts import UserLoggedIn
from marketplace_platform.clock import utcnow

log = logging.getLogger(__name__)

WRONG_CREDENTIALS = "The email or the password is wrong."


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int


async def login(
    *,
    unit_of_work: UnitOfWorkFactory,
    passwords: PasswordHasher,
    issuer: AccessTokenIssuer,
    policy: ThrottlePolicy,
    refresh_ttl: timedelta,
    email: str,
    password: str,
    client_host: str | None,
) -> Tokens:
    """Check the credentials (unless throttled) and start a new refresh-token family.

    The attempt is counted as a failure *before* the password is checked, in the same
    transaction that found it within the limits: concurrent attempts see each other's
    reservations, so no more passwords are checked than the limits allow. A success
    releases the reservation (with the pair's other failures); anything else keeps it."""
    now = utcnow()
    account = email_key(email)
    client = client_key(client_host)
    user = await _reserve_attempt(
        unit_of_work,
        policy=policy,
        account=account,
        client=client,
        refresh_ttl=refresh_ttl,
        now=now,
    )

    # Outside any transaction: the hash takes a while. An unknown email costs the same.
    if user is None:
        await passwords.verify_nothing(password)
        valid, new_hash = False, None
    else:
        valid, new_hash = await passwords.verify(password, user.password_hash)

    async with unit_of_work() as uow:
        if not valid:
            await uow.login_failures.prune(before=now - policy.window)
            await uow.commit()
            raise InvalidCredentials(WRONG_CREDENTIALS)
        await uow.login_failures.clear_pair(account=account, client=client)
        current = await uow.users.get(user.id) if user else None
        if current is None:  # deleted between the two transactions: the reservation stays
            raise InvalidCredentials(WRONG_CREDENTIALS)
        if new_hash is not None:
            current.store_password_hash(new_hash)  # the cost parameters were raised since
        refresh_token = _start_family(
            uow, user_id=current.id, client=client, now=now, ttl=refresh_ttl
        )
        # Signed before the commit: if no key can sign, no session is started either.
        tokens = _tokens(issuer, current, refresh_token, now)
        uow.publish(UserLoggedIn(user_id=current.id, logged_in_at=now))
        await uow.commit()
    return tokens


async def refresh(
    *,
    unit_of_work: UnitOfWorkFactory,
    issuer: AccessTokenIssuer,
    refresh_ttl: timedelta,
    refresh_token: str,
) -> Tokens:
    """Spend a refresh token for a new access token and the next refresh token."""
    now = utcnow()
    async with unit_of_work() as uow:
        found = await uow.refresh_tokens.find(hash_refresh_token(refresh_token))
        if found is None:
            raise InvalidRefreshToken("The refresh token is not valid.")
        presented, family = found
        verdict = family.spend(presented, now=now)
        if verdict is Verdict.REUSED:
            await uow.commit()  # the family's revocation
            log.warning(
                "refresh token reused: family revoked",
                extra={"user_id": str(family.user_id), "family_id": str(family.id)},
            )
            raise InvalidRefreshToken("The refresh token was used before; sign in again.")
        if verdict is Verdict.EXPIRED:
            raise InvalidRefreshToken("The refresh token has expired; sign in again.")
        if verdict is Verdict.REVOKED:
            raise InvalidRefreshToken("The refresh token was revoked; sign in again.")
        user = await uow.users.get(family.user_id)
        if user is None:
            raise InvalidRefreshToken("The refresh token is not valid.")
        next_token = _issue(uow, family, now=now, ttl=refresh_ttl)
        # Signed before the commit, so that the old token is never spent for nothing.
        result = _tokens(issuer, user, next_token, now)
        await uow.commit()
    return result


async def logout(*, unit_of_work: UnitOfWorkFactory, refresh_token: str) -> None:
    """Revoke the family of the token. An unknown token is not an error: the caller is
    logged out either way, and the answer tells nothing about which tokens exist."""
    async with unit_of_work() as uow:
        found = await uow.refresh_tokens.find(hash_refresh_token(refresh_token))
        if found is None:
            return
        _, family = found
        if family.revoked:
            return
        family.revoke(now=utcnow(), reason="logout")
        await uow.commit()


async def _reserve_attempt(
    unit_of_work: UnitOfWorkFactory,
    *,
    policy: ThrottlePolicy,
    account: str,
    client: str,
    refresh_ttl: timedelta,
    now: datetime,
) -> User | None:
    """The account of ``account`` (None if there is none), once this attempt is found within
    the limits (``LoginThrottled`` if it is not) and recorded as a failure in advance."""
    async with unit_of_work() as uow:
        failure_log = uow.login_failures
        # Until the commit, no other attempt on this account or from this client can count.
        await failure_log.lock_scopes(account=account, client=client)
        user = await uow.users.get_by_email_key(account)
        failures = await failure_log.times(
            account=account, client=client, since=now - policy.window
        )
        # "Logged in from here before" = a session started from this client lately.
        known_client = user is not None and await uow.refresh_tokens.client_known(
            user_id=user.id, client=client, since=now - refresh_ttl
        )
        history = FailureHistory(
            pair=failures.pair,
            client=failures.client,
            account=failures.account,
            known_client=known_client,
        )
        decision = decide(policy, history, now=now)
        if not decision.allowed:  # rolled back: a throttled attempt is not counted
            raise LoginThrottled(
                f"Too many failed logins; try again in {decision.retry_after} seconds.",
                retry_after=decision.retry_after,
            )
        failure_log.record(account=account, client=client, at=now)
        await uow.commit()
    return user


def _start_family(
    uow: AuthUnitOfWork, *, user_id: uuid.UUID, client: str, now: datetime, ttl: timedelta
) -> str:
    family = RefreshTokenFamily(user_id=user_id, client=client, created_at=now)
    uow.refresh_tokens.add_family(family)
    return _issue(uow, family, now=now, ttl=ttl)


def _issue(
    uow: AuthUnitOfWork, family: RefreshTokenFamily, *, now: datetime, ttl: timedelta
) -> str:
    """A new token of ``family``: its hash is stored, the token itself goes to the client."""
    token = new_refresh_token()
    uow.refresh_tokens.add(family.issue(hash_refresh_token(token), now=now, ttl=ttl))
    return token


def _tokens(issuer: AccessTokenIssuer, user: User, refresh_token: str, now: datetime) -> Tokens:
    access = issuer.issue(user_id=user.id, role=user.role, email=user.email, now=now)
    return Tokens(
        access_token=access.token, refresh_token=refresh_token, expires_in=access.expires_in
    )
