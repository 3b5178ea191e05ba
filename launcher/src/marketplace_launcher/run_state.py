"""What a running launcher leaves in its var dir for others to find.

- ``launcher.lock``: held (flock) for the launcher's whole life, so two launchers never share
  a var dir; the kernel lets go of it when the process dies, so a crash leaves nothing stale.
- ``launcher.json``: written once everything is ready: pid, URLs, ports. ``marketplace dlq``
  reads the NATS URL from it, tests and scripts can read the ports.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from pathlib import Path
from typing import IO, Any

LOCK_NAME = "launcher.lock"
STATE_NAME = "launcher.json"


class AlreadyRunning(RuntimeError):
    pass


class RunState:
    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.lock_path = var_dir / LOCK_NAME
        self.state_path = var_dir / STATE_NAME
        self._lock: IO[str] | None = None

    def acquire(self) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        # A var/ made before (or by hand) may be open to every user: close it.
        self.var_dir.chmod(0o700)
        lock = self.lock_path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "?"
            lock.close()
            raise AlreadyRunning(
                f"another launcher (pid {holder}) is running with {self.var_dir}; "
                "stop it first, or use another --var-dir"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        self._lock = lock
        # Whatever an earlier launcher wrote is not true any more.
        self.state_path.unlink(missing_ok=True)

    def publish(self, state: dict[str, Any]) -> None:
        temporary = self.state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
        temporary.replace(self.state_path)

    def release(self) -> None:
        self.state_path.unlink(missing_ok=True)
        if self._lock is not None:
            with contextlib.suppress(OSError):
                self._lock.truncate(0)
            self._lock.close()  # closing drops the flock
            self._lock = None


def read_published(var_dir: Path) -> dict[str, Any] | None:
    """The state of the launcher running with ``var_dir``, if one is running and ready."""
    try:
        data = json.loads((var_dir / STATE_NAME).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return data if isinstance(data, dict) else None
