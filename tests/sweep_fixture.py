"""A small real sweep directory for the report tests, combined by hand.

Stand-in for ``sim.collect`` (issue 3) until it is merged: each job is a real ``sim.run.run``
into ``DIR/<job>/`` with its composed config in ``.hydra/``, and the combined
``occupations.parquet`` / ``market.parquet`` / ``jobs.parquet`` follow the sweep-directory
contract (every job's rows plus ``job``, ``scenario``, ``seed``). Once ``sim.collect`` exists,
replace ``combine`` with it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from conftest import compose_config
from omegaconf import OmegaConf

from sim import io
from sim.run import run

# scenario name -> overrides: a small stand-in for issue 3's configs/scenario/
SCENARIOS = {
    "no_ai": ("ai.cost_per_image=1e6",),
    "laissez_faire": ("ai=fast",),
    "fashion_workers_act": ("ai=fast", "regulation=fashion_workers_act"),
}


def run_job(job_dir: Path, overrides: tuple[str, ...]) -> None:
    """One real run into ``job_dir``, with its config and overrides in ``.hydra/`` as Hydra writes them."""
    cfg = compose_config(*overrides)
    (job_dir / ".hydra").mkdir(parents=True, exist_ok=True)
    (job_dir / ".hydra" / "config.yaml").write_text(OmegaConf.to_yaml(cfg), encoding="utf-8")
    (job_dir / ".hydra" / "overrides.yaml").write_text(OmegaConf.to_yaml(list(overrides)), encoding="utf-8")
    run(cfg, job_dir)


def combine(sweep_dir: Path, jobs: list[dict]) -> None:
    """Write the combined tables of the contract from the complete jobs' run directories."""
    tables: dict[str, list[pd.DataFrame]] = {"occupations": [], "market": []}
    for job in jobs:
        job_dir = sweep_dir / job["job"]
        job["status"] = "complete" if io.is_complete(job_dir) else "missing"
        if job["status"] != "complete":
            continue
        for kind, frames in tables.items():
            frame = pd.read_parquet(job_dir / f"{kind}.parquet")
            frames.append(frame.assign(job=job["job"], scenario=job["scenario"], seed=job["seed"]))
    for kind, frames in tables.items():
        io.write_parquet(pd.concat(frames, ignore_index=True), sweep_dir / f"{kind}.parquet")
    io.write_parquet(pd.DataFrame(jobs), sweep_dir / "jobs.parquet")


def build_small_sweep(
    sweep_dir: Path,
    scenarios: dict[str, tuple[str, ...]] = SCENARIOS,
    seeds: tuple[int, ...] = (0, 1, 2),
    steps: int = 24,
) -> Path:
    """Run every scenario x seed at the classroom size into ``sweep_dir`` and combine the results."""
    jobs = []
    for scenario, scenario_overrides in scenarios.items():
        for seed in seeds:
            overrides = ("population=classroom", f"steps={steps}", *scenario_overrides, f"seed={seed}")
            job = str(len(jobs))
            run_job(sweep_dir / job, overrides)
            jobs.append({"job": job, "scenario": scenario, "seed": seed, "overrides": " ".join(overrides), "error": ""})
    combine(sweep_dir, jobs)
    return sweep_dir
