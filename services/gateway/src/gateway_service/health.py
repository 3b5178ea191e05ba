"""``/health/live``, ``/health/ready`` (every upstream's replicas) and ``/metrics``."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway_service.balancer import Balancer
from gateway_service.edge import Handler
from gateway_service.metrics import GatewayMetrics


def health_routes(balancer: Balancer, metrics: GatewayMetrics) -> dict[str, Handler]:
    """GET routes by path."""

    async def live(_: web.BaseRequest) -> web.Response:
        return web.json_response({"status": "ok"})

    async def ready(_: web.BaseRequest) -> web.Response:
        upstreams = balancer.snapshot()
        down = sorted(service for service, state in upstreams.items() if not state["ready"])
        body: dict[str, object] = {"status": "down" if down else "ok", "upstreams": upstreams}
        if down:
            body["detail"] = "No healthy replica of: " + ", ".join(down)
        return web.json_response(body, status=503 if down else 200)

    async def prometheus(_: web.BaseRequest) -> web.Response:
        return web.Response(
            body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    return {"/health/live": live, "/health/ready": ready, "/metrics": prometheus}
