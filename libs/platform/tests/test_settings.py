"""The settings base: defaults of the embedded runtime, secrets refused in production."""

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from marketplace_platform.settings import ServiceSettings

pytestmark = pytest.mark.unit


class ShopSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SHOP_", extra="ignore", frozen=True)

    service_name: str = "shop"


def test_the_default_database_is_a_sqlite_file_named_after_the_service() -> None:
    assert ShopSettings().database_url.endswith("/var/shop.db")


def test_production_refuses_the_placeholder_internal_token() -> None:
    with pytest.raises(ValidationError, match="SHOP_INTERNAL_TOKEN"):
        ShopSettings(environment="production")
    assert ShopSettings(environment="production", internal_token="r4nd0m").internal_token


def test_the_internal_token_is_kept_out_of_the_repr() -> None:
    assert "s3cr3t-token" not in repr(ShopSettings(internal_token="s3cr3t-token"))
