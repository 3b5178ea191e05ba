"""Who may read what: admins everything, a user their own activity, anyone the products'
figures and the popular lists; bad parameters are 422 problems, never a 500."""

import uuid
from datetime import timedelta

import pytest

from marketplace_platform.clock import utcnow

pytestmark = pytest.mark.integration

ADMIN_ONLY = (
    "/users/{user}/activity",
    "/sales",
    "/categories",
    "/live",
    "/active-users",
)


async def test_users_get_403_on_admin_analytics_and_strangers_401(analytics) -> None:
    user = analytics.user()
    for path in ADMIN_ONLY:
        path = path.format(user=user.user_id)
        response = await analytics.http.get(f"/api/analytics{path}", headers=user.headers)
        assert response.status_code == 403, path
        assert response.headers["content-type"].startswith("application/problem+json")
        assert (await analytics.http.get(f"/api/analytics{path}")).status_code == 401, path
        admin = await analytics.http.get(f"/api/analytics{path}", headers=analytics.admin().headers)
        assert admin.status_code in (200, 404), path


async def test_products_figures_and_popular_lists_are_public(analytics, scenario) -> None:
    s, truth, names = scenario
    await analytics.deliver_all(s.envelopes)
    stats = await analytics.http.get(f"/api/analytics/products/{names['phone']}/stats")
    assert stats.status_code == 200
    assert stats.json()["views"] == truth.product(names["phone"])["views"]
    popular = await analytics.http.get("/api/analytics/popular", params={"by": "views"})
    assert popular.status_code == 200
    assert popular.json()["items"][0]["product_id"] == str(names["phone"])


async def test_a_user_sees_their_own_activity(analytics, scenario) -> None:
    s, truth, _ = scenario
    await analytics.deliver_all(s.envelopes)
    anna = s.users[0]
    headers = analytics.signer.headers(role="user", user_id=anna)
    response = await analytics.http.get("/api/analytics/me/activity", headers=headers)
    assert response.status_code == 200
    assert response.json()["spent"] == truth.user(anna)["spent"]
    stranger = await analytics.http.get(
        "/api/analytics/me/activity", headers=analytics.user().headers
    )
    assert stranger.status_code == 404


async def test_unknown_products_are_404(analytics) -> None:
    response = await analytics.http.get(f"/api/analytics/products/{uuid.uuid4()}/stats")
    assert response.status_code == 404
    assert response.json()["type"].endswith("product-not-found")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/sales", {"granularity": "year"}),
        ("/sales", {"from": "2026-02-30"}),
        ("/sales", {"from": "2026-03-02", "to": "2026-03-01"}),
        ("/sales", {"from": "2020-01-01", "to": "2026-01-01"}),
        ("/sales", {"format": "xml"}),
        ("/sales", {"category": "not-a-uuid"}),
        ("/popular", {"by": "likes"}),
        ("/popular", {"limit": 0}),
        ("/popular", {"limit": 101}),
        ("/popular", {"from": "2026-03-02", "to": "2026-03-01"}),
        ("/active-users", {"granularity": "hour"}),
        ("/categories", {"to": "yesterday"}),
        ("/users/42/activity", {}),
    ],
)
async def test_bad_parameters_are_422_problems(analytics, path, params) -> None:
    response = await analytics.http.get(
        f"/api/analytics{path}", params=params, headers=analytics.admin().headers
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_live_summary_counts_the_last_hour(analytics, scenario) -> None:

    s, _, names = scenario
    now = utcnow()
    buyer = s.register(now - timedelta(minutes=5))
    s.pay(s.order(buyer, {names["case"]: 2}, now - timedelta(minutes=4), {names["case"]: 150}), now)
    s.order(buyer, {names["phone"]: 1}, now - timedelta(hours=2), {names["phone"]: 9})
    await analytics.deliver_all(s.envelopes)
    live = await analytics.get("/live")
    assert (live["orders"], live["paid_orders"], live["revenue"]) == (1, 1, 300)
    assert live["active_users"] == 1
    assert live["top_products"] == [{"product_id": str(names["case"]), "units": 2, "orders": 1}]
