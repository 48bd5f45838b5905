"""A sweep that talks: one progress line, no per-job launcher lines (sim/runner/progress.py)."""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sim.runner.progress import ProgressCallback, Watcher, jobs_to_validate, progress_line

ROOT = Path(__file__).resolve().parents[1]


def test_the_progress_line_counts_done_failed_and_time_left():
    assert progress_line(3, 1, 10, 40.0, rate=0.1) == "sweep: 4/10 done, 1 failed, about 1m00s left"
    assert progress_line(0, 0, 10, 5.0) == "sweep: 0/10 done, 0 failed, 5s so far"
    assert progress_line(9, 1, 10, 3725.0) == "sweep: 10/10 done, 1 failed, in 1h02m"


def test_the_watcher_counts_job_folders_and_writes_lines(tmp_path):
    for job in ("0", "1", "2"):
        (tmp_path / job).mkdir()
    (tmp_path / "0" / "summary.json").write_text("{}")
    (tmp_path / "1" / "error.txt").write_text("bad\n")
    stream = io.StringIO()
    watcher = Watcher(tmp_path, total=3, interval=60, stream=stream)
    assert watcher.count() == (1, 1)
    (tmp_path / "2" / "summary.json").write_text("{}")
    watcher.finish()  # never started: prints the last line only
    assert stream.getvalue().startswith("sweep: 3/3 done, 1 failed, in ")


def test_only_jobs_with_a_new_value_are_composed_before_launching():
    batch = [[f"scenario={s}", f"seed={n}"] for s in ("a", "b", "c") for n in range(4)]
    chosen = jobs_to_validate(batch, set())
    assert chosen == [["scenario=a", f"seed={n}"] for n in range(4)] + [
        ["scenario=b", "seed=0"],
        ["scenario=c", "seed=0"],
    ]


@pytest.mark.parametrize(
    ("sweep", "error"),
    [
        (("seed=0,abc",), "error: seed = 'abc' has the wrong type: allowed a whole number >= 0"),
        (
            ("seed=0,1", "ai.cost_per_image=1,zz"),
            "error: ai.cost_per_image = 'zz' has the wrong type: allowed a number > 0",
        ),
        (
            ("scenario=no_ai,laissez_fair",),
            "error: scenario = 'laissez_fair' is not a known scenario (did you mean 'laissez_faire'?): allowed ",
        ),
    ],
    ids=["wrong type", "wrong type, second key", "unknown scenario"],
)
def test_a_bad_value_in_a_later_job_stops_the_sweep_before_any_job_runs(cli, tmp_path, sweep, error):
    # only the first job is composed before launching: the others' values are checked on its config
    done = cli("-m", "population=classroom", "steps=3", *sweep, f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert done.returncode == 2
    assert done.stderr.strip().startswith(error), done.stderr
    assert not (tmp_path / "sweep" / "0").exists(), "a job ran before the bad value was reported"
    assert "sweep-progress" not in [thread.name for thread in threading.enumerate()], "its progress thread lives on"


def test_the_callback_pickles_without_its_thread(tmp_path):
    callback = ProgressCallback(interval=1)
    callback.watcher = Watcher(tmp_path, total=1, interval=1)
    assert pickle.loads(pickle.dumps(callback)).watcher is None


@pytest.mark.slow
def test_a_sweep_prints_progress_and_no_per_job_lines(tmp_path):
    command = [
        sys.executable, "-m", "sim", "-m", "population=classroom", "steps=3", "seed=0,1",
        "scenario=no_ai,laissez_faire", f"hydra.sweep.dir={tmp_path / 'sweep'}", "hydra.callbacks.progress.interval=1",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    assert "Joblib.Parallel" not in output and "#0 :" not in output and "Launching jobs" not in output
    assert "sweep: 4/4 done, 0 failed, in " in output
    assert not list((tmp_path / "sweep").glob("*/figures"))  # a sweep's jobs draw no figures
    verbose = subprocess.run(
        [*command, f"hydra.sweep.dir={tmp_path / 'verbose'}", "hydra.verbose=true"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert "Joblib.Parallel" in verbose.stdout + verbose.stderr


def test_on_a_terminal_the_line_is_rewritten_in_place(tmp_path):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    watcher = Watcher(tmp_path, total=2, interval=60, stream=stream)
    watcher.show()
    watcher.show()
    watcher.finish()
    text = stream.getvalue()
    assert (
        text.count("\r\033[K") == 3
        and text.count("\n") == 1
        and text.endswith("sweep: 0/2 done, 0 failed, 0s so far\n")
    )
