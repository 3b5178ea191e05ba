"""Refresh-token rotation and reuse detection on a fake unit of work: what is spent, issued
and revoked, and that a reuse's revocation is committed although the request is refused."""

from datetime import timedelta

import pytest

from auth_service.adapters.tokens import hash_refresh_token
from auth_service.domain.errors import InvalidRefreshToken
from auth_service.domain.refresh_tokens import RefreshTokenFamily
from auth_service.domain.roles import Role
from auth_service.service import accounts, sessions
from marketplace_platform.clock import utcnow

pytestmark = pytest.mark.unit

TTL = timedelta(days=30)


@pytest.fixture
async def login(uow, unit_of_work, passwords):
    """A registered user and a session: a family holding one live token, ``"first"``."""
    user = await accounts.register(
        unit_of_work=unit_of_work,
        passwords=passwords,
        email="anna@example.com",
        password="correct horse battery staple",
        name="Anna",
        role=Role.USER,
    )
    family = RefreshTokenFamily(user_id=user.id, client="203.0.113.7", created_at=utcnow())
    uow.refresh_tokens.add_family(family)
    uow.refresh_tokens.add(family.issue(hash_refresh_token("first"), now=utcnow(), ttl=TTL))
    uow.committed.clear()
    uow.commits = 0
    return user, family


async def refresh(unit_of_work, issuer, token: str) -> sessions.Tokens:
    return await sessions.refresh(
        unit_of_work=unit_of_work, issuer=issuer, refresh_ttl=TTL, refresh_token=token
    )


async def test_a_refresh_spends_the_token_and_issues_the_next_of_the_family(
    uow, unit_of_work, issuer, login
) -> None:
    user, family = login

    tokens = await refresh(unit_of_work, issuer, "first")

    assert tokens.access_token == f"{user.id}:user"
    assert uow.refresh_tokens.tokens[hash_refresh_token("first")].used_at is not None
    issued = uow.refresh_tokens.tokens[hash_refresh_token(tokens.refresh_token)]
    assert (issued.family_id, issued.used_at) == (family.id, None)
    assert not family.revoked
    assert uow.commits == 1
    assert uow.committed == []  # sessions are nobody else's business: no events


async def test_a_reused_token_revokes_the_family_and_the_revocation_is_committed(
    uow, unit_of_work, issuer, login
) -> None:
    _, family = login
    newer = (await refresh(unit_of_work, issuer, "first")).refresh_token

    with pytest.raises(InvalidRefreshToken, match="used before"):
        await refresh(unit_of_work, issuer, "first")

    assert (family.revoked, family.revoked_reason) == (True, "reuse")
    assert uow.commits == 2  # the rotation, then the revocation despite the refusal
    with pytest.raises(InvalidRefreshToken, match="revoked"):
        await refresh(unit_of_work, issuer, newer)  # the copy dies with the original


async def test_an_expired_token_is_refused_and_nothing_is_spent(
    uow, unit_of_work, issuer, login
) -> None:
    token = uow.refresh_tokens.tokens[hash_refresh_token("first")]
    token.expires_at = utcnow() - timedelta(seconds=1)

    with pytest.raises(InvalidRefreshToken, match="expired"):
        await refresh(unit_of_work, issuer, "first")

    assert token.used_at is None
    assert uow.commits == 0


async def test_an_unknown_token_is_refused(uow, unit_of_work, issuer, login) -> None:
    with pytest.raises(InvalidRefreshToken, match="not valid"):
        await refresh(unit_of_work, issuer, "never issued")
    assert uow.commits == 0


async def test_logout_revokes_the_family_once(unit_of_work, issuer, login) -> None:
    _, family = login

    await sessions.logout(unit_of_work=unit_of_work, refresh_token="first")
    revoked_at = family.revoked_at
    await sessions.logout(unit_of_work=unit_of_work, refresh_token="first")

    assert (family.revoked_reason, family.revoked_at) == ("logout", revoked_at)
    with pytest.raises(InvalidRefreshToken, match="revoked"):
        await refresh(unit_of_work, issuer, "first")
