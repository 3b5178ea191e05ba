from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from marketplace_platform.http import create_service_app
from marketplace_platform.problems import Conflict, ServiceUnavailable, TooManyRequests
from marketplace_platform.settings import ServiceSettings

pytestmark = pytest.mark.unit


class ThingCreate(BaseModel):
    name: str = Field(min_length=1, max_length=10)
    password: str


def build_app(*, broker_up: bool = True, db_up: bool = True):
    router = APIRouter(prefix="/api/things", tags=["things"])

    @router.post("", status_code=201)
    async def create_thing(body: Annotated[ThingCreate, Body()]) -> dict[str, str]:
        """Create a thing."""
        return {"name": body.name}

    @router.get("/conflict")
    async def conflicting() -> None:
        """Always conflicts."""
        raise Conflict("That thing exists already.", thing="x")

    @router.get("/slow-down")
    async def slow_down() -> None:
        """Always throttled."""
        raise TooManyRequests("Too fast.", retry_after=7)

    @router.get("/boom")
    async def boom() -> None:
        """A bug."""
        raise RuntimeError("secret internals")

    async def db_check() -> None:
        if not db_up:
            raise ConnectionError

    async def broker_check() -> None:
        if not broker_up:
            raise ServiceUnavailable

    return create_service_app(
        ServiceSettings(environment="test", service_name="things", access_log=False),
        title="Things",
        routers=[router],
        readiness={"database": db_check},
        degraded_readiness={"broker": broker_check},
    )


def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://test",
    )


async def test_validation_errors_are_problems_that_do_not_echo_input() -> None:
    async with client(build_app()) as http:
        response = await http.post("/api/things", json={"name": "", "password": "hunter2"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    assert body["errors"][0]["loc"] == ["body", "name"]
    assert "hunter2" not in response.text


async def test_malformed_json_is_a_422_problem() -> None:
    async with client(build_app()) as http:
        response = await http.post(
            "/api/things", content=b"{not json", headers={"content-type": "application/json"}
        )
    assert response.status_code == 422
    assert response.json()["type"].endswith("/validation-error")


async def test_domain_errors_map_to_their_status_with_extra_members() -> None:
    async with client(build_app()) as http:
        conflict = await http.get("/api/things/conflict")
        throttled = await http.get("/api/things/slow-down")
    assert conflict.status_code == 409
    assert conflict.json() == {
        "type": "https://marketplace.example/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "That thing exists already.",
        "instance": "/api/things/conflict",
        "thing": "x",
    }
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "7"


async def test_unknown_route_and_wrong_method_are_problems() -> None:
    async with client(build_app()) as http:
        missing = await http.get("/api/nothing")
        wrong_method = await http.delete("/api/things")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert wrong_method.status_code == 405


async def test_an_unexpected_error_is_a_500_problem_without_internals() -> None:
    async with client(build_app()) as http:
        response = await http.get("/api/things/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret internals" not in response.text


async def test_request_id_is_passed_through_or_made() -> None:
    async with client(build_app()) as http:
        given = await http.get("/health/live", headers={"x-request-id": "abc-123"})
        made = await http.get("/health/live")
        hostile = await http.get("/health/live", headers={"x-request-id": "a b<script>"})
    assert given.headers["x-request-id"] == "abc-123"
    assert len(made.headers["x-request-id"]) == 32
    assert hostile.headers["x-request-id"] != "a b<script>"


async def test_readiness_fails_on_the_database_but_only_degrades_on_the_broker() -> None:
    async with client(build_app(broker_up=False)) as http:
        degraded = await http.get("/health/ready")
    async with client(build_app(db_up=False)) as http:
        down = await http.get("/health/ready")
    assert degraded.status_code == 200
    assert degraded.json()["status"] == "degraded"
    assert degraded.json()["checks"]["broker"].startswith("down")
    assert down.status_code == 503


async def test_metrics_count_requests_by_route_template() -> None:
    async with client(build_app()) as http:
        await http.post("/api/things", json={"name": "a", "password": "p"})
        metrics = await http.get("/metrics")
    assert metrics.status_code == 200
    assert (
        'http_requests_total{method="POST",route="/api/things",service="things",status="201"} 1.0'
        in metrics.text
    )


async def test_operation_ids_are_tag_and_function_name() -> None:
    async with client(build_app()) as http:
        spec = (await http.get("/openapi.json")).json()
    assert spec["paths"]["/api/things"]["post"]["operationId"] == "things-create_thing"
    assert spec["paths"]["/api/things"]["post"]["summary"] == "Create a thing."
