"""Tab completion of the command in both its forms, ``python -m sim`` and ``fashion-sim`` (sim/runner/cli.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent

COMPLETE = r"""
source "$1"
shift
COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}
words=($COMP_LINE)
if [[ "$COMP_LINE" == *" " ]]; then COMP_CWORD=${#words[@]}; else COMP_CWORD=$((${#words[@]} - 1)); fi
_fashion_sim_complete
echo "${COMPREPLY[*]}"
"""


@pytest.fixture(scope="module")
def script(tmp_path_factory) -> Path:
    """The bash script that the README's install command prints."""
    done = subprocess.run(
        [sys.executable, "-m", "sim", "--shell-completion", "install=bash"], capture_output=True, text=True, check=True
    )
    path = tmp_path_factory.mktemp("completion") / "fashion-sim.bash"
    path.write_text(done.stdout)
    return path


def complete(script: Path, line: str) -> list[str]:
    """What bash offers at the end of ``line``, with the project's environment first on PATH."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-c", COMPLETE, "complete", str(script), line], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")


@pytest.mark.parametrize("program", ["python -m sim", f"{BIN / 'python'} -m sim", "fashion-sim"])
def test_group_choices_complete_in_every_form_of_the_command_without_the_schemas(script, program):
    assert complete(script, f"{program} ai=") == ["ai=fast", "ai=moderate", "ai=slow"]
    assert complete(script, f"{program} -m seed=0,1 population=cl") == ["population=classroom"]


def test_keys_complete_and_other_python_commands_are_left_alone(script):
    assert "ai.cost_per_image=" in complete(script, "python -m sim ai.cost")
    assert complete(script, "python other.py ") == []
