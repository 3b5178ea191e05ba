"""Fixtures of the browser tests: the whole system started once per session by the launcher
(as tests/system does, on free ports), Debian's Chromium driven by Playwright, a fresh
browser context per test, and shoppers signed up through the API.

Playwright's own browser download cannot be assumed (no internet in CI), so the tests drive
the system's Chromium (``/usr/bin/chromium``, which ``.ci/run`` installs; another one with
``MARKETPLACE_CHROMIUM``). Without it the tier is skipped with the reason, except in CI,
where it fails: a browser tier that skipped everything would prove nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from marketplace_launcher.testing import (
    Account,
    RunningSystem,
    SystemDidNotStart,
    running_system,
    sign_up,
)
from marketplace_platform.testing.database import in_ci

CHROMIUM_ENV = "MARKETPLACE_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Seconds Playwright waits for what a test expects to see: the machine may be busy.
EXPECT_TIMEOUT = 20_000
SHOP_SETTINGS = {
    "PAYMENTS_PROCESSOR_LATENCY": "0",
}
# One system serves the whole tier, so waiting longer for it on a busy machine is cheap
# compared with failing every test (it starts in well under a minute on an idle one).
START_LIMIT = 300.0
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def chromium_path() -> str:
    path = os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM
    if Path(path).is_file() and os.access(path, os.X_OK):
        return path
    problem = f"no Chromium at {path} (install Debian's chromium, or set {CHROMIUM_ENV})"
    if in_ci(os.environ):
        pytest.fail(f"{problem}; CI must run the browser tests", pytrace=False)
    pytest.skip(problem)


@pytest.fixture(scope="session")
def chromium() -> str:
    return chromium_path()


@dataclass(frozen=True)
class RunningElsewhere:
    """A system already running (``MARKETPLACE_TEST_SHOP_URL``), for working on the UI
    without a start per run: its admin comes from ``MARKETPLACE_TEST_ADMIN_EMAIL`` and
    ``MARKETPLACE_TEST_ADMIN_PASSWORD``."""

    url: str
    admin_email: str
    admin_password: str


@pytest.fixture(scope="session")
def shop(
    chromium: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningSystem | RunningElsewhere]:
    """The whole system on SQLite, with the demo catalog, once for the session."""
    if elsewhere := os.environ.get("MARKETPLACE_TEST_SHOP_URL"):
        yield RunningElsewhere(
            elsewhere.rstrip("/"),
            os.environ.get("MARKETPLACE_TEST_ADMIN_EMAIL", ""),
            os.environ.get("MARKETPLACE_TEST_ADMIN_PASSWORD", ""),
        )
        return
    base = tmp_path_factory.mktemp("shop")
    try:
        with running_system(base, extra_env=SHOP_SETTINGS, start_limit=START_LIMIT) as running:
            yield running
    except SystemDidNotStart as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[object]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium,
            # Root in a container has no user namespaces for Chromium's sandbox.
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        yield launched
        launched.close()


@pytest.fixture
def api(shop: RunningSystem) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shop.url, timeout=15.0, trust_env=False) as http:
        yield http


@pytest.fixture
def new_context(browser, shop: RunningSystem) -> Iterator[Callable[..., object]]:
    """new_context(account=None, viewport=DESKTOP, language="en"): a fresh browser context
    (its own storage), logged in as ``account`` when one is given. Errors the page throws
    fail the test."""
    contexts = []

    def make(account: Account | None = None, viewport: dict = DESKTOP, language: str = "en"):
        context = browser.new_context(base_url=shop.url, viewport=viewport, locale="en-GB")
        context.set_default_timeout(EXPECT_TIMEOUT)
        state = {"mp.lang": language}
        if account is not None:
            state["mp.session"] = json.dumps(
                {"access_token": account.access_token, "refresh_token": account.refresh_token}
            )
        context.add_init_script(
            # Once per tab, and not on about:blank (which has no storage).
            "if (location.protocol.startsWith('http')"
            " && !sessionStorage.getItem('mp.test.seeded')) {"
            f"  for (const [k, v] of Object.entries({json.dumps(state)}))"
            "    localStorage.setItem(k, v);"
            "  sessionStorage.setItem('mp.test.seeded', '1');"
            "}"
        )
        errors: list[str] = []
        context.on("weberror", lambda error: errors.append(str(error.error)))
        contexts.append((context, errors))
        return context

    yield make
    for context, errors in contexts:
        context.close()
        assert not errors, f"the page threw: {errors}"


@pytest.fixture
def page(new_context):
    """A page of a fresh context, nobody logged in."""
    return new_context().new_page()


@pytest.fixture
def shopper(api: httpx.Client) -> Account:
    return sign_up(api)


@pytest.fixture
def shopper_page(new_context, shopper: Account):
    """A page of a fresh context where ``shopper`` is logged in."""
    return new_context(shopper).new_page()


@pytest.fixture
def admin(shop: RunningSystem, api: httpx.Client) -> Account:
    from marketplace_launcher.testing import log_in

    return log_in(api, shop.admin_email, shop.admin_password)
