"""Morris screen of AI's effects over every uncertain parameter, and the robust policy ranking on the same points.

``experiment=sensitivity_screen`` sweeps ``sensitivity.point`` over ``base_samples`` Morris
trajectories over the parameters plus a noise reference (a factor that only changes the seed),
each point in the ``baseline``, ``no_ai``, ``laissez_faire`` and policy arms with the same seeds
(sim/science/sensitivity_design.py). When the sweep ends, :class:`ScreenCallback` computes the
AI effects against ``no_ai``, averages them over each point's seeds and writes the elementary
effects' statistics (``screen.parquet``, ``screen.md``, ``screen.png``): ``mu_star`` (the mean
absolute elementary effect: the output's change over the parameter's whole range, extrapolated
from steps of 2/3 of it, in the output's units) with its 95% bootstrap interval, and ``sigma``
(their spread: interactions and non-linearity). A parameter *leads* when its ``mu_star`` is
above the noise reference's upper bound for some output and at least a tenth of that output's
largest; the leading ones go on to Sobol' (``experiment=sensitivity``). It also writes
``robustness.csv`` (sim/science/robustness.py). ``python -m sim.science.sensitivity_screen DIR``
redoes the analysis; with a second folder it compares the two rankings.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.schema import SimConfig
from sim.runner import io
from sim.science import robustness
from sim.science.sensitivity import AnalysisCallback, saved_settings
from sim.science.sensitivity_design import (
    MORRIS_LEVELS,
    NOISE,
    apply_design,
    design,
    design_values,
    parameter_list,
    problem,
    require_salib,
)
from sim.science.sensitivity_effects import OUTPUTS, crew_of, effects, point_means, read_tables, run_outputs

METHOD = "morris"
LEADING_SHARE = 0.1  # a parameter leads when its mu* is at least this share of the output's largest ...


def apply_point(cfg: SimConfig) -> SimConfig:
    """The config of this job: its Morris design point's values in its arm (``cfg`` if not a sensitivity run)."""
    return apply_design(cfg, METHOD)


def elementary_effects(means: pd.DataFrame, points: np.ndarray, parameters: list[dict], seed: int) -> pd.DataFrame:
    """Morris statistics of every output: one row per output and factor (the parameters, then the noise reference)."""
    require_salib()
    from SALib.analyze import morris

    spec = problem(parameters, noise=True)
    scaled = points.copy()
    logs = [i for i, p in enumerate(parameters) if p.get("log")]
    scaled[:, logs] = np.log(scaled[:, logs])  # the units the design was drawn in
    rows = []
    for output in OUTPUTS:
        values = means[output].to_numpy(dtype=float)
        found = morris.analyze(spec, scaled, values, num_levels=MORRIS_LEVELS, seed=seed)
        for i, name in enumerate(spec["names"]):
            rows.append(
                {
                    "output": output,
                    "parameter": name,
                    "mu": float(found["mu"][i]),
                    "mu_star": float(found["mu_star"][i]),
                    "mu_star_conf": float(found["mu_star_conf"][i]),
                    "sigma": float(found["sigma"][i]),
                }
            )
    return pd.DataFrame(rows)


def leading(table: pd.DataFrame) -> list[str]:
    """The parameters that lead for some output (above the noise reference and a tenth of the largest), best first."""
    chosen: dict[str, float] = {}
    for _, rows in table.groupby("output", sort=False):
        noise = rows[rows["parameter"] == NOISE].iloc[0]
        floor = noise["mu_star"] + noise["mu_star_conf"]
        real = rows[rows["parameter"] != NOISE]
        top = real["mu_star"].max()
        if not top > 0:
            continue
        for row in real.itertuples():
            if row.mu_star > floor and row.mu_star >= LEADING_SHARE * top:
                chosen[row.parameter] = max(chosen.get(row.parameter, 0.0), row.mu_star / top)
    return sorted(chosen, key=lambda name: -chosen[name])


def complete_trajectories(points: set[int], trajectories: int, length: int) -> list[int]:
    """The trajectories (numbers) all of whose ``length`` points are in ``points``."""
    return [t for t in range(trajectories) if set(range(t * length, (t + 1) * length)) <= points]


def screen(runs: pd.DataFrame, settings: dict) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(Morris statistics, per-point mean effects, trajectories used) of the runs' complete trajectories.

    A screen cut short (a failed job, or ``sensitivity.point=range(0,M)`` on the command line) is
    analysed on the trajectories whose every point ran in the baseline and no_ai arms.
    """
    parameters = parameter_list(settings["parameters"])
    points = design(parameters, settings["base_samples"], settings["design_seed"], METHOD)
    length = len(parameters) + 2  # points of one trajectory: the parameters, the noise reference, the start
    means = point_means(effects(runs))
    used = complete_trajectories(set(means.index), settings["base_samples"], length)
    if not used:
        raise SystemExit(f"error: no Morris trajectory ran in full (each has {length} points in baseline and no_ai)")
    rows = [point for t in used for point in range(t * length, (t + 1) * length)]
    table = elementary_effects(means.loc[rows], points[rows], parameters, settings["design_seed"])
    return table, means.loc[rows], len(used)


def analyse(sweep_dir: Path, settings: dict) -> pd.DataFrame:
    """Morris statistics of the AI effects of a collected screen: robustness.csv, then screen.parquet/.md/.png."""
    sweep_dir = Path(sweep_dir)
    runs = run_outputs(*read_tables(sweep_dir), crew_of(sweep_dir))
    robustness.write_if_arms(sweep_dir, runs, design_values(settings))  # every point where the arms ran
    table, means, used = screen(runs, settings)
    io.write_parquet(table, sweep_dir / "screen.parquet")
    text = markdown(table, settings, len(means), int(means["seeds"].min()), used)
    io.write_atomic(sweep_dir / "screen.md", lambda tmp: tmp.write_text(text, encoding="utf-8"))
    chart(table, sweep_dir / "screen.png")
    return table


def markdown(table: pd.DataFrame, settings: dict, points: int, seeds: int, used: int) -> str:
    """The screen as one Markdown table per output, and the leading parameters."""
    chosen = leading(table)
    lines = [
        "# Morris screen of AI's effects",
        "",
        f"Morris design: {used} of {settings['base_samples']} trajectories x ({len(settings['parameters'])} parameters "
        f"+ the noise reference `{NOISE}` + 1) = {points} points, {MORRIS_LEVELS} levels, each point in every arm with "
        f"{seeds} seeds (common random numbers), design seed {settings['design_seed']}. `mu*`: mean absolute "
        "elementary effect, the output's change over the parameter's whole range (from steps of 2/3 of it), in the "
        "output's units, with its 95% bootstrap interval; "
        "`sigma`: the spread of those effects (interactions, non-linearity).",
        "",
        f"Leading parameters (above the noise reference and at least {LEADING_SHARE:.0%} of the largest `mu*` of "
        f"some output), best first: {', '.join(f'`{name}`' for name in chosen) or 'none'}.",
        "",
    ]
    for output, rows in table.groupby("output", sort=False):
        lines += [f"## {OUTPUTS[output]}", "", "| parameter | mu* | sigma | mu (signed) |", "|---|---|---|---|"]
        for row in rows.sort_values("mu_star", ascending=False).itertuples():
            name = f"`{row.parameter}`" + (" (noise reference)" if row.parameter == NOISE else "")
            lines.append(f"| {name} | {row.mu_star:.2f} ± {row.mu_star_conf:.2f} | {row.sigma:.2f} | {row.mu:+.2f} |")
        lines.append("")
    return "\n".join(lines)


def chart(table: pd.DataFrame, path: Path) -> None:
    """mu* against sigma per output (Morris' plane), the noise reference in grey."""
    from sim.runner.plots import plt, save_png

    outputs = list(dict.fromkeys(table["output"]))
    figure, axes = plt.subplots(2, 2, figsize=(11, 8))
    for axis, output in zip(axes.ravel(), outputs, strict=True):
        rows = table[table["output"] == output]
        noise = rows["parameter"] == NOISE
        axis.scatter(rows.loc[~noise, "mu_star"], rows.loc[~noise, "sigma"], color="#0072B2", s=18)
        axis.scatter(rows.loc[noise, "mu_star"], rows.loc[noise, "sigma"], color="#999999", s=30, marker="s")
        for row in rows.sort_values("mu_star", ascending=False).head(6).itertuples():
            axis.annotate(
                row.parameter, (row.mu_star, row.sigma), fontsize=6, xytext=(3, 2), textcoords="offset points"
            )
        axis.set_title(OUTPUTS[output], fontsize=9)
        axis.set_xlabel("mu* (mean absolute elementary effect)")
        axis.set_ylabel("sigma")
        axis.grid(alpha=0.3)
    figure.tight_layout()
    save_png(figure, path)


class ScreenCallback(AnalysisCallback):
    """Replaces the collect callback in ``experiment=sensitivity_screen``: check first; collect, then the screen."""

    method = METHOD

    def analyse(self, sweep_dir: Path, settings: dict) -> str:
        table = analyse(sweep_dir, settings)
        return f"sensitivity screen: {sweep_dir / 'screen.md'} (leading: {', '.join(leading(table)) or 'none'})"


def agreement(first_dir: Path, second_dir: Path) -> pd.DataFrame:
    """The same screen at two populations (say), on the runs both made: per output, how well the rankings agree.

    Columns: the Spearman rank correlation of the parameters' mu*, the correlation of the per-point
    effects, and each screen's three largest mu*.
    """
    settings = [saved_settings(folder) for folder in (first_dir, second_dir)]
    if settings[0] != settings[1]:
        raise SystemExit(f"error: {first_dir} and {second_dir} ran different designs (sensitivity settings differ)")
    runs = [run_outputs(*read_tables(folder), crew_of(folder)) for folder in (first_dir, second_dir)]
    common = runs[0].index.intersection(runs[1].index)
    (first, first_means, _), (second, second_means, used) = (screen(r.loc[common], settings[0]) for r in runs)
    rows = []
    for output in OUTPUTS:
        a, b = (
            t[(t["output"] == output) & (t["parameter"] != NOISE)].set_index("parameter")["mu_star"]
            for t in (first, second)
        )
        rows.append(
            {
                "output": output,
                "trajectories": used,
                "spearman_mu_star": float(a.rank().corr(b.rank())),
                "effects_correlation": float(first_means[output].corr(second_means[output])),
                "top_first": ", ".join(a.sort_values(ascending=False).index[:3]),
                "top_second": ", ".join(b.sort_values(ascending=False).index[:3]),
            }
        )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.science.sensitivity_screen DIR [DIR2]``: (re)compute a collected screen; with DIR2, compare.

    With two folders (the same design at two populations, say), prints per output how well their rankings agree
    on the runs both made (:func:`agreement`).
    """
    parser = argparse.ArgumentParser(prog="python -m sim.science.sensitivity_screen", description=main.__doc__)
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("other_dir", type=Path, nargs="?", help="a second screen to compare the ranking with")
    args = parser.parse_args(argv)
    if args.other_dir is not None:
        print(agreement(args.sweep_dir, args.other_dir).round(2).to_string(index=False))
        return 0
    table = analyse(args.sweep_dir, saved_settings(args.sweep_dir))
    print(table.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
