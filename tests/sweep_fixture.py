"""A small real sweep directory for the report tests, combined by ``sim.runner.collect``.

Each job is a real ``sim.runner.run.run`` into ``DIR/<job>/`` with its composed config and overrides in
``.hydra/`` as Hydra writes them; ``sim.runner.collect.collect`` then writes the combined tables (with
no ``multirun.yaml`` it lists the job folders). In-process, so the tests need no subprocess.
"""

from __future__ import annotations

from pathlib import Path

from conftest import compose_config
from omegaconf import OmegaConf

from sim.runner.collect import collect
from sim.runner.run import run

# scenario name -> overrides (the named scenarios of configs/scenario/)
SCENARIOS = {name: (f"scenario={name}",) for name in ("no_ai", "laissez_faire", "fashion_workers_act")}


def run_job(job_dir: Path, overrides: tuple[str, ...], *, sweep_job: bool = False) -> None:
    """One real run into ``job_dir``, with its config and overrides in ``.hydra/`` as Hydra writes them.

    A sweep's job draws no figures, as in a real ``-m`` sweep; a single run draws them.
    """
    cfg = compose_config(*overrides)
    (job_dir / ".hydra").mkdir(parents=True, exist_ok=True)
    (job_dir / ".hydra" / "config.yaml").write_text(OmegaConf.to_yaml(cfg), encoding="utf-8")
    (job_dir / ".hydra" / "overrides.yaml").write_text(OmegaConf.to_yaml(list(overrides)), encoding="utf-8")
    run(cfg, job_dir, figures=not sweep_job)


def build_small_sweep(
    sweep_dir: Path,
    scenarios: dict[str, tuple[str, ...]] = SCENARIOS,
    seeds: tuple[int, ...] = (0, 1, 2),
    steps: int = 24,
) -> Path:
    """Run every scenario x seed at the classroom size into ``sweep_dir`` and combine the results."""
    grid = [(overrides, seed) for overrides in scenarios.values() for seed in seeds]
    for job, (scenario_overrides, seed) in enumerate(grid):
        overrides = ("population=classroom", f"steps={steps}", *scenario_overrides, f"seed={seed}")
        run_job(sweep_dir / str(job), overrides, sweep_job=True)
    collect(sweep_dir)
    return sweep_dir
