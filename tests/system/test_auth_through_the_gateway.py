"""Signing up, logging in and being recognised, through the gateway, on each database."""

from __future__ import annotations

import stat
from collections.abc import Callable

import httpx
import pytest

from marketplace_launcher.testing import Account, RunningSystem

pytestmark = pytest.mark.system


def test_register_login_and_read_my_profile(client: httpx.Client, account: Account) -> None:
    me = client.get("/api/auth/me", headers=account.headers)

    assert me.status_code == 200, me.text
    assert me.json()["email"] == account.email
    assert me.json()["role"] == "user"


def test_login_answers_a_bearer_token_pair(client: httpx.Client, account: Account) -> None:
    response = client.post(
        "/api/auth/login", json={"email": account.email, "password": account.password}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"].lower() == "bearer"
    assert body["expires_in"] > 0
    assert body["access_token"].count(".") == 2
    assert body["refresh_token"]


def test_a_wrong_password_is_a_problem_not_a_token(client: httpx.Client, account: Account) -> None:
    response = client.post(
        "/api/auth/login", json={"email": account.email, "password": "not-the-password"}
    )

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_profile_needs_a_token(client: httpx.Client) -> None:
    response = client.get("/api/auth/me")

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_launchers_admin_logs_in_and_lists_users(
    client: httpx.Client,
    system: RunningSystem,
    account: Account,
    login: Callable[[str, str], Account],
) -> None:
    admin = login(system.admin_email, system.admin_password)

    me = client.get("/api/auth/me", headers=admin.headers)
    users = client.get(
        "/api/auth/users", params={"email": account.email}, headers=admin.headers
    )

    assert me.json()["role"] == "admin"
    assert users.status_code == 200, users.text
    assert [user["email"] for user in users.json()["items"]] == [account.email]


def test_a_user_may_not_list_users(client: httpx.Client, account: Account) -> None:
    response = client.get("/api/auth/users", headers=account.headers)

    assert response.status_code == 403


def test_the_first_admin_marker_is_private_and_holds_no_password(system: RunningSystem) -> None:
    marker = system.var_dir / "first-admin.json"

    assert stat.S_IMODE(marker.stat().st_mode) == 0o600
    assert system.admin_password not in marker.read_text()
    assert system.admin_email in marker.read_text()


def test_the_gateway_is_ready_with_every_service_behind_it(client: httpx.Client) -> None:
    response = client.get("/health/ready")

    assert response.status_code == 200
    assert "auth" in response.text


def test_requests_carry_an_id_end_to_end(client: httpx.Client, account: Account) -> None:
    response = client.get(
        "/api/auth/me", headers={**account.headers, "X-Request-ID": "system-test-42"}
    )

    assert response.headers["x-request-id"] == "system-test-42"
