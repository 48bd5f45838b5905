"""Global sensitivity analysis (Sobol', with SALib): design, per-point runs, indices and a chart.

``experiment=sensitivity`` sweeps ``sensitivity.point`` over the Saltelli design of
``base_samples`` points over ``k`` parameters (``base_samples * (k + 2)`` points: first-order and
total indices, no second order), so each design point is an ordinary sweep job: skipped when
done, recorded when it fails, collected with the others. :func:`apply_point` sets a job's
parameter values; when the sweep ends, :class:`SensitivityCallback` reads the combined tables,
averages each point's outputs over seeds and writes the indices with bootstrap confidence
intervals (``sensitivity.parquet``, ``.md``, ``.png``). SALib is an optional extra:
``pip install -e ".[sensitivity]"``; ``python -m sim.science.sensitivity DIR`` redoes the analysis.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.registry import Occupations
from sim.core.schema import ConfigError, SensitivityConfig, SimConfig, validate
from sim.runner import io
from sim.runner.collect import CollectCallback
from sim.runner.years import last_year

POINT = "sensitivity.point"
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


def horizon_outputs(occupations: pd.DataFrame, market: pd.DataFrame, crew: tuple[str, ...]) -> dict[str, float]:
    """The analysed outputs: means over the last 12 months of one run."""
    by_occ = last_year(occupations).groupby("occupation")
    recent = last_year(market)
    shoots = recent[["shoots_human", "shoots_twin", "shoots_generic"]].sum()
    return {
        "ecommerce_model_active": float(by_occ["active"].mean()["ecommerce_model"]),
        "top_model_income": float(by_occ["income_mean"].mean()["top_model"]),
        "crew_days": float(by_occ["days_worked"].mean()[list(crew)].sum()),
        "ai_share": float((shoots["shoots_twin"] + shoots["shoots_generic"]) / max(shoots.sum(), 1)),
    }


def apply_point(cfg: SimConfig) -> SimConfig:
    """The config with this job's design-point values set (``cfg`` unchanged if not a sensitivity run)."""
    settings = cfg.sensitivity
    if settings is None:
        return cfg
    parameters = [asdict(p) for p in settings.parameters]
    points = design(parameters, settings.base_samples, settings.design_seed)
    if settings.point >= len(points):
        raise ConfigError(
            f"sensitivity.point = {settings.point} is out of range: allowed 0 <= value <= {len(points) - 1} "
            f"({settings.base_samples} base samples x ({len(parameters)} parameters + 2))"
        )
    values = dict(zip([p["key"] for p in parameters], points[settings.point].tolist(), strict=True))
    try:
        return with_values(cfg, values)
    except AttributeError as missing:
        raise ConfigError(f"sensitivity.parameters: {missing.name!r} is not a config key") from missing


def point_outputs(occupations: pd.DataFrame, market: pd.DataFrame, crew: tuple[str, ...]) -> pd.DataFrame:
    """The analysed outputs of every design point, averaged over its seeds."""
    rows = []
    for (point, _seed), runs in occupations.groupby([POINT, "seed"]):
        jobs = market[(market[POINT] == point) & (market["seed"] == _seed)]
        rows.append({"point": int(point), **horizon_outputs(runs, jobs, crew)})
    return pd.DataFrame(rows).groupby("point").mean().sort_index()


def crew_of(sweep_dir: Path) -> tuple[str, ...]:
    """The crew occupations of a sweep, from the config Hydra saved beside it (``multirun.yaml``)."""
    saved = io.read_yaml(Path(sweep_dir) / "multirun.yaml") if (Path(sweep_dir) / "multirun.yaml").is_file() else None
    if not isinstance(saved, dict) or not isinstance(saved.get("occupations"), dict):
        raise SystemExit(f"error: {sweep_dir}/multirun.yaml is missing or has no occupations: rerun the sweep")
    return Occupations.from_config(saved["occupations"]).crew_names


def analyse(sweep_dir: Path, settings: SensitivityConfig | dict) -> pd.DataFrame:
    """Sobol' first-order and total indices (95% bootstrap intervals) for every output."""
    _require_salib()
    from SALib.analyze import sobol

    if not isinstance(settings, dict):
        settings = asdict(settings)
    sweep_dir = Path(sweep_dir)
    parameters = settings["parameters"]
    expected = len(design(parameters, settings["base_samples"], settings["design_seed"]))
    tables = [pd.read_parquet(sweep_dir / f"{name}.parquet") for name in ("occupations", "market")]
    outputs = point_outputs(*tables, crew_of(sweep_dir))
    missing = sorted(set(range(expected)) - set(outputs.index))
    if missing:
        raise SystemExit(f"error: {len(missing)} of {expected} design points have no result in {sweep_dir}")
    outputs = outputs.loc[range(expected)]
    names = problem(parameters)["names"]
    rows = []
    for output in OUTPUTS:
        indices = sobol.analyze(
            problem(parameters), outputs[output].to_numpy(), calc_second_order=False, seed=settings["design_seed"]
        )
        for i, name in enumerate(names):
            rows.append(
                {
                    "output": output,
                    "parameter": name,
                    **{column: float(indices[column][i]) for column in ("S1", "S1_conf", "ST", "ST_conf")},
                }
            )
    table = pd.DataFrame(rows)
    io.write_parquet(table, sweep_dir / "sensitivity.parquet")
    text = markdown(table, expected, settings)
    io.write_atomic(sweep_dir / "sensitivity.md", lambda tmp: tmp.write_text(text, encoding="utf-8"))
    chart(table, sweep_dir / "sensitivity.png")
    return table


def markdown(table: pd.DataFrame, points: int, settings: dict) -> str:
    """The indices as one Markdown table per output."""
    lines = [
        "# Sobol' sensitivity indices",
        "",
        f"Saltelli design: {settings['base_samples']} base samples, {points} points, design seed "
        f"{settings['design_seed']}; outputs averaged over each point's seeds; 95% bootstrap intervals.",
        "",
    ]
    for output, rows in table.groupby("output", sort=False):
        lines += [f"## {OUTPUTS[output]}", "", "| parameter | first-order S1 | total ST |", "|---|---|---|"]
        for row in rows.sort_values("ST", ascending=False).itertuples():
            lines.append(f"| `{row.parameter}` | {row.S1:.2f} ± {row.S1_conf:.2f} | {row.ST:.2f} ± {row.ST_conf:.2f} |")
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
        axis.set_yticks(y, rows["parameter"], fontsize=8)
        axis.set_title(OUTPUTS[output], fontsize=9)
        axis.set_xlabel("Sobol' index")
        axis.grid(axis="x", alpha=0.3)
    axes.ravel()[0].legend(frameon=False, fontsize=8)
    figure.tight_layout()
    save_png(figure, path)


class SensitivityCallback(CollectCallback):
    """Replaces the collect callback in ``experiment=sensitivity``: collect, then the indices."""

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        super().on_multirun_end(config, **kwargs)  # exits 1 when a design point failed or is missing
        table = analyse(Path(config.hydra.sweep.dir), _settings(config))
        print(f"sensitivity indices: {Path(config.hydra.sweep.dir) / 'sensitivity.md'} ({len(table)} rows)")


def _settings(config: Any) -> dict:
    from omegaconf import OmegaConf

    return OmegaConf.to_container(config.sensitivity, resolve=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.science.sensitivity DIR``: (re)compute the indices of a collected sensitivity sweep."""
    parser = argparse.ArgumentParser(prog="python -m sim.science.sensitivity", description=main.__doc__)
    parser.add_argument("sweep_dir", type=Path)
    args = parser.parse_args(argv)
    from omegaconf import OmegaConf

    job = next(iter(sorted(args.sweep_dir.glob("*/.hydra/config.yaml"))), None)
    if job is None:
        raise SystemExit(f"error: {args.sweep_dir} holds no sensitivity jobs (no */.hydra/config.yaml)")
    table = analyse(args.sweep_dir, _settings(OmegaConf.load(job)))
    print(table.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
