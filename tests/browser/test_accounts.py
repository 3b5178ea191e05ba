"""Signing up, logging in and out in the browser; deep links load the app."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_visitor_signs_up_and_is_logged_in(page):
    email = f"shopper-{uuid.uuid4().hex[:10]}@example.com"
    page.goto("/register")

    page.get_by_label("Name").fill("Anna Petrova")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("link", name="Profile")).to_be_visible()
    expect(page.get_by_role("link", name="My orders")).to_be_visible()


def test_the_apis_field_errors_are_shown_next_to_their_fields(page):
    page.goto("/register")

    page.get_by_label("Name").fill("Anna")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign up").click()

    email_error = page.locator("[data-field=email] .field-error")
    password_error = page.locator("[data-field=password] .field-error")
    expect(email_error).to_contain_text("email")
    expect(password_error).to_contain_text("8")
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")


def test_logging_out_ends_the_session(shopper_page):
    page = shopper_page
    page.goto("/")

    page.get_by_role("button", name="Log out").click()

    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert page.evaluate("localStorage.getItem('mp.session')") is None


def test_a_deep_link_loads_the_app(page):
    page.goto("/no/such/page")

    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()


def test_a_refused_refresh_ends_the_session_cleanly(shopper_page, api, shopper):
    page = shopper_page
    page.goto("/orders")
    expect(page.get_by_role("heading", name="My orders")).to_be_visible()
    # The session's refresh token is spent elsewhere (rotation): this tab's is now stale.
    rotated = api.post("/api/auth/refresh", json={"refresh_token": shopper.refresh_token})
    assert rotated.status_code == 200
    page.evaluate(
        """() => {
            const s = JSON.parse(localStorage.getItem("mp.session"));
            s.access_token = "expired.token.here";
            localStorage.setItem("mp.session", JSON.stringify(s));
        }"""
    )

    page.get_by_role("link", name="My orders").click()

    expect(page.get_by_text("Your session has ended; log in again.")).to_be_visible()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()
    assert page.evaluate("localStorage.getItem('mp.session')") is None


def test_a_stale_access_token_is_refreshed_without_the_user_noticing(shopper_page):
    page = shopper_page
    page.goto("/")
    page.evaluate(
        """() => {
            const s = JSON.parse(localStorage.getItem("mp.session"));
            s.access_token = "expired.token.here";
            localStorage.setItem("mp.session", JSON.stringify(s));
        }"""
    )

    page.goto("/orders")

    expect(page.get_by_text("You have no orders yet.")).to_be_visible()
    token = page.evaluate("JSON.parse(localStorage.getItem('mp.session')).access_token")
    assert token != "expired.token.here"
