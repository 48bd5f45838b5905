"""``run(cfg, out_dir)``: build the model, run every month, write the run directory.

This is the whole job without Hydra: the CLI wraps it and tests call it directly.
"""

from __future__ import annotations

import functools
import logging
import platform
import subprocess
import time
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd
from hydra.utils import get_method
from omegaconf import DictConfig

from sim.core import reporters
from sim.core.model import FashionMarket
from sim.core.schema import ConfigError, SimConfig, to_schema
from sim.runner import io, limits, verify
from sim.runner.years import first_year, last_year

logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO


def run_model(cfg: SimConfig) -> FashionMarket:
    """Build the model and run it for ``cfg.steps`` months."""
    model = FashionMarket(cfg)
    model.run_for(cfg.steps)
    return model


def tables(model: FashionMarket) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The occupations and market tables of a model that has run."""
    return pd.DataFrame(model.occupation_rows), pd.DataFrame(model.market_rows)


def cohort_table(model: FashionMarket) -> pd.DataFrame:
    """The incumbents' table of a model that has run (cohorts.parquet)."""
    return pd.DataFrame(model.cohort_rows)


def simulate(cfg: SimConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the model for ``cfg.steps`` months; return the occupations and market tables."""
    return tables(run_model(cfg))


def package_version() -> str:
    """The installed package's version, or '0+unknown' from a source tree that was not installed."""
    try:
        return version("fashion-sim")
    except PackageNotFoundError:
        return "0+unknown"


# the libraries a run's bytes depend on besides this package: they draw, compute and write the results
RESULT_LIBRARIES = ("numpy", "pandas", "pyarrow", "mesa", "hydra-core", "omegaconf")


@functools.cache
def environment() -> dict:
    """What a run's bytes depend on besides the code, config and seed (docs/design.md section 4).

    Python, the versions of RESULT_LIBRARIES, and the vector instruction sets numpy dispatches to on
    this CPU beyond its baseline: its float exp and log differ in the last bit between them.
    """
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:  # a numpy without its CPU dispatch tables: say so rather than guess
        simd = ["unknown"]
    else:
        simd = [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]
    libraries = {}
    for name in RESULT_LIBRARIES:
        try:
            libraries[name] = version(name)
        except PackageNotFoundError:
            libraries[name] = "unknown"
    return {"python": platform.python_version(), "machine": platform.machine(), **libraries, "numpy_simd": simd}


def _code_version() -> str:
    """The hash of the modules and configs that make results (:func:`sim.runner.jobs.code_version`).

    Imported here, not at the top: sim.runner.jobs is bookkeeping, left out of that hash, and a run's
    results never depend on it.
    """
    from sim.runner.jobs import code_version

    return code_version()


@functools.cache
def git_revision() -> str:
    """The commit of the source tree this package runs from, or 'unknown'.

    'unknown' also for a package installed (not editable) inside some checkout: git would name that
    checkout's commit, not the code that runs. ``code_version`` in summary.json names the code either way.
    Asked once per process: git takes tens of milliseconds, and a sweep's worker runs many jobs.
    """
    here = Path(__file__).resolve().parent
    try:
        tracked = subprocess.run(
            ["git", "-C", str(here), "ls-files", "--error-unmatch", Path(__file__).name],
            capture_output=True,
            timeout=5,
            check=False,
        )
        if tracked.returncode != 0:  # this file is not the checkout's own
            return "unknown"
        out = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True
        )
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def headline(occupations: pd.DataFrame, market: pd.DataFrame) -> dict:
    """Last 12 months against the first 12 (or the whole run when shorter), per occupation."""
    first_rows, last_rows = first_year(occupations), last_year(occupations)
    figures = {}
    for name in occupations["occupation"].unique():
        first = first_rows[first_rows["occupation"] == name]
        last = last_rows[last_rows["occupation"] == name]
        entry = {}
        for column in ("active", "employed", "days_worked", "income_mean", "income_median"):
            before, after = float(first[column].mean()), float(last[column].mean())
            change = (after - before) / before if before else None
            entry[column] = {"first_year": round(before, 2), "last_year": round(after, 2), "change": change}
        figures[name] = entry
    last_market = last_year(market)
    return {
        "occupations": figures,
        "market_last_year": {
            column: round(float(last_market[column].mean()), 4)
            for column in (
                "ai_share_campaign",
                "ai_share_ecommerce",
                "brands_adopted",
                "twins_licensed",
                "unconsented_uses",
            )
        },
    }


def _in_sweep() -> bool:
    """True in a job of a ``-m`` sweep (Hydra's multirun mode)."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def check_scenario_named(cfg: SimConfig, choices: dict | None = None, overrides: list[str] | None = None) -> None:
    """Raise ConfigError when a scenario file chosen on the command line names another scenario.

    A scenario copied to a new file keeps the old ``scenario_name``; results, sweeps and the report
    would then label it as the scenario it was copied from. ``scenario_name=`` on the command line
    relabels a run on purpose and is left alone. ``choices`` and ``overrides``: the run's Hydra choices
    and command line; by default those of the job Hydra is running, and none from the Python API.
    """
    from hydra.core.hydra_config import HydraConfig

    if choices is None:
        if not HydraConfig.initialized():  # the Python API: the caller names its configs
            return
        hydra_cfg = HydraConfig.get()
        choices, overrides = dict(hydra_cfg.runtime.choices), list(hydra_cfg.overrides.task)
    chosen = choices.get("scenario")
    relabelled = any(override.startswith("scenario_name=") for override in overrides or [])
    if chosen and cfg.scenario_name != chosen and not relabelled:
        raise ConfigError(
            f"scenario_name = {cfg.scenario_name!r} (in scenario/{chosen}.yaml): allowed {chosen!r}, the file's own "
            "name (a copied scenario keeps the old one, and its results would carry that label)"
        )


def validate(
    cfg: SimConfig | DictConfig | dict, choices: dict | None = None, overrides: list[str] | None = None
) -> SimConfig:
    """The config a run would run, after every check it makes before starting; raises ConfigError on a bad value.

    ``choices`` and ``overrides`` as for :func:`check_scenario_named`.
    """
    if not isinstance(cfg, SimConfig):
        cfg = to_schema(cfg)
    if cfg.sensitivity is not None:  # a sensitivity sweep's job: its design point's values, set by the science tool
        # applied once: the point's entry is spent, so validating the result again leaves it as it is
        cfg = replace(get_method(cfg.sensitivity.apply)(cfg), sensitivity=None)
    check_scenario_named(cfg, choices, overrides)
    limits.check(cfg)  # bounds that keep the integer money exact, and the memory estimate (sim/runner/limits.py)
    return cfg


def run(cfg: SimConfig | DictConfig | dict, out_dir: str | Path, *, figures: bool | None = None) -> dict:
    """Validate ``cfg``, simulate, and write the run directory (docs/design.md section 6); return the summary."""
    started = time.perf_counter()
    out_dir = Path(out_dir)
    io.mark_incomplete(out_dir)  # first: a bad config must not leave an older run looking complete
    cfg = validate(cfg)
    out_dir.mkdir(parents=True, exist_ok=True)
    model = run_model(cfg)
    occupations, market = tables(model)
    io.write_parquet(occupations, out_dir / "occupations.parquet")
    io.write_parquet(market, out_dir / "market.parquet")
    io.write_parquet(cohort_table(model), out_dir / "cohorts.parquet")
    if cfg.output.agent_records:  # an older run's agents.parquet went with mark_incomplete
        io.write_parquet(reporters.agent_table(model), out_dir / "agents.parquet")
    if figures is None:  # output.figures when the schema has it; else a single run draws them, a -m sweep's job not
        figures = getattr(cfg.output, "figures", None)
        figures = not _in_sweep() if figures is None else figures
    if figures:
        from sim.runner import plots  # matplotlib only when figures are drawn (a sweep's jobs skip them)

        plots.run_figures(occupations, market, out_dir / "figures")
    summary = {
        "scenario": cfg.scenario_name,
        "seed": cfg.seed,
        "steps": cfg.steps,
        "start": cfg.start,
        "population": cfg.population.name,
        "ai": cfg.ai.name,
        "regulation": cfg.regulation.name,
        "package_version": package_version(),
        "git_revision": git_revision(),
        "code_version": _code_version(),  # of the model's modules and configs, as a sweep's job.json records it
        "environment": environment(),
        "wall_time_seconds": round(time.perf_counter() - started, 3),
        **headline(occupations, market),
        "tables": verify.table_records(out_dir),  # rows, columns and SHA-256 of each table, checked on reading
    }
    io.write_json(summary, out_dir / io.COMPLETE_MARKER)
    return summary
