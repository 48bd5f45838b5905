"""Global sensitivity analysis (Sobol', with SALib): design, chunked runs, indices and a chart.

The Saltelli design of ``n`` base samples over ``k`` parameters has ``n (k + 2)`` points
(first-order and total indices, no second order). A Hydra multirun splits it into chunks, one
job each (``sensitivity.chunk``): a job runs its points in one process and writes
``samples.parquet``; :func:`analyse` reads every job's samples and writes the indices with
bootstrap confidence intervals. SALib is an optional extra: ``pip install -e ".[sensitivity]"``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim import io
from sim.config import SimConfig, validate

OUTPUTS = {
    "ecommerce_model_active": "E-commerce models employed (last year)",
    "top_model_income": "Top model mean income (last year, USD/month)",
    "crew_days": "Crew days worked per month (last year)",
    "ai_share": "AI share of all shoots (last year)",
}


def _require_salib():
    try:
        import SALib  # noqa: F401
    except ModuleNotFoundError as missing:
        raise SystemExit(
            'error: the sensitivity experiment needs SALib: run `.venv/bin/pip install -e ".[sensitivity]"`'
        ) from missing


def problem(parameters: list[dict]) -> dict:
    """SALib problem from the experiment's parameter list ({key, low, high, log})."""
    bounds = [[np.log(p["low"]), np.log(p["high"])] if p.get("log") else [p["low"], p["high"]] for p in parameters]
    return {"num_vars": len(parameters), "names": [p["key"] for p in parameters], "bounds": bounds}


def design(parameters: list[dict], base_samples: int, seed: int) -> np.ndarray:
    """The Saltelli design in natural units, shape (n (k + 2), k); the same inputs give the same design."""
    _require_salib()
    from SALib.sample import sobol

    points = sobol.sample(problem(parameters), base_samples, calc_second_order=False, scramble=True, seed=seed)
    logs = np.array([bool(p.get("log")) for p in parameters])
    points[:, logs] = np.exp(points[:, logs])
    return points


def with_values(cfg: SimConfig, values: dict[str, float]) -> SimConfig:
    """A copy of ``cfg`` with dotted keys set (integers rounded where the schema wants int)."""

    def set_path(node, parts: list[str], value):
        head = parts[0]
        if len(parts) == 1:
            current = getattr(node, head)
            typed = round(value) if isinstance(current, int) and not isinstance(current, bool) else float(value)
            return replace(node, **{head: typed})
        return replace(node, **{head: set_path(getattr(node, head), parts[1:], value)})

    for key, value in values.items():
        cfg = set_path(cfg, key.split("."), value)
    return validate(cfg)


def horizon_outputs(occupations: pd.DataFrame, market: pd.DataFrame) -> dict[str, float]:
    """The analysed outputs: means over the last 12 months of one run."""
    last = occupations[occupations["step"] > occupations["step"].max() - 12]
    by_occ = last.groupby("occupation")
    recent = market[market["step"] > market["step"].max() - 12]
    shoots = recent[["shoots_human", "shoots_twin", "shoots_generic"]].sum()
    return {
        "ecommerce_model_active": float(by_occ["active"].mean()["ecommerce_model"]),
        "top_model_income": float(by_occ["income_mean"].mean()["top_model"]),
        "crew_days": float(by_occ["days_worked"].mean()[["photographer", "stylist", "makeup_artist"]].sum()),
        "ai_share": float((shoots["shoots_twin"] + shoots["shoots_generic"]) / max(shoots.sum(), 1)),
    }


def run_chunk(
    cfg: SimConfig, parameters: list[dict], base_samples: int, chunk: int, chunks: int, out_dir: Path
) -> Path:
    """Run the design points ``chunk, chunk + chunks, ...`` and write ``samples.parquet``."""
    from sim.run import simulate

    points = design(parameters, base_samples, cfg.seed)
    names = [p["key"] for p in parameters]
    rows = []
    for index in range(chunk, len(points), chunks):
        values = dict(zip(names, points[index].tolist(), strict=True))
        occupations, market = simulate(with_values(cfg, values))
        rows.append({"point": index, **values, **horizon_outputs(occupations, market)})
    path = Path(out_dir) / "samples.parquet"
    io.write_parquet(pd.DataFrame(rows), path)
    return path


def analyse(sweep_dir: Path, parameters: list[dict], base_samples: int, seed: int) -> pd.DataFrame:
    """Sobol' first-order and total indices (95% bootstrap intervals) for every output."""
    _require_salib()
    from SALib.analyze import sobol

    sweep_dir = Path(sweep_dir)
    samples = pd.concat([pd.read_parquet(p) for p in sorted(sweep_dir.glob("*/samples.parquet"))], ignore_index=True)
    expected = len(design(parameters, base_samples, seed))
    missing = sorted(set(range(expected)) - set(samples["point"]))
    if missing:
        raise SystemExit(f"error: {len(missing)} of {expected} design points have no result in {sweep_dir}")
    samples = samples.sort_values("point")
    rows = []
    for output in OUTPUTS:
        indices = sobol.analyze(problem(parameters), samples[output].to_numpy(), calc_second_order=False, seed=seed)
        for i, name in enumerate(problem(parameters)["names"]):
            rows.append(
                {
                    "output": output,
                    "parameter": name,
                    "S1": float(indices["S1"][i]),
                    "S1_conf": float(indices["S1_conf"][i]),
                    "ST": float(indices["ST"][i]),
                    "ST_conf": float(indices["ST_conf"][i]),
                }
            )
    table = pd.DataFrame(rows)
    io.write_parquet(table, sweep_dir / "sensitivity.parquet")
    io.write_atomic(
        sweep_dir / "sensitivity.md", lambda tmp: tmp.write_text(markdown(table, len(samples)), encoding="utf-8")
    )
    chart(table, sweep_dir / "sensitivity.png")
    return table


def markdown(table: pd.DataFrame, runs: int) -> str:
    """The indices as one Markdown table per output."""
    lines = [f"# Sobol' sensitivity indices ({runs} runs; 95% bootstrap intervals)", ""]
    for output, rows in table.groupby("output", sort=False):
        lines += [f"## {OUTPUTS[output]}", "", "| parameter | first-order S1 | total ST |", "|---|---|---|"]
        for row in rows.sort_values("ST", ascending=False).itertuples():
            lines.append(f"| `{row.parameter}` | {row.S1:.2f} ± {row.S1_conf:.2f} | {row.ST:.2f} ± {row.ST_conf:.2f} |")
        lines.append("")
    return "\n".join(lines)


def chart(table: pd.DataFrame, path: Path) -> None:
    """Bar chart: total and first-order index per parameter, one panel per output."""
    from sim.plots import plt, save_figure

    outputs = list(dict.fromkeys(table["output"]))
    figure, axes = plt.subplots(1, len(outputs), figsize=(4 * len(outputs), 4), sharey=True)
    for axis, output in zip(np.atleast_1d(axes), outputs, strict=True):
        rows = table[table["output"] == output]
        y = np.arange(len(rows))
        axis.barh(y + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], color="#0072B2", label="total (ST)")
        axis.barh(y - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], color="#E69F00", label="first-order (S1)")
        axis.set_yticks(y, rows["parameter"], fontsize=8)
        axis.set_title(OUTPUTS[output], fontsize=9)
        axis.set_xlabel("Sobol' index")
        axis.grid(axis="x", alpha=0.3)
    np.atleast_1d(axes)[0].legend(frameon=False, fontsize=8)
    save_figure(figure, path)


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.sensitivity DIR``: (re)compute the indices of a finished sensitivity sweep."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("sweep_dir", type=Path)
    args = parser.parse_args(argv)
    from omegaconf import OmegaConf

    job = next(iter(sorted(args.sweep_dir.glob("*/.hydra/config.yaml"))), None)
    if job is None:
        raise SystemExit(f"error: {args.sweep_dir} holds no sensitivity jobs (no */.hydra/config.yaml)")
    settings = OmegaConf.to_container(OmegaConf.load(job))["sensitivity"]
    seed = OmegaConf.load(job)["seed"]
    table = analyse(args.sweep_dir, settings["parameters"], settings["base_samples"], seed)
    print(table.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
