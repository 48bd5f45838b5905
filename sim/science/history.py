"""History experiment: the market from mid-2022, when image generators became usable, against published effects.

``experiment=history`` (``configs/experiment/history.yaml``) starts the market in 2022-07 with the
AI of that time and runs it to 2025-12, the last year with data, twice per seed: with AI and
without it (``ai.adoption_p=0``: no brand adopts first, so none can imitate), with the same seeds
(common random numbers). Each seed's effect is the AI run against the no-AI run, so, as in the
difference-in-differences studies it is compared with, the effect is relative to a market that
did not get the technology. :func:`facts` turns the two arms' tables into the figures that
``docs/validation.md`` compares with held-out published estimates (and with the one adoption
figure that set ``ai.adoption_p``); :func:`compute` runs the arms in-process for the document and
the tests; :class:`HistoryCallback` writes ``history.md`` and ``history.json`` into a sweep folder.
"""

from __future__ import annotations

import functools
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.runner import compose, io
from sim.runner.collect import CollectCallback

EXPERIMENT = "experiment=history"
SEEDS = tuple(range(10))
POPULATION = "population=city"
AI_ARM, NO_AI_ARM = "ai", "no_ai"
MODELS = ("top_model", "ecommerce_model")
CREW = ("photographer", "stylist", "makeup_artist")
HUMAN = (*MODELS, *CREW)  # every occupation booked for human image work (not AI content producers)
FIRST_YEAR, SECOND_YEAR = (0, 12), (12, 24)  # months after the start (2022-07): the studies' short run


@dataclass(frozen=True)
class Band:
    """A held-out comparison's band: the model's median must lie in it, or (``whole_range``) its 5-95% over seeds.

    A published sign without a recorded size is tested with ``whole_range``: the seeds must agree on the side.
    """

    low: float
    high: float
    whole_range: bool = False

    def holds(self, figure: float) -> bool:
        return self.low <= figure <= self.high

    def holds_for(self, figure: dict) -> bool:
        """Whether a :func:`summary` (median, low, high over seeds) meets the band."""
        if self.whole_range:
            return self.holds(figure["low"]) and self.holds(figure["high"])
        return self.holds(figure["median"])


# Demirci, Hannane & Zhu: -17% job posts for image creation; the band is half to twice the estimate
JOB_POSTS_ESTIMATE = -0.17
JOB_POSTS_BAND = Band(2.0 * JOB_POSTS_ESTIMATE, 0.5 * JOB_POSTS_ESTIMATE)
# BoF-McKinsey State of Fashion 2024 survey (2023): 28% used gen AI in design and product development, 34% in
# marketing and copy; the share of brands that adopted AI content by 2023-09 is set between them
ADOPTION_MONTH, ADOPTION_TARGET = "2023-09", Band(0.28, 0.34)


def arm_overrides(arm: str) -> tuple[str, ...]:
    """The history experiment's config for one arm (the AI arm keeps the experiment's ``ai.adoption_p``)."""
    return (EXPERIMENT, POPULATION) if arm == AI_ARM else (EXPERIMENT, POPULATION, "ai.adoption_p=0.0")


@functools.cache
def run_arm(arm: str, seed: int, extra: tuple[str, ...] = ()) -> dict[str, pd.DataFrame]:
    """One arm's occupations, market and cohorts tables for one seed (cached)."""
    from sim.runner.run import cohort_table, run_model, tables

    model = run_model(compose.load_config(*arm_overrides(arm), f"seed={seed}", *extra))
    occupations, market = tables(model)
    return {"occupations": occupations, "market": market, "cohorts": cohort_table(model), "brands": model.brands.size}


def combined(seeds: tuple[int, ...] = SEEDS, extra: tuple[str, ...] = ()) -> dict[str, pd.DataFrame | int]:
    """Both arms' tables for every seed, with ``arm`` and ``seed`` columns (as a sweep's combined tables)."""
    out: dict[str, Any] = {}
    for name in ("occupations", "market", "cohorts"):
        out[name] = pd.concat(
            [run_arm(arm, s, extra)[name].assign(arm=arm, seed=s) for arm in (AI_ARM, NO_AI_ARM) for s in seeds],
            ignore_index=True,
        )
    out["brands"] = run_arm(AI_ARM, seeds[0], extra)["brands"]
    return out


def _window(frame: pd.DataFrame, months: tuple[int, int]) -> pd.DataFrame:
    return frame[(frame["step"] >= months[0]) & (frame["step"] < months[1])]


def _against_no_ai(table: pd.DataFrame) -> np.ndarray:
    """Per seed, the AI column over the no-AI column minus 1 (empty when the run did not reach the window)."""
    if table.empty or AI_ARM not in table or NO_AI_ARM not in table:
        return np.zeros(0)
    return (table[AI_ARM] / table[NO_AI_ARM] - 1.0).to_numpy(float)


def effects(frame: pd.DataFrame, occupations: tuple[str, ...], column: str, months: tuple[int, int]) -> np.ndarray:
    """Per seed: the AI arm's sum of ``column`` over these occupations and months against the no-AI arm's, minus 1."""
    rows = _window(frame[frame["occupation"].isin(occupations)], months)
    return _against_no_ai(rows.groupby(["seed", "arm"])[column].sum().unstack("arm"))


def pay_per_day_effect(frame: pd.DataFrame, months: tuple[int, int]) -> np.ndarray:
    """Per seed: pay per booked day of human image work (all human occupations), AI arm against no-AI, minus 1."""
    rows = _window(frame[frame["occupation"].isin(HUMAN)], months)
    totals = rows.groupby(["seed", "arm"])[["income_total", "days_worked"]].sum()
    return _against_no_ai((totals["income_total"] / totals["days_worked"]).unstack("arm"))


def incumbent_income_effect(cohorts: pd.DataFrame, occupation: str, months: tuple[int, int]) -> np.ndarray:
    """Per seed: incumbents' mean monthly income (leavers at their outside option), AI arm against no-AI, minus 1."""
    rows = _window(cohorts[cohorts["occupation"] == occupation], months)
    return _against_no_ai(rows.groupby(["seed", "arm"])["income_mean"].mean().unstack("arm"))


def adoption_share(market: pd.DataFrame, brands: int, month: str = ADOPTION_MONTH) -> np.ndarray:
    """Per seed: the AI arm's share of brands that have adopted AI content in ``month``."""
    rows = market[(market["arm"] == AI_ARM) & (market["date"].astype(str).str.startswith(month))]
    return (rows.groupby("seed")["brands_adopted"].mean() / brands).to_numpy(float)


def yearly_head_counts(occupations: pd.DataFrame) -> pd.DataFrame:
    """Mean active head count per calendar year and arm (mean of seeds): models (top and e-commerce), photographers."""
    frame = occupations.assign(year=pd.to_datetime(occupations["date"].astype(str)).dt.year)
    frame = frame.assign(group=np.where(frame["occupation"].isin(MODELS), "models", frame["occupation"]))
    frame = frame[frame["group"].isin(["models", "photographer"])]
    monthly = frame.groupby(["arm", "seed", "group", "year", "step"])["active"].sum().reset_index()
    return monthly.groupby(["arm", "group", "year"])["active"].mean().unstack("year").round(0)


def summary(values: np.ndarray) -> dict:
    """Median and 5-95% over seeds (NaN when there are none)."""
    if len(values) == 0:
        return {"median": float("nan"), "low": float("nan"), "high": float("nan"), "seeds": 0}
    return {
        "median": float(np.median(values)),
        "low": float(np.percentile(values, 5)),
        "high": float(np.percentile(values, 95)),
        "seeds": len(values),
    }


def facts(tables: dict[str, Any]) -> dict[str, dict]:
    """Every history figure that docs/validation.md compares with a published one (median and 5-95% over seeds)."""
    occupations, cohorts = tables["occupations"], tables["cohorts"]
    bookings = {
        label: summary(effects(occupations, HUMAN, "days_worked", months))
        for label, months in (("first_year", FIRST_YEAR), ("second_year", SECOND_YEAR))
    }
    photographers_days = {
        label: summary(effects(occupations, ("photographer",), "days_worked", months))
        for label, months in (("first_year", FIRST_YEAR), ("second_year", SECOND_YEAR))
    }
    photographers_income = {
        label: summary(incumbent_income_effect(cohorts, "photographer", months))
        for label, months in (("first_year", FIRST_YEAR), ("second_year", SECOND_YEAR))
    }
    return {
        "adoption": summary(adoption_share(tables["market"], tables["brands"])),
        "human_days": bookings,
        "photographer_days": photographers_days,
        "photographer_incumbent_income": photographers_income,
        "pay_per_day": {"first_year": summary(pay_per_day_effect(occupations, FIRST_YEAR))},
        "models_head_count_2024_vs_2023": summary(_head_count_change(occupations, MODELS, 2023, 2024)),
    }


def _head_count_change(occupations: pd.DataFrame, names: tuple[str, ...], before: int, after: int) -> np.ndarray:
    """Per seed, the AI arm: mean active head count of these occupations in ``after`` against ``before``, minus 1."""
    rows = occupations[(occupations["arm"] == AI_ARM) & occupations["occupation"].isin(names)]
    year = pd.to_datetime(rows["date"].astype(str)).dt.year
    monthly = rows.assign(year=year).groupby(["seed", "year", "step"])["active"].sum().reset_index()
    means = monthly.groupby(["seed", "year"])["active"].mean().unstack("year")
    if before not in means or after not in means:
        return np.zeros(0)  # the run did not reach both years (a smoke run)
    return (means[after] / means[before] - 1.0).to_numpy(float)


@functools.cache
def compute(seeds: tuple[int, ...] = SEEDS) -> dict[str, dict]:
    """The history figures of the shipped configs, computed in-process (cached)."""
    return facts(combined(seeds))


def _pct(value: float) -> str:
    return f"{value:+.1%}"


def interval(figure: dict) -> str:
    """``median [5%, 95%]`` of a share."""
    return f"{_pct(figure['median'])} [{_pct(figure['low'])}, {_pct(figure['high'])}]"


def markdown(figures: dict, head_counts: pd.DataFrame | None = None) -> str:
    """The history figures as a short page (the sweep's history.md)."""
    lines = [
        "# History experiment: 2022-07 to 2025-12, AI against no AI with the same seeds",
        "",
        "Effects: median [5%, 95%] over seeds of the AI run against the no-AI run of the same seed.",
        "",
        "| figure | first 12 months | months 13-24 |",
        "|---|---|---|",
    ]
    for key, label in (
        ("human_days", "days booked for human image work (models and crew)"),
        ("photographer_days", "photographers' days booked"),
        ("photographer_incumbent_income", "incumbent photographers' mean monthly income"),
    ):
        lines.append(f"| {label} | {interval(figures[key]['first_year'])} | {interval(figures[key]['second_year'])} |")
    lines += [
        f"| pay per booked day of human image work | {interval(figures['pay_per_day']['first_year'])} | |",
        "",
        f"Brands adopted by {ADOPTION_MONTH}: {figures['adoption']['median']:.0%} "
        f"[{figures['adoption']['low']:.0%}, {figures['adoption']['high']:.0%}].",
        f"Models' head count, 2024 against 2023 (AI run): {interval(figures['models_head_count_2024_vs_2023'])}.",
        "",
    ]
    if head_counts is not None:
        lines += ["Mean active head count per year:", "", "```", head_counts.to_string(), "```", ""]
    return "\n".join(lines)


def _sweep_tables(sweep_dir: Path) -> dict[str, Any]:
    """A history sweep's combined tables, with ``arm`` from its ``ai.adoption_p`` column (0: no AI)."""
    out: dict[str, Any] = {}
    for name in ("occupations", "market", "cohorts"):
        frame = pd.read_parquet(sweep_dir / f"{name}.parquet")
        out[name] = frame.assign(arm=np.where(frame["ai.adoption_p"] > 0, AI_ARM, NO_AI_ARM))
    job = next(p for p in sorted(sweep_dir.iterdir()) if (p / ".hydra" / "config.yaml").is_file())
    population = io.read_yaml(job / ".hydra" / "config.yaml")["population"]
    out["brands"] = sum(population[k] for k in ("luxury_brands", "fast_fashion_brands", "ecommerce_brands"))
    return out


def write(sweep_dir: Path) -> dict:
    """The history figures of a finished sweep: history.json and history.md in its folder."""
    sweep_dir = Path(sweep_dir)
    tables = _sweep_tables(sweep_dir)
    figures = facts(tables)
    io.write_json(figures, sweep_dir / "history.json")
    text = markdown(figures, yearly_head_counts(tables["occupations"]))
    io.write_atomic(sweep_dir / "history.md", lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return figures


class HistoryCallback(CollectCallback):
    """Replaces the collect callback in ``experiment=history``: collect, then the history figures."""

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        super().on_multirun_end(config, **kwargs)  # exits 1 when a job failed or is missing
        figures = write(Path(config.hydra.sweep.dir))
        days = figures["human_days"]["first_year"]["median"]
        print(f"history: human image-work days {days:+.1%} in the first year; see {config.hydra.sweep.dir}/history.md")


def main(argv: list[str]) -> None:
    """``python -m sim.science.history [DIR]``: the figures of a finished sweep, or computed in-process."""
    if argv:
        print(json.dumps(write(Path(argv[0])), indent=2))
        return
    tables = combined()
    print(markdown(facts(tables), yearly_head_counts(tables["occupations"])))


if __name__ == "__main__":
    main(sys.argv[1:])
