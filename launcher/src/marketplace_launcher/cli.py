"""``marketplace``: the console script (``marketplace up``, ``marketplace dlq ...``)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence

from marketplace_launcher.console import Console
from marketplace_launcher.options import DlqOptions, parse


def main(argv: Sequence[str] | None = None) -> int:
    environ = dict(os.environ)
    options = parse(argv, environ)
    console = Console(sys.stdout)
    if isinstance(options, DlqOptions):
        # Imported on demand: the event bus costs `marketplace up` a second of start-up.
        from marketplace_launcher import dead_letter_commands

        return asyncio.run(dead_letter_commands.run(options, console, environ))
    from marketplace_launcher.up import up

    return asyncio.run(up(options, environ, console))


if __name__ == "__main__":
    sys.exit(main())
