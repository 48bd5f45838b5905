"""Reporters: one month's rows of the output tables, computed with numpy over the model's arrays.

Money is accumulated in integer cents during the step (the ``ledger``) and reported in USD, so
``brand_spend = worker_pay + agency_commission + ai_vendor_revenue + levy_collected`` holds to
the cent. Income statistics cover the workers who were active during the month (entrants join
at its end); ``active`` is the head count at the end of the month, after exits and entries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.core.kernels import income_statistics
from sim.core.schema import OCCUPATIONS

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
# the columns of occupations.parquet, in order (DESIGN section 6); occupation_rows writes exactly these
OCCUPATION_COLUMNS = (
    "step", "date", "occupation", "active", "employed", "days_worked", "income_total", "income_mean",
    "income_median", "income_p10", "income_p90", "gini", "entries", "exits", "retrained",
)  # fmt: skip
AGENT_COLUMNS = ("step", "worker", "occupation", "day_rate", "days_worked", "income", "royalties", "active_at_end")
MONEY = tuple(name for name in LEDGER if name != "unconsented_uses")


def month_label(model: FashionMarket) -> np.datetime64:
    """The first day of the simulated month, as a date."""
    return (np.datetime64(model.cfg.start, "M") + np.timedelta64(model.t, "M")).astype("datetime64[D]")


def occupation_rows(model: FashionMarket) -> list[dict]:
    """One row per occupation for this month."""
    cents = model.month_income  # each of month_rows: active when the month began, occupation by occupation
    days = model.month_days
    employed = days > 0
    employed[model.royalty_earners] = True
    totals = {
        "cents": model.income_cents,  # summed by adjust, which needed them first
        **{name: model.group_sums(values) for name, values in (("days", days), ("employed", employed))},
    }
    flows = model.flows
    active = model.group_sizes - flows["exits"] + flows["entries"]  # head count now: stayers and entrants
    date = month_label(model)
    result = []
    for occ, (name, part) in enumerate(zip(OCCUPATIONS, model.group_slices(), strict=True)):
        size = part.stop - part.start
        stats = income_statistics(cents[part])
        total = totals["cents"][occ] / 100.0
        result.append(
            {
                "step": model.t,
                "date": date,
                "occupation": name,
                "active": int(active[occ]),
                "employed": int(totals["employed"][occ]),
                "days_worked": int(totals["days"][occ]),
                "income_total": float(total),
                "income_mean": float(total / size) if size else 0.0,
                "income_median": stats["median"],
                "income_p10": stats["p10"],
                "income_p90": stats["p90"],
                "gini": stats["gini"],
                "entries": int(model.flows["entries"][occ]),
                "exits": int(model.flows["exits"][occ]),
                "retrained": int(model.flows["retrained"][occ]),
            }
        )
    return result


def agent_rows(model: FashionMarket) -> dict[str, np.ndarray]:
    """This month's row of every worker active when it began, as columns (only on request)."""
    workers = model.workers
    rows = model.month_rows
    return {
        "step": np.full(rows.size, model.t, dtype=np.int16),
        "worker": rows.astype(np.int32),  # the worker's row: stable over the run
        "occupation": workers.occupation[rows],
        "day_rate": workers.day_rate[rows],
        "days_worked": workers.days_worked[rows].astype(np.int8),
        "income": workers.income[rows] / 100.0,
        "royalties": workers.royalties[rows] / 100.0,
        "active_at_end": workers.active[rows],
    }


def agent_table(model: FashionMarket) -> pd.DataFrame:
    """All months' worker rows as one table; occupations as a categorical column of names."""
    columns = {name: np.concatenate([month[name] for month in model.agent_records]) for name in AGENT_COLUMNS}
    table = pd.DataFrame(columns)
    table["occupation"] = pd.Categorical.from_codes(table["occupation"], categories=list(OCCUPATIONS))
    return table


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else 0.0


def market_row(model: FashionMarket) -> dict:
    """One row of market-wide figures for this month."""
    shoots = model.shoots  # [brand, type, mode]
    by_type_mode = shoots.sum(axis=0)
    workers = model.workers
    income = under_income = 0  # models' income, all and underrepresented, in cents: sums exact in any order
    for name in ("top_model", "ecommerce_model"):
        code = OCCUPATIONS.index(name)
        cents = model.month_income[model.group_slices()[code]]
        income += int(cents.sum())
        under_income += int(np.compress(workers.underrepresented[model.members[code]], cents).sum())
    faces = (shoots * model.diversity).sum()  # expected underrepresented faces over all shoots
    brands = model.brands
    consented = brands.view("license_model")[brands.view("license_consented") & (brands.view("license_model") >= 0)]
    # each licensed model counted once, by her position among the month's top models, without a sort
    licensed = np.bincount(model.top_model_positions(consented))
    row = {
        "step": model.t,
        "date": month_label(model),
        "ai_share_campaign": _share(by_type_mode[0, 1:].sum(), by_type_mode[0].sum()),
        "ai_share_ecommerce": _share(by_type_mode[1, 1:].sum(), by_type_mode[1].sum()),
        "shoots_human": int(by_type_mode[:, 0].sum()),
        "shoots_twin": int(by_type_mode[:, 1].sum()),
        "shoots_generic": int(by_type_mode[:, 2].sum()),
        "brands_adopted": int(brands.view("adopted").sum()),
        "twins_licensed": int(np.count_nonzero(licensed)),
        "unconsented_uses": int(model.ledger["unconsented_uses"]),
        "content_diversity": _share(faces, shoots.sum()),
        "income_share_underrepresented": _share(under_income, income),
        "cost_per_image": float(model.cost_per_image),
        "quality_gap": float(model.gap),
        "unfilled_days": int(model.unfilled.sum()),
        "levy_fund": model.levy_fund / 100.0,
    }
    for name in MONEY:
        row[name] = model.ledger[name] / 100.0
    return row
