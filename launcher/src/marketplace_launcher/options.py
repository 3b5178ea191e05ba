"""The command line of ``marketplace``: every option of ``up`` can also come from the
environment as ``MARKETPLACE_<OPTION>`` (``--nats-port`` -> ``MARKETPLACE_NATS_PORT``), and the
command line wins over the environment."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from marketplace_launcher.services import (
    DEFAULT_SERVICE_PORT_BASE,
    GATEWAY,
    MAX_REPLICAS,
    SERVICES,
)

ENV_PREFIX = "MARKETPLACE_"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_NATS_PORT = 4223
DEFAULT_VAR_DIR = Path("var")
DEFAULT_READY_TIMEOUT = 60.0
DEFAULT_DATABASE_PREFIX = "marketplace"
NATS_SCHEMES = ("nats", "tls", "ws", "wss")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,39}$")

T = TypeVar("T")


@dataclass(frozen=True)
class UpOptions:
    host: str = DEFAULT_HOST
    port: int = GATEWAY.port
    nats: str | None = None
    nats_port: int = DEFAULT_NATS_PORT
    postgres: URL | None = None
    database_prefix: str = DEFAULT_DATABASE_PREFIX
    replicas: Mapping[str, int] = field(default_factory=dict)
    service_port_base: int = DEFAULT_SERVICE_PORT_BASE
    var_dir: Path = DEFAULT_VAR_DIR
    ready_timeout: float = DEFAULT_READY_TIMEOUT
    verbose: bool = False
    seed: bool = True

    def replicas_of(self, service: str) -> int:
        return self.replicas.get(service, 1)


@dataclass(frozen=True)
class DlqOptions:
    action: str  # "list" | "replay"
    nats: str | None
    var_dir: Path
    limit: int = 20
    sequence: int | None = None


# --- value parsers: each raises ArgumentTypeError with a message fit for the user ----------


def port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 1 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range 1-65535: {number}")
    return number


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {number}")
    return number


def seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {value}")
    return number


def nats_url(value: str) -> str:
    servers = [part.strip() for part in value.split(",")]
    for server in servers:
        scheme, sep, rest = server.partition("://")
        if not sep or scheme not in NATS_SCHEMES or not rest:
            raise argparse.ArgumentTypeError(
                f"not a NATS URL: {server!r} (expected e.g. nats://127.0.0.1:4222)"
            )
    return ",".join(servers)


def postgres_url(value: str) -> URL:
    """A PostgreSQL server URL in any of the usual spellings, normalised to asyncpg."""
    try:
        url = make_url(value)
    except ArgumentError:
        raise argparse.ArgumentTypeError(
            f"not a PostgreSQL URL: {value!r} "
            "(expected e.g. postgresql://postgres@127.0.0.1:5432/postgres)"
        ) from None
    backend = url.get_backend_name()
    if backend not in ("postgresql", "postgres"):
        raise argparse.ArgumentTypeError(f"not a PostgreSQL URL: scheme {url.drivername!r}")
    return url.set(drivername="postgresql+asyncpg")


def database_prefix(value: str) -> str:
    if not _IDENTIFIER.match(value):
        raise argparse.ArgumentTypeError(
            f"database prefix must be lower-case letters, digits and _: {value!r}"
        )
    return value


def replica(value: str) -> tuple[str, int]:
    """``name=N`` for a service in the table (the gateway is the single entry point)."""
    name, sep, count = value.partition("=")
    name = name.strip()
    if not sep:
        raise argparse.ArgumentTypeError(f"expected name=N, got {value!r}")
    if name not in {spec.name for spec in SERVICES}:
        known = ", ".join(spec.name for spec in SERVICES)
        raise argparse.ArgumentTypeError(f"unknown service {name!r} (known: {known})")
    number = positive_int(count.strip())
    if number > MAX_REPLICAS:
        raise argparse.ArgumentTypeError(f"at most {MAX_REPLICAS} replicas: {value!r}")
    return name, number


def replica_list(value: str) -> list[tuple[str, int]]:
    """``auth=2,catalog=3`` (commas or spaces), the environment form of ``--replicas``."""
    return [replica(item) for item in re.split(r"[,\s]+", value.strip()) if item]


def flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")


# --- the parser --------------------------------------------------------------------------


def env_name(option: str) -> str:
    return ENV_PREFIX + option.upper().replace("-", "_")


class _Env:
    """Reads an option's environment default, reporting a bad value as a usage error."""

    def __init__(self, parser: argparse.ArgumentParser, environ: Mapping[str, str]) -> None:
        self.parser = parser
        self.environ = environ

    def get(self, option: str, convert: Callable[[str], T], fallback: T) -> T:
        name = env_name(option)
        raw = self.environ.get(name)
        if raw is None or raw == "":
            return fallback
        try:
            return convert(raw)
        except argparse.ArgumentTypeError as error:
            self.parser.error(f"{name}={raw!r}: {error}")
            raise  # unreachable: parser.error exits


def build_parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="marketplace",
        description="Run the marketplace on this machine.",
        epilog="Every option of `up` can also be set as MARKETPLACE_<OPTION> "
        "(e.g. MARKETPLACE_PORT=8080); the command line wins.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    env = _Env(parser, environ)

    up = commands.add_parser(
        "up",
        help="start NATS, migrate, create the first admin, start every service and the gateway",
        description="Start the whole system in the foreground; Ctrl-C stops it.",
    )
    up.add_argument("--host", default=env.get("host", str, DEFAULT_HOST),
                    help="address the gateway listens on (default %(default)s)")
    up.add_argument("--port", type=port, default=env.get("port", port, GATEWAY.port),
                    help="gateway port (default %(default)s)")
    up.add_argument("--nats", type=nats_url, default=env.get("nats", nats_url, None),
                    metavar="URL", help="use this NATS server instead of starting one")
    up.add_argument("--nats-port", type=port,
                    default=env.get("nats-port", port, DEFAULT_NATS_PORT),
                    help="port of the embedded NATS (default %(default)s)")
    up.add_argument("--postgres", type=postgres_url,
                    default=env.get("postgres", postgres_url, None), metavar="URL",
                    help="PostgreSQL server URL; one database per service is created there "
                    "(default: SQLite files under the var dir)")
    up.add_argument("--database-prefix", type=database_prefix,
                    default=env.get("database-prefix", database_prefix,
                                    DEFAULT_DATABASE_PREFIX),
                    help="PostgreSQL databases are named <prefix>_<service> "
                    "(default %(default)s)")
    up.add_argument("--replicas", type=replica, action="append", default=[],
                    metavar="NAME=N", help="run N copies of a service (repeatable)")
    up.add_argument("--service-port-base", type=port,
                    default=env.get("service-port-base", port, DEFAULT_SERVICE_PORT_BASE),
                    help="services listen on this base + their number: auth +1, catalog +2 "
                    "... (default %(default)s)")
    up.add_argument("--var-dir", type=Path,
                    default=env.get("var-dir", Path, DEFAULT_VAR_DIR),
                    help="databases, NATS store, logs (default %(default)s)")
    up.add_argument("--ready-timeout", type=seconds,
                    default=env.get("ready-timeout", seconds, DEFAULT_READY_TIMEOUT),
                    help="seconds the services (started together), then the gateway, have to "
                    "be ready; also a restarted process's grace (default %(default)s)")
    up.add_argument("--verbose", action="store_true",
                    default=env.get("verbose", flag, False),
                    help="debug logs from every process")
    up.add_argument("--no-seed", action="store_true",
                    default=env.get("no-seed", flag, False),
                    help="do not seed the demo catalog (2,400 products and services in 41 "
                    "categories) that the first start loads into an empty database")
    up.set_defaults(env_replicas=env.get("replicas", replica_list, []))

    dlq = commands.add_parser("dlq", help="list or replay dead-lettered events")
    dlq_commands = dlq.add_subparsers(dest="action", metavar="ACTION", required=True)
    # Oldest first: the letters that have waited longest, in the order they failed.
    listing = dlq_commands.add_parser(
        "list", help="show the dead letters, oldest first",
        description="Show the dead letters, oldest first (at most --limit of them).",
    )
    listing.add_argument("--limit", type=positive_int, default=20, metavar="N",
                         help="show at most N letters (default %(default)s)")
    replay = dlq_commands.add_parser("replay", help="publish a dead letter again")
    replay.add_argument("sequence", type=positive_int, metavar="SEQ",
                        help="its sequence number, as `dlq list` shows it")
    for sub in (listing, replay):
        sub.add_argument("--nats", type=nats_url, default=env.get("nats", nats_url, None),
                         metavar="URL",
                         help="NATS server (default: the running launcher's, else "
                         f"nats://127.0.0.1:{DEFAULT_NATS_PORT})")
        sub.add_argument("--var-dir", type=Path,
                         default=env.get("var-dir", Path, DEFAULT_VAR_DIR))
    return parser


def parse(
    argv: Sequence[str] | None, environ: Mapping[str, str]
) -> UpOptions | DlqOptions:
    parser = build_parser(environ)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        parser.exit(2)
    if args.command == "dlq":
        return DlqOptions(
            action=args.action,
            nats=args.nats,
            var_dir=args.var_dir,
            limit=getattr(args, "limit", 20),
            sequence=getattr(args, "sequence", None),
        )
    # The command line overrides the environment service by service.
    replicas = dict(args.env_replicas)
    replicas.update(dict(args.replicas))
    return UpOptions(
        host=args.host,
        port=args.port,
        nats=args.nats,
        nats_port=args.nats_port,
        postgres=args.postgres,
        database_prefix=args.database_prefix,
        replicas=replicas,
        service_port_base=args.service_port_base,
        var_dir=args.var_dir,
        ready_timeout=args.ready_timeout,
        verbose=args.verbose,
        seed=not args.no_seed,
    )
