"""The long run against official projections: the default's ten-year head counts beside BLS Employment Projections.

BLS projects employment of models to grow 1% and of photographers 4% over 2023-33 (docs/sources.md:
``bls-ep-models-2023``, ``bls-photographers-employment``). :func:`compute` runs the default (AI at
the ``moderate`` pace, no regulation) and ``no_ai`` for ten years from 2025-01 over the same seeds
and reports each group's ten-year change in head count (mean of the last 12 months against the
first 12). :func:`closing_value` measures which value of the assumption that drives the difference,
the innovation hazard of AI adoption ``ai.adoption_p`` (how soon brands start, and so how soon
others imitate them), brings the default onto the projection: the scan runs the model at each
value and interpolates between them.
"""

from __future__ import annotations

import functools
import sys

import numpy as np
import pandas as pd

from sim.runner import compose

SEEDS = (0, 1, 2, 3)
POPULATION = "population=city"
GROUPS = {"models": ("top_model", "ecommerce_model"), "photographers": ("photographer",)}
# BLS Employment Projections 2023-33, ten-year change of employment
# [sources: bls-ep-models-2023, bls-photographers-employment]
PROJECTED = {"models": 0.01, "photographers": 0.04}
DRIVER = "ai.adoption_p"  # the assumption that drives the difference (docs/validation.md)
DRIVER_SCAN = (0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005)  # per month; the default (configs/ai/moderate.yaml): 0.005


@functools.cache
def ten_year_change(overrides: tuple[str, ...], seed: int) -> dict[str, float]:
    """Each group's head count, mean of the last 12 months against the first 12, minus 1 (one run)."""
    from sim.runner.run import simulate

    occupations, _ = simulate(compose.load_config(POPULATION, "steps=120", f"seed={seed}", *overrides))
    out = {}
    for group, names in GROUPS.items():
        active = occupations[occupations["occupation"].isin(names)].groupby("step")["active"].sum()
        out[group] = float(active.iloc[-12:].mean() / active.iloc[:12].mean() - 1.0)
    return out


def mean_change(overrides: tuple[str, ...]) -> dict[str, float]:
    """The ten-year change of each group, mean over SEEDS."""
    runs = [ten_year_change(overrides, s) for s in SEEDS]
    return {group: float(np.mean([run[group] for run in runs])) for group in GROUPS}


def scan() -> pd.DataFrame:
    """The ten-year change of each group at every value of DRIVER_SCAN (rows), mean over SEEDS."""
    return pd.DataFrame({value: mean_change((f"{DRIVER}={value:g}",)) for value in DRIVER_SCAN}).T


def closing_value(table: pd.DataFrame, group: str) -> float:
    """The value of DRIVER at which the group's change meets its projection (linear between scanned values)."""
    change = table[group]
    target = PROJECTED[group]
    for (low, a), (high, b) in zip(change.items(), list(change.items())[1:], strict=False):
        if (a - target) * (b - target) <= 0 and a != b:
            return float(low + (target - a) * (high - low) / (b - a))
    return float("nan")  # the projection lies outside the scanned range


@functools.cache
def compute() -> dict:
    """The default and no-AI ten-year changes, the scan of the driver and the value that closes each gap."""
    table = scan()
    return {
        "default": mean_change(()),
        "no_ai": mean_change(("scenario=no_ai",)),
        "projected": dict(PROJECTED),
        "scan": {f"{value:g}": row.to_dict() for value, row in table.iterrows()},
        "closing": {group: closing_value(table, group) for group in GROUPS},
        "seeds": len(SEEDS),
    }


def main() -> None:
    """``python -m sim.science.projections``: the comparison as a short table."""
    figures = compute()
    print(f"group | BLS 2023-33 | default 2025-34 | no AI | {DRIVER} that meets BLS")
    for group in GROUPS:
        print(
            f"{group} | {figures['projected'][group]:+.0%} | {figures['default'][group]:+.0%} | "
            f"{figures['no_ai'][group]:+.0%} | {figures['closing'][group]:.5f}"
        )
    print(f"scan of {DRIVER}:", figures["scan"])


if __name__ == "__main__":
    sys.exit(main())
