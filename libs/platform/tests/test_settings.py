"""The settings base: defaults of the embedded runtime, secrets required outside tests."""

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from marketplace_platform.settings import ServiceSettings

pytestmark = pytest.mark.unit


class ShopSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SHOP_", extra="ignore", frozen=True)

    service_name: str = "shop"


def test_the_default_database_is_a_sqlite_file_named_after_the_service() -> None:
    assert ShopSettings(environment="test").database_url.endswith("/var/shop.db")


@pytest.mark.parametrize("environment", ["development", "production"])
@pytest.mark.parametrize("token", ["", "dev-secret", "change-me"])
def test_outside_tests_a_missing_or_placeholder_internal_token_is_refused(
    environment: str, token: str
) -> None:
    with pytest.raises(ValidationError, match="SHOP_INTERNAL_TOKEN must be set"):
        ShopSettings(environment=environment, internal_token=token)
    assert ShopSettings(environment=environment, internal_token="r4nd0m").internal_token


def test_tests_may_leave_the_internal_token_unset() -> None:
    assert ShopSettings(environment="test").internal_token == ""


def test_secrets_are_kept_out_of_the_repr() -> None:
    settings = ShopSettings(internal_token="s3cr3t-token", nats_password="s3cr3t-nats")
    assert "s3cr3t" not in repr(settings)
