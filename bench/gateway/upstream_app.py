"""The benchmark's upstream: one tiny FastAPI JSON route, the same for every proxy.

It stands in for catalog (public ``GET /api/catalog/ping``), orders (``GET /api/orders/ping``,
behind the gateway's token check) and auth (the JWKS the gateway verifies tokens with, read
from the file named by ``BENCH_JWKS_FILE``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fastapi import FastAPI

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
_JWKS = json.loads(Path(os.environ["BENCH_JWKS_FILE"]).read_text())


@app.get("/api/catalog/ping")
async def catalog_ping() -> dict[str, object]:
    return {"ok": True, "service": "catalog"}


@app.get("/api/orders/ping")
async def orders_ping() -> dict[str, object]:
    return {"ok": True, "service": "orders"}


@app.get("/api/auth/jwks.json")
async def jwks() -> dict[str, object]:
    return _JWKS


@app.get("/health/ready")
async def ready() -> dict[str, str]:
    return {"status": "ok"}
