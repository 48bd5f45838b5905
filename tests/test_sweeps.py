"""Experiments and -m sweeps end to end: composition, real multiruns, faults, reruns, launchers."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser

import sim
from sim.core.schema import to_schema
from sim.runner import collect
from sim.runner.compose import register
from sim.runner.run import simulate
from tests.conftest import CONFIG_DIR

EXPERIMENTS = sorted(path.stem for path in (Path(CONFIG_DIR) / "experiment").glob("*.yaml"))
SCENARIOS = sorted(path.stem for path in (Path(CONFIG_DIR) / "scenario").glob("*.yaml"))


def sweep_of(*overrides: str) -> tuple[list[list[str]], list[str]]:
    """The jobs Hydra's basic sweeper makes of a `-m` command line (params first, then the line)."""
    parsed = OverridesParser.create().parse_overrides(list(overrides))
    fixed = [override.input_line for override in parsed if not override.is_sweep_override()]
    register()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose("config", overrides=fixed, return_hydra_config=True)
    return collect.expand_sweep(dict(cfg.hydra.sweeper.params or {}), list(overrides))


def run_sweep(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    return subprocess.run(
        [sys.executable, "-m", "sim", "-m", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600
    )


def test_required_experiments_exist_and_are_catalogued():
    assert {"policy_comparison", "ai_cost_sweep", "royalty_floor_sweep", "backlash_sweep"} <= set(EXPERIMENTS)
    catalogue = (Path(CONFIG_DIR).parent / "experiments" / "README.md").read_text()
    for name in EXPERIMENTS:
        assert f"experiment={name}" in catalogue, name


# the sensitivity experiments' smoke forms cut their design (configs/experiment/size/NAME_smoke.yaml): their job counts
SMOKE_JOBS = {"sensitivity": 32, "sensitivity_screen": 64}
# experiments whose whole smoke sweep tests/test_science.py or tests/test_evidence.py runs (every point composed,
# validated and run)
SMOKE_RUN_IN_FULL = ("calibration", "history", "sensitivity", "sensitivity_screen")


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_sweeps_have_their_size_and_the_smoke_size_keeps_every_point(name):
    full, swept = sweep_of(f"experiment={name}")
    assert len(full) >= 20 and "seed" in swept
    smoke, _ = sweep_of(f"experiment={name}", "size=smoke")
    if name in SMOKE_JOBS:  # a smaller design, not every point
        assert len(smoke) == SMOKE_JOBS[name]
        return
    full_points = len(full) // len({job_seed(job) for job in full})
    assert len(smoke) == full_points * 2


@pytest.mark.slow
@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_smoke_points_compose_and_run(name):
    smoke, _ = sweep_of(f"experiment={name}", "size=smoke")
    if name in SMOKE_RUN_IN_FULL:  # its every point composes and runs in tests/test_science.py
        points = [smoke[0], smoke[-1]]
    else:  # each point once: its jobs differ from one seed to the next in the seed alone
        points = [job for job in smoke if job_seed(job) == job_seed(smoke[0])]
        assert {tuple(o for o in job if o != job_seed(job)) for job in smoke} == {
            tuple(o for o in job if o != job_seed(job)) for job in points
        }
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):  # every point composes and validates
        configs = [to_schema(compose("config", overrides=[f"experiment={name}", "size=smoke", *job])) for job in points]
    assert all(cfg.population.name == "classroom" and cfg.steps == 12 for cfg in configs)
    for cfg in (configs[0], configs[-1]):
        occupations, market = simulate(cfg)
        assert len(market) == 12 and len(occupations) == 72


def job_seed(job: list[str]) -> str:
    return next(override for override in job if override.startswith("seed="))


def test_policy_comparison_covers_every_scenario_and_the_command_line_seeds_replace_its_own():
    full, _ = sweep_of("experiment=policy_comparison")
    assert len(full) == len(SCENARIOS) * 20
    quick, swept = sweep_of("experiment=policy_comparison", "population=classroom", "steps=12", "seed=0,1")
    assert swept == ["scenario", "seed"] and len(quick) == len(SCENARIOS) * 2
    assert {job_seed(job) for job in quick} == {"seed=0", "seed=1"}
    assert {job[0] for job in quick} == {f"scenario={name}" for name in SCENARIOS}


@pytest.mark.slow
def test_joblib_multirun_of_an_experiment_combines_every_job(tmp_path):
    sweep = tmp_path / "sweep"
    done = run_sweep(
        "experiment=ai_cost_sweep",
        "size=smoke",
        "ai.cost_per_image=0.5,8.0",
        "regulation=none,eu_ai_act",
        "seed=7",
        "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert f"{sweep}: 4 jobs, 4 complete, 0 failed, 0 missing" in done.stdout
    jobs = pd.read_parquet(sweep / "jobs.parquet")
    assert jobs["job"].tolist() == ["0", "1", "2", "3"] and (jobs["status"] == "complete").all()
    assert (jobs["seed"] == 7).all(), "seed=7 on the command line replaces the experiment's seed sweep"
    occupations = pd.read_parquet(sweep / "occupations.parquet")
    assert {"job", "scenario", "seed", "ai.cost_per_image", "regulation"} <= set(occupations.columns)
    groups = occupations.groupby(["ai.cost_per_image", "regulation"]).size()
    assert groups.to_dict() == {(c, r): 72 for c in (0.5, 8.0) for r in ("eu_ai_act", "none")}
    market = pd.read_parquet(sweep / "market.parquet")
    assert len(market) == 4 * 12 and set(market["job"]) == {"0", "1", "2", "3"}
    for number, row in jobs.iterrows():
        summary = json.loads((sweep / row["job"] / "summary.json").read_text())
        assert summary["seed"] == 7 and summary["scenario"] == "baseline" and summary["population"] == "classroom"
        job_market = pd.read_parquet(sweep / row["job"] / "market.parquet")
        assert job_market["cost_per_image"].iloc[0] == market[market["job"] == str(number)]["ai.cost_per_image"].iloc[0]
        # the same config and seed, run here in one process, gives the same tables, value for value: a job composed
        # in a joblib worker (from the sweep's cached config after its first) is the run its overrides describe
        overrides = yaml.safe_load((sweep / row["job"] / ".hydra" / "overrides.yaml").read_text())
        alone = sim.simulate(*overrides)
        for name in ("occupations", "market", "cohorts"):
            pd.testing.assert_frame_equal(
                getattr(alone, name),
                pd.read_parquet(sweep / row["job"] / f"{name}.parquet"),
                check_exact=True,
            )


@pytest.mark.slow
def test_failed_job_is_recorded_the_others_kept_and_a_rerun_completes_only_it(tmp_path):
    sweep = tmp_path / "sweep"
    common = ("population=classroom", "steps=6", "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={sweep}")
    done = run_sweep("ai.adoption_p=0.01,1.5", *common, cwd=tmp_path)
    assert done.returncode == 1
    assert "job 1 failed: ai.adoption_p = 1.5 is out of range: allowed 0 <= value <= 1" in done.stderr.splitlines()
    assert "Traceback" not in done.stderr + done.stdout
    assert "2 jobs, 1 complete, 1 failed, 0 missing" in done.stdout
    error = (sweep / "1" / "error.txt").read_text().strip()
    assert error == "ai.adoption_p = 1.5 is out of range: allowed 0 <= value <= 1"
    assert not (sweep / "1" / "summary.json").exists()
    jobs = pd.read_parquet(sweep / "jobs.parquet")
    assert jobs["status"].tolist() == ["complete", "failed"] and jobs.loc[1, "error"] == error
    assert set(pd.read_parquet(sweep / "occupations.parquet")["job"]) == {"0"}
    first = (sweep / "0" / "summary.json").stat().st_mtime_ns

    done = run_sweep("ai.adoption_p=0.01,0.02", *common, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (sweep / "0" / "summary.json").stat().st_mtime_ns == first, "the complete job was not rerun"
    assert "already complete" in (sweep / "0" / "cli.log").read_text()
    assert not (sweep / "1" / "error.txt").exists()
    jobs = pd.read_parquet(sweep / "jobs.parquet")
    assert (jobs["status"] == "complete").all() and jobs["error"].isna().all()
    occupations = pd.read_parquet(sweep / "occupations.parquet")
    assert occupations.groupby("ai.adoption_p")["job"].first().to_dict() == {0.01: "0", 0.02: "1"}

    # a grown sweep: the finished jobs move to their new numbers and are not run again; only the new one runs
    made = {number: (sweep / number / "summary.json").stat().st_mtime_ns for number in ("0", "1")}
    done = run_sweep("ai.adoption_p=0.005,0.01,0.02", *common, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2 finished jobs moved to their numbers in this sweep" in done.stdout
    assert {number: (sweep / number / "summary.json").stat().st_mtime_ns for number in ("1", "2")} == {
        "1": made["0"],
        "2": made["1"],
    }
    occupations = pd.read_parquet(sweep / "occupations.parquet")
    assert occupations.groupby("ai.adoption_p")["job"].first().to_dict() == {0.005: "0", 0.01: "1", 0.02: "2"}


NEEDS_SLURM_EXTRA = pytest.mark.skipif(
    importlib.util.find_spec("hydra_plugins.hydra_submitit_launcher") is None,
    reason="the slurm extra is not installed: pip install -e '.[slurm]'",
)


@NEEDS_SLURM_EXTRA
def test_slurm_launcher_config_composes():
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose("config", overrides=["hydra/launcher=slurm"], return_hydra_config=True)
    launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("SlurmLauncher")
    assert launcher.cpus_per_task == 1 and launcher.partition is None and launcher.timeout_min > 0


@pytest.mark.slow
@NEEDS_SLURM_EXTRA
def test_submitit_local_launcher_runs_two_jobs(tmp_path):
    sweep = tmp_path / "sweep"
    done = run_sweep(
        "population=classroom",
        "steps=6",
        "seed=0,1",
        "hydra/launcher=submitit_local",
        "hydra.launcher.timeout_min=10",
        f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    jobs = pd.read_parquet(sweep / "jobs.parquet")
    assert jobs["status"].tolist() == ["complete", "complete"] and jobs["seed"].tolist() == [0, 1]
    assert len(pd.read_parquet(sweep / "market.parquet")) == 12
