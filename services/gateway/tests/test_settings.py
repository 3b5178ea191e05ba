"""``GatewaySettings`` from the environment."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from gateway_service.request_context import request_context
from gateway_service.settings import GatewaySettings

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def in_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside tests a service refuses to start without its secrets: these tests are about
    the other settings (the secrets have tests of their own, with ``environment`` given)."""
    monkeypatch.setenv("GATEWAY_ENVIRONMENT", "test")


def test_upstreams_come_from_json_in_the_environment(monkeypatch):
    monkeypatch.setenv(
        "GATEWAY_UPSTREAMS",
        '{"auth": ["http://127.0.0.1:8101/"], "catalog": ["http://a:1", "http://b:2"]}',
    )
    monkeypatch.setenv("GATEWAY_READ_TIMEOUT", "2.5")

    settings = GatewaySettings()

    assert settings.upstreams == {
        "auth": ["http://127.0.0.1:8101"], "catalog": ["http://a:1", "http://b:2"]
    }
    assert settings.read_timeout == 2.5
    assert settings.port == 8000


def test_an_unknown_service_is_refused():
    with pytest.raises(ValidationError, match="unknown service"):
        GatewaySettings(upstreams={"inventory": ["http://a:1"]})


@pytest.mark.parametrize("url", ["ftp://a:1", "http://a:1/api", "a:1"])
def test_an_upstream_must_be_an_http_base_url(url):
    with pytest.raises(ValidationError):
        GatewaySettings(upstreams={"auth": [url]})


def test_by_default_every_service_is_at_its_local_port():
    settings = GatewaySettings(_env_file=None)

    assert settings.upstreams["analytics"] == ["http://127.0.0.1:8107"]
    assert len(settings.upstreams) == 7


def request_id_from(value: str | None) -> str:
    return request_context(value, None)[0]


def test_request_ids_are_kept_only_when_sane():
    assert request_id_from("abc-DEF_1.2") == "abc-DEF_1.2"
    assert request_id_from("a" * 128) == "a" * 128
    assert request_id_from("a" * 129) != "a" * 129
    assert len(request_id_from("x\ny")) == 32


def test_a_valid_traceparent_is_kept_and_a_missing_one_made_fresh():
    kept = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    _, passed_on = request_context("id-1", kept)
    fresh_id, fresh = request_context(None, "00-bogus")
    _, other = request_context(None, None)

    assert passed_on == kept
    assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-01", fresh)
    assert fresh != other
    assert fresh_id not in fresh  # the request id and the trace id are drawn apart
