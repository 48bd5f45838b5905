"""Shared helpers: compose the real configs in-process, as the CLI would; run the CLI in-process."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hydra.core.global_hydra import GlobalHydra
from hypothesis import HealthCheck, settings

from sim.core.schema import SimConfig
from sim.runner.compose import CONFIG_DIR as CONFIG_DIR  # re-exported for the tests
from sim.runner.compose import compose, load_config

compose_config = compose  # the composed DictConfig for these overrides (Hydra's own errors propagate)
make_config = load_config  # a validated SimConfig for these overrides


@pytest.fixture
def classroom() -> SimConfig:
    return make_config("population=classroom", "steps=36")


@pytest.fixture
def student_scenario(tmp_path, monkeypatch) -> Path:
    """A copy of configs/ in use, with a student's scenario ``my_policy``: union_royalties copied under that name,
    its royalty floor made 12 (out of range). Returns the copy's folder."""
    from sim.runner import compose as composing

    configs = tmp_path / "configs"
    shutil.copytree(composing.CONFIG_DIR, configs)
    text = (configs / "scenario" / "union_royalties.yaml").read_text(encoding="utf-8")
    text = text.replace("scenario_name: union_royalties", "scenario_name: my_policy")
    (configs / "scenario" / "my_policy.yaml").write_text(text.replace("royalty_floor: 1.0 ", "royalty_floor: 12.0"))
    monkeypatch.setattr(composing, "CONFIG_DIR", str(configs))
    return configs


@dataclass
class Done:
    """What a finished command left: its exit status and what it printed (as subprocess.CompletedProcess)."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """``cli(*args)``: the command line ``python -m sim ARGS`` run in this process, in ``tmp_path``."""
    from sim.runner.cli import entry

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    root = logging.getLogger()

    def call(*args: str) -> Done:
        monkeypatch.setattr(sys, "argv", ["sim", *args])
        handlers, level = root.handlers[:], root.level
        capsys.readouterr()
        GlobalHydra.instance().clear()  # as in a fresh process
        try:
            entry()
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
        finally:
            GlobalHydra.instance().clear()
            for handler in set(root.handlers) - set(handlers):  # Hydra's job logging (cli.log), if it got that far
                handler.close()
            root.handlers[:] = handlers
            root.setLevel(level)
        printed = capsys.readouterr()
        return Done(code, printed.out, printed.err)

    return call


# -- the documented experiment sweeps, started early ---------------------------------------------------
# tests/test_science.py checks what the documented calibration and sensitivity commands write (tests/test_docs.py
# leaves them to it). Each is a real `-m` sweep, most of a minute; started as soon as collection ends (and only if
# a selected test asks for it, through the `documented_sweep` fixture), it runs beside the in-process tests, on
# the core they leave idle, instead of after them.
_SWEEPS: dict[str, tuple[subprocess.Popen, Path, Path]] = {}  # experiment -> (process, its folder, sweep folder)
_SWEEP_ROOT: list[Path] = []


def start_documented_sweep(experiment: str) -> None:
    """Start the experiment's documented command, at smoke size, in a folder of its own (once)."""
    from tests.test_docs import documented_run

    if experiment in _SWEEPS:
        return
    if not _SWEEP_ROOT:
        _SWEEP_ROOT.append(Path(tempfile.mkdtemp(prefix="documented-sweeps-")))
    cwd = _SWEEP_ROOT[0] / experiment
    cwd.mkdir()
    argv = documented_run(experiment)
    sweep_dir = next((arg.split("=", 1)[1] for arg in argv if arg.startswith("hydra.sweep.dir=")), None)
    if sweep_dir is None:
        sweep_dir = "sweep"
        argv.append(f"hydra.sweep.dir={sweep_dir}")
    if os.environ.get("PYTEST_XDIST_WORKER"):  # the other cores run tests: jobs in the sweep's own process, one
        argv.append("hydra/launcher=basic")  # by one, spare each sweep starting two workers that import everything
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    with open(cwd / "stdout.txt", "w") as out, open(cwd / "stderr.txt", "w") as err:
        process = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, env=env, start_new_session=True)
    _SWEEPS[experiment] = (process, cwd, cwd / sweep_dir)


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly or os.environ.get("PYTEST_XDIST_WORKER"):
        return  # under pytest-xdist each worker has every item: the fixture starts a sweep where its test runs
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "documented_sweep" in callspec.params:
            start_documented_sweep(callspec.params["documented_sweep"])


def pytest_sessionfinish(session: pytest.Session) -> None:
    for process, _, _ in _SWEEPS.values():
        if process.poll() is None:  # the session ended first (a failure with -x, Ctrl-C): stop the sweep
            with contextlib.suppress(ProcessLookupError):  # its job workers too: the sweep has a session of its own
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
    for root in _SWEEP_ROOT:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def documented_sweep(request: pytest.FixtureRequest) -> tuple[Done, Path]:
    """(what the command did, its sweep folder) for the experiment given as the parameter (indirect=True)."""
    start_documented_sweep(request.param)  # already started, unless collection was bypassed
    process, cwd, sweep = _SWEEPS[request.param]
    code = process.wait(timeout=900)
    done = Done(code, (cwd / "stdout.txt").read_text(), (cwd / "stderr.txt").read_text())
    return done, sweep


# Property tests (tests/test_properties.py): one fixed profile, so CI is deterministic and bounded.
# `HYPOTHESIS_PROFILE=thorough pytest tests/test_properties.py` searches longer, locally.
settings.register_profile(
    "ci",
    derandomize=True,  # the same examples on every machine and every run
    database=None,  # no .hypothesis/ folder: nothing carried between runs
    max_examples=150,
    deadline=None,  # a model run's time varies with the machine's load; bound it by max_examples
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("thorough", parent=settings.get_profile("ci"), derandomize=False, max_examples=500)
# `make test-fast` (the edit loop) sets HYPOTHESIS_PROFILE=fast: the same fixed search, cut short
settings.register_profile("fast", parent=settings.get_profile("ci"), max_examples=20)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
