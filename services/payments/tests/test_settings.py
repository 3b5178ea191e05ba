"""The service's settings: defaults for ``make run``, the environment, and what is refused."""

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from payments_service.settings import PaymentsSettings

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def in_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside tests a service refuses to start without its secrets: these tests are about
    the other settings (the secrets have tests of their own, with ``environment`` given)."""
    monkeypatch.setenv("PAYMENTS_ENVIRONMENT", "test")


def test_defaults_work_for_make_run(tmp_path: Path) -> None:
    settings = PaymentsSettings(var_dir=tmp_path, _env_file=None)
    assert settings.port == 8104
    assert settings.orders_url == ("http://127.0.0.1:8103",)
    assert settings.processor_latency == timedelta(seconds=0.2)
    assert settings.processor_database_url.endswith(str(tmp_path / "payments-processor.db"))
    assert settings.processor_hold_file is None  # fault injection is for tests only


def test_a_relative_hold_file_is_under_var_dir(tmp_path: Path) -> None:
    settings = PaymentsSettings(var_dir=tmp_path, processor_hold_file="hold-charges")
    assert settings.processor_hold_file == (tmp_path / "hold-charges").resolve()


def test_the_environment_configures_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYMENTS_PROCESSOR_LATENCY", "3")
    monkeypatch.setenv("PAYMENTS_RECOVERY_AFTER", "PT1M")
    monkeypatch.setenv("PAYMENTS_ORDERS_URL", "http://a:1/, http://b:2")
    settings = PaymentsSettings()
    assert settings.processor_latency == timedelta(seconds=3)
    assert settings.recovery_after == timedelta(minutes=1)
    assert settings.orders_url == ("http://a:1", "http://b:2")


@pytest.mark.parametrize(
    "values",
    [
        {"orders_url": " , "},
        {"orders_timeout": 0},
        {"processor_latency": -1},
        {"recovery_interval": 0},
        {"environment": "production", "internal_token": "change-me"},
    ],
)
def test_nonsense_is_refused(values: dict) -> None:
    with pytest.raises(ValidationError):
        PaymentsSettings(**values)
