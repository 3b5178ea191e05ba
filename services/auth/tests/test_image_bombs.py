"""Decompression bombs against a real auth process: twenty 6300 x 6300 PNGs (each about
120 KB on the wire, 460 MB decoded) sent at once must neither blow up the process's memory
nor stall its other requests. Memory is the process's peak resident set (``VmHWM``), reset
just before the uploads, so what is measured is what the uploads cost."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from marketplace_platform.testing.nats import free_port

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery"
UPLOADS = 20
MEMORY_BUDGET = 300 * 1024 * 1024


@dataclass
class Process:
    pid: int
    url: str


def status_bytes(pid: int, field: str) -> int:
    """A ``kB`` field of ``/proc/<pid>/status``, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} for process {pid}")


def reset_peak_memory(pid: int) -> None:
    # Without the reset the peak also holds the start-up's, and the check is only stricter.
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


@pytest.fixture
def auth_process(database_url: str, nats_url: str, tmp_path: Path) -> Iterator[Process]:
    port = free_port()
    env = {
        **os.environ,
        "AUTH_ENVIRONMENT": "test",
        "AUTH_SIGNING_KEY_PASSPHRASE": "image-bomb-test-passphrase",
        "AUTH_INTERNAL_TOKEN": "image-bomb-test-token",
        "AUTH_PORT": str(port),
        "AUTH_DATABASE_URL": database_url,
        "AUTH_VAR_DIR": str(tmp_path / "var"),
        "AUTH_NATS_URL": nats_url,
        "AUTH_ACCESS_LOG": "false",
        "AUTH_LOG_LEVEL": "WARNING",
        "AUTH_ARGON2_MEMORY_COST": "64",
        "AUTH_ARGON2_TIME_COST": "1",
    }
    log = (tmp_path / "auth.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "auth_service", "serve"], env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_live(process, url, tmp_path / "auth.log")
        yield Process(pid=process.pid, url=url)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_live(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise AssertionError(f"auth exited:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health/live", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise AssertionError(f"auth did not start:\n{log.read_text()[-3000:]}")


async def test_concurrent_png_bombs_are_refused_within_a_memory_budget(
    auth_process: Process, png_bomb: bytes
) -> None:
    async with httpx.AsyncClient(base_url=auth_process.url, timeout=120) as http:
        email = "bombs@example.com"
        body = {"email": email, "password": PASSWORD, "name": "Bomber"}
        assert (await http.post("/api/auth/register", json=body)).status_code == 201
        login = await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

        baseline = status_bytes(auth_process.pid, "VmRSS")
        reset_peak_memory(auth_process.pid)
        uploads = [
            asyncio.ensure_future(
                http.put(
                    "/api/auth/me/avatar",
                    headers=headers,
                    files={"file": ("me.png", png_bomb, "image/png")},
                )
            )
            for _ in range(UPLOADS)
        ]
        # Another caller while the uploads are in flight is still answered.
        other = await http.get("/api/auth/jwks.json")
        responses = await asyncio.gather(*uploads)
        peak = status_bytes(auth_process.pid, "VmHWM")

    grew = peak - baseline
    assert grew < MEMORY_BUDGET, f"peak memory grew by {grew / 2**20:.0f} MB"
    assert other.status_code == 200
    assert [response.status_code for response in responses] == [413] * UPLOADS
    assert all("6300 x 6300" in response.json()["detail"] for response in responses)
