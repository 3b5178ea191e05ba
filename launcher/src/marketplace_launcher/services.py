"""The one table of the processes the launcher runs.

Adding a service to the system is one row here (plus its package in the workspace): the
launcher starts only the rows whose package is installed, so the table can list the whole
target architecture while the repository grows into it.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    name: str
    module: str
    env_prefix: str
    port: int
    migrates: bool = True
    # The command that fills the service's empty database with demo data, run after the
    # migrations on every start unless ``--no-seed``: it must leave a database with data in
    # it as it is, so only the first start seeds.
    seed: tuple[str, ...] = ()
    # The services it calls over HTTP, as (its setting, the called service): the launcher
    # passes the called service's replicas' URLs, comma-separated, as ``<PREFIX><SETTING>``
    # (``ORDERS_CATALOG_URL=http://127.0.0.1:8102,http://127.0.0.1:8202``).
    calls: tuple[tuple[str, str], ...] = ()

    @property
    def installed(self) -> bool:
        return importlib.util.find_spec(self.module) is not None


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("auth", "auth_service", "AUTH_", 8101),
    ServiceSpec("catalog", "catalog_service", "CATALOG_", 8102, seed=("seed",)),
    ServiceSpec(
        "orders",
        "orders_service",
        "ORDERS_",
        8103,
        calls=(("CATALOG_URL", "catalog"), ("PAYMENTS_URL", "payments")),
    ),
    ServiceSpec(
        "payments", "payments_service", "PAYMENTS_", 8104, calls=(("ORDERS_URL", "orders"),)
    ),
    ServiceSpec(
        "reviews", "reviews_service", "REVIEWS_", 8105, calls=(("CATALOG_URL", "catalog"),)
    ),
    ServiceSpec("notifications", "notifications_service", "NOTIFICATIONS_", 8106),
    ServiceSpec("analytics", "analytics_service", "ANALYTICS_", 8107),
)

GATEWAY = ServiceSpec("gateway", "gateway_service", "GATEWAY_", 8000, migrates=False)

# The service that issues tokens: every process trusts its JWKS.
ISSUER_SERVICE = "auth"
JWKS_PATH = "/api/auth/jwks.json"

# Ports in the table are relative to this base, so ``--service-port-base`` can move the
# whole block (tests do, to stay off the well-known ports).
DEFAULT_SERVICE_PORT_BASE = 8100
# Replica k of a service listens ``REPLICA_PORT_STRIDE * (k - 1)`` above its first one:
# auth.1 on 8101, auth.2 on 8201, catalog.2 on 8202. Replicas never collide with neighbours.
REPLICA_PORT_STRIDE = 100
MAX_REPLICAS = 16


def by_name(name: str) -> ServiceSpec | None:
    for spec in SERVICES:
        if spec.name == name:
            return spec
    return None


def installed_services() -> tuple[ServiceSpec, ...]:
    return tuple(spec for spec in SERVICES if spec.installed)
