"""What the admin area's browser tests share: a page logged in as the admin, whether the
analytics service is part of the running system, waiting for a page to settle, axe-core, and
the screenshots of docs/ui.

Plain functions over conftest's fixtures, imported by the admin test modules, so the shared
conftest stays as it is.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from marketplace_launcher.testing import Account

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
