"""The orders service's settings from the environment."""

from datetime import timedelta

import pytest

from orders_service.settings import OrdersSettings

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def in_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside tests a service refuses to start without its secrets: these tests are about
    the other settings (the secrets have tests of their own, with ``environment`` given)."""
    monkeypatch.setenv("ORDERS_ENVIRONMENT", "test")


def test_defaults_are_the_embedded_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = OrdersSettings()
    assert settings.port == 8103
    assert settings.catalog_url == ("http://127.0.0.1:8102",)
    assert settings.payments_url == ("http://127.0.0.1:8104",)
    assert settings.unpaid_timeout == timedelta(minutes=30)
    assert settings.auto_deliver_after is None
    assert (settings.max_unpaid_orders, settings.max_payment_attempts) == (5, 5)


def test_urls_list_replicas_and_durations_take_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERS_CATALOG_URL", "http://127.0.0.1:8102/, http://127.0.0.1:8202")
    monkeypatch.setenv("ORDERS_UNPAID_TIMEOUT", "1.5")
    monkeypatch.setenv("ORDERS_AUTO_DELIVER_AFTER", "PT10S")
    settings = OrdersSettings()
    assert settings.catalog_url == ("http://127.0.0.1:8102", "http://127.0.0.1:8202")
    assert settings.unpaid_timeout == timedelta(seconds=1.5)
    assert settings.auto_deliver_after == timedelta(seconds=10)


@pytest.mark.parametrize(
    ("name", "value"),
    [("ORDERS_UNPAID_TIMEOUT", "0"), ("ORDERS_CATALOG_URL", " , "), ("ORDERS_SWEEP_INTERVAL", "0")],
)
def test_nonsense_is_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        OrdersSettings()


def test_production_refuses_a_placeholder_internal_token(monkeypatch) -> None:
    monkeypatch.setenv("ORDERS_ENVIRONMENT", "production")
    with pytest.raises(ValueError, match="ORDERS_INTERNAL_TOKEN"):
        OrdersSettings()


@pytest.mark.parametrize("name", ["ORDERS_MAX_UNPAID_ORDERS", "ORDERS_MAX_PAYMENT_ATTEMPTS"])
def test_limits_must_allow_at_least_one(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "0")
    with pytest.raises(ValueError, match=name.removeprefix("ORDERS_").lower()):
        OrdersSettings()
