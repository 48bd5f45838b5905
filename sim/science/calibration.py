"""Calibration of the no-AI market by simulated method of moments (SMM) over a design with common random numbers.

The ``calibration`` experiment (``python -m sim -m experiment=calibration``) runs the ``no_ai``
scenario at every point of a factorial design of free parameters, each point with the same seeds
(common random numbers, so that differences between points are not seed noise). :func:`fit` reads
the sweep's combined ``occupations.parquet`` and computes, for every point and seed, the model's
figure for each of the :data:`TARGETS` (more targets than free parameters: income levels and
spreads, exit and entry rates, head-count growth, each from a published source). The SMM objective
of a point is the sum over targets of ``(distance / sd)^2``: the distance to the target (0 inside a
range) in units of the target's stated uncertainty ``sd``.

The estimate is the minimiser of that objective over a smooth surrogate of every moment (least
squares on the design: linear terms, two-way interactions, squares where a key has three levels or
more), and its uncertainty comes from a bootstrap that redraws the seeds (the same draw at every
point) and each target from its uncertainty. :class:`CalibrationCallback` writes
``calibration.json`` and ``calibration.md`` into the sweep directory, after checking the estimate
with fresh seeds (:func:`check`); ``python -m sim.science.calibration DIR KEY...`` fits again.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from sim.runner import io
from sim.runner.collect import CollectCallback

BURN_IN = 12  # months left out of every moment: the market settles from its start values
BOOTSTRAP = 200  # bootstrap draws for the intervals of the estimate
CHECK_SEEDS = tuple(range(100, 110))  # fresh seeds for the check run at the estimate (none used by the design)


@dataclass(frozen=True)
class Target:
    """A calibration target: one moment of an occupation, its published value and whom the source counts.

    ``column`` names a moment of :data:`MOMENTS` (or a column of the occupations table, averaged over
    months). A point target has ``low == high``. ``sd`` is the target's uncertainty: a share of it
    (``absolute`` False) or in its own units (``absolute`` True, for rates of change near zero).
    """

    name: str
    occupation: str
    column: str
    low: float
    high: float
    source: str
    sd: float = 0.1
    absolute: bool = False
    population: str = ""

    def distance(self, value: float) -> float:
        """Distance to the target, 0 inside a range: relative to it, or in its units when ``absolute``."""
        scale = 1.0 if self.absolute else None
        if value < self.low:
            return (self.low - value) / (scale or self.low)
        if value > self.high:
            return (value - self.high) / (scale or self.high)
        return 0.0

    def z(self, value: float) -> float:
        """The distance in units of the target's uncertainty."""
        return self.distance(value) / self.sd


def _monthly_mean(column: str) -> Callable[[pd.DataFrame], float]:
    return lambda rows: float(rows[column].mean())


def _ratio(top: str) -> Callable[[pd.DataFrame], float]:
    return lambda rows: float(rows[top].mean() / rows["income_median"].mean())


def _per_active(column: str) -> Callable[[pd.DataFrame], float]:
    return lambda rows: float(rows[column].sum() / max(rows["active"].sum(), 1))


def _yearly_growth(rows: pd.DataFrame) -> float:
    """Yearly growth of the head count: the mean of the last 12 months against the first 12 (halves if shorter)."""
    window = max(min(12, rows["step"].nunique() // 2), 1)
    first, last = rows.nsmallest(window, "step"), rows.nlargest(window, "step")
    years = max((last["step"].mean() - first["step"].mean()) / 12.0, 1.0 / 12.0)
    return float((last["active"].mean() / max(first["active"].mean(), 1e-9)) ** (1.0 / years) - 1.0)


@dataclass(frozen=True)
class Moment:
    """How one target's figure is computed from a run's rows of one occupation."""

    function: Callable[[pd.DataFrame], float]
    needs: tuple[str, ...]  # columns of the occupations table it reads
    settled: bool = True  # read only the months after the burn-in


MOMENTS: dict[str, Moment] = {
    "p10_ratio": Moment(_ratio("income_p10"), ("income_p10", "income_median")),
    "p90_ratio": Moment(_ratio("income_p90"), ("income_p90", "income_median")),
    "exit_rate": Moment(_per_active("exits"), ("exits", "active")),
    "entry_rate": Moment(_per_active("entries"), ("entries", "active")),
    "growth": Moment(_yearly_growth, ("active", "step")),  # settled months: not the move to a new rest state
}


def moment_of(column: str) -> Moment:
    """A named moment, or the monthly mean of a column of the occupations table."""
    return MOMENTS.get(column) or Moment(_monthly_mean(column), (column,))


MODELS, PHOTOGRAPHERS = "BLS OEWS May 2023, models (SOC 41-9012)", "BLS OEWS May 2021, photographers (SOC 27-4021)"
TARGETS = (
    Target(
        "models_median",
        "ecommerce_model",
        "income_median",
        47_430 / 12,
        47_430 / 12,
        f"{MODELS}: median $47,430/yr [sources: bls-oews-models]",
        sd=0.1,
        population="wage-and-salary models of every kind; the model: freelance e-commerce models, net of commission "
        "(freelancers' net pay is lower: the fit puts day rates high)",
    ),
    Target(
        "models_p10_ratio",
        "ecommerce_model",
        "p10_ratio",
        31_680 / 47_430,
        31_680 / 47_430,
        f"{MODELS}: p10 / median = $31,680 / $47,430 [sources: bls-oews-models]",
        sd=0.15,
        population="annual wage rates (hourly x 2,080) against the model's monthly incomes, which vary with bookings "
        "(the model's lower tail is wider)",
    ),
    Target(
        "models_p90_ratio",
        "ecommerce_model",
        "p90_ratio",
        140_310 / 47_430,
        140_310 / 47_430,
        f"{MODELS}: p90 / median = $140,310 / $47,430 [sources: bls-oews-models]",
        sd=0.3,
        population="all models, top models included; the model's e-commerce models exclude its top models, so the "
        "target overstates their spread (the model falls short)",
    ),
    Target(
        "photographers_median",
        "photographer",
        "income_median",
        38_950 / 12,
        38_950 / 12,
        f"{PHOTOGRAPHERS}: median $38,950/yr [sources: bls-oews-photographers]",
        sd=0.1,
        population="wage-and-salary photographers of every kind, 2021 pay; the model: freelance fashion "
        "photographers' fashion income only (the target is low for fashion: 2021 pay, and non-fashion work)",
    ),
    Target(
        "photographers_p10_ratio",
        "photographer",
        "p10_ratio",
        24_540 / 38_950,
        24_540 / 38_950,
        f"{PHOTOGRAPHERS}: p10 / median = $24,540 / $38,950 [sources: bls-oews-photographers]",
        sd=0.3,
        population="salaried wage rates against the model's monthly fashion income, which is near zero in a month "
        "without a booking (the model's p10 is far lower)",
    ),
    Target(
        "photographers_p90_ratio",
        "photographer",
        "p90_ratio",
        77_760 / 38_950,
        77_760 / 38_950,
        f"{PHOTOGRAPHERS}: p90 / median = $77,760 / $38,950 [sources: bls-oews-photographers]",
        sd=0.15,
        population="wage-and-salary photographers; star fashion photographers are mostly self-employed and "
        "missing, so the target understates fashion's spread",
    ),
    Target(
        "makeup_middle_half",
        "makeup_artist",
        "income_median",
        28_850 / 12,
        132_530 / 12,
        "Make-up artists, theatrical and performance (SOC 39-5091): middle half $28,850-132,530/yr "
        "[sources: oews-makeup-artists]",
        sd=0.1,
        population="stage and screen make-up artists, not fashion shoots; a range, so distance 0 inside it",
    ),
    Target(
        "models_exit_rate",
        "ecommerce_model",
        "exit_rate",
        (500 - 30) / 2_700 / 12,
        (500 - 30) / 2_700 / 12,
        "BLS Employment Projections 2020-30, models: about 500 openings a year on 2,700 jobs, of which about 30 a year "
        "from growth (+11% in ten years): separations 470 / 2,700 a year [sources: bls-ep-models-2020]",
        sd=0.25,
        population="all models, separations from the occupation (retirements and moves); the model's exits include "
        "leaving for low income",
    ),
    Target(
        "models_entry_rate",
        "ecommerce_model",
        "entry_rate",
        500 / 2_700 / 12,
        500 / 2_700 / 12,
        "the same: openings 500 / 2,700 a year, filled by entrants [sources: bls-ep-models-2020]",
        sd=0.25,
        population="the same",
    ),
    Target(
        "photographers_exit_rate",
        "photographer",
        "exit_rate",
        (13_700 - 580) / 151_100 / 12,
        (13_700 - 580) / 151_100 / 12,
        "BLS Employment Projections 2023-33, photographers: 13,700 openings a year on 151,100 jobs, of which 580 a "
        "year from growth (151,100 to 156,900) [sources: bls-photographers-employment]",
        sd=0.25,
        population="all photographers, self-employed included; the model: fashion photographers",
    ),
    Target(
        "photographers_entry_rate",
        "photographer",
        "entry_rate",
        13_700 / 151_100 / 12,
        13_700 / 151_100 / 12,
        "the same: openings 13,700 / 151,100 a year [sources: bls-photographers-employment]",
        sd=0.25,
        population="the same",
    ),
    Target(
        "models_growth",
        "ecommerce_model",
        "growth",
        0.01 / 10,
        0.01 / 10,
        "BLS Employment Projections 2023-33, models: +1% in ten years, 0.1% a year [sources: bls-ep-models-2023]",
        sd=0.01,
        absolute=True,
        population="a projection that already holds what BLS foresaw of AI; as a no-AI target it is low, so the "
        "fitted demand growth is, if anything, low",
    ),
    Target(
        "photographers_growth",
        "photographer",
        "growth",
        0.04 / 10,
        0.04 / 10,
        "BLS Employment Projections 2023-33, photographers: +4% in ten years, 0.4% a year "
        "[sources: bls-photographers-employment]",
        sd=0.01,
        absolute=True,
        population="the same",
    ),
)


def burn_in(steps: int) -> int:
    """Months left out of settled moments: BURN_IN, or a third of a short run (a smoke run of 12 months)."""
    return BURN_IN if steps >= 2 * BURN_IN else steps // 3


def moments(occupations: pd.DataFrame, free: list[str]) -> pd.DataFrame:
    """One row per (design point, seed): the free keys, ``seed``, and the figure of every target it can compute."""
    missing = [key for key in free if key not in occupations.columns]
    if missing:
        swept = [c for c in occupations.columns if "." in c]
        raise ValueError(f"free key {missing[0]!r} was not swept: allowed {', '.join(swept) or 'none'}")
    occupations = occupations.reset_index(drop=True)  # one label per row, for the masks below
    computable = [t for t in TARGETS if set(moment_of(t.column).needs) <= set(occupations.columns)]
    settled = (
        occupations["step"] >= burn_in(occupations["step"].nunique())
        if "step" in occupations.columns
        else pd.Series(True, index=occupations.index)
    )
    rows = []
    for point, runs in occupations.groupby([*free, "seed"], sort=True):
        row = dict(zip([*free, "seed"], point, strict=True))
        for target in computable:
            moment = moment_of(target.column)
            chosen = runs[(runs["occupation"] == target.occupation) & (settled[runs.index] | (not moment.settled))]
            row[target.name] = moment.function(chosen) if len(chosen) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def objective(values: dict[str, float], targets: tuple[Target, ...] = TARGETS) -> float:
    """The SMM objective: the sum of squared distances, each in units of its target's uncertainty."""
    return float(sum(t.z(values[t.name]) ** 2 for t in targets if t.name in values and np.isfinite(values[t.name])))


def _z_array(values: np.ndarray, targets: tuple[Target, ...]) -> np.ndarray:
    """The same distances in units of sd, for many points at once (rows: points, columns: targets)."""
    low, high = np.array([t.low for t in targets]), np.array([t.high for t in targets])
    absolute = np.array([t.absolute for t in targets])
    below, above = np.maximum(low - values, 0.0), np.maximum(values - high, 0.0)
    distance = below / np.where(absolute, 1.0, low) + above / np.where(absolute, 1.0, high)
    return distance / np.array([t.sd for t in targets])


class Surrogate:
    """Least squares of each moment on the design: linear terms, two-way interactions, squares of 3+-level keys."""

    def __init__(self, points: pd.DataFrame, free: list[str], names: list[str]) -> None:
        self.free, self.names = free, names
        self.low = points[free].min().to_numpy(float)
        self.high = points[free].max().to_numpy(float)
        self.curved = [points[key].nunique() >= 3 for key in free]
        x = self._unit(points[free].to_numpy(float))
        features = self.features(x)
        self.coef, *_ = np.linalg.lstsq(features, points[names].to_numpy(float), rcond=None)

    def _unit(self, x: np.ndarray) -> np.ndarray:
        return 2.0 * (x - self.low) / np.where(self.high > self.low, self.high - self.low, 1.0) - 1.0

    def features(self, unit: np.ndarray) -> np.ndarray:
        """The design matrix of points in unit coordinates (-1 to 1 over the design's range)."""
        columns = [np.ones(len(unit)), *unit.T]
        columns += [unit[:, i] * unit[:, j] for i, j in itertools.combinations(range(unit.shape[1]), 2)]
        columns += [unit[:, i] ** 2 for i, curved in enumerate(self.curved) if curved]
        return np.column_stack(columns)

    def predict(self, x: np.ndarray) -> dict[str, float]:
        """Every moment at one point (in the keys' own units)."""
        values = self.features(self._unit(np.atleast_2d(x))) @ self.coef
        return dict(zip(self.names, values[0], strict=True))

    def minimise(self, targets: tuple[Target, ...], starts: np.ndarray) -> np.ndarray:
        """The point of the design's box with the smallest objective on the surrogate (best of several starts).

        The search runs in unit coordinates, so that a day rate in hundreds and an attrition in thousandths
        are stepped alike.
        """
        assert [t.name for t in targets] == self.names, "targets in the surrogate's order"

        def on_surrogate(unit: np.ndarray) -> float:
            values = self.features(unit[None, :]) @ self.coef
            return float((_z_array(values, targets) ** 2).sum())

        best = None
        for start in self._unit(np.atleast_2d(starts)):
            found = optimize.minimize(on_surrogate, start, method="L-BFGS-B", bounds=[(-1.0, 1.0)] * len(self.free))
            if best is None or found.fun < best.fun:
                best = found
        return self.low + (best.x + 1.0) / 2.0 * (self.high - self.low)


def _target_draw(rng: np.random.Generator) -> tuple[Target, ...]:
    """The targets with each value redrawn from its uncertainty (ranges shifted as a whole)."""
    drawn = []
    for t in TARGETS:
        shift = rng.normal(0.0, t.sd) * (1.0 if t.absolute else t.low)
        drawn.append(Target(t.name, t.occupation, t.column, t.low + shift, t.high + shift, t.source, t.sd, t.absolute))
    return tuple(drawn)


def estimate(per_seed: pd.DataFrame, free: list[str], draws: int = BOOTSTRAP, seed: int = 0) -> dict | None:
    """The surrogate's minimiser and, over ``draws`` bootstrap draws, its 5-95% interval (None: too few points)."""
    names = [t.name for t in TARGETS if t.name in per_seed.columns]
    points = per_seed.groupby(free, sort=True)[names].mean().reset_index()
    width = 1 + len(free) + len(free) * (len(free) - 1) // 2 + sum(points[k].nunique() >= 3 for k in free)
    if len(points) <= width:
        return None
    targets = tuple(t for t in TARGETS if t.name in names)
    surrogate = Surrogate(points, free, names)
    order = points.assign(obj=[objective(r, targets) for r in points[names].to_dict("records")]).nsmallest(3, "obj")
    starts = order[free].to_numpy(float)
    best = surrogate.minimise(targets, starts)
    rng = np.random.default_rng(seed)
    seeds = np.sort(per_seed["seed"].unique())
    found = []
    for _ in range(draws):
        chosen = rng.choice(seeds, size=len(seeds), replace=True)  # the same seeds at every point: CRN kept
        sample = pd.concat([per_seed[per_seed["seed"] == s] for s in chosen])
        resampled = sample.groupby(free, sort=True)[names].mean().reset_index()
        drawn = tuple(t for t in _target_draw(rng) if t.name in names)
        found.append(Surrogate(resampled, free, names).minimise(drawn, best[None, :]))
    found = np.array(found)
    predicted = surrogate.predict(best)
    return {
        "values": {key: float(v) for key, v in zip(free, best, strict=True)},
        "interval": {
            key: [float(np.percentile(found[:, i], 5)), float(np.percentile(found[:, i], 95))]
            for i, key in enumerate(free)
        },
        "draws": draws,
        "surrogate_objective": objective(predicted, targets),
        "surrogate_moments": {name: float(value) for name, value in predicted.items()},
    }


def fit(occupations: pd.DataFrame, free: list[str], draws: int = BOOTSTRAP) -> tuple[pd.DataFrame, dict]:
    """The objective per design point (one row each, best first), the best point, and the SMM estimate."""
    per_seed = moments(occupations, free)
    names = [t.name for t in TARGETS if t.name in per_seed.columns]
    table = per_seed.groupby(free, sort=True).agg(seeds=("seed", "nunique"), **{n: (n, "mean") for n in names})
    table = table.reset_index()
    for t in TARGETS:
        if t.name in table:
            table[f"{t.name}_distance"] = [t.distance(v) for v in table[t.name]]
    table["distance"] = [objective(row) for row in table[names].to_dict("records")]
    table = table.sort_values("distance", kind="stable").reset_index(drop=True)
    best = table.iloc[0]
    result = {
        "fitted": {key: best[key].item() if hasattr(best[key], "item") else best[key] for key in free},
        "seeds": int(best["seeds"]),
        "points": len(table),
        "distance": float(best["distance"]),
        "targets": [_target_row(t, float(best[t.name])) for t in TARGETS if t.name in table],
        "estimate": estimate(per_seed, free, draws) if draws else None,
    }
    return table, result


def _target_row(t: Target, value: float, spread: tuple[float, float] | None = None) -> dict:
    row = {
        "name": t.name,
        "occupation": t.occupation,
        "moment": t.column,
        "target": [round(t.low, 6), round(t.high, 6)],
        "sd": t.sd,
        "model": round(value, 6),
        "distance": round(t.distance(value), 4),
        "z": round(t.z(value), 2),
        "source": t.source,
        "population": t.population,
    }
    if spread is not None:
        row["model_5_95"] = [round(spread[0], 6), round(spread[1], 6)]
    return row


def check(sweep_dir: Path, values: dict[str, float], seeds: tuple[int, ...] = CHECK_SEEDS) -> dict:
    """Run the sweep's own config at ``values`` on fresh seeds: every target's figure (mean and 5-95% over seeds)."""
    from omegaconf import OmegaConf

    from sim.core.schema import to_schema
    from sim.runner.run import simulate

    job = next(p for p in sorted(Path(sweep_dir).iterdir()) if (p / ".hydra" / "config.yaml").is_file())
    base = OmegaConf.load(job / ".hydra" / "config.yaml")
    base.pop("hydra", None)
    tables = []
    for seed in seeds:
        cfg = base.copy()
        for key, value in values.items():
            typed = round(value) if isinstance(OmegaConf.select(cfg, key), int) else float(value)
            OmegaConf.update(cfg, key, typed, merge=False)
        cfg.seed = seed
        occupations, _ = simulate(to_schema(cfg))
        tables.append(occupations.assign(seed=seed, **{key: 0.0 for key in values}))
    per_seed = moments(pd.concat(tables, ignore_index=True), list(values))
    rows = []
    for t in TARGETS:
        if t.name in per_seed:
            figures = per_seed[t.name].to_numpy(float)
            low, high = np.percentile(figures, [5, 95])
            rows.append(_target_row(t, float(figures.mean()), (float(low), float(high))))
    mean = {row["name"]: row["model"] for row in rows}
    return {"seeds": list(seeds), "targets": rows, "objective": objective(mean)}


def _figure(t: dict, key: str = "model") -> str:
    value = t[key]
    if t["moment"] in ("income_median",):
        return f"${value * 12:,.0f}/yr"
    if t["moment"] in ("exit_rate", "entry_rate"):
        return f"{value * 12:.1%}/yr"
    if t["moment"] == "growth":
        return f"{value:+.2%}/yr"
    return f"{value:.2f}"


def _target_text(t: dict) -> str:
    low, high = t["target"]
    shown = {**t, "model": low}
    if low == high:
        return _figure(shown)
    return f"{_figure(shown)} to {_figure({**t, 'model': high})}"


def markdown(table: pd.DataFrame, result: dict) -> str:
    """The estimate with its intervals, the fit of every target (at the check run if there is one), and the design."""
    lines = ["# Calibration of the no-AI market (simulated method of moments)", ""]
    est = result.get("estimate")
    if est:
        lines += [
            f"Estimate (minimiser of the SMM objective on the surrogate; 5-95% over {est['draws']} bootstrap draws "
            "of seeds and targets):",
            "",
            "| parameter | estimate | 5% | 95% |",
            "|---|---:|---:|---:|",
        ]
        for key, value in est["values"].items():
            low, high = est["interval"][key]
            lines.append(f"| `{key}` | {value:.4g} | {low:.4g} | {high:.4g} |")
        lines.append("")
    lines += [
        f"Best design point (of {result['points']}, {result['seeds']} seeds each; objective "
        f"{result['distance']:.2f}): " + ", ".join(f"`{k}` = {v}" for k, v in result["fitted"].items()),
        "",
    ]
    checked = result.get("check")
    rows = checked["targets"] if checked else result["targets"]
    where = (
        f"at the estimate, {len(checked['seeds'])} fresh seeds (mean, and 5-95% over seeds); objective "
        f"{checked['objective']:.2f} with {len(rows)} targets and {len(result['fitted'])} parameters"
        if checked
        else "at the best design point"
    )
    lines += [
        f"Fit of every target ({where}); z is the distance in units of the target's uncertainty sd:",
        "",
        "| target | target value | model | 5-95% | z | sd | source | population and direction of the mismatch |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for t in rows:
        spread = t.get("model_5_95")
        band = f"{_figure({**t, 'model': spread[0]})} to {_figure({**t, 'model': spread[1]})}" if spread else ""
        lines.append(
            f"| {t['name']} | {_target_text(t)} | {_figure(t)} | {band} | {t['z']:+.2f} | {t['sd']:g} "
            f"| {t['source']} | {t['population']} |"
        )
    lines += ["", "Every design point, best first:", "", "```", table.round(4).to_string(index=False), "```", ""]
    return "\n".join(lines)


def write(sweep_dir: Path, free: list[str], *, checked: bool = True, draws: int = BOOTSTRAP) -> dict:
    """Fit from a sweep directory's combined table (and check the estimate); write calibration.json and .md."""
    sweep_dir = Path(sweep_dir)
    table, result = fit(pd.read_parquet(sweep_dir / "occupations.parquet"), free, draws)
    if checked and result["estimate"]:
        result["check"] = check(sweep_dir, result["estimate"]["values"])
    io.write_json(result, sweep_dir / "calibration.json")
    text = markdown(table, result)
    io.write_atomic(sweep_dir / "calibration.md", lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return result


class CalibrationCallback(CollectCallback):
    """Replaces the collect callback in ``experiment=calibration``: collect, then fit and check."""

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        super().on_multirun_end(config, **kwargs)  # exits 1 when a design point failed or is missing
        free = [key for key in config.hydra.sweeper.params if key not in ("seed", "scenario")]
        result = write(Path(config.hydra.sweep.dir), free)
        chosen = (result["estimate"] or {"values": result["fitted"]})["values"]
        fitted = ", ".join(f"{key}={value:.4g}" for key, value in chosen.items())
        print(f"calibration: {fitted}; see {config.hydra.sweep.dir}/calibration.md")


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.science.calibration DIR KEY...``: fit a finished calibration sweep again."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("free", nargs="+", help="the swept keys, e.g. occupations.ecommerce_model.day_rate")
    parser.add_argument("--no-check", action="store_true", help="skip the check run at the estimate")
    args = parser.parse_args(argv)
    if not (args.sweep_dir / "occupations.parquet").is_file():
        print(f"error: sweep_dir = {str(args.sweep_dir)!r} has no occupations.parquet: allowed a collected sweep")
        return 2
    try:
        result = write(args.sweep_dir, args.free, checked=not args.no_check)
    except ValueError as error:
        print(f"error: {error}")
        return 2
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
