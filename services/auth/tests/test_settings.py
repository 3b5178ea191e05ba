from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from auth_service.settings import AuthSettings

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def in_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside tests a service refuses to start without its secrets: these tests are about
    the other settings (the secrets have tests of their own, with ``environment`` given)."""
    monkeypatch.setenv("AUTH_ENVIRONMENT", "test")


def test_defaults_are_the_embedded_runtime_and_owasp_costs(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AUTH_PORT", "AUTH_VAR_DIR", "AUTH_DATABASE_URL", "AUTH_AVATAR_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = AuthSettings()
    assert (settings.service_name, settings.port) == ("auth", 8101)
    assert settings.access_token_ttl == timedelta(minutes=15)
    assert settings.refresh_token_ttl == timedelta(days=30)
    assert (settings.argon2_memory_cost, settings.argon2_time_cost) == (19 * 1024, 2)
    assert settings.argon2_parallelism == 1
    assert settings.avatars_path == Path("var") / "auth" / "avatars"
    assert settings.database_url.endswith("/var/auth.db")
    assert settings.avatar_base_url == "/api/auth/avatars"


def test_settings_come_from_auth_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_ACCESS_TOKEN_TTL", "300")
    monkeypatch.setenv("AUTH_REFRESH_TOKEN_TTL", "P7D")
    monkeypatch.setenv("AUTH_PUBLIC_BASE_URL", "https://shop.example/")
    monkeypatch.setenv("AUTH_VAR_DIR", "/srv/marketplace")
    settings = AuthSettings()
    assert settings.access_token_ttl == timedelta(minutes=5)
    assert settings.refresh_token_ttl == timedelta(days=7)
    assert settings.avatar_base_url == "https://shop.example/api/auth/avatars"
    assert settings.avatars_path == Path("/srv/marketplace/auth/avatars")


@pytest.mark.parametrize("environment", ["development", "production"])
@pytest.mark.parametrize("passphrase", ["", "dev-secret"])
def test_outside_tests_a_missing_or_placeholder_key_passphrase_is_refused(
    environment: str, passphrase: str
) -> None:
    with pytest.raises(ValidationError, match="AUTH_SIGNING_KEY_PASSPHRASE"):
        AuthSettings(
            environment=environment,
            signing_key_passphrase=passphrase,
            internal_token="a real internal token",
        )
    AuthSettings(
        environment=environment,
        signing_key_passphrase="a real long passphrase",
        internal_token="a real internal token",
    )


def test_the_admin_password_is_kept_out_of_the_repr() -> None:
    settings = AuthSettings(admin_password="hunter2-hunter2")
    assert "hunter2" not in repr(settings)
