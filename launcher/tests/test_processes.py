import asyncio
import io
import os
import signal
import sys
from pathlib import Path

import pytest

from marketplace_launcher.console import Console
from marketplace_launcher.processes import ChildProcess, echo_all, run_to_completion

pytestmark = pytest.mark.integration


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


async def until_said(child: ChildProcess, line: str) -> None:
    async with asyncio.timeout(10):
        while line not in child.tail:
            await asyncio.sleep(0.01)


async def test_output_goes_to_the_console_prefixed_and_to_the_log(tmp_path: Path) -> None:
    out = io.StringIO()
    console = Console(out, color=False)
    log = tmp_path / "logs" / "echo.log"
    child = ChildProcess(
        "echo.1",
        python("import sys; print('to stdout'); print('to stderr', file=sys.stderr)"),
        os.environ, console=console, log_path=log,
    )

    await child.start()
    assert await child.wait() == 0
    child.close()

    assert sorted(out.getvalue().splitlines()) == ["echo.1 | to stderr", "echo.1 | to stdout"]
    assert sorted(log.read_text().splitlines()) == ["to stderr", "to stdout"]


async def test_a_very_long_line_does_not_break_the_pump(tmp_path: Path) -> None:
    child = ChildProcess(
        "long", python("print('x' * 300_000); print('after')"), os.environ,
        console=Console(io.StringIO(), color=False),
    )

    await child.start()
    await child.wait()

    assert list(child.tail) == ["x" * 300_000, "after"]


async def test_stop_kills_a_process_that_ignores_sigterm() -> None:
    child = ChildProcess(
        "stubborn",
        python(
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)"
        ),
        os.environ, console=Console(io.StringIO(), color=False),
    )
    await child.start()
    await until_said(child, "ready")

    code = await child.stop(grace=0.5)

    assert code == -signal.SIGKILL


async def test_stop_takes_the_whole_process_group_along() -> None:
    child = ChildProcess(
        "parent",
        python(
            "import subprocess, sys, time; "
            "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
            "print(p.pid, flush=True); time.sleep(60)"
        ),
        os.environ, console=Console(io.StringIO(), color=False),
    )
    await child.start()
    async with asyncio.timeout(10):
        while not child.tail:
            await asyncio.sleep(0.01)
    grandchild = int(child.tail[0])

    await child.stop(grace=5)

    async with asyncio.timeout(10):
        while _alive(grandchild):
            await asyncio.sleep(0.01)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # Dead but not yet reaped by whoever adopted it: a zombie counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


async def test_a_one_off_command_that_overruns_is_stopped() -> None:
    run = await run_to_completion(
        "migrate", python("import time; print('working', flush=True); time.sleep(60)"),
        os.environ, console=Console(io.StringIO(), color=False), log_path=None,
        echo=echo_all, time_limit=1.0,
    )

    assert run.returncode != 0
    assert run.tail[-1] == "(still running after 1s: stopped)"
