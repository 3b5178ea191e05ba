"""The public-route table: what passes without a token."""

from __future__ import annotations

import pytest

from gateway_service.public_routes import PublicRoute, PublicRouteTable

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def table() -> PublicRouteTable:
    return PublicRouteTable()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/auth/login"),
        ("GET", "/api/auth/jwks.json"),
        ("GET", "/api/auth/avatars/2f/3a.webp"),
        ("GET", "/api/catalog"),
        ("GET", "/api/catalog/products/1"),
        ("HEAD", "/api/catalog/products/1"),
        ("GET", "/api/reviews"),
        ("GET", "/api/reviews/products/p1/rating"),
        ("GET", "/api/analytics/popular"),
    ],
)
def test_listed_routes_are_public(table, method, path):
    service = path.split("/")[2]

    assert table.is_public(method, service, path)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/reviews"),  # the method is part of the rule
        ("DELETE", "/api/catalog/products/1"),
        ("POST", "/api/catalog/products"),
        ("GET", "/api/catalogue"),  # a prefix of a name is not the name
        ("GET", "/api/reviews/"),
        ("GET", "/api/reviews/products//rating"),  # '*' is one non-empty segment
        ("GET", "/api/reviews/products/a/b/rating"),
        ("GET", "/api/analytics/popular/more"),
        ("OPTIONS", "/api/catalog/products"),
    ],
)
def test_everything_else_is_not(table, method, path):
    service = path.split("/")[2]

    assert not table.is_public(method, service, path)


@pytest.mark.parametrize("method", ["GET", "DELETE", "PUT", "OPTIONS"])
def test_on_a_sole_route_every_method_goes_through_for_the_service_to_answer(table, method):
    assert table.is_public(method, "auth", "/api/auth/login")
    assert table.is_public(method, "auth", "/api/auth/jwks.json")
    assert not table.is_public(method, "auth", "/api/auth/login/extra")


def test_a_pattern_outside_api_is_refused():
    with pytest.raises(ValueError, match="under /api"):
        PublicRouteTable([PublicRoute("GET", "/metrics")])


def test_double_star_only_ends_a_pattern():
    with pytest.raises(ValueError, match="only end"):
        PublicRouteTable([PublicRoute("GET", "/api/catalog/**/x")])
