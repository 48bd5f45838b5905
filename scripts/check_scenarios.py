"""Check the scenario directions of issue 3 over many seeds and print a table.

    .venv/bin/python scripts/check_scenarios.py                    # 20 seeds, city, 120 months
    .venv/bin/python scripts/check_scenarios.py --population classroom --seeds 3 --steps 24

Each direction is checked on the mean over seeds and on every seed; the exit status is 1 when
a direction fails. Runs the model in-process (no figures, nothing written).
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd
from joblib import Parallel, delayed

from sim.core.schema import to_schema
from sim.runner.compose import compose
from sim.runner.run import simulate
from sim.runner.years import last_year

SCENARIOS = ("no_ai", "laissez_faire", "fashion_workers_act", "union_royalties", "replica_ban")


def figures(scenario: str, seed: int, population: str, steps: int) -> dict:
    """The figures the directions compare, for one scenario and seed."""
    cfg = compose(f"scenario={scenario}", f"seed={seed}", f"population={population}")
    cfg.steps = steps
    schema = to_schema(cfg)
    occupations, market = simulate(schema)
    in_force = market["date"] >= pd.Timestamp(f"{schema.regulation.start}-01")
    last = last_year(occupations)
    ecommerce = last[last["occupation"] == "ecommerce_model"]
    return {
        "scenario": scenario,
        "seed": seed,
        "max_ai_share": float(market[["ai_share_campaign", "ai_share_ecommerce"]].to_numpy().max()),
        "ecom_employed_last_year": float(ecommerce["employed"].mean()),
        "unconsented_uses": int(market["unconsented_uses"].sum()),
        "unconsented_in_force": int(market.loc[in_force, "unconsented_uses"].sum()),  # from regulation.start
        "twin_royalties_usd": float(market["twin_royalties"].sum()),  # USD paid to models for twins, whole run
        "generic_shoots": int(market["shoots_generic"].sum()),
    }


def directions(table: pd.DataFrame) -> list[tuple[str, bool, str]]:
    """(direction, holds, evidence) for each direction of the issue."""
    by = table.set_index(["scenario", "seed"])
    mean = table.groupby("scenario").mean(numeric_only=True)

    def paired(a: str, b: str, column: str) -> int:
        return int((by.loc[a][column] < by.loc[b][column]).sum())

    seeds = table["seed"].nunique()
    fwa = by.loc["fashion_workers_act"]
    lf_ecom, no_ecom = (mean.loc[name, "ecom_employed_last_year"] for name in ("laissez_faire", "no_ai"))
    lf_twin, ur_twin = (mean.loc[name, "twin_royalties_usd"] for name in ("laissez_faire", "union_royalties"))
    lower = paired("laissez_faire", "no_ai", "ecom_employed_last_year")
    return [
        (
            "no_ai keeps AI share at 0",
            by.loc["no_ai"]["max_ai_share"].max() == 0.0,
            f"max AI share over all months and seeds = {by.loc['no_ai']['max_ai_share'].max():g}",
        ),
        (
            "laissez_faire e-commerce employment < no_ai (last year)",
            lf_ecom < no_ecom,
            f"mean employed {lf_ecom:.1f} vs {no_ecom:.1f}; lower in {lower}/{seeds} seeds",
        ),
        (
            "fashion_workers_act has no unconsented uses once in force (2025-06)",
            by.loc["fashion_workers_act"]["unconsented_in_force"].max() == 0,
            f"unconsented uses from 2025-06, max over seeds = {fwa['unconsented_in_force'].max()} "
            f"(before the act: mean {fwa['unconsented_uses'].mean():.1f} a run, seeds with any: "
            f"{int((fwa['unconsented_uses'] > 0).sum())}/{seeds})",
        ),
        (
            "union_royalties pays models more twin income than laissez_faire",
            ur_twin > lf_twin,
            f"mean twin royalties USD {ur_twin:,.0f} vs {lf_twin:,.0f}; higher in "
            f"{paired('laissez_faire', 'union_royalties', 'twin_royalties_usd')}/{seeds} seeds",
        ),
        (
            "replica_ban has no generic-AI shoots",
            by.loc["replica_ban"]["generic_shoots"].max() == 0,
            f"generic shoots, whole run, max over seeds = {by.loc['replica_ban']['generic_shoots'].max()}",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    """Run every scenario over the seeds, print the means and the directions; 1 if one fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", default="city")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--jobs", type=int, default=-1, help="parallel processes (-1: all cores)")
    args = parser.parse_args(argv)
    rows = Parallel(n_jobs=args.jobs)(
        delayed(figures)(scenario, seed, args.population, args.steps)
        for scenario in SCENARIOS
        for seed in range(args.seeds)
    )
    table = pd.DataFrame(rows)
    print(f"{args.population}, {args.steps} months, seeds 0-{args.seeds - 1}: means over seeds")
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:,.2f}".format):
        print(table.groupby("scenario").mean(numeric_only=True).drop(columns="seed").loc[list(SCENARIOS)])
    print()
    failed = 0
    for name, holds, evidence in directions(table):
        failed += not holds
        print(f"{'PASS' if holds else 'FAIL'}  {name}: {evidence}")
    return int(failed > 0)


if __name__ == "__main__":
    sys.exit(main())
