"""Robust policy ranking: at how many parameter points does each policy raise each occupation's incumbents' income?

Over the points of a sensitivity design, each policy arm is compared with the ``laissez_faire``
arm of the same point and seed (common random numbers): the relative effect on each
occupation's incumbents' mean income at the horizon (cohorts table), averaged over the point's
seeds. ``share_raises`` is the share of points where that mean is above zero. The parameters
that *decide* it are found by Monte Carlo filtering (regional sensitivity analysis, Spear and
Hornberger): the parameters whose values differ most between the points where the policy raises
the income and those where it does not (two-sample Kolmogorov-Smirnov statistic). The table is
``robustness.csv`` in the sweep folder, one row per policy and occupation.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.runner import io
from sim.science.sensitivity_design import DESIGN_SCENARIO, EFFECT_REFERENCE, NOISE, POLICY_REFERENCE, design_values
from sim.science.sensitivity_effects import POINT, crew_of, effects, point_means, read_tables, run_outputs

FILE = "robustness.csv"
COLUMNS = ["scenario", "occupation", "share_raises", "points", "deciding"]
MIN_GROUP = 3  # points on each side needed before naming what separates them
KS_NAMED = 0.25  # a parameter is named when its KS statistic is at least this ...
P_NAMED = 0.05  # ... and its KS test rejects equal distributions at this level, over all parameters tested
NAMED_AT_MOST = 2
NO_CHANGE = 1e-9  # relative effects (in %) this close to 0 are no change
NOTED_UNCHANGED = 0.1  # the deciding text says so when at least this share of points saw no change
WORDS = {  # plain names of the parameters for the deciding text; any other key is shown as it is
    "ai.cost_per_image": "AI cost per image",
    "ai.cost_decline": "yearly fall of AI cost",
    "ai.quality_gap": "AI quality gap",
    "ai.quality_half_life": "AI quality half-life",
    "ai.adoption_p": "AI adoption (innovation)",
    "ai.adoption_q": "AI adoption (imitation)",
    "ai.adoption_cost": "AI set-up cost",
    "market.content_elasticity": "content elasticity",
    "market.demand_growth": "demand growth",
    "market.twin_royalty_offer": "twin royalty offered",
    "market.shoots.*.twin|generic.photographer|stylist": "crew on AI shoots",
    "market.segments.*.cost_scale": "brands' cost scale (logit)",
    "market.segments.*.quality_weight": "brands' quality weight (logit)",
    "market.segments.*.backlash": "consumer backlash (logit)",
    "occupations.*.outside_option": "outside options",
}


def policy_arms(scenarios: list[str]) -> list[str]:
    """The scenarios of a sweep that are compared with laissez_faire (all but the design, no_ai and laissez_faire)."""
    return [s for s in scenarios if s not in (DESIGN_SCENARIO, EFFECT_REFERENCE, POLICY_REFERENCE)]


def ks_statistic(inside: np.ndarray, outside: np.ndarray) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov statistic and p-value (scipy comes with SALib)."""
    from scipy.stats import ks_2samp

    test = ks_2samp(inside, outside)
    return float(test.statistic), float(test.pvalue)


def deciding(values: pd.DataFrame, raises: np.ndarray) -> str:
    """Which parameters separate the points where the policy raises the income from the others, in words.

    Regulation knobs are left out (a policy arm keeps its own rules, so they do not act there), and so is the
    noise reference; a parameter is named when its KS test holds at P_NAMED over all those tested (Bonferroni).
    """
    if min(raises.sum(), (~raises).sum()) < MIN_GROUP:
        return ""
    tested = [name for name in values.columns if name != NOISE and not name.startswith("regulation.")]
    found = []
    for name in tested:
        column = values[name].to_numpy(dtype=float)
        statistic, p_value = ks_statistic(column[raises], column[~raises])
        if statistic >= KS_NAMED and p_value < P_NAMED / len(tested):
            high = np.median(column[raises]) > np.median(column[~raises])
            found.append((statistic, name, high))
    if not found:
        return ""  # none stands out: seed noise, or many small influences
    found.sort(reverse=True)
    named = [
        f"{WORDS.get(name, name)} is {'high' if high else 'low'} (KS {statistic:.2f})"
        for statistic, name, high in found
    ]
    return f"raises it where {' and '.join(named[:NAMED_AT_MOST])}"


def table(runs: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """The robust ranking: one row per policy arm and occupation (COLUMNS).

    ``runs``: one row per (point, scenario, seed) with ``income:OCCUPATION`` columns; ``values``: the design's
    parameter values, one row per point (index = point number).
    """
    scenarios = list(dict.fromkeys(runs.index.get_level_values("scenario")))
    if POLICY_REFERENCE not in scenarios:
        return pd.DataFrame(columns=COLUMNS)
    incomes = [column for column in runs.columns if column.startswith("income:")]
    rows = []
    for policy in policy_arms(scenarios):
        means = point_means(effects(runs[incomes], arm=policy, reference=POLICY_REFERENCE))
        at = values.loc[means.index.get_level_values(POINT)]
        for column in incomes:
            effect = means[column].to_numpy(dtype=float)
            raises = effect > NO_CHANGE
            unchanged = np.abs(effect) <= NO_CHANGE
            text = deciding(at, raises)
            if unchanged.mean() >= NOTED_UNCHANGED:
                text = f"no change at {100 * unchanged.mean():.0f}% of points" + (f"; {text}" if text else "")
            rows.append(
                {
                    "scenario": policy,
                    "occupation": column.removeprefix("income:"),
                    "share_raises": round(float(raises.mean()), 3),
                    "points": len(effect),
                    "deciding": text,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def write_if_arms(sweep_dir: Path, runs: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame | None:
    """Write ``robustness.csv`` into the sweep folder when it ran laissez_faire and a policy; return the table."""
    ranking = table(runs, values)
    if ranking.empty:
        return None
    path = Path(sweep_dir) / FILE
    io.write_atomic(path, lambda tmp: ranking.to_csv(tmp, index=False))
    return ranking


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.science.robustness DIR``: (re)write robustness.csv of a collected sensitivity sweep."""
    from sim.science.sensitivity import saved_settings

    parser = argparse.ArgumentParser(prog="python -m sim.science.robustness", description=main.__doc__)
    parser.add_argument("sweep_dir", type=Path)
    args = parser.parse_args(argv)
    runs = run_outputs(*read_tables(args.sweep_dir), crew_of(args.sweep_dir))
    ranking = write_if_arms(args.sweep_dir, runs, design_values(saved_settings(args.sweep_dir)))
    if ranking is None:
        raise SystemExit(f"error: {args.sweep_dir} has no {POLICY_REFERENCE} arm and policy arm to compare")
    print(ranking.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
