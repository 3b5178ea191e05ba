"""``GatewaySettings`` from the environment."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway_service.request_context import request_id_from
from gateway_service.settings import GatewaySettings

pytestmark = pytest.mark.unit


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


def test_request_ids_are_kept_only_when_sane():
    assert request_id_from("abc-DEF_1.2") == "abc-DEF_1.2"
    assert request_id_from("a" * 128) == "a" * 128
    assert request_id_from("a" * 129) != "a" * 129
    assert len(request_id_from("x\ny")) == 32
