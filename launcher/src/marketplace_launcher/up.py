"""``marketplace up``: the whole system in the foreground of one terminal.

Order of work: NATS (embedded, or check the external one) -> one database per service
(SQLite files, or created on the PostgreSQL server) -> every service's migrations, in
parallel -> every service replica, and meanwhile the first admin and the demo data (unless
``--no-seed``) -> wait until they are ready -> the gateway with the routing table -> wait
until it is ready -> print the URL.

Stopping (Ctrl-C, SIGTERM, SIGHUP): the gateway first so no new request comes in, then the
services, NATS last so the services' last events still go out; each gets SIGTERM and
``STOP_TIMEOUT`` seconds before SIGKILL. A second Ctrl-C kills at once.

Supervision: once the system is up, a process that dies is restarted with exponential backoff
(1 s, 2 s, 4 s ... up to 30 s). So is one that hangs: each process is asked whether it is
alive every few seconds (``GET /health/live``; NATS: its greeting), and one that fails a few
probes in a row is killed (SIGKILL: a hung process may not heed SIGTERM) and restarted. One
that dies again within 30 s of each of 5 restarts in a row is not coming back by itself: the
launcher stops everything and exits with status 1 rather than pretend the system is up
(``RestartPolicy``). During startup any failure is fatal at once, with the process's last
lines shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from marketplace_launcher import broker, local_secrets
from marketplace_launcher.console import Console
from marketplace_launcher.databases import DatabaseUnavailable, ensure_databases
from marketplace_launcher.environment import (
    Topology,
    database_name,
    database_url,
    gateway_environment,
    jwks_url,
    service_environment,
    upstream_table,
)
from marketplace_launcher.first_admin import (
    PASSWORD_ENV,
    AdminMarker,
    AdminPlan,
    plan_admin,
)
from marketplace_launcher.options import UpOptions
from marketplace_launcher.ports import Instance, PortUnavailable, plan_instances, port_is_free
from marketplace_launcher.processes import (
    ChildProcess,
    echo_all,
    echo_none,
    run_to_completion,
)
from marketplace_launcher.readiness import (
    LIVE_PATH,
    LivenessCheck,
    NotReady,
    Target,
    http_liveness,
    until_hung,
    wait_ready,
)
from marketplace_launcher.run_state import AlreadyRunning, RunState
from marketplace_launcher.services import GATEWAY, ISSUER_SERVICE, ServiceSpec, installed_services
from marketplace_platform.nats_urls import without_credentials

# Files the system writes are its user's alone: 0600 files, 0700 folders.
PRIVATE_UMASK = 0o077
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
STOP_TIMEOUT = 15.0
# Wrappers (make, uv, timeout) may pass on a signal the process group already got: a second
# one this soon after the first is the same request, not an impatient second Ctrl-C.
DUPLICATE_SIGNAL_WINDOW = 0.5
ONE_OFF_TIMEOUT = 300.0
NATS_READY_TIMEOUT = 30.0


class StartupFailed(RuntimeError):
    def __init__(self, message: str, *, show: Sequence[ChildProcess] = ()) -> None:
        super().__init__(message)
        self.show = show


@dataclass(frozen=True, slots=True)
class ServiceDatabase:
    url: str
    label: str  # the URL without its password: safe to print and to keep in the marker
    fresh: bool  # created by this run


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    first_delay: float = 1.0
    max_delay: float = 30.0
    # A process that ran this long before dying was healthy: its failure count starts over.
    stable_after: float = 30.0
    max_rapid_restarts: int = 5
    # Liveness: a probe every ``live_interval`` seconds, each given ``live_timeout`` seconds;
    # ``live_failures`` failed in a row mean the process is hung.
    live_interval: float = 5.0
    live_timeout: float = 3.0
    live_failures: int = 3

    def delay(self, failures: int) -> float:
        """Seconds before restart number ``failures`` (1-based) of a process that keeps dying."""
        return min(self.first_delay * 2 ** (failures - 1), self.max_delay)


async def together(*works: Awaitable[None]) -> None:
    """Run side by side; the first failure cancels the rest and is raised."""
    tasks = [asyncio.ensure_future(work) for work in works]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def gateway_url(host: str, port: int) -> str:
    """Where a browser on this machine reaches the gateway listening on ``host``."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


class Launcher:
    """``services`` and ``gateway`` default to the installed rows of the service table."""

    def __init__(
        self,
        options: UpOptions,
        environ: Mapping[str, str],
        console: Console,
        *,
        services: Sequence[ServiceSpec] | None = None,
        gateway: ServiceSpec = GATEWAY,
        restarts: RestartPolicy | None = None,
    ) -> None:
        self.options = options
        self.service_specs = installed_services() if services is None else tuple(services)
        self.gateway_spec = gateway
        self.restarts = restarts or RestartPolicy()
        self.environ = dict(environ)
        self.console = console
        self.var_dir = options.var_dir.resolve()
        self.logs_dir = self.var_dir / "logs"
        self.run_state = RunState(self.var_dir)
        self.stopping = asyncio.Event()
        self.ready = asyncio.Event()  # set once the URL is printed
        self.gave_up = False
        self.nats: ChildProcess | None = None
        self.services: list[ChildProcess] = []
        self.gateway: ChildProcess | None = None
        self._watchers: list[asyncio.Task[None]] = []
        self._liveness: dict[str, LivenessCheck] = {}  # by process name
        self._first_signal_at: float | None = None
        self._admin_line = ""
        self._nats_url = ""
        self._nats_credentials = broker.NatsCredentials()
        self._instances: list[Instance] = []

    # --- the life of the launcher ---------------------------------------------------------

    async def run(self) -> int:
        # What the system writes under var/ (databases with password hashes, logs, avatars,
        # the NATS store) is for this user alone: files 0600, folders 0700, in every process
        # started from here, which inherits the mask.
        previous_umask = os.umask(PRIVATE_UMASK)
        try:
            return await self._run()
        finally:
            os.umask(previous_umask)

    async def _run(self) -> int:
        try:
            self.run_state.acquire()
        except AlreadyRunning as error:
            self.console.error(str(error))
            return 1
        self._handle_signals()
        try:
            try:
                started = await self._unless_stopped(self._start())
            except StartupFailed as failure:
                self._report(failure)
                return 1
            except OSError as error:  # a program that cannot be run, a directory not writable
                self._report(StartupFailed(str(error)))
                return 1
            if not started:
                return 0
            self._announce()
            self.ready.set()
            self._supervise()
            await self.stopping.wait()
            return 1 if self.gave_up else 0
        finally:
            await self._shutdown()
            self._restore_signals()
            self.run_state.release()

    def stop(self) -> None:
        """Ask for the same orderly stop as Ctrl-C."""
        self.stopping.set()

    def _handle_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, self._on_signal)

    def _restore_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)

    def _on_signal(self) -> None:
        now = asyncio.get_running_loop().time()
        if self._first_signal_at is None:
            self._first_signal_at = now
        elif now - self._first_signal_at < DUPLICATE_SIGNAL_WINDOW:
            return
        if self.stopping.is_set():
            self.console.error("stopping now: killing every process")
            for child in self._children():
                child.kill()
            return
        self.console.info("\nstopping (Ctrl-C again to kill at once)...")
        self.stopping.set()

    async def _unless_stopped(self, work: Awaitable[None]) -> bool:
        """Run ``work`` unless a stop is asked first; whether it completed."""
        task = asyncio.ensure_future(work)
        stop = asyncio.create_task(self.stopping.wait())
        try:
            await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if task.done():
            task.result()
            return True
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, StartupFailed):
            await task
        return False

    def _children(self) -> list[ChildProcess]:
        gateway = [self.gateway] if self.gateway else []
        nats = [self.nats] if self.nats else []
        return [*gateway, *self.services, *nats]

    async def _shutdown(self) -> None:
        self.stopping.set()
        for watcher in self._watchers:
            watcher.cancel()
        await asyncio.gather(*self._watchers, return_exceptions=True)
        if self.gateway is not None:
            await self.gateway.stop(STOP_TIMEOUT)
        await asyncio.gather(*(child.stop(STOP_TIMEOUT) for child in self.services))
        if self.nats is not None:
            await self.nats.stop(STOP_TIMEOUT)
        for child in self._children():
            child.close()
        if self._children():
            self.console.info("stopped")

    def _report(self, failure: StartupFailed) -> None:
        for child in failure.show:
            if child.tail and child.echo is not echo_all:  # else it is on screen already
                self.console.error(f"--- last lines of {child.name} ---")
                for line in child.tail:
                    self.console.child_line(child.name, line)
        self.console.error(f"marketplace did not start: {failure}")
        self.console.error(f"logs: {self.logs_dir}")

    # --- startup ----------------------------------------------------------------------------

    async def _start(self) -> None:
        services = self.service_specs
        by_name = {spec.name: spec for spec in services}
        if ISSUER_SERVICE not in by_name:
            raise StartupFailed(f"the {ISSUER_SERVICE} service is not installed: run `uv sync`")
        if not self.gateway_spec.installed:
            raise StartupFailed("the gateway is not installed: run `uv sync`")
        self._warn_about_replicas(by_name)
        self._rotate_logs()
        self._instances = self._plan(services)
        try:
            secrets = local_secrets.load_or_create(self.var_dir)
        except local_secrets.SecretsUnreadable as error:
            raise StartupFailed(str(error)) from None
        self._nats_url = await self._start_broker(secrets)
        databases = await self._prepare_databases(services)
        issuer = next(i for i in self._instances if i.spec.name == ISSUER_SERVICE)
        topology = Topology(
            nats_url=self._nats_url,
            jwks_url=jwks_url(issuer),
            var_dir=self.var_dir,
            verbose=self.options.verbose,
            internal_token=secrets.internal_token,
            signing_key_passphrase=secrets.signing_key_passphrase,
            nats_user=self._nats_credentials.user,
            nats_password=self._nats_credentials.password,
        )
        await self._migrate(services, databases, topology)
        # The admin and the demo data need only the migrated databases: they are made while
        # the services boot.
        await together(
            self._first_admin(by_name[ISSUER_SERVICE], databases[ISSUER_SERVICE], topology),
            self._seed(services, databases, topology),
            self._start_services(databases, topology),
        )
        await self._start_gateway(topology)
        self.run_state.publish(self._published_state())

    def _warn_about_replicas(self, installed: Mapping[str, ServiceSpec]) -> None:
        for name in self.options.replicas:
            if name not in installed:
                self.console.info(f"note: --replicas {name}=...: {name} is not installed yet")

    def _rotate_logs(self) -> None:
        """Keep the previous run's logs (``*.log.1``) so a crash can still be read after a
        restart; older ones go."""
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        for log in self.logs_dir.glob("*.log"):
            log.replace(log.with_name(log.name + ".1"))

    def _log_path(self, name: str) -> Path:
        return self.logs_dir / f"{name}.log"

    def _plan(self, services: Sequence[ServiceSpec]) -> list[Instance]:
        options = self.options
        if not port_is_free(options.port, options.host):
            raise StartupFailed(
                f"cannot listen on {options.host}:{options.port}: the port is in use (another "
                "marketplace?) or the host is not an address of this machine; see --port, --host"
            )
        reserved = {options.port}
        if options.nats is None:
            if not port_is_free(options.nats_port):
                raise StartupFailed(
                    f"port {options.nats_port} for the embedded NATS is in use: "
                    "choose another with --nats-port, or use a running NATS with --nats URL"
                )
            reserved.add(options.nats_port)
        try:
            return plan_instances(
                services,
                options.replicas_of,
                base=options.service_port_base,
                reserved=reserved,
            )
        except PortUnavailable as error:
            raise StartupFailed(str(error)) from None

    async def _start_broker(self, secrets: local_secrets.LocalSecrets) -> str:
        if self.options.nats is not None:
            try:
                await broker.check_external(self.options.nats)
            except broker.BrokerUnavailable as error:
                raise StartupFailed(str(error)) from None
            self._nats_credentials = broker.external_credentials(self.environ)
            self.console.info(f"NATS: {without_credentials(self.options.nats)} (external)")
            return self.options.nats
        store = self.var_dir / "nats"
        store.mkdir(parents=True, exist_ok=True)
        try:
            binary = broker.nats_server_binary()
        except broker.BrokerUnavailable as error:
            raise StartupFailed(str(error)) from None
        self._nats_credentials = broker.NatsCredentials(secrets.nats_user, secrets.nats_password)
        config = broker.write_config(
            self.var_dir / broker.CONFIG_NAME,
            store_dir=store,
            port=self.options.nats_port,
            credentials=self._nats_credentials,
        )
        self.nats = ChildProcess(
            "nats",
            broker.nats_server_argv(binary, config),
            self.environ,
            console=self.console,
            log_path=self._log_path("nats"),
            echo=echo_all if self.options.verbose else broker.noteworthy,
        )
        self.console.reserve(["nats"])
        await self.nats.start()
        try:
            await broker.wait_for_embedded(self.nats, self.options.nats_port, NATS_READY_TIMEOUT)
        except broker.BrokerUnavailable as error:
            raise StartupFailed(str(error), show=[self.nats]) from None
        url = broker.embedded_url(self.options.nats_port)
        self._liveness["nats"] = broker.liveness(self.options.nats_port)
        self.console.info(f"NATS: {url} (embedded, JetStream store {store})")
        return url

    async def _prepare_databases(
        self, services: Sequence[ServiceSpec]
    ) -> dict[str, ServiceDatabase]:
        options = self.options
        result: dict[str, ServiceDatabase] = {}
        if options.postgres is None:
            for spec in services:
                url = database_url(spec, self.var_dir, None, options.database_prefix)
                path = self.var_dir / f"{spec.name}.db"
                result[spec.name] = ServiceDatabase(url, str(path), fresh=not path.exists())
            self.console.info(f"databases: SQLite files in {self.var_dir}")
            return result
        names = {spec.name: database_name(options.database_prefix, spec) for spec in services}
        try:
            created = await ensure_databases(options.postgres, list(names.values()))
        except DatabaseUnavailable as error:
            raise StartupFailed(str(error)) from None
        for spec in services:
            url = database_url(spec, self.var_dir, options.postgres, options.database_prefix)
            label = options.postgres.set(database=names[spec.name]).render_as_string(
                hide_password=True
            )
            result[spec.name] = ServiceDatabase(url, label, fresh=names[spec.name] in created)
        server = options.postgres.set(database=None).render_as_string(hide_password=True)
        self.console.info(
            f"databases: PostgreSQL {server}, {', '.join(sorted(names.values()))}"
            + (f" (created {', '.join(sorted(created))})" if created else "")
        )
        return result

    def _one_off_argv(self, spec: ServiceSpec, *verb: str) -> list[str]:
        return [sys.executable, "-m", spec.module, *verb]

    async def _migrate(
        self,
        services: Sequence[ServiceSpec],
        databases: Mapping[str, ServiceDatabase],
        topology: Topology,
    ) -> None:
        # Each service has its own database, so their migrations can run side by side.
        migrating = [spec for spec in services if spec.migrates]
        runs = await asyncio.gather(
            *(
                run_to_completion(
                    f"{spec.name}.migrate",
                    self._one_off_argv(spec, "migrate"),
                    service_environment(
                        self.environ, spec, topology, database=databases[spec.name].url
                    ),
                    console=self.console,
                    log_path=self._log_path(f"{spec.name}.migrate"),
                    echo=echo_all if self.options.verbose else echo_none,
                    time_limit=ONE_OFF_TIMEOUT,
                )
                for spec in migrating
            )
        )
        failed = [run for run in runs if run.returncode != 0]
        if failed:
            names = ", ".join(run.name for run in failed)
            raise StartupFailed(f"migrations failed: {names}", show=failed)
        if migrating:
            self.console.info(f"migrated: {', '.join(spec.name for spec in migrating)}")

    async def _seed(
        self,
        services: Sequence[ServiceSpec],
        databases: Mapping[str, ServiceDatabase],
        topology: Topology,
    ) -> None:
        """Demo data, unless ``--no-seed``. Each seed command fills only an empty database,
        so on later starts it just says there is nothing to do."""
        seeding = [spec for spec in services if spec.seed] if self.options.seed else []
        runs = await asyncio.gather(
            *(
                run_to_completion(
                    f"{spec.name}.seed",
                    self._one_off_argv(spec, *spec.seed),
                    service_environment(
                        self.environ, spec, topology, database=databases[spec.name].url
                    ),
                    console=self.console,
                    log_path=self._log_path(f"{spec.name}.seed"),
                    echo=echo_all,
                    time_limit=ONE_OFF_TIMEOUT,
                )
                for spec in seeding
            )
        )
        failed = [run for run in runs if run.returncode != 0]
        if failed:
            names = ", ".join(run.name for run in failed)
            raise StartupFailed(f"demo data failed: {names} (--no-seed starts without)",
                                show=failed)

    async def _first_admin(
        self, issuer: ServiceSpec, database: ServiceDatabase, topology: Topology
    ) -> None:
        marker = AdminMarker(self.var_dir)
        plan = plan_admin(self.environ, marker, database.label, fresh_database=database.fresh)
        if plan is None:
            email = marker.done(database.label)
            self._admin_line = (
                f"admin: {email} (password shown on the first run; "
                f"set {PASSWORD_ENV} to set a new one)"
            )
            return
        env = service_environment(self.environ, issuer, topology, database=database.url)
        env[issuer.env_prefix + "ADMIN_PASSWORD"] = plan.password
        run = await run_to_completion(
            f"{issuer.name}.admin",
            self._one_off_argv(issuer, "ensure-admin", "--email", plan.email),
            env,
            console=self.console,
            log_path=self._log_path(f"{issuer.name}.admin"),
            echo=echo_all,
            time_limit=ONE_OFF_TIMEOUT,
        )
        if run.returncode != 0:
            raise StartupFailed("could not create the first admin", show=[run])
        if plan.generated:
            marker.record(database.label, plan.email)
        self._admin_line = self._describe_admin(plan)

    @staticmethod
    def _describe_admin(plan: AdminPlan) -> str:
        if plan.generated:
            return (
                f"admin: {plan.email}  password: {plan.password}\n"
                "       (generated now and shown this once: it is stored nowhere, "
                "note it down)"
            )
        return f"admin: {plan.email} (password from {PASSWORD_ENV})"

    async def _start_services(
        self, databases: Mapping[str, ServiceDatabase], topology: Topology
    ) -> None:
        self.console.reserve([i.name for i in self._instances] + [self.gateway_spec.name])
        upstreams = upstream_table(self._instances)
        for instance in self._instances:
            spec = instance.spec
            env = service_environment(
                self.environ, spec, topology,
                database=databases[spec.name].url, port=instance.port, upstreams=upstreams,
            )
            child = ChildProcess(
                instance.name,
                self._one_off_argv(spec, "serve"),
                env,
                console=self.console,
                log_path=self._log_path(instance.name),
            )
            self.services.append(child)
            self._liveness[child.name] = http_liveness(instance.url, self.restarts.live_timeout)
            await child.start()
        listing = ", ".join(f"{i.name} :{i.port}" for i in self._instances)
        self.console.info(f"starting: {listing}")
        targets = [Target(c, i.url) for c, i in zip(self.services, self._instances, strict=True)]
        await self._wait(targets)

    async def _start_gateway(self, topology: Topology) -> None:
        gateway = self.gateway_spec
        env = gateway_environment(
            self.environ, gateway, topology,
            host=self.options.host, port=self.options.port,
            upstreams=upstream_table(self._instances),
        )
        self.gateway = ChildProcess(
            gateway.name,
            [sys.executable, "-m", gateway.module],
            env,
            console=self.console,
            log_path=self._log_path(gateway.name),
        )
        self._liveness[gateway.name] = http_liveness(self.url, self.restarts.live_timeout)
        await self.gateway.start()
        await self._wait([Target(self.gateway, self.url)])

    async def _wait(self, targets: Sequence[Target]) -> None:
        try:
            await wait_ready(targets, self.options.ready_timeout)
        except NotReady as error:
            # Their output is on the console already; let the last of it arrive first.
            for target in targets:
                if not target.child.running:
                    await target.child.wait()
            lines = "\n".join(f"  {name}: {why}" for name, why in error.failures.items())
            raise StartupFailed(f"not ready:\n{lines}") from None

    @property
    def url(self) -> str:
        return gateway_url(self.options.host, self.options.port)

    def _published_state(self) -> dict[str, object]:
        return {
            "pid": os.getpid(),
            "url": self.url,
            # Without credentials: `marketplace dlq` finds the embedded broker's in var/.
            "nats_url": without_credentials(self._nats_url),
            "nats_embedded": self.nats is not None,
            "services": upstream_table(self._instances),
            "logs": str(self.logs_dir),
        }

    def _announce(self) -> None:
        self.console.headline(f"\nMarketplace is up: {self.url}")
        for line in self._admin_line.splitlines():
            self.console.info(f"  {line}")
        self.console.info(f"  API docs: {self.url}/docs")
        self.console.info(f"  logs: this terminal, and {self.logs_dir}/<process>.log")
        self.console.info("  Ctrl-C stops everything.\n")

    # --- after startup ----------------------------------------------------------------------

    def _supervise(self) -> None:
        self._watchers = [
            asyncio.create_task(self._watch(child), name=f"watch {child.name}")
            for child in self._children()
        ]

    async def _watch(self, child: ChildProcess) -> None:
        loop = asyncio.get_running_loop()
        failures = 0
        booted = True  # the start-up waited until it was ready
        while True:
            started = loop.time()
            what = await self._until_down(child, booted=booted)
            if self.stopping.is_set():
                return
            policy = self.restarts
            if loop.time() - started >= policy.stable_after:
                failures = 0
            failures += 1
            if failures > policy.max_rapid_restarts:
                self.console.error(
                    f"{child.name} {what} again, {policy.max_rapid_restarts} "
                    f"restarts did not help: stopping everything (see "
                    f"{self._log_path(child.name)})"
                )
                self.gave_up = True
                self.stopping.set()
                return
            delay = policy.delay(failures)
            self.console.error(f"{child.name} {what}: restarting in {delay:g}s")
            try:
                await asyncio.wait_for(self.stopping.wait(), delay)
            except TimeoutError:
                await child.start()
                booted = False
            else:
                return

    async def _until_down(self, child: ChildProcess, *, booted: bool) -> str:
        """Until ``child`` exits, or hangs and is killed; what happened, in a few words."""
        check = self._liveness.get(child.name)
        if check is None:
            return f"exited with code {await child.wait()}"
        policy = self.restarts
        exited = asyncio.ensure_future(child.wait())
        hung = asyncio.ensure_future(
            until_hung(
                check,
                interval=policy.live_interval,
                failures=policy.live_failures,
                grace=self.options.ready_timeout,
                answered=booted,
            )
        )
        try:
            await asyncio.wait({exited, hung}, return_when=asyncio.FIRST_COMPLETED)
            if exited.done():
                return f"exited with code {exited.result()}"
            why = hung.result()
            child.kill()
            await exited
        finally:
            for task in (exited, hung):
                task.cancel()
            await asyncio.gather(exited, hung, return_exceptions=True)
        probe = "its greeting" if child is self.nats else LIVE_PATH
        return (
            f"hung ({probe} failed {policy.live_failures} times in a row, last: {why}) "
            "and was killed"
        )


async def up(options: UpOptions, environ: Mapping[str, str], console: Console) -> int:
    return await Launcher(options, environ, console).run()
