"""The analysed outputs of a sensitivity sweep: each run's horizon values, and AI effects against ``no_ai``.

An effect compares two runs of the same design point and seed (common random numbers): the
``baseline`` arm with the ``no_ai`` arm. Incomes, head counts and days are relative effects
(AI / no AI - 1, in %); the AI share is the share itself (it is 0 without AI), in percentage
points. The horizon is the last 12 months of a run.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.core.registry import Occupations
from sim.runner import io
from sim.runner.years import last_year
from sim.science.sensitivity_design import DESIGN_SCENARIO, EFFECT_REFERENCE

POINT = "sensitivity.point"
RUN = [POINT, "scenario", "seed"]  # one run: a design point in one arm with one seed
OUTPUTS = {  # effect of AI against no_ai at the horizon
    "incumbent_income": "Incumbents' mean income, all occupations (% against no AI)",
    "ecommerce_models": "E-commerce models active (% against no AI)",
    "crew_days": "Crew days worked (% against no AI)",
    "ai_share": "AI share of all shoots (percentage points)",
}
RELATIVE = ("incumbent_income", "ecommerce_models", "crew_days")  # the others are differences of shares
AI_SHOOTS = ("shoots_twin", "shoots_generic", "shoots_generated")


def crew_of(sweep_dir: Path) -> tuple[str, ...]:
    """The crew occupations of a sweep, from the config Hydra saved beside it (``multirun.yaml``)."""
    path = Path(sweep_dir) / "multirun.yaml"
    saved = io.read_yaml(path) if path.is_file() else None
    if not isinstance(saved, dict) or not isinstance(saved.get("occupations"), dict):
        raise SystemExit(f"error: {sweep_dir}/multirun.yaml is missing or has no occupations: rerun the sweep")
    return Occupations.from_config(saved["occupations"]).crew_names


def run_outputs(
    occupations: pd.DataFrame, market: pd.DataFrame, cohorts: pd.DataFrame, crew: tuple[str, ...]
) -> pd.DataFrame:
    """One row per run (point, scenario, seed): the horizon values, and each occupation's incumbents' income."""
    occupations, market, cohorts = (
        last_year(table) for table in (occupations, market, cohorts)
    )  # runs are equal in length
    by_occupation = occupations.groupby([*RUN, "occupation"])[["active", "days_worked"]].mean().unstack("occupation")
    shoots = market.groupby(RUN)[["shoots_human", *AI_SHOOTS]].sum()
    cohorts = cohorts.assign(earned=cohorts["income_mean"] * cohorts["incumbents"])
    pooled = cohorts.groupby(RUN)[["earned", "incumbents"]].sum()
    per_occupation = cohorts.groupby([*RUN, "occupation"])["income_mean"].mean().unstack("occupation")
    table = pd.DataFrame(
        {
            "incumbent_income": pooled["earned"] / pooled["incumbents"],
            "ecommerce_models": by_occupation[("active", "ecommerce_model")],
            "crew_days": by_occupation["days_worked"][list(crew)].sum(axis=1),
            "ai_share": 100 * shoots[list(AI_SHOOTS)].sum(axis=1) / shoots.sum(axis=1).clip(lower=1),
        }
    )
    return table.join(per_occupation.add_prefix("income:")).sort_index()


def effects(runs: pd.DataFrame, arm: str = DESIGN_SCENARIO, reference: str = EFFECT_REFERENCE) -> pd.DataFrame:
    """Effect of ``arm`` against ``reference`` for each (point, seed) both ran: relative in %, shares in points."""
    ran = set(runs.index.get_level_values("scenario"))
    for needed in (arm, reference):
        if needed not in ran:
            raise SystemExit(
                f"error: the sweep has no {needed} runs: allowed scenario sweeps include {arm},{reference}"
            )
    own = runs.xs(arm, level="scenario")
    against = runs.xs(reference, level="scenario")
    shared = own.index.intersection(against.index)
    own, against = own.loc[shared], against.loc[shared]
    relative = [column for column in own.columns if column in RELATIVE or column.startswith("income:")]
    out = own.copy()
    out[relative] = 100 * (own[relative] / against[relative].where(against[relative] != 0) - 1)
    shares = [column for column in own.columns if column not in relative]
    out[shares] = own[shares] - against[shares]
    return out


def point_means(per_seed: pd.DataFrame) -> pd.DataFrame:
    """Mean over each point's seeds, with the number of seeds (``seeds``)."""
    grouped = per_seed.groupby(level=POINT)
    return grouped.mean().assign(seeds=grouped.size()).sort_index()


def noise_share(per_seed: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Share of the variance of the point means (what the indices split) that is seed noise left after averaging.

    The within-point variance over seeds, divided by the number of seeds, over the variance of the point means.
    """
    grouped = per_seed[columns].groupby(level=POINT)
    noise = grouped.var(ddof=1).mean() / grouped.size().mean()
    total = grouped.mean().var(ddof=1)
    return (noise / total.where(total > 0)).fillna(0.0).clip(upper=1.0)


def read_tables(sweep_dir: Path) -> tuple[pd.DataFrame, ...]:
    """The combined occupations, market and cohorts tables of a collected sweep."""
    sweep_dir = Path(sweep_dir)
    tables = []
    for name in ("occupations", "market", "cohorts"):
        path = sweep_dir / f"{name}.parquet"
        if not path.is_file():
            raise SystemExit(f"error: {path} is missing: collect the sweep first (python -m sim.collect {sweep_dir})")
        tables.append(pd.read_parquet(path))
    return tuple(tables)
