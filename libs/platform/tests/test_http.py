from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from marketplace_platform.http import create_service_app
from marketplace_platform.idempotency import IdempotencyKeyHeader
from marketplace_platform.problems import Conflict, ServiceUnavailable, TooManyRequests
from marketplace_platform.security.dependencies import AdminUser, CurrentUser, InternalCaller
from marketplace_platform.security.jwks import JWKSVerifier
from marketplace_platform.settings import ServiceSettings
from marketplace_platform.testing.tokens import TokenSigner

pytestmark = pytest.mark.unit


class ThingCreate(BaseModel):
    name: str = Field(min_length=1, max_length=10)
    password: str
    size: int = Field(default=1, ge=1, le=5)


SIGNER = TokenSigner()


def build_app(*, broker_up: bool = True, db_up: bool = True):
    router = APIRouter(prefix="/api/things", tags=["things"])

    @router.post("", status_code=201)
    async def create_thing(body: Annotated[ThingCreate, Body()]) -> dict[str, str]:
        """Create a thing."""
        return {"name": body.name}

    @router.get("/mine")
    async def my_things(user: CurrentUser) -> dict[str, str]:
        """The caller's things."""
        return {"user": str(user.user_id)}

    @router.put("/{thing_id}", responses={409: {"description": "The thing is locked."}})
    async def replace_thing(
        thing_id: int, body: ThingCreate, admin: AdminUser, key: IdempotencyKeyHeader
    ) -> dict[str, str]:
        """Replace a thing (admins)."""
        return {"name": body.name}

    internal = APIRouter(prefix="/internal/things", tags=["internal"])

    @internal.get("/count")
    async def count_things(caller: InternalCaller) -> int:
        """How many things, for other services."""
        return 0

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

    app = create_service_app(
        ServiceSettings(environment="test", service_name="things", access_log=False),
        title="Things",
        routers=[router, internal],
        readiness={"database": db_check},
        degraded_readiness={"broker": broker_check},
    )
    app.state.verifier = SIGNER.verifier()
    return app


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


async def test_every_wrong_field_is_reported_at_once() -> None:
    async with client(build_app()) as http:
        response = await http.post("/api/things", json={"name": "", "size": 9})
    assert response.status_code == 422
    body = response.json()
    assert sorted(tuple(err["loc"]) for err in body["errors"]) == [
        ("body", "name"),
        ("body", "password"),
        ("body", "size"),
    ]
    for field in ("name", "password", "size"):
        assert field in body["detail"]


@pytest.mark.parametrize(
    "headers",
    [{"content-type": "application/x-www-form-urlencoded"}, {"content-type": "text/plain"}, {}],
    ids=["form, as curl -d sends", "text", "no content type"],
)
async def test_a_json_body_sent_as_something_else_is_a_415_that_says_so(headers) -> None:
    async with client(build_app()) as http:
        response = await http.post(
            "/api/things", content=b'{"name": "a", "password": "p"}', headers=headers
        )
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/unsupported-media-type")
    assert "Content-Type: application/json" in body["detail"]


async def test_unknown_routes_and_methods_answer_the_gateways_problem_shape() -> None:
    async with client(build_app()) as http:
        missing = await http.get("/api/nothing")
        wrong_method = await http.delete("/api/things")
    assert missing.json() == {
        "type": "https://marketplace.example/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "No route of this service matches GET /api/nothing.",
        "instance": "/api/nothing",
    }
    assert wrong_method.headers["content-type"] == "application/problem+json"
    body = wrong_method.json()
    assert body["type"] == "https://marketplace.example/problems/method-not-allowed"
    assert body["title"] == "Method not allowed"
    assert "POST" in body["detail"]


async def test_an_expired_token_is_a_401_that_says_to_refresh_it() -> None:
    token = SIGNER.token(ttl=-60)
    async with client(build_app()) as http:
        response = await http.get("/api/things/mine", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert "expired" in detail
    assert "POST /api/auth/refresh" in detail


async def test_a_token_living_longer_than_an_access_token_is_a_401() -> None:
    token = SIGNER.token(ttl=24 * 3600)
    async with client(build_app()) as http:
        response = await http.get("/api/things/mine", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_a_token_that_cannot_be_checked_for_want_of_keys_is_a_503() -> None:
    async def auth_down() -> dict:
        raise ValueError("auth is restarting")

    app = build_app()
    app.state.verifier = JWKSVerifier(auth_down, issuer=SIGNER.issuer, audience=SIGNER.audience)
    async with client(app) as http:
        response = await http.get(
            "/api/things/mine", headers={"Authorization": f"Bearer {SIGNER.token()}"}
        )
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1
    assert "www-authenticate" not in response.headers
    assert "signing keys" in response.json()["detail"]


async def test_openapi_documents_problems_headers_and_internal_routes() -> None:
    async with client(build_app()) as http:
        spec = (await http.get("/openapi.json")).json()
    problem = {"application/problem+json": {"schema": ref("Problem")}}
    create = spec["paths"]["/api/things"]["post"]["responses"]
    assert create["422"]["content"] == problem
    assert create["415"]["content"] == problem
    assert "HTTPValidationError" not in str(spec)
    assert spec["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]

    assert spec["paths"]["/api/things/mine"]["get"]["responses"]["401"]["content"] == problem
    replace = spec["paths"]["/api/things/{thing_id}"]["put"]
    assert {"401", "403", "404", "409", "415", "422"} <= set(replace["responses"])
    assert replace["responses"]["409"]["content"] == problem
    assert replace["responses"]["409"]["description"] == "The thing is locked."
    assert "Idempotency-Key" in [p["name"] for p in replace["parameters"] if p["in"] == "header"]
    assert "x-internal" not in replace

    assert spec["paths"]["/internal/things/count"]["get"]["x-internal"] is True


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


async def test_requests_do_not_ask_opentelemetry_for_its_providers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # FastAPI's own telemetry is off: nothing here exports OpenTelemetry data, and asking
    # for the providers on every request reads the environment each time.
    from opentelemetry import metrics, trace

    asked: list[str] = []
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: asked.append("tracer"))
    monkeypatch.setattr(metrics, "get_meter_provider", lambda: asked.append("meter"))

    async with client(build_app()) as http:
        response = await http.get("/health/live")

    assert response.status_code == 200
    assert asked == []
