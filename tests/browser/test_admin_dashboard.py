"""The analytics dashboard: its charts drawn from the analytics API, the CSV export, and,
where the system runs without the analytics service, a plain "analytics unavailable" state
instead of a broken page. Each test skips, saying why, only on the system it is not about."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from tests.browser.admin_fixtures import (
    admin_page,
    analytics_in_system,
    keep_screenshot,
    settled,
)
from tests.browser.helpers import paid_order

pytestmark = pytest.mark.browser


@pytest.fixture
def with_analytics(shop, api, admin) -> None:
    if not analytics_in_system(shop, api, admin):
        pytest.skip(
            "the analytics service is not part of this system "
            "(the gateway does not route /api/analytics)"
        )


@pytest.fixture
def without_analytics(shop, api, admin) -> None:
    if analytics_in_system(shop, api, admin):
        pytest.skip("the analytics service is part of this system: its charts are tested instead")


@pytest.mark.usefixtures("with_analytics")
def test_the_dashboard_draws_its_charts(new_context, admin, api, shopper):
    paid_order(api, shopper)
    page = admin_page(new_context, admin)
    page.goto("/admin?granularity=day")
    settled(page)

    sales = page.get_by_role("region", name="Sales")
    expect(sales.get_by_role("img", name=re.compile(r"^Revenue chart"))).to_be_visible()
    expect(sales.get_by_role("img", name=re.compile(r"^Orders chart"))).to_be_visible()
    # One period per day of the default 30 days; a dot per period on each line.
    expect(sales.locator("svg polyline")).to_have_count(3)
    expect(sales.locator("svg circle.series-0").first).to_be_attached()
    rows = sales.locator(".chart-data").first.locator("tbody tr")
    expect(rows).to_have_count(30)

    active = page.get_by_role("region", name="Active users")
    expect(active.locator("svg rect.bar")).to_have_count(30)
    top = page.get_by_role("region", name="Top products")
    for caption in ("Most viewed", "Most ordered", "Most revenue", "Best rated"):
        expect(top.get_by_text(caption)).to_be_visible()
    expect(page.get_by_role("region", name="Categories")).to_be_visible()
    live = page.get_by_role("region", name="Live: the last hour")
    expect(live.locator(".tiles li")).to_have_count(4)

    # Another step redraws it by week.
    page.get_by_label("Step").select_option("week")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"granularity=week"))
    expect(page.get_by_role("heading", name="Sales")).to_be_visible()
    expect(page.get_by_role("figure", name="Revenue, by week")).to_be_visible()


@pytest.mark.usefixtures("with_analytics")
def test_the_sales_download_as_csv(new_context, admin):
    page = admin_page(new_context, admin)
    page.goto("/admin")
    settled(page)

    with page.expect_download() as caught:
        page.get_by_role("button", name="Download sales (CSV)").click()
    download = caught.value
    assert download.suggested_filename.startswith("sales-")
    with open(download.path(), encoding="utf-8") as file:
        header = file.readline().strip().split(",")
    assert header[:4] == ["period", "orders", "paid_orders", "revenue"]


@pytest.mark.usefixtures("without_analytics")
def test_without_analytics_the_dashboard_says_so(new_context, admin):
    page = admin_page(new_context, admin)
    page.goto("/admin")
    settled(page)

    expect(page.get_by_text("Analytics unavailable")).to_be_visible()
    expect(page.get_by_role("button", name="Download sales (CSV)")).to_be_disabled()
    # The rest of the admin area is a click away.
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Orders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Orders")


def test_when_analytics_stops_answering_the_dashboard_says_so(new_context, admin):
    page = admin_page(new_context, admin)
    # The service down behind the gateway: every analytics call answers 503.
    page.route(
        "**/api/analytics/**",
        lambda route: route.fulfill(
            status=503,
            content_type="application/problem+json",
            body='{"title": "Service unavailable", "status": 503}',
        ),
    )
    page.goto("/admin")
    settled(page)

    expect(page.get_by_text("Analytics unavailable")).to_be_visible()
    expect(page.locator("main svg")).to_have_count(0)
    expect(page.get_by_label("Step")).to_be_enabled()
    keep_screenshot(page, "admin-dashboard-unavailable-desktop")


def test_a_period_ending_before_it_starts_is_refused_by_its_field(new_context, admin):
    page = admin_page(new_context, admin)
    page.goto("/admin")
    settled(page)

    page.get_by_label("From", exact=True).fill("2026-03-10")
    page.get_by_label("To", exact=True).fill("2026-03-01")
    page.get_by_role("button", name="Show").click()

    error = page.locator("[data-field=to] .field-error")
    expect(error).to_have_text("The end is before the start.")
    expect(page.get_by_label("To", exact=True)).to_have_attribute("aria-invalid", "true")
