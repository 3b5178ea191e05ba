from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from catalog_service.settings import CatalogSettings

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def in_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside tests a service refuses to start without its secrets: these tests are about
    the other settings (the secrets have tests of their own, with ``environment`` given)."""
    monkeypatch.setenv("CATALOG_ENVIRONMENT", "test")


def test_defaults_are_the_embedded_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CATALOG_PORT", "CATALOG_VAR_DIR", "CATALOG_DATABASE_URL", "CATALOG_IMAGE_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = CatalogSettings()
    assert (settings.service_name, settings.port) == ("catalog", 8102)
    assert settings.view_flush_interval == timedelta(seconds=5)
    assert settings.images_path == Path("var") / "catalog" / "images"
    assert settings.database_url.endswith("/var/catalog.db")
    assert settings.image_base_url == "/api/catalog/images"


def test_settings_come_from_catalog_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CATALOG_VIEW_FLUSH_INTERVAL", "2.5")
    monkeypatch.setenv("CATALOG_PUBLIC_BASE_URL", "https://shop.example/")
    monkeypatch.setenv("CATALOG_INTERNAL_TOKEN", "from-the-launcher")
    settings = CatalogSettings()
    assert settings.view_flush_interval == timedelta(seconds=2.5)
    assert settings.image_base_url == "https://shop.example/api/catalog/images"
    assert settings.internal_token == "from-the-launcher"


def test_production_refuses_the_placeholder_internal_token() -> None:
    with pytest.raises(ValidationError, match="CATALOG_INTERNAL_TOKEN"):
        CatalogSettings(environment="production")
    with pytest.raises(ValidationError):
        CatalogSettings(view_flush_interval=0)
