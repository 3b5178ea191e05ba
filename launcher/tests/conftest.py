"""The launcher's tests run it against stand-in services from ``support/``, which must be
importable both here (the launcher looks services up with find_spec) and in the children."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SUPPORT = Path(__file__).parent / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))

from launch_harness import LaunchFactory  # noqa: E402 - needs the path above


@pytest.fixture
def launches(tmp_path: Path) -> LaunchFactory:
    return LaunchFactory(var_dir=tmp_path / "var")
