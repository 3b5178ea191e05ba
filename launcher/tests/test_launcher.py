"""The launcher end to end with stand-in services: real processes, a real embedded NATS."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import signal
import socket
import stat
from dataclasses import replace

import httpx
import nats
import pytest
from launch_harness import FAKE_AUTH, FAKE_FLAKY, LaunchFactory, eventually, pid_alive
from sqlalchemy.engine import make_url

from marketplace_launcher import dead_letter_commands
from marketplace_launcher.broker import server_info
from marketplace_launcher.console import Console
from marketplace_launcher.databases import ensure_databases
from marketplace_launcher.options import DlqOptions, postgres_url
from marketplace_launcher.run_state import RunState
from marketplace_platform.testing.database import drop_database, require_postgres, unique_name

pytestmark = pytest.mark.integration


async def test_up_starts_everything_wired_together_and_stops_it_in_order(
    launches: LaunchFactory,
) -> None:
    async with launches.start() as launch:
        options = launch.options
        var_dir = options.var_dir.resolve()
        auth_url = launch.service_url("auth")
        auth_env = await launch.get_json(auth_url + "/env")
        gateway_env = await launch.get_json(launch.gateway_url + "/env")
        nats_info = await server_info("127.0.0.1", options.nats_port)
        pids = [child.pid for child in launch.launcher._children()]

    assert await launch.task == 0
    # NATS embedded on its own port, with JetStream, its store under the var dir.
    assert nats_info is not None
    assert nats_info["jetstream"]
    assert (var_dir / "nats" / "jetstream").is_dir()
    # Each service: its own database, the broker, and the first auth replica's JWKS.
    jwks = f"{auth_url}/api/auth/jwks.json"
    assert auth_env["DATABASE_URL"] == f"sqlite+aiosqlite:///{var_dir / 'auth.db'}"
    assert auth_env["NATS_URL"] == f"nats://127.0.0.1:{options.nats_port}"
    assert auth_env["JWKS_URL"] == jwks
    assert auth_env["HOST"] == "127.0.0.1"
    assert (var_dir / "auth.migrated").read_text() == auth_env["DATABASE_URL"]
    # The gateway: the routing table, the same JWKS.
    assert json.loads(gateway_env["UPSTREAMS"]) == {"auth": [auth_url]}
    assert gateway_env["JWKS_URL"] == jwks
    assert gateway_env["PORT"] == str(options.port)
    # Stopped: gateway first, every process gone, the lock free again.
    assert (var_dir / "stops.log").read_text().split() == ["gateway", "auth"]
    assert not any(pid_alive(pid) for pid in pids if pid is not None)
    assert await server_info("127.0.0.1", options.nats_port) is None
    assert not (var_dir / "launcher.json").exists()
    after = RunState(var_dir)
    after.acquire()
    after.release()


SECRET_SETTINGS = ("INTERNAL_TOKEN", "NATS_USER", "NATS_PASSWORD")


async def test_secrets_are_made_once_kept_private_and_reused(launches: LaunchFactory) -> None:
    async with launches.start(services=(FAKE_AUTH, FAKE_FLAKY)) as first:
        auth = await first.get_json(first.service_url("auth") + "/env")
        flaky = await first.get_json(first.service_url("flaky") + "/env")
    async with launches.start(services=(FAKE_AUTH, FAKE_FLAKY)) as second:
        auth_again = await second.get_json(second.service_url("auth") + "/env")

    var_dir = first.options.var_dir
    for private in ("secrets.json", "nats-server.conf"):
        assert stat.S_IMODE((var_dir / private).stat().st_mode) == 0o600, private
    stored = json.loads((var_dir / "secrets.json").read_text())
    assert auth["INTERNAL_TOKEN"] == stored["internal_token"]
    assert auth["SIGNING_KEY_PASSPHRASE"] == stored["signing_key_passphrase"]
    assert auth["NATS_PASSWORD"] == stored["nats_password"]
    assert len(stored["internal_token"]) >= 32
    assert len(set(stored.values())) == len(stored)  # no two secrets alike
    assert all(auth[name] == flaky[name] for name in SECRET_SETTINGS)
    assert "SIGNING_KEY_PASSPHRASE" not in flaky  # auth's alone
    assert all(auth_again[name] == auth[name] for name in (*SECRET_SETTINGS,
                                                           "SIGNING_KEY_PASSPHRASE"))
    # Nothing secret is printed; NATS has no warning about how it was set up.
    output = first.text + second.text
    assert not any(secret in output for secret in stored.values() if secret != "marketplace")
    assert "[WRN]" not in output


async def test_what_the_system_writes_under_var_is_for_its_user_alone(
    launches: LaunchFactory,
) -> None:
    """Databases hold password hashes, logs hold emails: no other user of the machine may
    read them, however wide the shell's umask or the var dir made before."""
    var_dir = None
    previous = os.umask(0o022)
    try:
        async with launches.start(services=(FAKE_AUTH,)) as run:
            var_dir = run.options.var_dir
            assert os.umask(0o022) == 0o077  # while it runs, and so for every child
            os.umask(0o077)
    finally:
        os.umask(previous)
    assert var_dir is not None
    assert stat.S_IMODE(var_dir.stat().st_mode) == 0o700
    written = [path for path in var_dir.rglob("*") if path.is_file()]
    assert any(path.suffix == ".log" for path in written)
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


async def publish_raw(port: int, credentials: dict[str, str]) -> bytes:
    """What the server answers a client that connects with ``credentials`` and publishes a
    payment's success (the NATS protocol spoken by hand): ``PONG`` if it was let in."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await reader.readline()  # INFO
        connect = json.dumps({"verbose": False, "pedantic": False, **credentials})
        writer.write(
            f"CONNECT {connect}\r\nPUB payments.payment.succeeded.v1 2\r\n{{}}\r\nPING\r\n"
            .encode()
        )
        await writer.drain()
        return await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def test_the_embedded_nats_admits_only_the_launchers_credentials(
    launches: LaunchFactory,
) -> None:
    async with launches.start() as launch:
        url = f"nats://127.0.0.1:{launch.options.nats_port}"
        # Any local process could otherwise publish payments.payment.succeeded.v1.
        anonymous = await publish_raw(launch.options.nats_port, {})
        assert anonymous.startswith(b"-ERR 'Authorization Violation'")
        stored = json.loads((launch.options.var_dir / "secrets.json").read_text())
        state = json.loads((launch.options.var_dir / "launcher.json").read_text())
        guessed = await publish_raw(
            launch.options.nats_port, {"user": stored["nats_user"], "pass": "guessed"}
        )
        client = await nats.connect(url, user=stored["nats_user"],
                                    password=stored["nats_password"], allow_reconnect=False)
        await client.publish("payments.payment.succeeded.v1", b"{}")
        await client.flush()
        await client.close()
        # The operator's command finds the credentials in the var dir by itself.
        out = io.StringIO()
        code = await dead_letter_commands.run(
            DlqOptions(action="list", nats=None, var_dir=launch.options.var_dir),
            Console(out, color=False),
            environ={},
        )

    assert guessed.startswith(b"-ERR 'Authorization Violation'")
    assert state["nats_url"] == url
    assert stored["nats_password"] not in json.dumps(state)
    assert (code, out.getvalue()) == (0, "no dead letters\n")


async def test_output_is_prefixed_per_process_and_logged_to_files(
    launches: LaunchFactory,
) -> None:
    async with launches.start() as launch:
        pass

    logs = launch.options.var_dir / "logs"
    assert "auth.1  | auth listening on" in launch.text
    assert "gateway | gateway listening on" in launch.text
    assert "auth listening on" in (logs / "auth.1.log").read_text()
    assert "Server is ready" in (logs / "nats.log").read_text()
    # NATS's start-up chatter stays in its log file.
    assert "Starting JetStream" not in launch.text


async def test_the_first_run_creates_an_admin_and_prints_the_password_once(
    launches: LaunchFactory,
) -> None:
    async with launches.start() as first:
        pass
    async with launches.start() as second:
        pass

    var_dir = first.options.var_dir
    (admin,) = [json.loads(line) for line in (var_dir / "admins.jsonl").read_text().splitlines()]
    assert admin["email"] == "admin@marketplace.example"
    assert len(admin["password"]) == 20
    assert f"password: {admin['password']}" in first.text
    assert admin["password"] not in second.text
    assert "admin: admin@marketplace.example (password shown on the first run" in second.text
    marker = var_dir / "first-admin.json"
    assert stat.S_IMODE(marker.stat().st_mode) == 0o600
    assert admin["password"] not in marker.read_text()


async def test_given_admin_credentials_are_ensured_on_every_run(
    launches: LaunchFactory,
) -> None:
    credentials = {
        "MARKETPLACE_ADMIN_EMAIL": "boss@example.com",
        "MARKETPLACE_ADMIN_PASSWORD": "correct-horse-battery",
    }
    for _ in range(2):
        async with launches.start(environ=credentials) as launch:
            auth_env = await launch.get_json(launch.service_url("auth") + "/env")
        assert "password from MARKETPLACE_ADMIN_PASSWORD" in launch.text
        assert "correct-horse-battery" not in launch.text
        assert "ADMIN_PASSWORD" not in auth_env  # only ensure-admin ever sees it

    admins = (launch.options.var_dir / "admins.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in admins] == 2 * [
        {"email": "boss@example.com", "password": "correct-horse-battery"}
    ]


async def test_demo_data_is_seeded_on_every_start_unless_told_not_to(
    launches: LaunchFactory,
) -> None:
    seeding = replace(FAKE_FLAKY, seed=("seed",))
    async with launches.start(services=(FAKE_AUTH, seeding)) as first:
        pass
    async with launches.start(services=(FAKE_AUTH, seeding), seed=False) as second:
        pass

    # Only the service with a seed command, and only without --no-seed.
    assert (first.options.var_dir / "seeds.log").read_text().splitlines() == ["flaky"]
    assert "flaky: seeded" in first.text
    assert "flaky: seeded" not in second.text


async def test_a_failed_seed_stops_the_launch_and_shows_why(launches: LaunchFactory) -> None:
    seeding = replace(FAKE_FLAKY, seed=("seed",))
    async with launches.start(
        services=(FAKE_AUTH, seeding), environ={"FAKE_FLAKY_SEED_FAILS": "1"},
        expect_ready=False,
    ) as launch:
        assert await launch.task == 1

    assert "seeding failed: disk full" in launch.text
    assert "demo data failed: flaky.seed" in launch.text


async def test_replicas_run_on_their_own_ports_behind_the_gateway(
    launches: LaunchFactory,
) -> None:
    async with launches.start(
        services=(FAKE_AUTH, FAKE_FLAKY), replicas={"auth": 2}
    ) as launch:
        base = launch.options.service_port_base
        gateway_env = await launch.get_json(launch.gateway_url + "/env")
        second = await launch.get_json(launch.service_url("auth", 2) + "/env")

    assert json.loads(gateway_env["UPSTREAMS"]) == {
        "auth": [f"http://127.0.0.1:{base + 1}", f"http://127.0.0.1:{base + 101}"],
        "flaky": [f"http://127.0.0.1:{base + 2}"],
    }
    assert second["PORT"] == str(base + 101)
    # Replicas share their service's database; everyone trusts auth.1.
    assert second["DATABASE_URL"].endswith("/auth.db")
    assert second["JWKS_URL"] == f"http://127.0.0.1:{base + 1}/api/auth/jwks.json"


async def test_a_process_that_dies_is_restarted(launches: LaunchFactory) -> None:
    async with launches.start(services=(FAKE_AUTH, FAKE_FLAKY)) as launch:
        url = launch.service_url("flaky")
        before = (await launch.get_json(url + "/env"))["PID"]
        async with httpx.AsyncClient(trust_env=False) as client:
            await client.post(url + "/exit")

        async def restarted() -> bool:
            return (await launch.get_json(url + "/env"))["PID"] != before

        await eventually(restarted)

    assert await launch.task == 0
    assert "flaky.1 exited with code 3: restarting in" in launch.text


async def test_a_process_that_hangs_is_killed_and_restarted(launches: LaunchFactory) -> None:
    async with launches.start(services=(FAKE_AUTH, FAKE_FLAKY)) as launch:
        url = launch.service_url("flaky")
        before = int((await launch.get_json(url + "/env"))["PID"])
        async with httpx.AsyncClient(trust_env=False, timeout=0.5) as client:
            with pytest.raises(httpx.TimeoutException):
                await client.post(url + "/hang")

        async def restarted() -> bool:
            return (await launch.get_json(url + "/env"))["PID"] != str(before)

        await eventually(restarted)
        assert not pid_alive(before)

    assert await launch.task == 0
    assert "flaky.1 hung (/health/live failed 3 times in a row" in launch.text
    assert "and was killed: restarting in" in launch.text


async def test_a_process_that_keeps_dying_stops_everything(launches: LaunchFactory) -> None:
    async with launches.start(services=(FAKE_AUTH, FAKE_FLAKY)) as launch:
        (launch.options.var_dir / "flaky.crash").touch()
        async with httpx.AsyncClient(trust_env=False) as client:
            await client.post(launch.service_url("flaky") + "/exit")
        code = await launch.task

    assert code == 1
    assert "flaky.1 exited with code 2 again, 2 restarts did not help" in launch.text


async def test_sigterm_stops_the_launcher_cleanly(launches: LaunchFactory) -> None:
    async with launches.start() as launch:
        os.kill(os.getpid(), signal.SIGTERM)
        code = await launch.task

    assert code == 0
    assert "stopping" in launch.text
    assert (launch.options.var_dir / "stops.log").read_text().split() == ["gateway", "auth"]


async def test_a_failed_migration_stops_the_launch_and_shows_why(
    launches: LaunchFactory,
) -> None:
    async with launches.start(
        environ={"FAKE_AUTH_MIGRATE_FAILS": "1"}, expect_ready=False
    ) as launch:
        code = await launch.task

    assert code == 1
    assert "auth.migrate | migration 0001 failed: table exists" in launch.text
    assert "marketplace did not start: migrations failed: auth.migrate" in launch.text
    assert await server_info("127.0.0.1", launch.options.nats_port) is None


async def test_a_service_that_never_gets_ready_is_named(launches: LaunchFactory) -> None:
    async with launches.start(
        environ={"FAKE_AUTH_NOT_READY": "1"}, ready_timeout=1.0, expect_ready=False
    ) as launch:
        code = await launch.task

    assert code == 1
    assert "auth.1: not ready after 1s (503" in launch.text
    assert "told not to be ready" in launch.text


async def test_a_service_that_dies_at_start_fails_the_launch_at_once(
    launches: LaunchFactory,
) -> None:
    launches.var_dir.mkdir(parents=True)
    (launches.var_dir / "auth.crash").touch()

    async with launches.start(expect_ready=False) as launch:
        code = await launch.task

    assert code == 1
    assert "auth.1: exited with code 2" in launch.text
    assert "auth.1  | auth: crashing on purpose" in launch.text


async def test_a_busy_gateway_port_is_reported_before_anything_starts(
    launches: LaunchFactory,
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        async with launches.start(port=port, expect_ready=False) as launch:
            code = await launch.task

    assert code == 1
    assert f"cannot listen on 127.0.0.1:{port}: the port is in use" in launch.text
    assert "NATS" not in launch.text


async def test_two_launchers_never_share_a_var_dir(launches: LaunchFactory) -> None:
    holder = RunState(launches.var_dir.resolve())
    holder.acquire()
    try:
        async with launches.start(expect_ready=False) as launch:
            code = await launch.task
    finally:
        holder.release()

    assert code == 1
    assert f"another launcher (pid {os.getpid()}) is running" in launch.text


async def test_an_external_nats_is_used_and_not_started(
    launches: LaunchFactory, nats_server: object
) -> None:
    url = nats_server.url  # type: ignore[attr-defined]

    async with launches.start(nats=url) as launch:
        auth_env = await launch.get_json(launch.service_url("auth") + "/env")

    assert auth_env["NATS_URL"] == url
    assert launch.launcher.nats is None
    assert f"NATS: {url} (external)" in launch.text


async def test_an_unreachable_external_nats_fails_fast(launches: LaunchFactory) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    async with launches.start(nats=f"nats://127.0.0.1:{port}", expect_ready=False) as launch:
        code = await launch.task

    assert code == 1
    assert f"no NATS server answers at 127.0.0.1:{port}" in launch.text


@pytest.mark.postgres
async def test_postgres_gives_each_service_a_database_of_its_own(
    launches: LaunchFactory,
) -> None:
    server = postgres_url(require_postgres())
    prefix = unique_name("mp_launch")
    try:
        async with launches.start(postgres=server, database_prefix=prefix) as launch:
            auth_env = await launch.get_json(launch.service_url("auth") + "/env")

        url = make_url(auth_env["DATABASE_URL"])
        assert url.drivername == "postgresql+asyncpg"
        assert url.database == f"{prefix}_auth"
        assert (url.host, url.port) == (server.host, server.port)
        assert await ensure_databases(server, [f"{prefix}_auth"]) == set()  # it exists
        assert f"(created {prefix}_auth)" in launch.text
    finally:
        await drop_database(server.render_as_string(hide_password=False), f"{prefix}_auth")
