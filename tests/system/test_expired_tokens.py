"""Expiry is enforced at the gateway and at the service. Tokens cannot be minted here without
auth's key, so this runs a system of its own whose access tokens live one second."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

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
