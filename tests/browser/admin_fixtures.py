"""What the admin area's browser tests share: a page logged in as the admin, whether the
analytics service is part of the running system, waiting for a page to settle, axe-core, and
the screenshots of docs/ui.

Plain functions over conftest's fixtures, imported by the admin test modules, so the shared
conftest stays as it is.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from marketplace_launcher import local_secrets
from marketplace_launcher.testing import Account
from marketplace_platform.events.bus import EventBus

# axe-core impacts that fail a page; "moderate" and "minor" are reported, not failed.
BLOCKING_IMPACTS = {"serious", "critical"}
# Set to a folder to keep a screenshot of every admin page the accessibility test visits
# (docs/ui/admin-*.png are made this way, as the shop's pages are: see docs/ui-admin.md).
SHOTS_ENV = "MARKETPLACE_SCREENSHOTS"


def analytics_in_system(shop: object, api: httpx.Client, admin: Account) -> bool:
    """Whether the gateway routes /api/analytics: the launcher starts the analytics service
    only where its package is installed, and the gateway answers 404 for a prefix it does
    not route."""
    services = getattr(shop, "state", {}).get("services")
    if services is not None:
        return "analytics" in services
    response = api.get("/api/analytics/live", headers=admin.headers)
    return response.status_code != 404


def admin_page(new_context, admin: Account, **options: object) -> Page:
    """A page of a fresh context (``new_context``'s options) where ``admin`` is logged in."""
    return new_context(admin, **options).new_page()


def settled(page: Page) -> None:
    """The admin page has drawn its content: the heading is there, no spinner is left."""
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main .loading")).to_have_count(0)
    expect(page.locator("main")).not_to_have_attribute("aria-busy", "true")


def axe_violations(page: Page) -> list[str]:
    """The serious and critical axe-core violations on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") in BLOCKING_IMPACTS:
            targets = [node["target"] for node in violation["nodes"]][:3]
            found.append(f"{violation['impact']} {violation['id']}: {violation['help']} {targets}")
    return found


# A long list is cut here: the top of it shows how it looks.
SHOT_MAX_HEIGHT = 2000


def keep_screenshot(page: Page, name: str) -> None:
    folder = os.environ.get(SHOTS_ENV)
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    height = min(page.evaluate("document.documentElement.scrollHeight"), SHOT_MAX_HEIGHT)
    page.screenshot(
        path=str(Path(folder) / f"{name}.png"),
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": height},
    )


def park_unreadable_event(shop: object, subject: str, text: str) -> None:
    """Publish ``text``, which is no event envelope, on ``subject`` of the running system's
    NATS: every consumer of the subject parks it as a dead letter at once (no retries for a
    message that cannot be read). Skips where the test does not run the system itself."""
    nats_port = getattr(shop, "nats_port", None)
    var_dir = getattr(shop, "var_dir", None)
    secrets = local_secrets.load(var_dir) if var_dir is not None else None
    if nats_port is None or secrets is None:
        pytest.skip("the system's broker is not reachable from this test")

    async def publish() -> None:
        bus = EventBus(
            f"nats://127.0.0.1:{nats_port}",
            service="browser-tests",
            own_stream=False,
            user=secrets.nats_user,
            password=secrets.nats_password,
        )
        await bus.start()
        try:
            async with asyncio.timeout(10):
                await bus.wait_connected()
            await bus.publish(subject, text.encode(), msg_id=str(uuid.uuid4()))
        finally:
            await bus.close()

    # In a thread of its own: Playwright's sync API holds this thread's event loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, publish()).result()
