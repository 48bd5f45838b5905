"""Reporters: each output column is one entry, a name and the function that computes it from the model.

Mesa's DataCollector takes ``name -> function`` the same way; these functions read the month's
state (``model.month``, sim.core.state) and the tables with numpy. Money is accumulated in
integer cents during the step (the ``ledger``) and reported in USD, so
``brand_spend = worker_pay + agency_commission + ai_vendor_revenue + levy_collected`` holds to
the cent. Income statistics cover the workers who were active during the month (entrants join
at its end); ``active`` is the head count at the end of the month, after exits and entries.
To add a column, add an entry to OCCUPATION_REPORTERS or MARKET_REPORTERS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.core.kernels import income_statistics
from sim.core.registry import GENERATED, HUMAN, SYNTHETIC, TWIN

if TYPE_CHECKING:
    from sim.core.model import FashionMarket

LEDGER = (
    "brand_spend",
    "worker_pay",
    "agency_commission",
    "ai_vendor_revenue",
    "levy_collected",
    "transition_support_paid",
    "twin_royalties",
    "unconsented_uses",
)
MONEY = tuple(name for name in LEDGER if name != "unconsented_uses")
AGENT_COLUMNS = ("step", "worker", "occupation", "day_rate", "days_worked", "income", "royalties", "active_at_end")


def month_label(model: FashionMarket) -> np.datetime64:
    """The first day of the simulated month, as a date."""
    return (np.datetime64(model.cfg.start, "M") + np.timedelta64(model.t, "M")).astype("datetime64[D]")


# -- occupations.parquet: one row per occupation a month; each reporter gives one value per occupation
def _employed(model: FashionMarket) -> np.ndarray:
    """Workers with at least one booked day or a twin royalty this month."""
    month = model.month
    employed = month.days > 0
    employed[month.royalty_earners] = True
    return month.workforce.sums(employed)


def _head_count(model: FashionMarket) -> np.ndarray:
    """Workers active at the end of the month: those who began it, less the leavers, plus the entrants."""
    month = model.month
    return month.workforce.sizes - month.flows["exits"] + month.flows["entries"]


def _income_mean(model: FashionMarket) -> np.ndarray:
    """Mean net income (USD) of the workers who began the month; 0 for an occupation with none."""
    sizes = model.month.workforce.sizes
    return np.divide(model.month.income_cents / 100.0, sizes, out=np.zeros(sizes.size), where=sizes > 0)


def _income_spread(model: FashionMarket) -> tuple[list[float], ...]:
    """Median, 10th and 90th percentiles (USD) and Gini of each occupation's monthly incomes."""
    stats = [income_statistics(model.month.income[part]) for part in model.month.workforce.parts]
    return tuple([entry[key] for entry in stats] for key in ("median", "p10", "p90", "gini"))


OCCUPATION_REPORTERS: dict[str | tuple[str, ...], Callable[[FashionMarket], Any]] = {
    "step": lambda model: model.t,
    "date": month_label,
    "occupation": lambda model: model.occupations.names,
    "active": _head_count,
    "employed": _employed,
    "days_worked": lambda model: model.month.workforce.sums(model.month.days),
    "income_total": lambda model: model.month.income_cents / 100.0,
    "income_mean": _income_mean,
    ("income_median", "income_p10", "income_p90", "gini"): _income_spread,
    "entries": lambda model: model.month.flows["entries"],
    "exits": lambda model: model.month.flows["exits"],
    "retrained": lambda model: model.month.flows["retrained"],
    "displaced": lambda model: model.month.flows["displaced"],
    "to_ai": lambda model: model.month.flows["to_ai"],
    "supported": lambda model: model.month.flows["supported"],
    "income_royalties": lambda model: (
        model.month.workforce.sums(model.workers.royalties[model.month.workforce.rows]) / 100.0
    ),
}
# the columns of occupations.parquet, in order (docs/design.md section 6)
OCCUPATION_COLUMNS = tuple(name for key in OCCUPATION_REPORTERS for name in (key if isinstance(key, tuple) else (key,)))


def _plain(value: Any) -> Any:
    """A numpy number as the Python number it holds (dates and text unchanged)."""
    return value.item() if isinstance(value, np.integer | np.floating) else value


def occupation_rows(model: FashionMarket) -> list[dict]:
    """One row per occupation for this month."""
    return _rows(model, OCCUPATION_REPORTERS)


def _rows(model: FashionMarket, reporters: dict) -> list[dict]:
    """One row per occupation from reporters that give one value per occupation (or one for all)."""
    columns: dict[str, Any] = {}
    for key, reporter in reporters.items():
        values = reporter(model)
        columns.update(zip(key, values, strict=True) if isinstance(key, tuple) else [(key, values)])
    count = len(model.occupations)
    per_occupation = [_one_each(values, count) for values in columns.values()]
    return [dict(zip(columns, row, strict=True)) for row in zip(*per_occupation, strict=True)]


def _one_each(values: Any, count: int) -> list:
    """A column's values as Python values, one per occupation (a single value repeated)."""
    if np.ndim(values) == 1 and not isinstance(values, str):
        return values.tolist() if isinstance(values, np.ndarray) else list(values)
    return [_plain(values)] * count


# -- cohorts.parquet: the incumbents (the workers of the first month), one row per starting occupation a month
def _cohort_counts(model: FashionMarket) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Incumbents at the month's end: active in their first occupation, active in another (retrained), gone."""
    return model.cohort_in, model.cohort_moved, model.incumbents - model.cohort_in - model.cohort_moved


def _cohort_income(model: FashionMarket) -> np.ndarray:
    """Mean net income (USD) of each cohort this month, those who left before it counted at their outside option.

    A member in the month's workforce counts with what she earned, in whichever occupation; one who
    left in an earlier month counts with her first occupation's outside option.
    """
    month, count = model.month, len(model.occupations)
    workforce, cohort = month.workforce, model.workers.cohort
    # the incumbents are the table's first rows, and rows ascend within each occupation's part: those still in
    # their first occupation are a prefix of its part; the rest of a part are entrants and incumbents who moved
    earned, present = np.zeros(count, dtype=np.int64), np.zeros(count, dtype=np.int64)
    first_rows = int(model.incumbents.sum())
    for code, part in enumerate(workforce.parts):
        rows = workforce.rows[part]
        stayed = int(np.searchsorted(rows, first_rows))
        earned[code] += month.income[part][:stayed].sum()
        present[code] += stayed
        if model.moved_into[code]:  # incumbents who retrained into this occupation
            later = cohort[rows[stayed:]]
            moved = later >= 0
            earned += np.bincount(later[moved], weights=month.income[part][stayed:][moved], minlength=count).astype(
                np.int64
            )
            present += np.bincount(later[moved], minlength=count)
    gone = model.incumbents - present
    total = earned / 100.0 + gone * model.outside_option
    return np.divide(total, model.incumbents, out=np.zeros(count), where=model.incumbents > 0)


COHORT_REPORTERS: dict[str | tuple[str, ...], Callable[[FashionMarket], Any]] = {
    "step": lambda model: model.t,
    "date": month_label,
    "occupation": lambda model: model.occupations.names,
    "incumbents": lambda model: model.incumbents,
    ("in_occupation", "retrained", "exited"): _cohort_counts,
    "income_mean": _cohort_income,
}
COHORT_COLUMNS = tuple(name for key in COHORT_REPORTERS for name in (key if isinstance(key, tuple) else (key,)))


def cohort_rows(model: FashionMarket) -> list[dict]:
    """One row per starting occupation for this month."""
    return _rows(model, COHORT_REPORTERS)


# -- market.parquet: one row a month
def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else 0.0


def _shoots(model: FashionMarket) -> np.ndarray:
    """Shoot-days this month [type, mode], over all brands."""
    return model.month.shoots_by_type


def _underrepresented_share(model: FashionMarket) -> float:
    """Share of the models' income (both shoot types' faces) earned by models from underrepresented groups."""
    month, workers = model.month, model.workers
    income = under_income = 0  # in cents: sums exact in any order
    for code in model.occupations.faces:
        cents = month.income[month.workforce.parts[code]]
        income += int(cents.sum())
        under_income += int(cents[workers.underrepresented[month.workforce.members(code)]].sum())
    return _share(under_income, income)


def _content_diversity(model: FashionMarket) -> float:
    """Expected share of underrepresented faces over all of the month's shoots."""
    month = model.month
    return _share((month.shoots * month.diversity).sum(), month.shoots.sum())


def _twins_licensed(model: FashionMarket) -> int:
    """Models with at least one consented twin licence (of either shoot type)."""
    brands = model.brands
    licensed = brands.view("license_model")
    models = np.sort(licensed[brands.view("license_consented") & (licensed >= 0)])
    return int(np.count_nonzero(models[1:] != models[:-1]) + (models.size > 0))  # the distinct models


MARKET_REPORTERS: dict[str, Callable[[FashionMarket], Any]] = {
    "step": lambda model: model.t,
    "date": month_label,
    "ai_share_campaign": lambda model: _share(_shoots(model)[0, 1:].sum(), _shoots(model)[0].sum()),
    "ai_share_ecommerce": lambda model: _share(_shoots(model)[1, 1:].sum(), _shoots(model)[1].sum()),
    "shoots_human": lambda model: int(_shoots(model)[:, HUMAN].sum()),
    "shoots_twin": lambda model: int(_shoots(model)[:, TWIN].sum()),
    "shoots_generic": lambda model: int(_shoots(model)[:, list(SYNTHETIC)].sum()),  # both synthetic workflows
    "brands_adopted": lambda model: int(model.brands.view("adopted").sum()),
    "twins_licensed": _twins_licensed,
    "unconsented_uses": lambda model: int(model.ledger["unconsented_uses"]),
    "content_diversity": _content_diversity,
    "income_share_underrepresented": _underrepresented_share,
    "cost_per_image": lambda model: float(model.month.cost_per_image),
    "quality_gap": lambda model: float(model.month.quality_gap),
    "unfilled_days": lambda model: int(model.month.unfilled.sum()),
    "levy_fund": lambda model: model.levy_fund / 100.0,
    "shoots_generated": lambda model: int(_shoots(model)[:, GENERATED].sum()),  # of shoots_generic: fully generated
    **{name: (lambda model, name=name: model.ledger[name] / 100.0) for name in MONEY},
}
MARKET_COLUMNS = tuple(MARKET_REPORTERS)


def market_row(model: FashionMarket) -> dict:
    """One row of market-wide figures for this month."""
    return {name: reporter(model) for name, reporter in MARKET_REPORTERS.items()}


# -- agents.parquet: only on request
def agent_rows(model: FashionMarket) -> dict[str, np.ndarray]:
    """This month's row of every worker active when it began, as columns (only on request)."""
    workers = model.workers
    rows = model.month.workforce.rows
    return {
        "step": np.full(rows.size, model.t, dtype=np.int16),
        "worker": rows.astype(np.int32),  # the worker's row: stable over the run
        "occupation": workers.occupation[rows],
        "day_rate": model.month.rate_cents / 100.0,  # USD she was booked at this month, to the cent, as pay is
        "days_worked": workers.days_worked[rows].astype(np.int8),
        "income": workers.income[rows] / 100.0,
        "royalties": workers.royalties[rows] / 100.0,
        "active_at_end": workers.active[rows],
    }


def agent_table(model: FashionMarket) -> pd.DataFrame:
    """All months' worker rows as one table; occupations as a categorical column of names."""
    columns = {name: np.concatenate([month[name] for month in model.agent_records]) for name in AGENT_COLUMNS}
    table = pd.DataFrame(columns)
    table["occupation"] = pd.Categorical.from_codes(table["occupation"], categories=list(model.occupations.names))
    return table
