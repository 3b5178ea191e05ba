"""Registration and sessions: register, login, refresh, logout."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from auth_service.api.deps import (
    ClientHost,
    IssuerDep,
    PasswordsDep,
    SettingsDep,
    ThrottleDep,
    UnitOfWorkDep,
)
from auth_service.schemas import LoginRequest, RefreshRequest, TokenPair, UserCreate, UserRead
from auth_service.service import accounts, sessions

router = APIRouter(prefix="/api/auth", tags=["auth"])

# Token answers must not be kept by any cache (RFC 6749, section 5.1).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _token_pair(tokens: sessions.Tokens, response: Response) -> TokenPair:
    response.headers.update(NO_STORE)
    return TokenPair(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "An account with that email exists."}},
)
async def register(
    body: UserCreate, unit_of_work: UnitOfWorkDep, passwords: PasswordsDep
) -> UserRead:
    """Create an account (then log in to get tokens)."""
    user = await accounts.register(
        unit_of_work=unit_of_work,
        passwords=passwords,
        email=body.email,
        password=body.password,
        name=body.name,
    )
    return UserRead.model_validate(user)


@router.post("/login")
async def login(
    body: LoginRequest,
    response: Response,
    unit_of_work: UnitOfWorkDep,
    passwords: PasswordsDep,
    issuer: IssuerDep,
    throttle: ThrottleDep,
    settings: SettingsDep,
    client_host: ClientHost,
) -> TokenPair:
    """Exchange email and password for an access token and a refresh token."""
    tokens = await sessions.login(
        unit_of_work=unit_of_work,
        passwords=passwords,
        issuer=issuer,
        policy=throttle,
        refresh_ttl=settings.refresh_token_ttl,
        email=body.email,
        password=body.password,
        client_host=client_host,
    )
    return _token_pair(tokens, response)


@router.post("/refresh")
async def refresh(
    body: RefreshRequest,
    response: Response,
    unit_of_work: UnitOfWorkDep,
    issuer: IssuerDep,
    settings: SettingsDep,
) -> TokenPair:
    """Spend a refresh token for new tokens; a reused one revokes its whole family."""
    tokens = await sessions.refresh(
        unit_of_work=unit_of_work,
        issuer=issuer,
        refresh_ttl=settings.refresh_token_ttl,
        refresh_token=body.refresh_token,
    )
    return _token_pair(tokens, response)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshRequest, unit_of_work: UnitOfWorkDep) -> None:
    """Revoke the refresh token's family (the session); the access token expires soon."""
    await sessions.logout(unit_of_work=unit_of_work, refresh_token=body.refresh_token)
