"""Global sensitivity of AI's effects (Sobol', with SALib): indices with intervals, a chart, the robust ranking.

``experiment=sensitivity`` sweeps ``sensitivity.point`` over a Saltelli design of ``base_samples``
points over the leading parameters of the Morris screen (``experiment=sensitivity_screen``,
sim/science/sensitivity_screen.py), each point in the ``baseline`` and ``no_ai`` arms with the
same seeds (sim/science/sensitivity_design.py). Each job is an ordinary sweep job: skipped when
done, recorded when it fails, collected with the others. When the sweep ends,
:class:`SensitivityCallback` computes the AI effects (sim/science/sensitivity_effects.py),
averages them over each point's seeds and writes the first-order and total indices with 95%
bootstrap intervals by two estimators from the same runs, Saltelli's (SALib) and a polynomial
chaos expansion's (sim/science/sensitivity_pce.py) (``sensitivity.parquet``, ``.md``, ``.png``),
and ``robustness.csv`` when policy arms ran. SALib is an optional extra
(``pip install -e ".[sensitivity]"``); the callback checks it, and the design, before any job
starts. ``python -m sim.science.sensitivity DIR`` redoes the analysis of a collected sweep.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.schema import ConfigError, SensitivityConfig, SimConfig
from sim.runner import errors, io
from sim.runner.collect import CollectCallback
from sim.science import robustness, sensitivity_pce
from sim.science.sensitivity_design import (
    apply_design,
    design,
    design_values,
    parameter_list,
    problem,
    require_salib,
)
from sim.science.sensitivity_effects import (
    OUTPUTS,
    crew_of,
    effects,
    noise_share,
    point_means,
    read_tables,
    run_outputs,
)

METHOD = "sobol"
LEADING = 0.1  # a total index at least this large makes a parameter "leading" for the interval check
WIDTH_GOAL = 0.1  # the 95% interval of every leading total index should be narrower than this


def apply_point(cfg: SimConfig) -> SimConfig:
    """The config of this job: its Saltelli design point's values in its arm (``cfg`` if not a sensitivity run)."""
    return apply_design(cfg, METHOD)


INDEX_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")
PCE_COLUMNS = ("S1_pce", "S1_pce_conf", "ST_pce", "ST_pce_conf")  # the same, from the polynomial chaos expansion
# the share of an output's variance the expansion misses beyond seed noise (1 - leave-one-out q2 - noise share): an
# expansion that misses more is not trusted for that output, as the missed share could belong to any parameter
MISFIT_MAX = 0.05


def indices(point_outputs: pd.DataFrame, parameters: list[dict], points: np.ndarray, seed: int) -> pd.DataFrame:
    """First-order and total Sobol' indices with 95% bootstrap intervals, one row per output and parameter.

    Two estimators of the same indices from the same runs (``points``: the design in natural
    units): Saltelli's (SALib; S1, ST) and the polynomial chaos expansion's
    (sim/science/sensitivity_pce.py; S1_pce, ST_pce, with the expansion's degree and leave-one-out q2).
    """
    require_salib()
    from SALib.analyze import sobol

    spec = problem(parameters)
    names = spec["names"]
    z = sensitivity_pce.unit_scale(points, spec["bounds"], [bool(p.get("log")) for p in parameters])
    base_sample = np.arange(len(points)) // (len(names) + 2)  # a Saltelli design's rows come in blocks of k + 2
    rows = []
    for output in OUTPUTS:
        values = point_outputs[output].to_numpy(dtype=float)
        if not np.isfinite(values).all() or values.std() == 0:  # an output that does not move has no indices
            nothing = np.full(len(names), np.nan)
            found = dict.fromkeys(INDEX_COLUMNS, nothing)
            pce = {**dict.fromkeys(INDEX_COLUMNS, nothing), "degree": 0, "q2": np.nan}
        else:
            found = sobol.analyze(spec, values, calc_second_order=False, seed=seed)
            pce = sensitivity_pce.indices(z, values, base_sample, seed)
        for i, name in enumerate(names):
            rows.append(
                {
                    "output": output,
                    "parameter": name,
                    **{column: float(found[column][i]) for column in INDEX_COLUMNS},
                    **{ours: float(pce[column][i]) for column, ours in zip(INDEX_COLUMNS, PCE_COLUMNS, strict=True)},
                    "pce_degree": int(pce["degree"]),
                    "pce_q2": float(pce["q2"]),
                }
            )
    return pd.DataFrame(rows)


def analyse(sweep_dir: Path, settings: SensitivityConfig | dict) -> pd.DataFrame:
    """Sobol' indices of the AI effects of a collected sweep: sensitivity.parquet/.md/.png (and robustness.csv)."""
    settings = _as_dict(settings)
    sweep_dir = Path(sweep_dir)
    parameters = parameter_list(settings["parameters"])
    points = design_values(settings)  # the design in natural units, a column per parameter
    expected = len(points)
    runs = run_outputs(*read_tables(sweep_dir), crew_of(sweep_dir))  # one row per (point, scenario, seed)
    per_seed = effects(runs)
    means = point_means(per_seed)
    missing = sorted(set(range(expected)) - set(means.index))
    if missing:
        raise SystemExit(
            f"error: {len(missing)} of {expected} design points have no baseline and no_ai result in {sweep_dir}"
        )
    means = means.loc[range(expected)]
    table = indices(means, parameters, points.to_numpy(), settings["design_seed"])
    noise = noise_share(per_seed, list(OUTPUTS))
    table["pce_misfit"] = (1.0 - table["pce_q2"] - table["output"].map(noise)).clip(lower=0.0)
    io.write_parquet(table, sweep_dir / "sensitivity.parquet")
    text = markdown(table, settings, expected, int(means["seeds"].min()), noise)
    io.write_atomic(sweep_dir / "sensitivity.md", lambda tmp: tmp.write_text(text, encoding="utf-8"))
    chart(table, sweep_dir / "sensitivity.png")
    robustness.write_if_arms(sweep_dir, runs, points)
    return table


def interval_check(table: pd.DataFrame, estimator: str = "saltelli") -> tuple[float, int]:
    """(widest 95% interval of a leading total index, how many leading indices); nan when none leads.

    ``estimator`` "pce" reads the polynomial chaos columns, and counts an output whose expansion
    misses more than MISFIT_MAX of its variance beyond seed noise as an infinitely wide interval
    (not trusted).
    """
    st, conf = ("ST_pce", "ST_pce_conf") if estimator == "pce" else ("ST", "ST_conf")
    leading = table[table[st] >= LEADING]
    if not len(leading):
        return float("nan"), 0
    widths = 2 * leading[conf]
    if estimator == "pce":
        widths = widths.where(leading["pce_misfit"] <= MISFIT_MAX, np.inf)
    return float(widths.max()), len(leading)


def _verdict(width: float) -> str:
    return "meets" if width < WIDTH_GOAL else "misses"


def _width(width: float) -> str:
    if np.isinf(width):
        return f"not trusted (an expansion misses more than {MISFIT_MAX} beyond seed noise)"
    return f"{width:.3f}"


def markdown(table: pd.DataFrame, settings: dict, points: int, seeds: int, noise: pd.Series) -> str:
    """The indices as one Markdown table per output, with the sample size and the interval check."""
    width, leading = interval_check(table)
    pce_width, pce_leading = interval_check(table, "pce")
    lines = [
        "# Sobol' indices of AI's effects",
        "",
        f"Saltelli design: {settings['base_samples']} base samples x ({len(settings['parameters'])} parameters + 2) = "
        f"{points} points, each in the baseline and no_ai arms with {seeds} seeds (common random numbers), design seed "
        f"{settings['design_seed']}; outputs are each point's mean effect over its seeds; 95% bootstrap intervals (±). "
        "Two estimators from the same runs: Saltelli's (SALib, Jansen's total effect) and a polynomial chaos "
        "expansion's (sim/science/sensitivity_pce.py; shares of the variance it explains, trusted where it misses "
        f"at most {MISFIT_MAX} of the variance beyond seed noise, by leave-one-out error).",
        "",
        f"Widest 95% interval of the leading total indices (ST >= {LEADING}): polynomial chaos {_width(pce_width)} "
        f"over {pce_leading} ({_verdict(pce_width)} the goal of < {WIDTH_GOAL}); Saltelli {_width(width)} over "
        f"{leading} ({_verdict(width)} it).",
        "",
    ]
    for output, rows in table.groupby("output", sort=False):
        first = rows.iloc[0]
        lines += [
            f"## {OUTPUTS[output]}",
            "",
            f"Seed noise left in the point means: {100 * noise.get(output, float('nan')):.1f}% of their variance. "
            f"Polynomial chaos: total degree {first['pce_degree']}, leave-one-out q2 {first['pce_q2']:.3f}, "
            f"missing {first['pce_misfit']:.3f} of the variance beyond seed noise.",
            "",
            "| parameter | S1 (Saltelli) | ST (Saltelli) | S1 (polynomial chaos) | ST (polynomial chaos) |",
            "|---|---|---|---|---|",
        ]
        for row in rows.sort_values("ST_pce", ascending=False).itertuples():
            lines.append(
                f"| `{row.parameter}` | {row.S1:.2f} ± {row.S1_conf:.2f} | {row.ST:.2f} ± {row.ST_conf:.2f} "
                f"| {row.S1_pce:.2f} ± {row.S1_pce_conf:.2f} | {row.ST_pce:.2f} ± {row.ST_pce_conf:.2f} |"
            )
        lines.append("")
    return "\n".join(lines)


def chart(table: pd.DataFrame, path: Path) -> None:
    """Bar chart: total and first-order index per parameter, one panel per output."""
    from sim.runner.plots import plt, save_png

    outputs = list(dict.fromkeys(table["output"]))
    figure, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True)
    for axis, output in zip(axes.ravel(), outputs, strict=True):
        rows = table[table["output"] == output]
        y = np.arange(len(rows))
        axis.barh(y + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], color="#0072B2", label="total (ST)")
        axis.barh(y - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], color="#E69F00", label="first-order (S1)")
        axis.plot(rows["ST_pce"], y + 0.2, "kD", markersize=4, label="total, polynomial chaos")
        axis.set_yticks(y, rows["parameter"], fontsize=7)
        axis.set_title(OUTPUTS[output], fontsize=9)
        axis.set_xlabel("Sobol' index")
        axis.grid(axis="x", alpha=0.3)
    axes.ravel()[0].legend(frameon=False, fontsize=8)
    figure.tight_layout()
    save_png(figure, path)


def _as_dict(settings: Any) -> dict:
    if isinstance(settings, dict):
        return settings
    from dataclasses import asdict

    return asdict(settings)


def settings_of(config: Any) -> dict:
    """The ``sensitivity`` node of a composed or saved config, as plain data."""
    from omegaconf import OmegaConf

    return OmegaConf.to_container(config.sensitivity, resolve=True)


def check_before_sweep(config: Any, method: str) -> None:
    """SALib present and the design drawable, or one line and exit 2, before any job starts."""
    try:
        require_salib()
        settings = settings_of(config)
        design(parameter_list(settings["parameters"]), settings["base_samples"], settings["design_seed"], method)
    except SystemExit as stop:
        print(stop.code if isinstance(stop.code, str) else "error: the sensitivity design failed", file=sys.stderr)
        sys.exit(errors.BAD_INPUT)
    except (ConfigError, KeyError, TypeError, ValueError) as error:
        print(f"error: {errors.one_line(error)}", file=sys.stderr)
        sys.exit(errors.BAD_INPUT)


class AnalysisCallback(CollectCallback):
    """A sensitivity experiment's collect callback: check the design first; collect, then analyse.

    A subclass names its design ``method`` and says in :meth:`analyse` what the analysis wrote (one line).
    """

    method = ""

    def analyse(self, sweep_dir: Path, settings: dict) -> str:
        raise NotImplementedError

    def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
        check_before_sweep(config, self.method)
        super().on_multirun_start(config, **kwargs)

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        super().on_multirun_end(config, **kwargs)  # exits 1 when a design point failed or is missing
        try:
            line = self.analyse(Path(config.hydra.sweep.dir), settings_of(config))
        except Exception as error:  # Hydra would turn it into a warning and exit 0: one line, exit 1
            print(f"error: the analysis failed: {errors.one_line(error)}", file=sys.stderr)
            sys.exit(errors.FAILED)
        print(line)


class SensitivityCallback(AnalysisCallback):
    """Replaces the collect callback in ``experiment=sensitivity``: check first; collect, then the indices."""

    method = METHOD

    def analyse(self, sweep_dir: Path, settings: dict) -> str:
        table = analyse(sweep_dir, settings)
        width, _ = interval_check(table)
        pce_width, _ = interval_check(table, "pce")
        return (
            f"sensitivity indices: {sweep_dir / 'sensitivity.md'} ({len(table)} rows; widest leading ST interval "
            f"{_width(pce_width)} by polynomial chaos, {_width(width)} by Saltelli)"
        )


def saved_settings(sweep_dir: Path) -> dict:
    """The ``sensitivity`` settings a sweep's jobs ran with, from a job's saved config."""
    from omegaconf import OmegaConf

    job = next(iter(sorted(Path(sweep_dir).glob("*/.hydra/config.yaml"))), None)
    if job is None:
        raise SystemExit(f"error: {sweep_dir} holds no sensitivity jobs (no */.hydra/config.yaml)")
    return settings_of(OmegaConf.load(job))


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.science.sensitivity DIR``: (re)compute the indices of a collected sensitivity sweep."""
    parser = argparse.ArgumentParser(prog="python -m sim.science.sensitivity", description=main.__doc__)
    parser.add_argument("sweep_dir", type=Path)
    args = parser.parse_args(argv)
    table = analyse(args.sweep_dir, saved_settings(args.sweep_dir))
    print(table.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
