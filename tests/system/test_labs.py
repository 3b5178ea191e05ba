"""The labs that script themselves (code blocks marked ``sh lab`` in docs/labs/) run as
written, against the system the system tests start: a lab whose commands no longer work
fails here, not in front of a learner."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from marketplace_launcher.testing import RunningSystem

pytestmark = pytest.mark.system

ROOT = Path(__file__).resolve().parents[2]
LAB_BLOCK = re.compile(r"^```sh lab\n(.*?)^```", re.MULTILINE | re.DOTALL)
SCRIPTED = sorted(
    path for path in (ROOT / "docs" / "labs").glob("*.md") if LAB_BLOCK.search(path.read_text())
)


def test_some_labs_script_themselves() -> None:
    assert len(SCRIPTED) >= 3


@pytest.mark.parametrize("lab", SCRIPTED, ids=lambda path: path.stem)
def test_a_labs_script_runs_as_written(system: RunningSystem, lab: Path) -> None:
    missing = [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]
    if missing:
        # CI installs them (.ci/run): there a lab that was not run is a failure.
        if os.environ.get("CI") == "true":
            pytest.fail(f"the labs need {', '.join(missing)}")
        pytest.skip(f"the labs need {', '.join(missing)}")
    script = "\n".join(LAB_BLOCK.findall(lab.read_text(encoding="utf-8")))
    env = {**os.environ, "B": system.url, "VAR": str(system.var_dir)}
    done = subprocess.run(
        ["bash", "-e", "-u", "-o", "pipefail", "-c", script],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False,
    )
    assert done.returncode == 0, f"{lab.name} failed:\n{done.stdout}\n{done.stderr}"
    assert "lab ready:" in done.stdout
