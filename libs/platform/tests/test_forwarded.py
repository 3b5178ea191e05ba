"""A service believes ``X-Forwarded-For`` from the gateway only: served as ``serve`` serves
it (real uvicorn), a local process naming another address is not believed, the gateway is."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Request

from marketplace_platform.forwarded import gateway_token
from marketplace_platform.settings import ServiceSettings
from marketplace_platform.testing.served import served

pytestmark = pytest.mark.integration

SECRET = "shared-internal-secret"


def whoami_app() -> FastAPI:
    app = FastAPI()

    @app.get("/whoami")
    async def whoami(request: Request) -> dict[str, str | None]:
        return {
            "client": request.client.host if request.client else None,
            "scheme": request.url.scheme,
        }

    return app


async def whoami(headers: dict[str, str]) -> dict[str, str]:
    settings = ServiceSettings(internal_token=SECRET, environment="test")
    async with served(whoami_app(), settings) as base_url, httpx.AsyncClient() as http:
        response = await http.get(f"{base_url}/whoami", headers=headers)
    assert response.status_code == 200
    answer: dict[str, str] = response.json()
    return answer


async def test_a_local_caller_cannot_choose_its_address_with_x_forwarded_for() -> None:
    seen = await whoami({"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https"})
    assert seen == {"client": "127.0.0.1", "scheme": "http"}


async def test_a_wrong_gateway_token_is_no_better_than_none() -> None:
    headers = {"X-Forwarded-For": "1.2.3.4", "X-Gateway-Token": gateway_token("guessed")}
    assert (await whoami(headers))["client"] == "127.0.0.1"


async def test_the_internal_token_itself_is_not_the_gateway_credential() -> None:
    headers = {"X-Forwarded-For": "1.2.3.4", "X-Gateway-Token": SECRET}
    assert (await whoami(headers))["client"] == "127.0.0.1"


async def test_the_gateway_is_believed_and_its_right_most_address_is_the_client() -> None:
    headers = {
        "X-Forwarded-For": "198.51.100.7, 203.0.113.5",
        "X-Forwarded-Proto": "https",
        "X-Gateway-Token": gateway_token(SECRET),
    }
    assert await whoami(headers) == {"client": "203.0.113.5", "scheme": "https"}


async def test_an_ipv6_client_from_the_gateway() -> None:
    headers = {"X-Forwarded-For": "2001:db8::7", "X-Gateway-Token": gateway_token(SECRET)}
    assert (await whoami(headers))["client"] == "2001:db8::7"


def test_the_gateway_credential_is_not_the_secret_it_is_derived_from() -> None:
    token = gateway_token(SECRET)
    assert SECRET not in token
    assert token == gateway_token(SECRET)
    assert token != gateway_token(SECRET + "x")
