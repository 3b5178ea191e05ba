"""The real client address: the TCP peer, or behind trusted proxies the right-most
``X-Forwarded-For`` address that is not one of them; what the rate limit counts, the
access log names and the services are told (with the gateway's credential)."""

from __future__ import annotations

import io

import orjson
import pytest
from pydantic import ValidationError

from gateway_service.client_address import TrustedProxies
from gateway_service.settings import GatewaySettings
from marketplace_platform.addresses import parse_address
from marketplace_platform.forwarded import gateway_token

LB = ["10.0.0.0/8", "2001:db8:ffff::/48"]


@pytest.mark.unit
def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says():
    proxies = TrustedProxies([])

    client, chain = proxies.client("198.51.100.7", ["1.2.3.4"])

    assert client == "198.51.100.7"
    assert chain == "1.2.3.4, 198.51.100.7"  # passed on, but its right end is the peer
    assert not proxies


@pytest.mark.unit
def test_a_spoofed_header_from_an_untrusted_peer_is_ignored():
    client, chain = TrustedProxies(LB).client("198.51.100.7", ["10.0.0.5, 1.2.3.4"])

    assert client == "198.51.100.7"
    assert chain.endswith(", 198.51.100.7")


@pytest.mark.unit
def test_behind_a_trusted_proxy_the_client_is_the_address_it_appended():
    client, chain = TrustedProxies(LB).client("10.0.0.2", ["203.0.113.9"])

    assert (client, chain) == ("203.0.113.9", "203.0.113.9")


@pytest.mark.unit
def test_a_client_cannot_hide_behind_addresses_it_prepends_itself():
    # The client sent "X-Forwarded-For: 1.2.3.4"; the load balancer appended its peer.
    client, chain = TrustedProxies(LB).client("10.0.0.2", ["1.2.3.4, 203.0.113.9"])

    assert client == "203.0.113.9"
    assert chain == "1.2.3.4, 203.0.113.9"


@pytest.mark.unit
def test_a_chain_of_trusted_proxies_is_walked_from_the_right():
    client, chain = TrustedProxies(LB).client(
        "10.0.0.2", ["6.6.6.6, 203.0.113.9", "10.1.1.1", "10.2.2.2"]
    )

    assert client == "203.0.113.9"
    assert chain == "6.6.6.6, 203.0.113.9"


@pytest.mark.unit
def test_ipv6_hops_and_clients():
    proxies = TrustedProxies(LB)

    client, _ = proxies.client("2001:db8:ffff::1", ["2001:db8:1::7, 2001:db8:ffff:2::9"])

    assert client == "2001:db8:1::7"
    assert proxies.client("[2001:db8:ffff::1]", [])[0] == "[2001:db8:ffff::1]"


@pytest.mark.unit
def test_entries_with_ports_and_ipv4_mapped_peers():
    proxies = TrustedProxies(LB)

    assert proxies.client("::ffff:10.0.0.2", ["203.0.113.9:51234"])[0] == "203.0.113.9"
    assert proxies.client("10.0.0.2", ["[2001:db8::5]:443"])[0] == "2001:db8::5"
    assert parse_address("::ffff:10.0.0.2") == parse_address("10.0.0.2")


@pytest.mark.unit
def test_garbage_stops_the_walk_at_the_last_hop_that_can_be_vouched_for():
    proxies = TrustedProxies(LB)

    assert proxies.client("10.0.0.2", ["unknown"]) == ("10.0.0.2", "unknown, 10.0.0.2")
    assert proxies.client("10.0.0.2", ["203.0.113.9, nonsense, 10.3.3.3"])[0] == "10.3.3.3"


@pytest.mark.unit
def test_a_request_only_through_trusted_hops_is_from_the_left_most():
    assert TrustedProxies(LB).client("10.0.0.2", ["10.9.9.9"]) == ("10.9.9.9", "10.9.9.9")
    assert TrustedProxies(LB).client("10.0.0.2", []) == ("10.0.0.2", "10.0.0.2")


@pytest.mark.unit
def test_trusted_proxies_come_comma_separated_from_the_environment(monkeypatch):
    monkeypatch.setenv("GATEWAY_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.1,2001:db8::/32")

    assert GatewaySettings(environment="test").trusted_proxies == (
        "10.0.0.0/8", "192.168.1.1/32", "2001:db8::/32"
    )


@pytest.mark.unit
def test_a_trusted_proxy_that_is_not_a_network_is_refused():
    with pytest.raises(ValidationError, match="not an IP network"):
        GatewaySettings(trusted_proxies=("load-balancer",))


async def seen_by_upstream(gateway, headers: dict[str, str]) -> dict[str, str]:
    response = await gateway.get("/api/catalog/ping", headers=headers)
    assert response.status == 200
    seen: dict[str, str] = (await response.json())["headers"]
    return seen


async def test_a_spoofed_address_reaches_the_service_left_of_the_real_one(
    start_gateway, start_echo
):
    gateway = await start_gateway({"catalog": [await start_echo("catalog")]})

    seen = await seen_by_upstream(gateway, {"X-Forwarded-For": "1.2.3.4"})

    assert seen["X-Forwarded-For"] == "1.2.3.4, 127.0.0.1"
    assert seen["X-Gateway-Token"] == gateway_token(gateway.core.settings.internal_token)


async def test_behind_a_trusted_proxy_the_service_is_told_the_client(start_gateway, start_echo):
    gateway = await start_gateway(
        {"catalog": [await start_echo("catalog")]}, trusted_proxies=("127.0.0.0/8",)
    )

    seen = await seen_by_upstream(gateway, {"X-Forwarded-For": "1.2.3.4, 203.0.113.9"})

    assert seen["X-Forwarded-For"] == "1.2.3.4, 203.0.113.9"


async def test_a_client_cannot_send_its_own_gateway_credential(start_gateway, start_echo):
    gateway = await start_gateway({"catalog": [await start_echo("catalog")]})

    response = await gateway.get("/api/catalog/ping", headers={"X-Gateway-Token": "mine"})

    body = await response.json()
    assert body["header_counts"]["X-Gateway-Token"] == 1
    assert body["headers"]["X-Gateway-Token"] != "mine"


async def test_the_rate_limit_counts_the_client_behind_a_trusted_proxy(
    start_gateway, start_echo
):
    log = io.StringIO()
    gateway = await start_gateway(
        {"catalog": [await start_echo("catalog")]}, log, trusted_proxies=("127.0.0.1",),
        rate_limit_enabled=True, rate_limit_burst=2, rate_limit_per_minute=1,
    )

    def through_lb(client: str) -> dict[str, str]:
        return {"X-Forwarded-For": client}

    first = [
        (await gateway.get("/api/catalog/ping", headers=through_lb("203.0.113.1"))).status
        for _ in range(3)
    ]
    other = (await gateway.get("/api/catalog/ping", headers=through_lb("203.0.113.2"))).status
    gateway.core.access_log.flush()

    assert first == [200, 200, 429]
    assert other == 200  # one client's flood does not throttle the next behind the same LB
    clients = [orjson.loads(line)["client"] for line in log.getvalue().splitlines()]
    assert clients == ["203.0.113.1"] * 3 + ["203.0.113.2"]


async def test_entries_a_client_wrote_in_any_bytes_are_passed_on_not_a_500(
    start_gateway, start_echo
):
    """Behind a trusted proxy the client's own entries stay on the left of the chain; a
    non-Latin-1 one must not break the request."""
    gateway = await start_gateway(
        {"catalog": [await start_echo("catalog")]}, trusted_proxies=("127.0.0.1",)
    )
    response = await gateway.get(
        "/api/catalog/ping", headers={"X-Forwarded-For": "€, 203.0.113.1"}
    )
    assert response.status == 200


async def test_without_trust_a_forged_header_does_not_buy_a_fresh_bucket(
    start_gateway, start_echo
):
    gateway = await start_gateway(
        {"catalog": [await start_echo("catalog")]},
        rate_limit_enabled=True, rate_limit_burst=2, rate_limit_per_minute=1,
    )

    statuses = [
        (await gateway.get("/api/catalog/ping", headers={"X-Forwarded-For": f"192.0.2.{n}"}))
        .status
        for n in range(3)
    ]

    assert statuses == [200, 200, 429]


async def test_an_ipv6_client_cannot_dodge_the_rate_limit_by_changing_address(
    start_gateway, start_echo
):
    gateway = await start_gateway(
        {"catalog": [await start_echo("catalog")]}, trusted_proxies=("127.0.0.1",),
        rate_limit_enabled=True, rate_limit_burst=2, rate_limit_per_minute=1,
    )

    statuses = [
        (await gateway.get(
            "/api/catalog/ping", headers={"X-Forwarded-For": f"2001:db8:1:2::{n + 1}"}
        )).status
        for n in range(3)
    ]

    assert statuses == [200, 200, 429]
