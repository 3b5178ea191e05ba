"""The launcher's terminal: its own messages, and every child's lines prefixed with the child's
name (``auth.1 | ...``), coloured only when the terminal can show it."""

from __future__ import annotations

import os
import sys
import zlib
from typing import TextIO

_RESET = "\033[0m"
_BOLD = "\033[1m"
_RED = "\033[31m"
_PALETTE = ("\033[36m", "\033[32m", "\033[33m", "\033[34m", "\033[35m", "\033[96m", "\033[92m",
            "\033[93m", "\033[94m", "\033[95m")


def wants_color(stream: TextIO, environ: dict[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):  # https://no-color.org
        return False
    if env.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and env.get("TERM") != "dumb"


class Console:
    def __init__(self, stream: TextIO | None = None, *, color: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.color = wants_color(self.stream) if color is None else color
        self.width = 0

    def reserve(self, names: list[str]) -> None:
        """Align the prefixes of every name that will speak."""
        self.width = max([self.width, *(len(name) for name in names)])

    def prefix(self, name: str) -> str:
        label = name.ljust(self.width)
        if not self.color:
            return f"{label} | "
        # One colour per service, shared by its replicas, stable from run to run.
        service = name.split(".", 1)[0]
        colour = _PALETTE[zlib.crc32(service.encode()) % len(_PALETTE)]
        return f"{colour}{label} |{_RESET} "

    def child_line(self, name: str, line: str) -> None:
        self._write(self.prefix(name) + line)

    def info(self, text: str) -> None:
        self._write(text)

    def headline(self, text: str) -> None:
        self._write(f"{_BOLD}{text}{_RESET}" if self.color else text)

    def error(self, text: str) -> None:
        self._write(f"{_RED}{text}{_RESET}" if self.color else text)

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text + "\n")
            self.stream.flush()
        except (BrokenPipeError, ValueError):
            # Whoever read our output went away (e.g. `| head`); keep running, stay silent.
            pass
