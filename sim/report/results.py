"""Read a sweep or a single run directory (files only, never the model) and derive the report's numbers.

Rows are grouped by a ``label``: the scenario, plus any swept parameter that takes several values
within it (``laissez_faire, ai.cost_per_image=2.0``). The rows sharing a label differ only by seed.
The scenario ``no_ai`` is the counterfactual baseline when the directory holds it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.runner import io
from sim.runner.years import first_year, last_year

BASELINE = "no_ai"
INTERVAL = (0.05, 0.95)  # the 90% interval across seeds
JOB_COLUMNS = ("job", "scenario", "seed")
# overrides that do not change what a scenario is: which runs (seed), how long and how big (steps, population,
# size), Hydra's own settings, and the names that the label already gives (scenario=, experiment=, whose swept
# keys each job's overrides list)
UNCHANGING = ("seed", "steps", "population", "size", "scenario", "experiment")
BEFORE_CHANGES = "(before the changes listed)"


def changes(overrides: list[str], label: str) -> list[str]:
    """The overrides that change a scenario beyond what ``label`` already says: a group choice (``ai=fast``) or a
    key (``regulation.royalty_floor=0.5``), not seed/steps/population/size/scenario/experiment nor ``hydra.*``."""
    named = {part.split("=", 1)[0] for part in label.split(", ") if "=" in part}
    kept = []
    for override in overrides:
        key = override.split("=", 1)[0].lstrip("+~")
        if key in UNCHANGING or key == "hydra" or key.startswith(("hydra.", "hydra/")) or key in named:
            continue
        kept.append(override)
    return kept


def changed_label(label: str, extra: list[str]) -> str:
    """``baseline + regulation=fashion_workers_act, regulation.royalty_floor=0.5``; the label when nothing changes."""
    return f"{label} + {', '.join(extra)}" if extra else label


def declares_no_ai(config: object) -> bool:
    """True when a composed config declares the no-AI counterfactual: adoption_p and adoption_q both 0."""
    ai = config.get("ai") if isinstance(config, dict) else None
    if not isinstance(ai, dict):
        return False
    try:
        return float(ai.get("adoption_p")) == 0.0 and float(ai.get("adoption_q")) == 0.0
    except (TypeError, ValueError):
        return False


def swept_columns(frame: pd.DataFrame) -> list[str]:
    """The swept parameters of a combined table: collect puts them between ``seed`` and the run's own columns.

    A run's tables begin with ``step`` (sim.runner.collect writes job, scenario, seed, the swept
    keys, then the run's columns).
    """
    columns = [column for column in frame.columns if column != "label"]
    start = columns.index("seed") + 1 if "seed" in columns else 0
    return columns[start : columns.index("step")]


class ReportError(ValueError):
    """A directory the report cannot read; the message is one line for the user."""


@dataclass
class Results:
    """The combined tables of one directory, each row labelled, and what produced them."""

    kind: str  # "sweep" or "run"
    occupations: pd.DataFrame
    market: pd.DataFrame
    labels: list[str]  # in display order: the baseline first, then as they appear in the sweep
    configs: dict[str, dict] = field(default_factory=dict)  # label -> composed config of one of its runs
    overrides: dict[str, list[str]] = field(default_factory=dict)  # label -> its command-line overrides
    jobs: pd.DataFrame | None = None
    cohorts: pd.DataFrame | None = None  # the incumbents' table, labelled (absent in results of older versions)
    partial: bool = False  # a sweep combined with some jobs not complete (collect --partial, or a failed sweep)
    missing: dict[str, list[str]] = field(default_factory=dict)  # label -> provenance files that are absent
    changes: dict[str, list[str]] = field(default_factory=dict)  # label -> overrides beyond its scenario (changes())

    @property
    def has_baseline(self) -> bool:
        """True when the directory holds the counterfactual: the label ``no_ai`` whose composed config
        declares AI unavailable (no brand can adopt). A run merely named ``no_ai`` (``scenario_name`` is
        free text) with AI available, or without its config, is not used as the reference."""
        return BASELINE in self.labels and declares_no_ai(self.configs.get(BASELINE))

    @property
    def max_seeds(self) -> int:
        return max(len(self.seeds(label)) for label in self.labels)

    @property
    def occupation_names(self) -> list[str]:
        """The occupations of the tables, in their order."""
        return list(self.occupations["occupation"].unique())

    def scenario_of(self, label: str) -> str:
        """The label without the changes its overrides make (``baseline`` for ``baseline + ai=fast``)."""
        extra = self.changes.get(label)
        return label.removesuffix(f" + {', '.join(extra)}") if extra else label

    def find(self, scenario: str) -> str | None:
        """The label of the named scenario as it ran here: ``scenario`` itself, else the one label of that scenario
        whose changes every label shares (``baseline + ai=fast`` beside ``laissez_faire + ai=fast``), else None."""
        if scenario in self.labels:
            return scenario
        common = set.intersection(*(set(self.changes.get(label, [])) for label in self.labels))
        found = [
            label
            for label in self.labels
            if self.scenario_of(label) == scenario and set(self.changes.get(label, [])) == common
        ]
        return found[0] if len(found) == 1 else None

    def seeds(self, label: str) -> list[int]:
        return sorted(int(s) for s in self.occupations.loc[self.occupations["label"] == label, "seed"].unique())


def _read_yaml(path: Path) -> object:
    return io.read_yaml(path) if path.is_file() else None


def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise ReportError(f"{path} is missing: a sweep or run directory holds occupations.parquet and market.parquet")
    try:
        return pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several types for a truncated or foreign file
        kind = type(error).__name__
        raise ReportError(f"{path} is not a readable Parquet file ({kind}): rerun or collect again") from None


def _check_contract(directory: Path, name: str, frame: pd.DataFrame) -> None:
    """ReportError unless ``frame`` holds every column of the output contract for ``name``."""
    from sim.runner.verify import contract

    lacking = [column for column in contract()[name] if column not in frame.columns]
    if lacking:
        raise ReportError(f"{directory / name} lacks the columns {', '.join(lacking)} of the output contract")


def _verified_sweep(directory: Path) -> bool:
    """ReportError unless the combined tables describe the job folders as they are now; True when partial."""
    from sim.runner.collect import SWEEP_MARKER, stale_reason

    reason = stale_reason(directory)
    if reason:
        raise ReportError(
            f"DIR = {directory}: its combined tables are not current ({reason}): "
            f"run python -m sim.collect {directory} (add --partial to report the complete jobs only)"
        )
    return bool(json.loads((directory / SWEEP_MARKER).read_text(encoding="utf-8")).get("partial"))


def _provenance(job_dir: Path) -> tuple[dict | None, list[str] | None, list[str]]:
    """(composed config, overrides, names of the missing files) of one run folder's ``.hydra/``."""
    try:
        config = _read_yaml(job_dir / ".hydra" / "config.yaml")
        overrides = _read_yaml(job_dir / ".hydra" / "overrides.yaml")
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise ReportError(f"{job_dir / '.hydra'} cannot be read ({type(error).__name__})") from None
    missing = [
        name
        for name, value, kind in (("config.yaml", config, dict), ("overrides.yaml", overrides, list))
        if not isinstance(value, kind)
    ]
    return (
        config if isinstance(config, dict) else None,
        [str(o) for o in overrides] if isinstance(overrides, list) else None,
        missing,
    )


def _text(values: pd.Series) -> pd.Series:
    """Values as display strings; missing ones as empty strings."""
    return values.astype(object).map(lambda value: "" if pd.isna(value) else str(value))


def _label_rows(occupations: pd.DataFrame) -> pd.Series:
    """The scenario, plus each swept parameter that varies within a scenario, as one string per row.

    A sweep without scenario names (a plain ``-m ai.cost_per_image=...`` sweep) is labelled by its
    swept parameters alone.
    """
    scenario = _text(occupations["scenario"])
    swept = swept_columns(occupations)
    varying = [c for c in swept if (_text(occupations[c]).groupby(scenario).nunique() > 1).any()]
    parts = [scenario, *(f"{column}=" + _text(occupations[column]) for column in varying)]
    frame = pd.concat(parts, axis=1)
    label = frame.apply(lambda row: ", ".join(part for part in row if part and not part.endswith("=")), axis=1)
    return label.where(label != "", "default")


def _order(labels: pd.Series) -> list[str]:
    unique = list(dict.fromkeys(labels))
    return sorted(unique, key=lambda name: name != BASELINE)  # stable: the baseline first


def _run_label(summary: dict) -> str:
    if summary.get("scenario"):
        return str(summary["scenario"])
    return f"ai={summary.get('ai', '?')}, regulation={summary.get('regulation', '?')}"


def _config_from_summary(summary: dict) -> dict:
    """What summary.json says about the config, for a run directory without ``.hydra/``."""
    return {
        "population": {"name": summary.get("population")},
        "ai": {"name": summary.get("ai")},
        "regulation": {"name": summary.get("regulation")},
        **{key: summary.get(key) for key in ("seed", "steps", "start")},
    }


def load(directory: str | Path, *, verify: bool = True) -> Results:
    """Read a sweep directory (combined tables) or a single complete run directory.

    With ``verify`` (always, from the command line), a run must pass :func:`sim.runner.verify.problem`
    and a sweep's combined tables must be current (:func:`sim.runner.collect.stale_reason`);
    ``verify=False`` reads hand-made tables as they are (for analyses in a notebook or a test).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ReportError(f"DIR = {directory} is not a directory: give a sweep or run directory")
    occupations = _read_table(directory / "occupations.parquet")
    swept = "job" in occupations.columns
    if swept and occupations.empty:
        raise ReportError(f"DIR = {directory} holds no complete job: see its jobs.parquet for what failed")
    partial = _verified_sweep(directory) if swept and verify else False
    if not swept and verify:
        from sim.runner.verify import problem

        reason = problem(directory)
        if reason:
            raise ReportError(f"DIR = {directory} is not a complete, intact run: {reason}")
    market = _read_table(directory / "market.parquet")
    cohorts = _read_table(directory / "cohorts.parquet") if (directory / "cohorts.parquet").is_file() else None
    _check_contract(directory, "occupations.parquet", occupations)
    _check_contract(directory, "market.parquet", market)
    if swept:
        results = _load_sweep(directory, occupations, market)
        results.partial = partial
        if cohorts is not None and "job" in cohorts.columns:
            label_of_job = results.occupations.drop_duplicates("job").set_index("job")["label"]
            results.cohorts = cohorts.assign(label=cohorts["job"].map(label_of_job)).dropna(subset=["label"])
        return results
    summary_path = directory / "summary.json"
    if not summary_path.is_file():
        raise ReportError(f"DIR = {directory} has no summary.json and no job column: the run is incomplete")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    config, overrides, missing = _provenance(directory)
    scenario = _run_label(summary)
    extra = changes(overrides or [], scenario)
    label = changed_label(scenario, extra)
    seed = summary.get("seed", 0)
    job = {
        "job": directory.name,
        "scenario": scenario,
        "seed": int(seed) if isinstance(seed, int) else 0,
        "label": label,
    }
    return Results(
        kind="run",
        occupations=occupations.assign(**job),
        market=market.assign(**job),
        labels=[label],
        configs={label: config or _config_from_summary(summary)},
        overrides={label: overrides} if overrides is not None else {},
        cohorts=None if cohorts is None else cohorts.assign(**job),
        missing={label: missing} if missing else {},
        changes={label: extra} if extra else {},
    )


def _load_sweep(directory: Path, occupations: pd.DataFrame, market: pd.DataFrame) -> Results:
    if occupations.empty:
        raise ReportError(f"DIR = {directory} holds no complete job: see its jobs.parquet for what failed")
    for table in (occupations, market):
        if "scenario" not in table.columns:
            table["scenario"] = None
    first_rows = occupations.drop_duplicates("job").reset_index(drop=True)  # one row per job
    label_of_job = pd.Series(_label_rows(first_rows).to_numpy(), index=first_rows["job"])
    jobs_path = directory / "jobs.parquet"
    jobs = _read_table(jobs_path) if jobs_path.is_file() else None
    recorded = {}  # job -> the overrides the jobs table records, for a job folder without .hydra/overrides.yaml
    if jobs is not None and {"job", "overrides"} <= set(jobs.columns):
        pairs = zip(jobs["job"], jobs["overrides"], strict=True)
        recorded = {str(job): text.split() for job, text in pairs if isinstance(text, str)}
    configs, overrides, missing, extras = {}, {}, {}, {}
    for label in _order(label_of_job):
        job = str(label_of_job[label_of_job == label].index[0])
        config, found, absent = _provenance(directory / job)
        extra = changes(found if found is not None else recorded.get(job, []), label)
        named = changed_label(label, extra)
        label_of_job[label_of_job == label] = named
        configs[named] = config or {}
        if found is not None:
            overrides[named] = [o for o in found if not o.startswith("seed=")]
        if absent:
            missing[named] = absent
        if extra:
            extras[named] = extra
    occupations = occupations.assign(label=occupations["job"].map(label_of_job))
    market = market.assign(label=market["job"].map(label_of_job))
    labels = _order(occupations["label"])
    return Results("sweep", occupations, market, labels, configs, overrides, jobs, missing=missing, changes=extras)


def year_means(occupations: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per (label, seed, occupation): the mean of ``column`` over the first and over the last 12 months."""
    first, last = first_year(occupations), last_year(occupations)
    keys = ["label", "seed", "occupation"]
    return pd.DataFrame(
        {"first": first.groupby(keys)[column].mean(), "last": last.groupby(keys)[column].mean()}
    ).reset_index()


def relative_change(value: pd.Series, reference: pd.Series) -> pd.Series:
    return (value / reference.where(reference > 0) - 1.0) * 100.0


def paired_reference(
    frame: pd.DataFrame, value: str, key: str, pool: str, reference: str = BASELINE
) -> tuple[pd.DataFrame, pd.Series]:
    """The rows other than the ``reference`` label's, and for each the same seed's reference ``value`` at the
    same ``key`` (the reference's ``pool`` over its seeds where that seed is missing)."""
    base = frame[frame["label"] == reference]
    paired = base.set_index(["seed", key])[value]
    pooled = base.groupby(key)[value].agg(pool)
    rest = frame[frame["label"] != reference]
    index = pd.MultiIndex.from_frame(rest[["seed", key]])
    reference = pd.Series(paired.reindex(index).to_numpy(), index=rest.index)
    return rest, reference.fillna(rest[key].map(pooled))


def seed_spread(values: pd.Series) -> pd.Series:
    """Median and 90% interval across seeds; undefined (NaN) when any seed's value is."""
    clean = values.to_numpy(dtype=float)
    if clean.size == 0 or np.isnan(clean).any():
        return pd.Series({"median": np.nan, "low": np.nan, "high": np.nan})
    low, high = np.quantile(clean, INTERVAL)
    return pd.Series({"median": float(np.median(clean)), "low": float(low), "high": float(high)})


def roles(results: Results) -> dict[str, str | None]:
    """Each occupation's role (``model``, ``crew``, ``ai_producer``) from a composed config of the results; empty
    without one."""
    config = next((c for c in results.configs.values() if isinstance(c.get("occupations"), dict)), {})
    return {name: (entry or {}).get("role") for name, entry in config.get("occupations", {}).items()}


def twin_occupations(results: Results) -> list[str]:
    """The occupations whose likeness brands can license as a twin (role ``model`` in the composed config), in
    table order; without a config, those paid any royalty."""
    roles_of = roles(results)
    names = results.occupation_names
    if roles_of:
        return [name for name in names if roles_of.get(name) == "model"]
    paid = results.occupations.groupby("occupation")["income_royalties"].sum()
    return [name for name in names if paid.get(name, 0) > 0]


def twin_accounts(results: Results) -> pd.DataFrame:
    """Per (label, seed, occupation) that can license twins: the royalties its workers received for their own
    twins and the day income they lost, summed over the run (USD, all its workers).

    ``income_royalties`` is the occupation's total of net royalties in the month and part of ``income_total``
    (docs/design.md section 6), so day income is the difference. The loss is measured against the same
    seed's ``no_ai`` month by month (the baseline's median over seeds when that seed is missing), else
    against the run's own first-year monthly mean.
    """
    columns = ["label", "seed", "occupation", "twin_royalties", "day_income_lost"]
    rows = results.occupations[results.occupations["occupation"].isin(twin_occupations(results))]
    frame = rows[["label", "seed", "step", "occupation"]].assign(
        twin_royalties=rows["income_royalties"], day_income=rows["income_total"] - rows["income_royalties"]
    )
    if frame.empty:
        return pd.DataFrame(columns=columns)
    if results.has_baseline:
        frame = frame.assign(at=frame["occupation"] + "@" + frame["step"].astype(str))  # one key: same month and job
        frame, reference = paired_reference(frame, "day_income", "at", "median")
        frame = frame.assign(reference=reference)
    else:
        first = first_year(frame).groupby(["label", "seed", "occupation"])["day_income"].mean()
        frame = frame.join(first.rename("reference"), on=["label", "seed", "occupation"])
    frame["day_income_lost"] = frame["reference"] - frame["day_income"]
    keys = ["label", "seed", "occupation"]
    return frame.groupby(keys, sort=False)[["twin_royalties", "day_income_lost"]].sum().reset_index()[columns]


def totals_by_seed(results: Results, column: str) -> pd.DataFrame:
    """Per (label, seed): a market column summed over the run."""
    return results.market.groupby(["label", "seed"])[column].sum().reset_index()


def spread_by_label(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Median and 90% interval of ``column`` across seeds, per label."""
    return frame.groupby("label")[column].apply(seed_spread).unstack()


def bands(frame: pd.DataFrame, column: str, keys: tuple[str, ...] = ("label", "date")) -> pd.DataFrame:
    """Per label and date: the 5th, 25th, 50th, 75th and 95th percentiles of ``column`` across seeds."""
    grouped = frame.groupby(list(keys))[column]
    quantiles = grouped.quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    quantiles.columns = ["q05", "q25", "q50", "q75", "q95"]
    return quantiles.reset_index()


def scenario_description(results: Results, label: str) -> str:
    """The one-line description of a label's scenario: from its run's composed config, else from the package's
    ``configs/scenario/NAME.yaml`` (results of a version before descriptions), else empty. A label whose overrides
    change its scenario (``baseline + ai=fast``) has the description marked BEFORE_CHANGES, as it describes the
    scenario before them."""
    described = _description(results, label)
    return f"{described} {BEFORE_CHANGES}" if described and results.changes.get(label) else described


def _description(results: Results, label: str) -> str:
    described = results.configs.get(label, {}).get("description")
    if described:
        return str(described)
    from sim.runner.compose import config_dir

    scenario = results.scenario_of(label).split(",")[0].strip()
    path = config_dir() / "scenario" / f"{scenario}.yaml"
    if not scenario.isidentifier() or not path.is_file():
        return ""
    try:
        tree = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return ""
    return str(tree.get("description") or "") if isinstance(tree, dict) else ""
