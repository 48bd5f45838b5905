"""Calibration of the no-AI baseline: distance of each grid point to the income targets (docs/sources.md).

The ``calibration`` experiment (``python -m sim -m experiment=calibration``) sweeps a documented
grid of free parameters (day rates inside their cited vendor ranges) under the ``no_ai`` scenario
over several seeds. :func:`fit` reads the sweep's combined ``occupations.parquet`` and computes
for each grid point the model's figure for every target (mean over months and seeds), the
relative distance to the target, and their sum; the point with the smallest sum is the fit.
:class:`CalibrationCallback` writes ``calibration.json`` and ``calibration.md`` into the sweep
directory when the sweep ends; ``python -m sim.science.calibration DIR KEY...`` does it again.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.runner import io
from sim.runner.collect import CollectCallback


@dataclass(frozen=True)
class Target:
    """A calibration target: an occupation's monthly income statistic and where it comes from."""

    name: str
    occupation: str
    column: str
    low: float  # USD/month; a point target has low == high
    high: float
    source: str

    def distance(self, value: float) -> float:
        """Relative distance to the target (0 inside a range)."""
        if value < self.low:
            return (self.low - value) / self.low
        if value > self.high:
            return (value - self.high) / self.high
        return 0.0


TARGETS = (
    Target(
        "models_median",
        "ecommerce_model",
        "income_median",
        47_430 / 12,
        47_430 / 12,
        "BLS OEWS May 2023, Models (41-9012): median $47,430/yr [sources: bls-oews-models]",
    ),
    Target(
        "photographers_median",
        "photographer",
        "income_median",
        38_950 / 12,
        38_950 / 12,
        "BLS OEWS May 2021, Photographers (27-4021): median $38,950/yr [sources: bls-oews-photographers]",
    ),
    Target(
        "makeup_middle_half",
        "makeup_artist",
        "income_median",
        28_850 / 12,
        132_530 / 12,
        "Make-up artists, theatrical and performance (39-5091): middle half $28,850-132,530/yr "
        "[sources: oews-makeup-artists]",
    ),
)


def fit(occupations: pd.DataFrame, free: list[str]) -> tuple[pd.DataFrame, dict]:
    """Distances per grid point (one row each) and the best point's values and distances."""
    missing = [key for key in free if key not in occupations.columns]
    if missing:
        raise ValueError(f"the sweep has no column {missing[0]!r}: was it swept?")
    rows = []
    for point, runs in occupations.groupby(free, sort=True):
        point = point if isinstance(point, tuple) else (point,)
        row = dict(zip(free, point, strict=True))
        row["seeds"] = int(runs["seed"].nunique())
        total = 0.0
        for target in TARGETS:
            value = float(runs.loc[runs["occupation"] == target.occupation, target.column].mean())
            row[target.name] = value
            row[f"{target.name}_distance"] = target.distance(value)
            total += target.distance(value)
        row["distance"] = total
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("distance", kind="stable").reset_index(drop=True)
    best = table.iloc[0]
    result = {
        "fitted": {key: best[key].item() if hasattr(best[key], "item") else best[key] for key in free},
        "seeds": int(best["seeds"]),
        "distance": float(best["distance"]),
        "targets": [
            {
                "name": t.name,
                "target": [round(t.low, 2), round(t.high, 2)],
                "model": round(float(best[t.name]), 2),
                "distance": round(float(best[f"{t.name}_distance"]), 4),
                "source": t.source,
            }
            for t in TARGETS
        ],
    }
    return table, result


def markdown(table: pd.DataFrame, result: dict) -> str:
    """The fit, its distance to each target, and the whole grid."""
    lines = ["# Calibration of the no-AI baseline", "", "Fitted values (smallest summed relative distance):", ""]
    lines += [f"- `{key}` = {value}" for key, value in result["fitted"].items()]
    lines += [
        "",
        f"Over {result['seeds']} seeds per grid point.",
        "",
        "| target | target (USD/month) | model | distance | source |",
        "|---|---|---|---|---|",
    ]
    for t in result["targets"]:
        low, high = t["target"]
        span = f"{low:,.0f}" if low == high else f"{low:,.0f}-{high:,.0f}"
        lines.append(f"| {t['name']} | {span} | {t['model']:,.0f} | {t['distance']:.3f} | {t['source']} |")
    lines += ["", "Every grid point, best first:", "", "```", table.round(3).to_string(index=False), "```", ""]
    return "\n".join(lines)


def write(sweep_dir: Path, free: list[str]) -> dict:
    """Fit from a sweep directory's combined table; write calibration.json and calibration.md."""
    sweep_dir = Path(sweep_dir)
    table, result = fit(pd.read_parquet(sweep_dir / "occupations.parquet"), free)
    io.write_json(result, sweep_dir / "calibration.json")
    text = markdown(table, result)
    io.write_atomic(sweep_dir / "calibration.md", lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return result


class CalibrationCallback(CollectCallback):
    """Replaces the collect callback in ``experiment=calibration``: collect, then fit."""

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        super().on_multirun_end(config, **kwargs)  # exits 1 when a grid point failed or is missing
        free = [key for key in config.hydra.sweeper.params if key not in ("seed", "scenario")]
        result = write(Path(config.hydra.sweep.dir), free)
        fitted = ", ".join(f"{key}={value}" for key, value in result["fitted"].items())
        print(f"calibration: {fitted} (distance {result['distance']:.3f}); see {config.hydra.sweep.dir}/calibration.md")


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.science.calibration DIR KEY...``: fit a finished calibration sweep."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("free", nargs="+", help="the swept keys, e.g. occupations.ecommerce_model.day_rate")
    args = parser.parse_args(argv)
    result = write(args.sweep_dir, args.free)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
