"""Durations and replica URL lists read the same way in every service's settings."""

from datetime import timedelta

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from marketplace_platform.settings import ServiceSettings
from marketplace_platform.settings_types import (
    Duration,
    ReplicaUrls,
    require_positive,
    require_urls,
)

pytestmark = pytest.mark.unit


class PeerSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PEER_", extra="ignore", frozen=True)

    wait: Duration = timedelta(seconds=5)
    grace: Duration | None = None
    peers_url: ReplicaUrls = ("http://127.0.0.1:1",)


@pytest.fixture(autouse=True)
def _test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside ``test`` the settings refuse a missing internal token: not what is tested here."""
    monkeypatch.setenv("PEER_ENVIRONMENT", "test")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("5", timedelta(seconds=5)),
        ("0.5", timedelta(milliseconds=500)),
        (" 90 ", timedelta(seconds=90)),
        ("PT5M", timedelta(minutes=5)),
        ("P1DT2H", timedelta(days=1, hours=2)),
    ],
)
def test_a_duration_is_seconds_or_iso_8601(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: timedelta
) -> None:
    monkeypatch.setenv("PEER_WAIT", raw)
    assert PeerSettings().wait == expected


@pytest.mark.parametrize("raw", ["five", "5 minutes", "PT", ""])
def test_a_duration_that_is_neither_is_refused(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("PEER_WAIT", raw)
    with pytest.raises(ValidationError):
        PeerSettings()


def test_replica_urls_are_comma_separated_without_trailing_slashes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PEER_PEERS_URL", " http://a:1/ ,http://b:2,, ")
    assert PeerSettings().peers_url == ("http://a:1", "http://b:2")


def test_replica_urls_given_in_code_are_cleaned_alike() -> None:
    assert PeerSettings(peers_url=["http://a:1/", " "]).peers_url == ("http://a:1",)
    assert PeerSettings(peers_url="http://a:1/").peers_url == ("http://a:1",)


def test_require_urls_names_the_variable_of_an_empty_list() -> None:
    with pytest.raises(ValueError, match="PEER_PEERS_URL needs at least one URL"):
        require_urls(PeerSettings(peers_url=" , "), "peers_url")
    require_urls(PeerSettings(), "peers_url")


def test_require_positive_names_the_variable_and_skips_unset_ones() -> None:
    with pytest.raises(ValueError, match="PEER_WAIT must be positive"):
        require_positive(PeerSettings(wait=0), "wait", "grace")
    with pytest.raises(ValueError, match="PEER_GRACE must not be negative"):
        require_positive(PeerSettings(grace=-1), "grace", zero_ok=True)
    require_positive(PeerSettings(wait=0), "wait", zero_ok=True)
    require_positive(PeerSettings(), "wait", "grace")
