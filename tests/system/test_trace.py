"""Follow one request: a saga started with one ``traceparent`` can be found, by its trace id
alone, in the logs of the gateway, orders, payments, catalog and notifications (the grep of
docs/labs/follow-one-request.md); and every service's ``/metrics`` shows its event pipeline
(outbox backlog, consumer lag, dead letters)."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import httpx
import pytest

from marketplace_launcher.testing import Account, RunningSystem, log_in

pytestmark = pytest.mark.system

EVENTUALLY = 60.0
GOOD_CARD = {"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2040, "cvc": "123",
             "holder": "IVAN PETROV"}
# The processes whose logs must show the saga (their log file names start so).
SAGA_PROCESSES = ("gateway", "orders.", "payments.", "catalog.", "notifications.")


def _product(client: httpx.Client, admin: Account) -> str:
    category = client.post(
        "/api/catalog/categories", json={"name": f"Trace {uuid.uuid4().hex[:8]}"},
        headers=admin.headers,
    )
    assert category.status_code == 201, category.text
    created = client.post(
        "/api/catalog/products", headers=admin.headers,
        json={"title": f"Traced {uuid.uuid4().hex[:8]}", "price": 1000, "kind": "product",
              "category_id": category.json()["id"], "stock": 5},
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]


def _processes_mentioning(logs: Path, needle: str) -> set[str]:
    found = set()
    for path in logs.glob("*.log"):
        if needle in path.read_text(errors="replace"):
            found.add(path.name.removesuffix(".log"))
    return found


def test_one_trace_id_finds_the_saga_in_every_services_log(
    system: RunningSystem, client: httpx.Client, account: Account
) -> None:
    admin = log_in(client, system.admin_email, system.admin_password)
    product = _product(client, admin)
    trace = os.urandom(16).hex()
    headers = {**account.headers, "traceparent": f"00-{trace}-{os.urandom(8).hex()}-01"}

    order = client.post(
        "/api/orders", json={"items": [{"product_id": product, "quantity": 1}]}, headers=headers
    )
    assert order.status_code == 201, order.text
    order_id = order.json()["id"]
    paid = client.post(
        "/api/payments", json={"order_id": order_id, "card": GOOD_CARD}, headers=headers
    )
    assert paid.status_code == 201, paid.text

    logs = system.var_dir / "logs"
    deadline = time.monotonic() + EVENTUALLY
    while True:
        found = _processes_mentioning(logs, trace)
        missing = [p for p in SAGA_PROCESSES if not any(f.startswith(p) for f in found)]
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert missing == [], f"the trace id is in {sorted(found)} only"


def test_every_service_shows_its_event_pipeline_on_metrics(system: RunningSystem) -> None:
    for service in ("auth", "catalog", "orders", "payments", "reviews", "notifications"):
        text = httpx.get(f"{system.service_url(service)}/metrics", timeout=10).text
        assert f'outbox_backlog{{service="{service}"}}' in text, service
        assert "consumer_pending_messages{" in text, service
        assert "dead_letters{" in text, service
