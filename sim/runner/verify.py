"""What makes a run directory trustworthy: each table checked against the output contract and its checksum.

A run records in its completion marker ``summary.json`` (written last), under ``tables``, each
table's file name, row count, columns and SHA-256 (:func:`table_records`). :func:`problem` checks a
run directory against that record and against the code's output contract (docs/design.md section 6,
``sim.core.reporters``): the marker parses, every table is present, has the contract's columns in
order, and has the recorded row count and bytes; and the marker and Hydra's record of the config
(``.hydra/config.yaml``) name the same run. A run that fails any check is incomplete: collect
lists it as ``invalid`` with the reason, the sweep reruns it, the report refuses it.

Reads files only: the contract's column lists are imported from ``sim.core.reporters`` (numpy and
pandas, not the model).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml

from sim.runner import io

TABLE_FILES = ("occupations.parquet", "market.parquet", "cohorts.parquet")


def contract() -> dict[str, tuple[str, ...]]:
    """Each table file of a run and its columns, in order (docs/design.md section 6)."""
    from sim.core import reporters

    return {
        "occupations.parquet": tuple(reporters.OCCUPATION_COLUMNS),
        "market.parquet": tuple(reporters.MARKET_COLUMNS),
        "cohorts.parquet": tuple(reporters.COHORT_COLUMNS),
        "agents.parquet": tuple(reporters.AGENT_COLUMNS),
    }


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _schema(path: Path) -> tuple[list[str], int]:
    """(columns, rows) from a Parquet file's footer; raises on a file that is not whole Parquet."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    return [str(name) for name in meta.schema.to_arrow_schema().names], int(meta.num_rows)


def table_records(run_dir: Path, names: tuple[str, ...] | None = None) -> dict[str, dict]:
    """For each table file present in ``run_dir``: its rows, columns and SHA-256, for ``summary.json``."""
    run_dir = Path(run_dir)
    names = names or (*TABLE_FILES, *io.OPTIONAL_FILES)
    records = {}
    for name in names:
        path = run_dir / name
        if path.is_file():
            columns, rows = _schema(path)
            records[name] = {"rows": rows, "columns": columns, "sha256": sha256(path)}
    return records


def read_summary(run_dir: Path) -> dict:
    """The run's ``summary.json`` as a dict; ValueError with the reason when absent or damaged."""
    path = Path(run_dir) / io.COMPLETE_MARKER
    if not path.is_file():
        raise ValueError(f"no {io.COMPLETE_MARKER} (the run did not finish)")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{io.COMPLETE_MARKER} is damaged ({type(error).__name__})") from None
    if not isinstance(summary, dict):
        raise ValueError(f"{io.COMPLETE_MARKER} is damaged (not a JSON object)")
    return summary


def problem(run_dir: Path, *, hydra_config: dict | None = None) -> str | None:
    """Why ``run_dir`` is not a complete, intact run (one line), or None when every check passes.

    ``hydra_config``: the run's ``.hydra/config.yaml`` when the caller has read it already.
    """
    run_dir = Path(run_dir)
    try:
        summary = read_summary(run_dir)
    except ValueError as error:
        return str(error)
    mixed = _another_runs(run_dir, summary, hydra_config)
    if mixed:
        return mixed
    records = summary.get("tables")
    if not isinstance(records, dict) or not all(name in records for name in TABLE_FILES):
        return f"{io.COMPLETE_MARKER} records no checksums of its tables (written by an older version): rerun it"
    expected = contract()
    for name, record in records.items():
        path = run_dir / name
        if name not in expected or not isinstance(record, dict):
            return f"{io.COMPLETE_MARKER} records an unknown table {name!r}"
        if not path.is_file():
            return f"{name} is missing"
        try:
            columns, rows = _schema(path)
        except Exception as error:  # pyarrow raises several types for a truncated or foreign file
            return f"{name} is not a readable Parquet file ({type(error).__name__})"
        if tuple(columns) != expected[name]:
            lacking = [column for column in expected[name] if column not in columns]
            extra = [column for column in columns if column not in expected[name]]
            detail = "; ".join(
                part
                for part in (
                    f"lacks {', '.join(lacking)}" if lacking else "",
                    f"has unexpected {', '.join(extra)}" if extra else "",
                )
                if part
            )
            return f"{name} does not match the output contract ({detail or 'columns out of order'})"
        if rows != record.get("rows") or columns != record.get("columns"):
            return f"{name} has {rows} rows, {io.COMPLETE_MARKER} records {record.get('rows')}"
        if sha256(path) != record.get("sha256"):
            return f"{name} does not match its checksum in {io.COMPLETE_MARKER} (changed after the run)"
    return None


# summary.json's identity of a run, and where .hydra/config.yaml holds the same value
IDENTITY = {
    "scenario": "scenario_name",
    "seed": "seed",
    "steps": "steps",
    "start": "start",
    "population": "population.name",
    "ai": "ai.name",
    "regulation": "regulation.name",
}


def _another_runs(run_dir: Path, summary: dict, config: dict | None = None) -> str | None:
    """Why ``summary.json`` and Hydra's record of the config (``.hydra/config.yaml``) describe different runs.

    Two runs started into one folder at once (the same ``hydra.run.dir``) each write both: the
    tables can then be one run's and the recorded config the other's.
    """
    path = run_dir / ".hydra" / "config.yaml"
    if config is None:
        if not path.is_file():
            return None  # a run written by the API (sim.runner.run.run) has no Hydra record
        try:
            config = io.read_yaml(path)
        except (OSError, yaml.YAMLError):
            return f"{path} is not readable YAML"
    shifted = {"seed"} if isinstance(config, dict) and config.get("sensitivity") is not None else set()
    for key, dotted in IDENTITY.items():
        if key in shifted:  # a sensitivity design point's replicate runs at a seed of its own (sim.science)
            continue
        recorded = io.select(config, dotted)
        if key in summary and recorded is not None and str(recorded) != str(summary[key]):
            return (
                f"{io.COMPLETE_MARKER} says {key} {summary[key]!r} but .hydra/config.yaml says {recorded!r}: "
                "two runs wrote this folder at once? rerun it in a folder of its own"
            )
    return None


def is_intact(run_dir: Path) -> bool:
    """True when ``run_dir`` is a complete run that passes every check of :func:`problem`."""
    return problem(run_dir) is None
