"""A child process the launcher owns: started in its own process group (so a Ctrl-C in the
terminal reaches the launcher alone, which then stops the children in order), its output
copied line by line to a log file and, prefixed with its name, to the console."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

from marketplace_launcher.console import Console

TAIL_LINES = 40
READ_CHUNK = 65536

# Which lines reach the console (all of them reach the log file).
EchoFilter = Callable[[str], bool]


def echo_all(_line: str) -> bool:
    return True


def echo_none(_line: str) -> bool:
    return False


class ChildProcess:
    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        console: Console,
        log_path: Path | None = None,
        echo: EchoFilter = echo_all,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.console = console
        self.log_path = log_path
        self.echo = echo
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._process: asyncio.subprocess.Process | None = None
        self._pump: asyncio.Task[None] | None = None
        self._log: IO[str] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    @property
    def returncode(self) -> int | None:
        return self._process.returncode if self._process is not None else None

    async def start(self) -> None:
        if self.log_path is not None and self._log is None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_path.open("a", encoding="utf-8")
        self.tail.clear()
        self._process = await asyncio.create_subprocess_exec(
            *self.argv,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            process_group=0,
        )
        assert self._process.stdout is not None
        self._pump = asyncio.create_task(self._copy_output(self._process.stdout))

    async def wait(self) -> int:
        """Until the process has exited and all its output is written; its exit code."""
        assert self._process is not None, "not started"
        code = await self._process.wait()
        if self._pump is not None:
            await self._pump
        return code

    async def stop(self, grace: float) -> int | None:
        """SIGTERM to its process group, SIGKILL after ``grace`` seconds; the exit code."""
        if self._process is None:
            return None
        if self._process.returncode is None:
            self._signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self._process.wait(), grace)
            except TimeoutError:
                self.console.error(f"{self.name} did not stop within {grace:g}s: killing it")
                self._signal(signal.SIGKILL)
                await self._process.wait()
        return await self.wait()

    def kill(self) -> None:
        """Last resort, synchronous: for when the launcher itself is going down hard."""
        if self.running:
            self._signal(signal.SIGKILL)

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def _signal(self, sig: signal.Signals) -> None:
        assert self._process is not None
        # The whole group: whatever the child started goes with it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, sig)

    async def _copy_output(self, stream: asyncio.StreamReader) -> None:
        # Chunks, not readline(): a line longer than the stream's limit must not kill the pump.
        pending = b""
        while chunk := await stream.read(READ_CHUNK):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                self._line(line)
        if pending:
            self._line(pending)

    def _line(self, raw: bytes) -> None:
        line = raw.decode("utf-8", errors="replace").rstrip("\r")
        self.tail.append(line)
        if self._log is not None:
            self._log.write(line + "\n")
            self._log.flush()
        if self.echo(line):
            self.console.child_line(self.name, line)


async def run_to_completion(
    name: str,
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    console: Console,
    log_path: Path | None,
    echo: EchoFilter,
    time_limit: float,
) -> ChildProcess:
    """Run a one-off command (``migrate``, ``ensure-admin``); the finished process, whose
    ``returncode`` and ``tail`` tell how it went. A command that overruns is stopped."""
    child = ChildProcess(name, argv, env, console=console, log_path=log_path, echo=echo)
    await child.start()
    try:
        await asyncio.wait_for(child.wait(), time_limit)
    except TimeoutError:
        await child.stop(5.0)
        child.tail.append(f"(still running after {time_limit:g}s: stopped)")
    finally:
        if child.running:  # cancelled: do not leave it behind
            child.kill()
        child.close()
    return child
