"""Expiry is enforced at the gateway and at the service. Tokens cannot be minted here without
auth's key, so this runs a system of its own whose access tokens live one second."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from marketplace_launcher.testing import RunningSystem, SystemDidNotStart, running_system, sign_up

pytestmark = pytest.mark.system

# Longer than any verifier's clock-skew leeway: past this, the token must be refused.
EXPIRY_LIMIT = 60.0


@pytest.fixture(scope="module")
def short_lived_tokens(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    base = tmp_path_factory.mktemp("system-short-tokens")
    try:
        short_tokens = {"AUTH_ACCESS_TOKEN_TTL": "PT1S", "MARKETPLACE_NO_SEED": "1"}
        with running_system(base, extra_env=short_tokens) as running:
            yield running
    except SystemDidNotStart as error:
        pytest.fail(str(error), pytrace=False)


def refused_once_expired(http: httpx.Client, token: str) -> httpx.Response:
    """Ask until the token is refused; it must be, once its lifetime and leeway are over."""
    deadline = time.monotonic() + EXPIRY_LIMIT
    while True:
        response = http.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        if response.status_code != 200 or time.monotonic() > deadline:
            return response
        time.sleep(0.5)


def test_an_expired_token_is_refused_at_the_gateway_and_at_the_service(
    short_lived_tokens: RunningSystem,
) -> None:
    with (
        httpx.Client(base_url=short_lived_tokens.url, trust_env=False) as gateway,
        httpx.Client(base_url=short_lived_tokens.service_url("auth"), trust_env=False) as auth,
    ):
        account = sign_up(gateway)
        assert account.access_token

        at_gateway = refused_once_expired(gateway, account.access_token)
        at_service = refused_once_expired(auth, account.access_token)

    assert at_gateway.status_code == 401, at_gateway.text
    assert at_service.status_code == 401, at_service.text
    assert at_gateway.headers["content-type"].startswith("application/problem+json")
    # Both say what to do about it.
    assert "/api/auth/refresh" in at_gateway.json()["detail"]
    assert "/api/auth/refresh" in at_service.json()["detail"]



def socket_end(url: str) -> int:
    """How a socket opened with the URL's token ends: the close code the server sent, or the
    HTTP status of a refused handshake."""
    try:
        with connect(url, open_timeout=10) as socket:
            while True:
                socket.recv(timeout=EXPIRY_LIMIT)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else -1
    except InvalidStatus as refused:
        return refused.response.status_code


def refused_socket_once_expired(url: str) -> int:
    """Open sockets until the handshake is refused; its status (101 if it never was)."""
    deadline = time.monotonic() + EXPIRY_LIMIT
    while time.monotonic() < deadline:
        try:
            with connect(url, open_timeout=10):
                pass
        except InvalidStatus as refused:
            return refused.response.status_code
        time.sleep(0.5)
    return 101


def test_an_expired_tokens_socket_is_closed_and_cannot_be_opened_again(
    short_lived_tokens: RunningSystem,
) -> None:
    """The socket lives no longer than its token: opened within the token's lifetime and
    the verifiers' leeway, it is closed with 4001 (on a slow machine the token may already
    be refused, 401); once that is over, /ws refuses the token."""
    with httpx.Client(base_url=short_lived_tokens.url, trust_env=False) as gateway:
        account = sign_up(gateway)
    url = f"{short_lived_tokens.url.replace('http://', 'ws://')}/ws?token={account.access_token}"
    assert socket_end(url) in (4001, 401)
    assert refused_socket_once_expired(url) == 401
