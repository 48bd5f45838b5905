"""The Python API for notebooks and scripts: ``sim.load_config``, ``sim.simulate``, ``sim.load_results``.

::

    import sim

    cfg = sim.load_config("scenario=laissez_faire", "seed=3")  # the CLI's overrides, validated
    result = sim.simulate(cfg)  # result.occupations, result.market, result.cohorts (DataFrames)
    sweep = sim.load_results("outputs/my_sweep")  # a sweep's combined tables (and its jobs table)

A bad override raises :class:`sim.core.schema.ConfigError` with the one line the command line
prints (``scenario = 'nope' is not a known scenario: allowed ...``); the original Hydra or
OmegaConf error is its ``original`` attribute, not chained, so that a notebook shows a short traceback
ending in that line. Nothing here imports the model until a run is asked for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from omegaconf import DictConfig

    from sim.core.schema import SimConfig

RUN_TABLES = ("occupations", "market", "cohorts")


def _config_error(error: Exception) -> Exception:
    """``error`` as a ConfigError carrying the CLI's one-line message (a ConfigError is returned as is)."""
    from sim.core.schema import ConfigError
    from sim.runner.errors import one_line

    if isinstance(error, ConfigError):
        return error
    wrapped = ConfigError(one_line(error))
    wrapped.original = error  # kept, not chained: Hydra's and OmegaConf's chain would fill a screen
    return wrapped


def load_config(*overrides: str) -> SimConfig:
    """The validated config of ``configs/`` with these overrides (``"scenario=laissez_faire"``, ``"seed=3"``).

    Raises :class:`sim.core.schema.ConfigError` with the CLI's one-line message on a bad override.
    """
    from sim.runner.compose import load_config as compose_and_validate
    from sim.runner.errors import located

    try:
        return compose_and_validate(*overrides)
    except Exception as error:
        raise _config_error(located(error, list(overrides))) from None


def validate(cfg: SimConfig | DictConfig | dict) -> SimConfig:
    """``cfg`` as a validated ``SimConfig``, with the checks a run makes before it starts.

    A ``SimConfig`` is checked again too: a notebook may have changed a field since it was loaded.
    """
    from omegaconf import OmegaConf

    from sim.core.schema import SimConfig
    from sim.runner.run import validate as run_checks

    try:
        return run_checks(OmegaConf.structured(cfg) if isinstance(cfg, SimConfig) else cfg)
    except Exception as error:
        raise _config_error(error) from None


@dataclass
class Result:
    """One run's tables, as the files of a run directory hold them."""

    config: Any  # the SimConfig that ran
    occupations: pd.DataFrame  # one row per occupation per month (occupations.parquet)
    market: pd.DataFrame  # one row per month (market.parquet)
    cohorts: pd.DataFrame  # the incumbents, followed (cohorts.parquet)

    def summary(self) -> dict:
        """Last year against the first, per occupation, and the market's last year (summary.json's figures)."""
        from sim.runner.run import headline

        return headline(self.occupations, self.market)


def simulate(cfg: SimConfig | DictConfig | dict | str | None = None, *overrides: str) -> Result:
    """Run the model in this process, write nothing, and return its tables.

    ``cfg`` is a config from :func:`load_config` (or a composed DictConfig or a dict); strings are
    taken as overrides: ``simulate("population=classroom", "steps=24")``; ``simulate()`` runs the defaults.
    """
    from sim.runner.run import cohort_table, run_model, tables
    from sim.runner.run import validate as run_checks

    if cfg is None or isinstance(cfg, str):  # composed and validated just now: the run's own checks remain
        cfg = run_checks(load_config(*([cfg] if cfg else []), *overrides))
    elif overrides:
        raise TypeError("give a config or override strings, not both")
    else:
        cfg = validate(cfg)  # with a sensitivity design point's values applied, as a run applies them

    model = run_model(cfg)
    occupations, market = tables(model)
    return Result(
        config=cfg,
        **{
            name: _as_read(frame)
            for name, frame in (("occupations", occupations), ("market", market), ("cohorts", cohort_table(model)))
        },
    )


def _as_read(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as reading its Parquet file gives it: dates in milliseconds (Parquet has no seconds)."""
    dates = [name for name in frame.columns if str(frame[name].dtype).startswith("datetime64")]
    return frame.astype(dict.fromkeys(dates, "datetime64[ms]")) if dates else frame


@dataclass
class SweepResults:
    """A sweep's combined tables: every complete job's rows with ``job``, ``scenario``, ``seed`` and swept keys."""

    directory: Path
    occupations: pd.DataFrame
    market: pd.DataFrame
    cohorts: pd.DataFrame
    jobs: pd.DataFrame  # one row per job: job, status (complete | failed | ...), scenario, seed, overrides, error
    partial: bool = False  # some jobs are not complete, so not in the tables


def load_results(directory: str | Path) -> SweepResults:
    """The combined tables of a ``-m`` sweep directory (collected first when they are missing).

    A single run's directory works too: its tables, with one row in ``jobs``. What is read is
    checked as the report checks it: a run must be complete and intact
    (:func:`sim.runner.verify.problem`), a sweep's combined tables must describe its job folders as
    they are now (:func:`sim.runner.collect.stale_reason`); otherwise :class:`ResultsError` says why
    in one line. A sweep combined with some jobs not complete has ``partial`` set and warns.
    """
    import warnings

    import pandas as pd

    from sim.runner import io, verify
    from sim.runner.collect import SWEEP_MARKER, collect, stale_reason

    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"results directory {directory} does not exist")
    if io.is_run_dir(directory):  # a single run
        problem = verify.problem(directory)
        if problem is not None:
            raise ResultsError(f"{directory} is not a complete, intact run: {problem}")
        found = {name: pd.read_parquet(directory / f"{name}.parquet") for name in RUN_TABLES}
        summary = json.loads((directory / io.COMPLETE_MARKER).read_text(encoding="utf-8"))
        jobs = pd.DataFrame(
            [{"job": ".", "status": "complete", "scenario": summary.get("scenario"), "seed": summary.get("seed")}]
        )
        return SweepResults(directory, jobs=jobs, **found)
    if not all((directory / f"{name}.parquet").is_file() for name in (*RUN_TABLES, "jobs")):
        collect(directory, partial=True)  # a sweep with failed jobs: combine the complete ones, as its own collect does
    reason = stale_reason(directory)
    if reason is not None:
        raise ResultsError(
            f"the combined tables of {directory} are not current: {reason}: run python -m sim.collect {directory}"
        )
    found = {name: pd.read_parquet(directory / f"{name}.parquet") for name in (*RUN_TABLES, "jobs")}
    partial = bool(json.loads((directory / SWEEP_MARKER).read_text(encoding="utf-8")).get("partial"))
    if partial:
        missing = found["jobs"][found["jobs"]["status"] != "complete"]
        warnings.warn(
            f"{directory} is a partial sweep: {len(missing)} of {len(found['jobs'])} jobs are not in its tables "
            "(see .jobs)",
            stacklevel=2,
        )
    return SweepResults(directory, partial=partial, **found)


class ResultsError(ValueError):
    """A results directory that is not a complete, intact run or a sweep with current combined tables."""
