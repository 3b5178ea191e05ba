"""The environment each child process gets: the services are configured by nothing else.

Every setting goes in with the service's prefix (``AUTH_PORT``, ``AUTH_DATABASE_URL`` ...),
over a copy of the launcher's own environment, so an operator can still pass any service
setting through (``AUTH_ACCESS_TOKEN_TTL_SECONDS=60 marketplace up``). What the launcher
decides (ports, database, broker, who to trust) wins over what it inherited.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from marketplace_launcher.broker import PASSWORD_ENV, USER_ENV
from marketplace_launcher.ports import Instance
from marketplace_launcher.services import ISSUER_SERVICE, JWKS_PATH, ServiceSpec

# Secrets meant for the launcher alone: they must not sit in every child's environment (the
# NATS credentials reach the services under their own prefix).
LAUNCHER_SECRETS = ("MARKETPLACE_ADMIN_PASSWORD", USER_ENV, PASSWORD_ENV)


@dataclass(frozen=True, slots=True)
class Topology:
    """What every process must agree on."""

    nats_url: str
    jwks_url: str
    var_dir: Path
    verbose: bool = False
    # The shared secret of service-to-service calls (``X-Internal-Token``).
    internal_token: str = ""
    # What auth encrypts its private signing keys with; auth alone gets it.
    signing_key_passphrase: str = ""
    # The broker's credentials (none: an external NATS whose URL carries them, or none).
    nats_user: str = ""
    nats_password: str = ""


def jwks_url(issuer: Instance) -> str:
    return issuer.url + JWKS_PATH


def database_name(prefix: str, spec: ServiceSpec) -> str:
    return f"{prefix}_{spec.name}"


def database_url(spec: ServiceSpec, var_dir: Path, postgres: URL | None, prefix: str) -> str:
    """The service's own database: a SQLite file under the var dir, or its PostgreSQL
    database on the given server (database-per-service either way)."""
    if postgres is None:
        return f"sqlite+aiosqlite:///{(var_dir / f'{spec.name}.db').resolve()}"
    return postgres.set(database=database_name(prefix, spec)).render_as_string(
        hide_password=False
    )


def base_environment(inherited: Mapping[str, str]) -> dict[str, str]:
    env = {key: value for key, value in inherited.items() if key not in LAUNCHER_SECRETS}
    # Children write to a pipe, which Python would otherwise buffer: lines must flow as
    # they are logged, so a crash's last words are not lost.
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _common(spec: ServiceSpec, topology: Topology) -> dict[str, str]:
    prefix = spec.env_prefix
    settings = {
        "NATS_URL": topology.nats_url,
        "JWKS_URL": topology.jwks_url,
        "VAR_DIR": str(topology.var_dir.resolve()),
    }
    if topology.verbose:
        settings["LOG_LEVEL"] = "DEBUG"
    if topology.internal_token:
        settings["INTERNAL_TOKEN"] = topology.internal_token
    if topology.nats_user:
        settings["NATS_USER"] = topology.nats_user
        settings["NATS_PASSWORD"] = topology.nats_password
    if spec.name == ISSUER_SERVICE and topology.signing_key_passphrase:
        settings["SIGNING_KEY_PASSPHRASE"] = topology.signing_key_passphrase
    return {prefix + key: value for key, value in settings.items()}


def peer_settings(spec: ServiceSpec, upstreams: Mapping[str, list[str]]) -> dict[str, str]:
    """Where ``spec`` finds the services it calls: every replica's URL, comma-separated (the
    caller goes round-robin and skips a replica that does not answer). A called service that
    is not running is left out, and the caller keeps its default."""
    return {
        spec.env_prefix + setting: ",".join(upstreams[callee])
        for setting, callee in spec.calls
        if upstreams.get(callee)
    }


def service_environment(
    inherited: Mapping[str, str],
    spec: ServiceSpec,
    topology: Topology,
    *,
    database: str,
    port: int | None = None,
    upstreams: Mapping[str, list[str]] | None = None,
) -> dict[str, str]:
    """For ``serve`` (with the instance's port and the running services' URLs) and for
    one-off verbs like ``migrate``."""
    env = base_environment(inherited)
    env.update(_common(spec, topology))
    env.update(peer_settings(spec, upstreams or {}))
    env[spec.env_prefix + "DATABASE_URL"] = database
    if port is not None:
        env[spec.env_prefix + "HOST"] = "127.0.0.1"  # only the gateway faces the network
        env[spec.env_prefix + "PORT"] = str(port)
    return env


def upstream_table(instances: Iterable[Instance]) -> dict[str, list[str]]:
    """``{"auth": ["http://127.0.0.1:8101", ...]}``: the gateway's routing table."""
    table: dict[str, list[str]] = {}
    for instance in instances:
        table.setdefault(instance.spec.name, []).append(instance.url)
    return table


def gateway_environment(
    inherited: Mapping[str, str],
    gateway: ServiceSpec,
    topology: Topology,
    *,
    host: str,
    port: int,
    upstreams: Mapping[str, list[str]],
) -> dict[str, str]:
    env = base_environment(inherited)
    env.update(_common(gateway, topology))
    prefix = gateway.env_prefix
    env[prefix + "HOST"] = host
    env[prefix + "PORT"] = str(port)
    env[prefix + "UPSTREAMS"] = json.dumps(upstreams, separators=(",", ":"))
    return env
