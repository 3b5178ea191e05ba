"""A stand-in service for the launcher's tests: the same verbs and environment variables as a
real one (``serve``, ``migrate``, ``ensure-admin``, ``seed``), in plain asyncio, with nothing
to import.

It leaves traces in its var dir that the tests read: ``<name>.migrated`` (the database URL it
was given), ``admins.jsonl`` (each ensure-admin call), ``seeds.log`` (each seed call),
``stops.log`` (who was stopped, in order). ``GET /env`` answers its own environment settings
and pid; ``POST /exit`` makes it exit with code 3, ``POST /hang`` makes it hang for good (its
event loop blocked: it answers nothing, not even SIGTERM), and a ``<name>.crash`` file in its
var dir makes it fail at start.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path


def _settings(prefix: str) -> dict[str, str]:
    return {key[len(prefix):]: value for key, value in os.environ.items() if key.startswith(prefix)}


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(line + "\n")


async def _serve(name: str, settings: dict[str, str], var_dir: Path) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    exit_code = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal exit_code
        request = await reader.readline()
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
        method, path, _ = request.decode().split(" ", 2)
        status, body = 200, {"status": "ok"}
        if path == "/health/ready" and os.environ.get(f"FAKE_{name.upper()}_NOT_READY"):
            status, body = 503, {"detail": "told not to be ready"}
        elif path == "/env":
            body = {**settings, "PID": str(os.getpid())}
        elif path == "/exit" and method == "POST":
            exit_code = 3
            stop.set()
        elif path == "/hang" and method == "POST":
            print(f"{name} hanging on purpose", flush=True)  # noqa: T201
            time.sleep(3600)  # blocks the loop: no request, no signal handler runs again
        elif path not in ("/health/ready", "/health/live"):
            status, body = 404, {"detail": "not found"}
        payload = json.dumps(body).encode()
        writer.write(
            f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
            f"content-length: {len(payload)}\r\nconnection: close\r\n\r\n".encode() + payload
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, settings.get("HOST", "127.0.0.1"),
                                        int(settings["PORT"]))
    print(f"{name} listening on {settings['PORT']}", flush=True)  # noqa: T201
    async with server:
        await stop.wait()
    if exit_code == 0:
        _append(var_dir / "stops.log", name)
    print(f"{name} stopping with {exit_code}", flush=True)  # noqa: T201
    sys.exit(exit_code)


def main(prefix: str) -> None:
    name = prefix.rstrip("_").lower()
    settings = _settings(prefix)
    var_dir = Path(settings.get("VAR_DIR", "."))
    verb = sys.argv[1] if len(sys.argv) > 1 else "serve"
    if verb == "serve" and (var_dir / f"{name}.crash").exists():
        print(f"{name}: crashing on purpose", flush=True)  # noqa: T201
        sys.exit(2)
    if verb == "migrate":
        if os.environ.get(f"FAKE_{name.upper()}_MIGRATE_FAILS"):
            print("migration 0001 failed: table exists", flush=True)  # noqa: T201
            sys.exit(1)
        url = settings["DATABASE_URL"]
        (var_dir / f"{name}.migrated").write_text(url, encoding="utf-8")
        if url.startswith("sqlite"):
            Path(url.split(":///", 1)[1]).touch()  # as a real migration creates the file
        return
    if verb == "seed":
        if os.environ.get(f"FAKE_{name.upper()}_SEED_FAILS"):
            print("seeding failed: disk full", flush=True)  # noqa: T201
            sys.exit(1)
        _append(var_dir / "seeds.log", name)
        print(f"{name}: seeded", flush=True)  # noqa: T201
        return
    if verb == "ensure-admin":
        email = sys.argv[sys.argv.index("--email") + 1]
        record = {"email": email, "password": settings.get("ADMIN_PASSWORD", "")}
        _append(var_dir / "admins.jsonl", json.dumps(record))
        print(f"admin ensured: {email}", flush=True)  # noqa: T201
        return
    asyncio.run(_serve(name, settings, var_dir))
