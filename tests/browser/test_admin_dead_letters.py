"""The admin's dead letters in the browser: an event the reviews service cannot read is
listed under Reviews with its consumer, subject, error and data, and replayed after a
confirmation; a service without any says "None."."""

from __future__ import annotations

import random
import re

import pytest
from playwright.sync_api import expect
from tests.browser.admin_fixtures import admin_page, park_unreadable_event, settled

from marketplace_contracts import ProductCreated

pytestmark = pytest.mark.browser


def test_a_dead_letter_is_listed_and_replayed(new_context, admin, shop):
    marker = "not an event " + "".join(random.choices("bcdfghjklmnpqrstvwxz", k=10))
    park_unreadable_event(shop, ProductCreated.TYPE, marker)
    page = admin_page(new_context, admin)

    reviews = page.locator("section[data-service=reviews]")
    row = reviews.locator("tr", has_text=marker)
    for _ in range(20):  # parked within moments of the publish; reload until it is
        page.goto("/admin/dead-letters")
        settled(page)
        if row.count():
            break
        page.wait_for_timeout(250)
    expect(row).to_have_count(1)
    expect(row.locator("[data-label=Consumer]")).to_have_text("reviews")
    expect(row.locator("[data-label=Event]")).to_have_text(ProductCreated.TYPE)
    expect(row.locator("[data-label=Error]")).not_to_have_text("—")
    expect(row.locator("[data-label=Tries]")).to_have_text(re.compile(r"\d"))

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=re.compile("Replay dead letter")).click()
    expect(row.get_by_role("status")).to_have_text("Replayed")
    expect(page.get_by_text(re.compile(r"was published again for reviews"))).to_be_visible()


def test_a_service_without_dead_letters_shows_none(new_context, admin):
    page = admin_page(new_context, admin)
    page.goto("/admin/dead-letters")
    settled(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Dead letters")
    # Auth consumes orders' events, none of which this session makes unreadable.
    auth = page.locator("section[data-service=auth]")
    expect(auth.get_by_role("heading", name="Accounts (auth)")).to_be_visible()
    expect(auth).to_contain_text("None.")
    expect(page.locator("section.dlq-service")).to_have_count(7)
