"""Card data is never kept: after payments with real-looking numbers, neither the logs (every
logger, at DEBUG, extras included) nor the databases (the service's and the processor's,
every table, and on SQLite the files themselves, WAL included) hold a full number or a CVC."""

import logging
import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from marketplace_platform.db import Database
from marketplace_platform.logs import JsonFormatter

pytestmark = pytest.mark.integration

NUMBERS = ("4242424242424242", "4000000000000002")
CVC = "987"


def leaks(blob: str | bytes) -> list[str]:
    if isinstance(blob, bytes):
        blob = blob.decode("latin-1")
    found = [number for number in NUMBERS if number in blob]
    spaced = [n for n in NUMBERS if " ".join(n[i : i + 4] for i in range(0, 16, 4)) in blob]
    return found + spaced


@pytest.fixture
def settings_overrides() -> dict:
    return {"access_log": True}


async def table_dump(db: Database) -> str:
    """Every row of every table, as text."""

    def names(sync) -> list[str]:
        return inspect(sync).get_table_names()

    async with db.engine.connect() as connection:
        tables = await connection.run_sync(names)
        rows = []
        for table in tables:
            result = await connection.execute(text(f'SELECT * FROM "{table}"'))
            rows.extend(repr(tuple(row)) for row in result)
    return "\n".join(rows)


async def test_no_card_number_in_logs_events_or_databases(
    payments, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    user = uuid.uuid4()
    declined_order = payments.orders.add(user)
    paid_order = payments.orders.add(user)
    for order_id, number in ((declined_order, NUMBERS[1]), (paid_order, NUMBERS[0])):
        spaced = " ".join(number[i : i + 4] for i in range(0, 16, 4))
        response = await payments.http.post(
            "/api/payments",
            json={
                "order_id": str(order_id),
                "card": {"number": spaced, "exp_month": 12, "exp_year": 2040, "cvc": CVC,
                         "holder": "IVAN PETROV"},
            },
            headers={**payments.headers(user), "Idempotency-Key": str(uuid.uuid4())},
        )
        assert response.status_code == 201
        assert leaks(response.text) == []
    bad = await payments.http.post(
        "/api/payments",
        json={"order_id": str(paid_order), "card": {"number": NUMBERS[0][:-1] + "1",
              "exp_month": 12, "exp_year": 2040, "cvc": CVC, "holder": "X"}},
        headers=payments.headers(user),
    )
    assert bad.status_code == 422

    formatter = JsonFormatter("payments")
    logged = "\n".join(formatter.format(record) for record in caplog.records)
    assert "POST /api/payments" in logged  # the access log did capture the requests
    assert leaks(logged) == []
    assert NUMBERS[0][:-1] + "1" not in logged

    service_rows = await table_dump(payments.db)
    processor_rows = await table_dump(payments.components.processor.db)
    assert "4242" in service_rows  # the last four digits are kept, as they should be
    assert leaks(service_rows) == []
    assert leaks(processor_rows) == []
    assert f"'{CVC}'" not in service_rows + processor_rows

    if payments.engine == "sqlite":
        files = [path for path in tmp_path.rglob("*.db*") if path.is_file()]
        assert any(path.name.startswith("processor.db") for path in files)
        for path in files:
            assert leaks(path.read_bytes()) == [], path
