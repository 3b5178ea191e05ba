"""Which port each process listens on.

A service's first replica listens on its well-known port (auth 8101 ...), moved by the
service port base; replica k listens ``REPLICA_PORT_STRIDE * (k - 1)`` above it. A port some
other program holds is skipped for the next free one, so a busy 8103 on a developer's machine
does not stop the launch; the gateway and NATS ports are the user's promise and are not moved.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from marketplace_launcher.services import (
    DEFAULT_SERVICE_PORT_BASE,
    REPLICA_PORT_STRIDE,
    ServiceSpec,
)

LOOPBACK = "127.0.0.1"
SEARCH_SPAN = 1000

PortCheck = Callable[[int], bool]


class PortUnavailable(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Instance:
    """One process of a service: ``auth.1``, ``auth.2`` ..."""

    spec: ServiceSpec
    index: int
    port: int

    @property
    def name(self) -> str:
        return f"{self.spec.name}.{self.index}"

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """Whether a server could listen there now. SO_REUSEADDR as uvicorn and aiohttp set it,
    so a port left in TIME_WAIT by the previous run counts as free."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def preferred_port(spec: ServiceSpec, index: int, base: int) -> int:
    return base + (spec.port - DEFAULT_SERVICE_PORT_BASE) + REPLICA_PORT_STRIDE * (index - 1)


def plan_instances(
    services: Iterable[ServiceSpec],
    replicas_of: Callable[[str], int],
    *,
    base: int = DEFAULT_SERVICE_PORT_BASE,
    reserved: Collection[int] = (),
    is_free: PortCheck = port_is_free,
) -> list[Instance]:
    """Every replica of every service with the port it will listen on, in table order."""
    taken = set(reserved)
    instances: list[Instance] = []
    for spec in services:
        for index in range(1, replicas_of(spec.name) + 1):
            port = _first_free(preferred_port(spec, index, base), taken, is_free)
            taken.add(port)
            instances.append(Instance(spec, index, port))
    return instances


def _first_free(start: int, taken: Collection[int], is_free: PortCheck) -> int:
    for port in range(start, min(start + SEARCH_SPAN, 65536)):
        if port not in taken and is_free(port):
            return port
    raise PortUnavailable(f"no free port in {start}-{start + SEARCH_SPAN - 1}")
