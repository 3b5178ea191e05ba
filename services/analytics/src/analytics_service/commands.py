"""The analytics service's own verbs: ``rebuild`` and ``seed``."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from marketplace_platform.settings import ServiceSettings

Command = Callable[[argparse.Namespace, ServiceSettings], int | None]


def commands() -> dict[str, tuple[Callable[[argparse.ArgumentParser], None], Command]]:
    return {}
