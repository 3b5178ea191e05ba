"""Login throttling through the API; the rules themselves are unit-tested in
``domain/test_throttling.py``. Limits are lowered here: pair 3, client 6, account 8."""

import asyncio
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from auth_service.adapters.orm import LoginFailure
from marketplace_platform.clock import utcnow
from marketplace_platform.forwarded import gateway_token
from marketplace_platform.testing.served import served

pytestmark = pytest.mark.integration

ATTACKER = "198.51.100.66"
USER_HOME = "203.0.113.10"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"throttle_pair_limit": 3, "throttle_ip_limit": 6, "throttle_account_limit": 8}


async def attempt(http, email: str, password: str = "wrong password") -> int:
    response = await http.post("/api/auth/login", json={"email": email, "password": password})
    return response.status_code


async def test_a_pair_is_throttled_after_its_limit_even_with_the_right_password(auth) -> None:
    user = await auth.register()
    async with auth.client(ATTACKER) as attacker:
        assert [await attempt(attacker, user["email"]) for _ in range(3)] == [401, 401, 401]
        response = await attacker.post(
            "/api/auth/login", json={"email": user["email"], "password": user["password"]}
        )
    assert response.status_code == 429
    assert response.json()["type"].endswith("/login-throttled")
    retry_after = int(response.headers["retry-after"])
    assert 14 * 60 < retry_after <= 15 * 60


async def test_failures_from_an_attacker_do_not_lock_the_user_out_elsewhere(auth) -> None:
    user = await auth.register()
    async with auth.client(ATTACKER) as attacker:
        for _ in range(5):
            await attempt(attacker, user["email"])
        assert await attempt(attacker, user["email"]) == 429
    async with auth.client(USER_HOME) as home:
        assert await attempt(home, user["email"], user["password"]) == 200


async def test_one_address_spraying_many_accounts_is_throttled(auth) -> None:
    victims = [await auth.register() for _ in range(7)]
    async with auth.client(ATTACKER) as attacker:
        statuses = [await attempt(attacker, victim["email"]) for victim in victims[:6]]
        assert statuses == [401] * 6
        assert await attempt(attacker, victims[6]["email"], victims[6]["password"]) == 429
        assert await attempt(attacker, auth.unique_email()) == 429
    async with auth.client(USER_HOME) as home:
        assert await attempt(home, victims[6]["email"], victims[6]["password"]) == 200


async def test_the_account_ceiling_spares_addresses_the_user_logged_in_from(auth) -> None:
    user = await auth.register()
    async with auth.client(USER_HOME) as home:
        assert await attempt(home, user["email"], user["password"]) == 200
    for bot in range(8):  # a botnet: one guess from each of many addresses
        async with auth.client(f"192.0.2.{bot + 1}") as http:
            assert await attempt(http, user["email"]) == 401
    async with auth.client("192.0.2.200") as new_address:
        assert await attempt(new_address, user["email"], user["password"]) == 429
    async with auth.client(USER_HOME) as home:
        assert await attempt(home, user["email"], user["password"]) == 200


async def test_a_successful_login_clears_the_failures_of_its_pair(auth) -> None:
    user = await auth.register()
    async with auth.client(USER_HOME) as home:
        assert [await attempt(home, user["email"]) for _ in range(2)] == [401, 401]
        assert await attempt(home, user["email"], user["password"]) == 200
        assert [await attempt(home, user["email"]) for _ in range(2)] == [401, 401]


async def test_throttled_attempts_are_not_counted(auth) -> None:
    user = await auth.register()
    async with auth.client(ATTACKER) as attacker:
        for _ in range(10):
            await attempt(attacker, user["email"])
    assert await auth.scalar("SELECT count(*) FROM login_failures") == 3


async def test_unknown_emails_are_throttled_like_registered_ones(auth) -> None:
    async with auth.client(ATTACKER) as attacker:
        email = auth.unique_email()
        assert [await attempt(attacker, email) for _ in range(4)] == [401, 401, 401, 429]


async def test_the_throttle_lifts_once_the_failures_leave_the_window(auth) -> None:
    user = await auth.register()
    async with auth.client(ATTACKER) as attacker:
        for _ in range(3):
            await attempt(attacker, user["email"])
        assert await attempt(attacker, user["email"], user["password"]) == 429
        # As if the window had passed.
        window = auth.components.settings.throttle_window
        async with auth.db.session() as session, session.begin():
            await session.execute(
                update(LoginFailure).values(failed_at=utcnow() - window - timedelta(seconds=1))
            )
        assert await attempt(attacker, user["email"], user["password"]) == 200


async def test_ipv6_clients_are_counted_per_64(auth) -> None:
    user = await auth.register()
    for host in ("2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2::3"):
        async with auth.client(host) as http:
            assert await attempt(http, user["email"]) == 401
    async with auth.client("2001:db8:1:2::ffff") as same_network:
        assert await attempt(same_network, user["email"], user["password"]) == 429


async def test_concurrent_wrong_logins_check_at_most_the_limit_of_passwords(
    auth, monkeypatch
) -> None:
    user = await auth.register()
    checked: list[str] = []  # list.append is atomic: the checks run in worker threads
    hasher = auth.components.passwords
    verify, verify_nothing = hasher.verify, hasher.verify_nothing

    async def counting_verify(password: str, password_hash: str) -> tuple[bool, str | None]:
        checked.append(password)
        return await verify(password, password_hash)

    async def counting_verify_nothing(password: str) -> None:
        checked.append(password)
        await verify_nothing(password)

    monkeypatch.setattr(hasher, "verify", counting_verify)
    monkeypatch.setattr(hasher, "verify_nothing", counting_verify_nothing)
    async with auth.client(ATTACKER) as attacker:
        statuses = await asyncio.gather(*(attempt(attacker, user["email"]) for _ in range(40)))
    assert len(checked) == 3  # the pair limit: the other 37 never reached the hasher
    assert Counter(statuses) == {401: 3, 429: 37}
    assert await auth.scalar("SELECT count(*) FROM login_failures") == 3
    async with auth.client(USER_HOME) as home:
        assert await attempt(home, user["email"], user["password"]) == 200


async def test_a_local_caller_cannot_dodge_the_throttle_with_x_forwarded_for(auth) -> None:
    """Served as in production (real uvicorn): a process on the host that names a new
    address on every guess is still counted as the one address it calls from."""
    user = await auth.register()
    settings = auth.components.settings
    async with served(auth.app, settings) as base_url, httpx.AsyncClient(
        base_url=base_url
    ) as local:
        for guess in range(3):
            forged = {"X-Forwarded-For": f"192.0.2.{guess + 1}"}
            response = await local.post(
                "/api/auth/login", json={"email": user["email"], "password": "wrong"},
                headers=forged,
            )
            assert response.status_code == 401
        response = await local.post(
            "/api/auth/login", json={"email": user["email"], "password": user["password"]},
            headers={"X-Forwarded-For": "192.0.2.99"},
        )
    assert response.status_code == 429


async def test_through_the_gateway_each_client_is_counted_at_its_own_address(auth) -> None:
    """The gateway's forwarded address is believed: an attacker's failures hold back the
    attacker, not every user whose requests reach auth through the same gateway."""
    user = await auth.register()
    settings = auth.components.settings
    credential = gateway_token(settings.internal_token)

    def via_gateway(client: str) -> dict[str, str]:
        return {"X-Forwarded-For": client, "X-Gateway-Token": credential}

    async with served(auth.app, settings) as base_url, httpx.AsyncClient(
        base_url=base_url
    ) as gateway:
        statuses = []
        for password in ("wrong", "wrong", "wrong", user["password"]):
            response = await gateway.post(
                "/api/auth/login", json={"email": user["email"], "password": password},
                headers=via_gateway(ATTACKER),
            )
            statuses.append(response.status_code)
        assert statuses == [401, 401, 401, 429]
        response = await gateway.post(
            "/api/auth/login", json={"email": user["email"], "password": user["password"]},
            headers=via_gateway(USER_HOME),
        )
    assert response.status_code == 200
