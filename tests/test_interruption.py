"""A run killed part way leaves nothing that looks complete, and the next run into its folder works."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.runner import io
from sim.runner.run import run
from tests.conftest import make_config

KILLED_RUN = ("population=national", "steps=120")  # about 100,000 workers: runs long enough to kill


def start_cli(*args: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    env.pop("HYDRA_FULL_ERROR", None)
    return subprocess.Popen(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as at a terminal: a test suite started in the background (`cmd &`) inherits SIGINT ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def wait_for_removal(path: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while path.exists():
        assert time.monotonic() < deadline, f"{path} was never removed"
        time.sleep(0.02)


def assert_nothing_looks_complete(out: Path) -> None:
    assert not io.is_complete(out)
    assert not (out / io.COMPLETE_MARKER).exists()
    # no stale tables of an earlier run beside the killed one, and no half-written file under a real name
    leftovers = sorted(p.name for p in out.rglob("*") if p.is_file() and p.suffix in (".parquet", ".json", ".png"))
    assert leftovers == [] or all(name.startswith(".") for name in leftovers), leftovers


@pytest.mark.slow
@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=["SIGTERM", "SIGINT (Ctrl-C)", "SIGKILL"]
)
def test_killed_run_looks_incomplete_and_the_next_run_into_its_folder_works(tmp_path, signum, cli):
    out = tmp_path / "run"
    run(make_config("population=classroom", "steps=6"), out)  # a finished run in the folder
    assert io.is_complete(out)
    earlier = [path for path in out.rglob("*") if path.is_file() and path.suffix in (".parquet", ".png")]

    killed = start_cli(*KILLED_RUN, f"hydra.run.dir={out}", cwd=tmp_path)
    wait_for_removal(out / io.COMPLETE_MARKER)  # run() has started: it removes the marker first,
    for path in earlier:  # then the earlier results (a kill between the two, on a busy machine, would leave them)
        wait_for_removal(path)
    time.sleep(1.0)
    assert killed.poll() is None, "the run ended before it could be killed"
    killed.send_signal(signum)
    _, stderr = killed.communicate(timeout=120)
    code = killed.returncode
    if signum != signal.SIGKILL:  # the run can still say so, in one line
        name = signal.Signals(signum).name
        assert code == 128 + signum
        assert stderr.strip() == f"error: interrupted by {name}: the run is incomplete (no summary.json)"
        assert "Traceback" not in stderr
    else:
        assert code == -signal.SIGKILL
    assert_nothing_looks_complete(out)

    # the next command into the folder: the CLI's entry point in this process (it sees only what is on disk)
    again = cli("population=classroom", "steps=6", "seed=9", f"hydra.run.dir={out}")
    assert again.returncode == 0, again.stderr
    assert io.is_complete(out)
    assert json.loads((out / "summary.json").read_text())["seed"] == 9
    assert len(pd.read_parquet(out / "occupations.parquet")) == 6 * 6
    assert not [p.name for p in out.rglob(".*") if p.is_file()], "temporary files left behind"


def test_a_write_that_fails_part_way_leaves_no_file_and_no_temporary(tmp_path):
    target = tmp_path / "market.parquet"

    def half_written(tmp: Path) -> None:
        tmp.write_bytes(b"PAR1 half")
        raise KeyboardInterrupt("killed while writing")

    with pytest.raises(KeyboardInterrupt):
        io.write_atomic(target, half_written)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow  # two runs with every output written
def test_the_next_run_clears_what_a_killed_run_left_behind(tmp_path, classroom):
    out = tmp_path / "run"
    run(classroom, out)
    # what SIGKILL in the middle of the writes of a second run would leave: a temporary file,
    # a stale marker is already gone (removed first), an older table beside a newer one
    (out / ".occupations.parquet.x1y2z3.parquet").write_bytes(b"PAR1 half")
    (out / "figures" / ".income.png.abc123.png").write_bytes(b"\x89PNG half")
    (out / io.COMPLETE_MARKER).unlink()
    io.mark_incomplete(out)
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == []
    summary = run(classroom, out)
    assert io.is_complete(out) and summary["steps"] == classroom.steps
