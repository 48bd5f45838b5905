"""Combine a sweep directory's jobs into three tables; reads files only, never the model.

Writes into the sweep directory, atomically: ``occupations.parquet``, ``market.parquet`` and
``cohorts.parquet`` (every complete job's rows, plus ``job``, ``scenario``, ``seed`` and one column per swept
parameter named by its override key) and ``jobs.parquet`` (one row per job: ``job``, ``status``
"complete" | "failed" | "missing", ``scenario``, ``seed``, ``overrides``, ``error``).

The jobs a sweep asked for come from its ``multirun.yaml`` (Hydra's basic sweeper: the sweep
params and the command line), so a job that never ran is listed as missing; without that file
every job folder found is listed. Runs after every ``-m`` sweep (:class:`CollectCallback`) and
on demand, also on a directory copied from a cluster::

    python -m sim.collect outputs/policy_comparison/2026-01-01_12-00-00
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from hydra.experimental.callback import Callback

from sim.runner import io
from sim.runner.jobs import ERROR_FILE  # sim.runner.jobs imports the model only when a job runs

TABLES = ("occupations", "market", "cohorts")
JOB_COLUMNS = ["job", "status", "scenario", "seed", "overrides", "error"]
JOB_SUBDIR = "${hydra.job.num}"

log = logging.getLogger(__name__)


def _load_yaml(path: Path) -> Any:
    try:
        return io.read_yaml(path)
    except (OSError, yaml.YAMLError):
        return None


def _select(tree: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return None
        tree = tree[part]
    return tree


def expand_sweep(params: dict, task: list[str]) -> tuple[list[list[str]], list[str]]:
    """Hydra's basic-sweeper grid: (each job's overrides in job order, the swept keys).

    ``params`` is ``hydra.sweeper.params`` and ``task`` the command line; a key given in both
    takes the command line's value (so ``seed=0,1`` replaces an experiment's seed sweep).
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    overrides = OverridesParser.create().parse_overrides([f"{k}={v}" for k, v in params.items()] + list(task))
    grid = BasicSweeper.split_arguments(overrides, None)[0]
    last = {override.key_or_group: override for override in overrides}
    return grid, [key for key, override in last.items() if override.is_sweep_override()]


def sweep_plan(sweep_dir: Path) -> tuple[list[list[str]], list[str], dict] | None:
    """(overrides of each job in job order, swept keys, the sweep's base config) from ``multirun.yaml``.

    None when the file is absent or the sweep is not a basic-sweeper grid over ``${hydra.job.num}``.
    """
    config = _load_yaml(Path(sweep_dir) / "multirun.yaml")
    hydra_cfg = config.get("hydra", {}) if isinstance(config, dict) else {}
    sweeper = hydra_cfg.get("sweeper") or {}
    if not str(sweeper.get("_target_", "")).endswith("BasicSweeper"):
        return None
    if str(_select(hydra_cfg, "sweep.subdir")) != JOB_SUBDIR:
        return None
    try:
        grid, swept = expand_sweep(
            _resolved(config, sweeper.get("params") or {}), _select(hydra_cfg, "overrides.task") or []
        )
    except Exception as error:  # e.g. glob() needs the config loader: fall back to the folders found
        log.warning("cannot expand the sweep in %s/multirun.yaml (%s): listing job folders", sweep_dir, error)
        return None
    return grid, swept, {key: value for key, value in config.items() if key != "hydra"}


def _resolved(config: dict, params: dict) -> dict:
    """Sweep params with interpolations (e.g. the sensitivity design size) resolved against the config."""
    if not any("${" in str(value) for value in params.values()):
        return params
    from omegaconf import OmegaConf

    from sim.runner.compose import register_resolvers

    register_resolvers()
    return OmegaConf.to_container(OmegaConf.create(config).hydra.sweeper.params, resolve=True)


def _job_folders(sweep_dir: Path) -> list[str]:
    names = [p.name for p in Path(sweep_dir).iterdir() if p.is_dir() and (p / ".hydra").is_dir()]
    return sorted(names, key=lambda name: (not name.isdigit(), int(name) if name.isdigit() else 0, name))


def _override_values(overrides: list[str]) -> dict[str, Any]:
    """Override strings as {key: typed value} (``+ai.x=1`` gives ``ai.x``: 1)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(list(overrides))
    return {override.key_or_group: override.value() for override in parsed}


def describe_job(job_dir: Path, planned: list[str] | None, swept: list[str], base: dict) -> dict:
    """One job's row of ``jobs.parquet``, plus its swept values under ``params``."""
    job_dir = Path(job_dir)
    ran = _load_yaml(job_dir / ".hydra" / "overrides.yaml")
    overrides = list(ran) if isinstance(ran, list) else list(planned or [])
    config = _load_yaml(job_dir / ".hydra" / "config.yaml")
    choices = _select(_load_yaml(job_dir / ".hydra" / "hydra.yaml"), "hydra.runtime.choices") or {}
    given = _override_values(overrides)
    if isinstance(config, dict):  # the job started: its composed config holds the typed values
        params = {key: choices[key] if key in choices else _select(config, key) for key in swept}
    else:  # the job never started: its overrides over the sweep's base config
        params = {key: given.get(key) for key in swept}
        config = {**base, **{key: value for key, value in given.items() if "." not in key}}
        if "scenario" in given:
            config["scenario_name"] = given["scenario"]
    if io.is_complete(job_dir):
        status, error = "complete", None
    elif (job_dir / ERROR_FILE).is_file():
        status, error = "failed", (job_dir / ERROR_FILE).read_text(encoding="utf-8").strip()
    else:
        status, error = "missing", None
    seed = config.get("seed")
    return {
        "job": job_dir.name,
        "status": status,
        "scenario": config.get("scenario_name"),
        "seed": int(seed) if isinstance(seed, int) else None,
        "overrides": " ".join(overrides),
        "error": error,
        "params": params,
    }


def _combined(sweep_dir: Path, jobs: list[dict], swept: list[str], table: str) -> pd.DataFrame:
    """One table of every complete job: job, scenario, seed, the swept keys, then the run's own columns."""
    extra = [key for key in swept if key not in ("job", "scenario", "seed")]
    frames = []
    for job in jobs:
        if job["status"] != "complete":
            continue
        rows = pd.read_parquet(Path(sweep_dir) / job["job"] / f"{table}.parquet")
        ids = {"job": job["job"], "scenario": job["scenario"], "seed": job["seed"]}
        ids.update({key: job["params"][key] for key in extra if key not in rows.columns})
        frames.append(rows.assign(**ids)[[*ids, *rows.columns]])
    if not frames:
        return pd.DataFrame(columns=["job", "scenario", "seed", *extra])
    combined = pd.concat(frames, ignore_index=True)
    return combined.astype({"job": str, "scenario": str, "seed": "int64"})


def collect(sweep_dir: str | Path) -> pd.DataFrame:
    """Write the three combined tables into ``sweep_dir``; return the jobs table."""
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise FileNotFoundError(f"sweep directory {sweep_dir} does not exist")
    plan = sweep_plan(sweep_dir)
    if plan is None:
        names = _job_folders(sweep_dir)
        planned: list[list[str] | None] = [None] * len(names)
        overrides_of = [_load_yaml(sweep_dir / name / ".hydra" / "overrides.yaml") or [] for name in names]
        values = [_override_values(list(overrides)) for overrides in overrides_of]
        keys = dict.fromkeys(key for value in values for key in value)
        swept = [key for key in keys if len({repr(value.get(key)) for value in values}) > 1]
        base: dict = {}
    else:
        grid, swept, base = plan
        names, planned = [str(number) for number in range(len(grid))], list(grid)
    jobs = [
        describe_job(sweep_dir / name, overrides, swept, base) for name, overrides in zip(names, planned, strict=True)
    ]
    for table in TABLES:
        io.write_parquet(_combined(sweep_dir, jobs, swept, table), sweep_dir / f"{table}.parquet")
    jobs_table = pd.DataFrame([{key: job[key] for key in JOB_COLUMNS} for job in jobs], columns=JOB_COLUMNS)
    jobs_table = jobs_table.astype({"job": str, "status": str, "seed": "Int64", "overrides": str})
    io.write_parquet(jobs_table, sweep_dir / "jobs.parquet")
    return jobs_table


def report_line(sweep_dir: Path, jobs: pd.DataFrame) -> str:
    """``DIR: N complete, N failed, N missing`` for the terminal."""
    counts = jobs["status"].value_counts()
    parts = ", ".join(f"{int(counts.get(status, 0))} {status}" for status in ("complete", "failed", "missing"))
    return f"{sweep_dir}: {len(jobs)} jobs, {parts}; combined tables written"


class CollectCallback(Callback):
    """Hydra callback (configs/config.yaml ``hydra.callbacks``): collect when a ``-m`` sweep ends."""

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        """Write the combined tables; exit with status 1 when any job failed or is missing."""
        sweep_dir = Path(config.hydra.sweep.dir)
        jobs = collect(sweep_dir)
        print(report_line(sweep_dir, jobs))
        if (jobs["status"] != "complete").any():
            print(f"error: some jobs did not complete; see {sweep_dir / 'jobs.parquet'}", file=sys.stderr)
            sys.exit(1)


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.collect DIR [DIR ...]``: (re)write the combined tables of sweep directories."""
    parser = argparse.ArgumentParser(prog="python -m sim.collect", description=main.__doc__)
    parser.add_argument("sweep_dirs", nargs="+", type=Path, metavar="DIR", help="a -m sweep's directory")
    args = parser.parse_args(argv)
    status = 0
    for sweep_dir in args.sweep_dirs:
        try:
            jobs = collect(sweep_dir)
        except FileNotFoundError as error:
            print(f"error: {error}", file=sys.stderr)
            status = 2
            continue
        print(report_line(sweep_dir, jobs))
        status = max(status, int((jobs["status"] != "complete").any()))
    return status


if __name__ == "__main__":
    sys.exit(main())
