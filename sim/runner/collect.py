"""Combine a sweep directory's jobs into three tables; reads files only, never the model.

Writes into the sweep directory, atomically: ``occupations.parquet``, ``market.parquet`` and
``cohorts.parquet`` (every complete job's rows, plus ``job``, ``scenario``, ``seed`` and one column per swept
parameter named by its override key) and ``jobs.parquet`` (one row per job: ``job``, ``status``
"complete" | "failed" | "invalid" | "missing" | "duplicate", ``scenario``, ``seed``, ``overrides``, ``error``).

The jobs a sweep asked for come from its ``multirun.yaml`` (Hydra's basic sweeper: the sweep
params and the command line), so a job that never ran is listed as missing; without that file
every job folder found is listed, and a folder whose overrides repeat an earlier one's (a copy) is
listed as ``duplicate`` and left out. Runs after every ``-m`` sweep (:class:`CollectCallback`) and
on demand, also on a directory copied from a cluster::

    python -m sim.collect outputs/policy_comparison/2026-01-01_12-00-00

What it trusts: a job is ``complete`` only when :func:`sim.runner.verify.problem` finds nothing
wrong (its ``summary.json`` whole, each table with the contract's columns, the recorded rows and
checksum); a job that fails a check is ``invalid``, with the reason, and left out. A folder that is
not a sweep (a single run's folder, say) is refused without being touched. The combined tables and
``jobs.parquet`` are replaced only when every job is complete or when the caller asks for a partial
result (``--partial``; the sweep's own callback always does, and then exits 1); ``collect.json``,
written last, records whether they are partial and the ``summary.json`` checksum of every job they
hold, so the report can tell a current result from a stale one, and the environments the jobs ran in
(library versions, vector instructions); the terminal line says when there was more than one.
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.runner import errors, io, verify

# sim.runner.jobs imports the model only when a job runs
from sim.runner.jobs import EARLIER_JOBS, ERROR_FILE, MAIN_PID, job_record, place_finished_jobs

TABLES = ("occupations", "market", "cohorts")
JOB_COLUMNS = ["job", "status", "scenario", "seed", "overrides", "error"]
JOB_SUBDIR = "${hydra.job.num}"
SWEEP_MARKER = "collect.json"  # written last by collect: what the combined tables hold
STATUSES = ("complete", "failed", "invalid", "missing", "duplicate")


class CollectError(ValueError):
    """A directory collect refuses (not a sweep); the message is one line for the user."""


log = logging.getLogger(__name__)


def _load_yaml(path: Path) -> Any:
    try:
        return io.read_yaml(path)
    except (OSError, yaml.YAMLError):
        return None


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
    plan = planned_jobs(config, f"{sweep_dir}/multirun.yaml")
    if plan is None:
        return None
    return *plan, {key: value for key, value in config.items() if key != "hydra"}


def planned_jobs(config: Any, where: str = "the sweep's config") -> tuple[list[list[str]], list[str]] | None:
    """(each job's overrides in job order, the swept keys) from a sweep's config: its ``multirun.yaml``, or the
    config Hydra composed for a ``-m`` sweep about to start.

    None when the sweep is not a basic-sweeper grid over ``${hydra.job.num}``, or cannot be expanded here.
    """
    if isinstance(config, DictConfig):
        config = OmegaConf.to_container(config, resolve=False)
    hydra_cfg = config.get("hydra", {}) if isinstance(config, dict) else {}
    sweeper = hydra_cfg.get("sweeper") or {}
    if not str(sweeper.get("_target_", "")).endswith("BasicSweeper"):
        return None
    if str(io.select(hydra_cfg, "sweep.subdir")) != JOB_SUBDIR:
        return None
    try:
        return expand_sweep(
            _resolved(config, sweeper.get("params") or {}), io.select(hydra_cfg, "overrides.task") or []
        )
    except Exception as error:  # e.g. glob() needs the config loader: fall back to the folders found
        log.warning("cannot expand the sweep in %s (%s): listing job folders", where, error)
        return None


def _resolved(config: dict, params: dict) -> dict:
    """Sweep params with interpolations (e.g. the sensitivity design size) resolved against the config."""
    if not any("${" in str(value) for value in params.values()):
        return params
    from sim.runner.compose import register_resolvers

    register_resolvers()
    return OmegaConf.to_container(OmegaConf.create(config).hydra.sweeper.params, resolve=True)


def _job_folders(sweep_dir: Path) -> list[str]:
    names = [p.name for p in Path(sweep_dir).iterdir() if p.is_dir() and (p / ".hydra").is_dir()]
    return sorted(names, key=lambda name: (not name.isdigit(), int(name) if name.isdigit() else 0, name))


def _override_values(overrides: list[str]) -> dict[str, Any]:
    """Override strings as {key: typed value} (``+ai.x=1`` gives ``ai.x``: 1)."""
    return dict(_parsed_override(str(override)) for override in overrides)


@functools.cache
def _parsed_override_cached(override: str) -> tuple[str, Any]:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    (parsed,) = OverridesParser.create().parse_overrides([override])
    return parsed.key_or_group, parsed.value()


def _parsed_override(override: str) -> tuple[str, Any]:
    """One override as (key, typed value); each distinct string parsed once, as a sweep's jobs share most of theirs."""
    key, value = _parsed_override_cached(override)
    return key, copy.deepcopy(value) if isinstance(value, (list, dict)) else value


def describe_job(job_dir: Path, planned: list[str] | None, swept: list[str], base: dict) -> dict:
    """One job's row of ``jobs.parquet``, plus its swept values under ``params``."""
    job_dir = Path(job_dir)
    ran = _load_yaml(job_dir / ".hydra" / "overrides.yaml")
    overrides = list(ran) if isinstance(ran, list) else list(planned or [])
    config = _load_yaml(job_dir / ".hydra" / "config.yaml")
    given = _override_values(overrides)
    started = isinstance(config, dict)
    if started:  # the job started: its composed config holds the typed values
        params = {key: io.select(config, key) for key in swept}
        if any(value is None or isinstance(value, dict) for value in params.values()):  # a group: its choice
            choices = io.select(_load_yaml(job_dir / ".hydra" / "hydra.yaml"), "hydra.runtime.choices") or {}
            params = {key: choices.get(key, value) for key, value in params.items()}
    else:  # the job never started: its overrides over the sweep's base config
        params = {key: given.get(key) for key in swept}
        config = {**base, **{key: value for key, value in given.items() if "." not in key}}
        if "scenario" in given:
            config["scenario_name"] = given["scenario"]
    problem = verify.problem(job_dir, hydra_config=config if started else None)
    if problem is None and planned is not None and isinstance(ran, list):
        # a folder of another sweep that used this directory, or a job folder copied over this one: an override the
        # plan gives this job with another value, or a swept key it lacks
        plan = _override_values(planned)
        if any(key in given and given[key] != value for key, value in plan.items()) or set(swept) - set(given):
            problem = f"it ran {' '.join(ran)}, not this sweep's job {job_dir.name} ({' '.join(planned)}): rerun it"
    if problem is None:
        status, error = "complete", None
    elif (job_dir / ERROR_FILE).is_file():
        status, error = "failed", (job_dir / ERROR_FILE).read_text(encoding="utf-8", errors="replace").strip()
    elif (job_dir / io.COMPLETE_MARKER).exists():  # finished once, but fails a check: rerun it
        status, error = "invalid", problem
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


def job_environments(sweep_dir: Path, jobs: list[dict]) -> list[dict]:
    """The distinct environments the complete jobs ran in, each with its jobs: the code (``job.json``'s
    ``code``, :func:`sim.runner.jobs.code_version`) and ``summary.json``'s ``environment``.

    Jobs on a cluster's different nodes may run with other library versions or vector instructions,
    which can change a run's bytes (docs/design.md section 4), and a job rerun after the code or a
    config changed ran other code than the rest: more than one is worth knowing.
    """
    groups: dict[str, dict] = {}
    for job in jobs:
        if job["status"] != "complete":
            continue
        try:
            environment = json.loads((sweep_dir / job["job"] / io.COMPLETE_MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        environment = environment.get("environment") if isinstance(environment, dict) else None
        code = job_record(sweep_dir / job["job"]).get("code")
        key = json.dumps([code, environment], sort_keys=True)
        groups.setdefault(key, {"code": code, "environment": environment, "jobs": []})["jobs"].append(job["job"])
    return list(groups.values())


def _combined(sweep_dir: Path, jobs: list[dict], swept: list[str], table: str) -> pd.DataFrame:
    """One table of every complete job: job, scenario, seed, the swept keys, then the run's own columns."""
    extra = [key for key in swept if key not in ("job", "scenario", "seed")]
    frames, labels = [], []
    for job in jobs:
        if job["status"] != "complete":
            continue
        rows = pd.read_parquet(Path(sweep_dir) / job["job"] / f"{table}.parquet")
        ids = {"job": job["job"], "scenario": job["scenario"], "seed": job["seed"]}
        ids.update({key: job["params"][key] for key in extra if key not in rows.columns})
        frames.append(rows)
        labels.append(pd.DataFrame({key: [value] * len(rows) for key, value in ids.items()}))
    if not frames:
        return pd.DataFrame(columns=["job", "scenario", "seed", *extra])
    # a complete job's tables have the contract's columns (sim.runner.verify), so the rows stack as they are, the ids
    # beside them: each side concatenated once, cheaper than adding the ids to every job's frame
    combined = pd.concat([pd.concat(labels, ignore_index=True), pd.concat(frames, ignore_index=True)], axis=1)
    return combined.astype({"job": str, "scenario": str, "seed": "int64"})


def refuse_non_sweep(sweep_dir: Path) -> None:
    """Raise CollectError unless ``sweep_dir`` is a sweep's directory; never writes anything."""
    if not sweep_dir.is_dir():
        raise FileNotFoundError(f"sweep directory {sweep_dir} does not exist")
    if io.is_run_dir(sweep_dir):
        raise CollectError(
            f"DIR = {sweep_dir} is a single run's folder, not a sweep: left untouched (give the folder of a -m sweep)"
        )
    if not (sweep_dir / "multirun.yaml").is_file() and not _job_folders(sweep_dir):
        raise CollectError(f"DIR = {sweep_dir} holds no multirun.yaml and no job folder: not a sweep, left untouched")


def _mark_duplicates(jobs: list[dict], overrides_of: list[list[str]]) -> None:
    """Without multirun.yaml: a job folder whose overrides repeat an earlier one's is a copy, left out."""
    first: dict[tuple[str, ...], str] = {}
    for job, overrides in zip(jobs, overrides_of, strict=True):
        key = tuple(sorted(str(o) for o in overrides))
        if key in first:
            job["status"] = "duplicate"
            job["error"] = f"same overrides as job {first[key]} (a copied folder?): left out"
        else:
            first[key] = job["job"]


def collect(sweep_dir: str | Path, *, partial: bool = False) -> pd.DataFrame:
    """Write the three combined tables into ``sweep_dir``; return the jobs table.

    Writes only when every job is complete, or when ``partial`` is true (then ``collect.json``
    says so); otherwise nothing in the directory changes. Raises CollectError (nothing touched)
    for a directory that is not a sweep.
    """
    sweep_dir = Path(sweep_dir)
    refuse_non_sweep(sweep_dir)
    plan = sweep_plan(sweep_dir)
    overrides_of: list[list[str]] | None = None
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
    if overrides_of is not None:
        _mark_duplicates(jobs, [list(o) for o in overrides_of])
    jobs_table = pd.DataFrame([{key: job[key] for key in JOB_COLUMNS} for job in jobs], columns=JOB_COLUMNS)
    # error as text even when every job succeeded, so that the column's type is the same in every sweep
    jobs_table = jobs_table.astype({"job": str, "status": str, "seed": "Int64", "overrides": str, "error": "string"})
    complete = bool((jobs_table["status"] == "complete").all())
    if not complete and not partial:
        return jobs_table  # nothing written: an incomplete sweep is combined only when asked (--partial)
    combined = {table: _combined(sweep_dir, jobs, swept, table) for table in TABLES}  # read all before writing
    (sweep_dir / SWEEP_MARKER).unlink(missing_ok=True)  # first: the tables never look current while replaced
    for table, frame in combined.items():
        io.write_parquet(frame, sweep_dir / f"{table}.parquet")
    io.write_parquet(jobs_table, sweep_dir / "jobs.parquet")
    marker = {
        "partial": not complete,
        "jobs": {
            job["job"]: {
                "status": job["status"],
                "summary_sha256": verify.sha256(sweep_dir / job["job"] / io.COMPLETE_MARKER)
                if (sweep_dir / job["job"] / io.COMPLETE_MARKER).is_file()
                else None,
            }
            for job in jobs
        },
        "tables": verify.table_records(sweep_dir, tuple(f"{name}.parquet" for name in (*TABLES, "jobs"))),
        "environments": job_environments(sweep_dir, jobs),
    }
    io.write_json(marker, sweep_dir / SWEEP_MARKER)
    return jobs_table


def stale_reason(sweep_dir: Path) -> str | None:
    """Why the combined tables of ``sweep_dir`` do not describe its job folders as they are now, or None.

    Checks ``collect.json``: present and whole, each combined table with its recorded checksum, and
    every job it lists with the same ``summary.json`` as when combined (a job rerun, removed or
    completed since makes the tables stale).
    """
    sweep_dir = Path(sweep_dir)
    path = sweep_dir / SWEEP_MARKER
    try:
        marker = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"no {SWEEP_MARKER}: the combined tables were not written by a finished collect"
    except (OSError, UnicodeDecodeError, ValueError):
        return f"{SWEEP_MARKER} is damaged"
    if not isinstance(marker, dict) or not isinstance(marker.get("jobs"), dict):
        return f"{SWEEP_MARKER} is damaged"
    for name, record in (marker.get("tables") or {}).items():
        table = sweep_dir / name
        if not table.is_file() or verify.sha256(table) != (record or {}).get("sha256"):
            return f"{name} changed after collect wrote it"
    for job, record in marker["jobs"].items():
        summary = sweep_dir / job / io.COMPLETE_MARKER
        now = verify.sha256(summary) if summary.is_file() else None
        if isinstance(record, dict) and record.get("status") != "duplicate" and record.get("summary_sha256") != now:
            return f"job {job} changed since the tables were combined (rerun or interrupted)"
    return None


def report_line(sweep_dir: Path, jobs: pd.DataFrame, written: bool = True) -> str:
    """``DIR: N jobs, N complete, N failed, ...; combined tables written`` for the terminal (one line)."""
    counts = jobs["status"].value_counts()
    shown = [status for status in STATUSES if counts.get(status, 0) or status in ("complete", "failed", "missing")]
    parts = ", ".join(f"{int(counts.get(status, 0))} {status}" for status in shown)
    broken = jobs[jobs["status"] != "complete"]
    first = (
        ""
        if broken.empty
        else f" (first: job {broken.iloc[0]['job']} {broken.iloc[0]['status']}"
        + (f": {broken.iloc[0]['error']})" if isinstance(broken.iloc[0]["error"], str) else ")")
    )
    if not written:
        return f"{sweep_dir}: {len(jobs)} jobs, {parts}{first}; nothing written (--partial combines the complete ones)"
    kind = "combined tables written" if broken.empty else "partial combined tables written"
    try:
        groups = json.loads((sweep_dir / SWEEP_MARKER).read_text(encoding="utf-8"))["environments"]
        codes = len({json.dumps(group.get("code")) for group in groups})
        environments = len({json.dumps(group["environment"], sort_keys=True) for group in groups})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        codes = environments = 1
    mixed = (
        f"; the jobs ran in {environments} environments (library versions or CPU vector instructions: "
        f"{SWEEP_MARKER} lists them)"
        if environments > 1
        else ""
    )
    if codes > 1:
        mixed += f"; the jobs ran {codes} versions of the code or configs ({SWEEP_MARKER} lists them: rerun the sweep)"
    return f"{sweep_dir}: {len(jobs)} jobs, {parts}{first}; {kind}{mixed}"


class CollectCallback(Callback):
    """Hydra callback (configs/config.yaml ``hydra.callbacks``): collect when a ``-m`` sweep ends."""

    def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
        """Remove the older combined tables (marker first): a sweep that stops early leaves none."""
        os.environ[MAIN_PID] = str(os.getpid())  # the workers end when this process dies (jobs.end_with_the_sweep)
        try:
            sweep_dir = Path(config.hydra.sweep.dir)
            (sweep_dir / SWEEP_MARKER).unlink(missing_ok=True)
            for name in (*TABLES, "jobs"):
                (sweep_dir / f"{name}.parquet").unlink(missing_ok=True)
            plan = planned_jobs(config)
            if plan is not None and sweep_dir.is_dir():
                moved, aside = place_finished_jobs(sweep_dir, plan[0])
                said = (
                    [f"{moved} finished jobs moved to their numbers in this sweep (skipped as done)"] if moved else []
                )
                said += [f"{aside} finished jobs not in this sweep kept in {EARLIER_JOBS}/"] if aside else []
                if said:
                    print(f"{sweep_dir}: {'; '.join(said)}")
        except Exception as error:  # Hydra would turn it into a warning: stop the sweep with one line
            print(f"error: {errors.one_line(error)}", file=sys.stderr)
            sys.exit(errors.exit_code(error))

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        """Write the combined tables (partial when some jobs failed); exit non-zero unless every job is complete.

        Any exception here (a full disk, a damaged job) is reported as one line and exits non-zero,
        never left to Hydra, which would turn it into a warning and exit 0.
        """
        try:
            sweep_dir = Path(config.hydra.sweep.dir)
            jobs = collect(sweep_dir, partial=True)
            print(report_line(sweep_dir, jobs))
        except KeyboardInterrupt:
            raise
        except Exception as error:
            print(f"error: collecting the sweep failed: {errors.one_line(error)}", file=sys.stderr)
            sys.exit(errors.exit_code(error, default=errors.FAILED))
        if (jobs["status"] != "complete").any():
            print(f"error: some jobs did not complete; see {sweep_dir / 'jobs.parquet'}", file=sys.stderr)
            sys.exit(errors.FAILED)


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.collect [--partial] DIR [DIR ...]``: (re)write the combined tables of sweep directories.

    Exit status: 0 every job complete and combined; 1 some job failed, is missing, invalid or a
    duplicate (nothing written without --partial); 2 bad input (no such directory, not a sweep);
    3 the environment (disk full, no permission, out of memory); 130/143 interrupted.
    """
    parser = argparse.ArgumentParser(prog="python -m sim.collect", description=main.__doc__.splitlines()[0])
    parser.add_argument("sweep_dirs", nargs="+", type=Path, metavar="DIR", help="a -m sweep's directory")
    parser.add_argument("--partial", action="store_true", help="combine the complete jobs even when others are not")
    args = parser.parse_args(argv)
    status = 0
    for sweep_dir in args.sweep_dirs:
        try:
            jobs = collect(sweep_dir, partial=args.partial)
        except KeyboardInterrupt as stop:
            return errors.interrupted(stop)
        except Exception as error:
            plain = isinstance(error, CollectError | FileNotFoundError) and not errors.is_environment(error)
            print(f"error: {' '.join(str(error).split()) if plain else errors.one_line(error)}", file=sys.stderr)
            status = max(status, errors.exit_code(error))
            continue
        complete = bool((jobs["status"] == "complete").all())
        print(report_line(sweep_dir, jobs, written=complete or args.partial))
        status = max(status, int(not complete))
    return status


if __name__ == "__main__":
    sys.exit(main())
