"""Property tests: random valid configs across the parameter space, every identity of the outputs
(docs/design.md section 6) checked at every step.

The hypothesis profile is fixed in conftest.py: deterministic and bounded.
"""

from __future__ import annotations

import copy
import functools
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.model import FashionMarket
from sim.core.registry import SEGMENTS, SYNTHETIC
from sim.core.reporters import MONEY
from sim.core.schema import SimConfig, validate
from sim.runner.run import headline, run
from tests.conftest import make_config

SHARES = ("ai_share_campaign", "ai_share_ecommerce", "content_diversity", "income_share_underrepresented")
share = st.floats(0.0, 1.0)
months = st.builds(lambda year, month: f"{year}-{month:02d}", st.integers(2020, 2030), st.integers(1, 12))
# ten orders of magnitude, from AI that is almost free to AI that nobody buys
ai_cost = st.one_of(st.sampled_from([1e-3, 1.0, 3.0, 1e6]), st.floats(-3.0, 6.0).map(lambda e: 10.0**e))


@functools.cache
def base() -> SimConfig:
    return make_config("population=classroom")


@st.composite
def configs(draw: st.DrawFn) -> SimConfig:
    """A valid config: from a handful of agents up, every regulation knob, extreme AI, short runs."""
    cfg = copy.deepcopy(base())
    cfg.seed, cfg.steps, cfg.start = draw(st.integers(0, 2**31)), draw(st.integers(1, 30)), draw(months)
    pop, names = cfg.population, tuple(cfg.occupations)
    for name in names:
        pop.workers[name] = draw(st.integers(0, 12 if name == "top_model" else 40))
    for name in SEGMENTS:
        setattr(pop, f"{name}_brands", draw(st.integers(0, 4)))
    if sum(pop.workers.values()) == 0:
        pop.workers[draw(st.sampled_from(names))] = 1
    if pop.luxury_brands + pop.fast_fashion_brands + pop.ecommerce_brands == 0:
        setattr(pop, f"{draw(st.sampled_from(SEGMENTS))}_brands", 1)

    ai = cfg.ai
    ai.cost_per_image, ai.cost_decline = draw(ai_cost), draw(st.floats(0.0, 0.99))
    ai.quality_gap = draw(share)
    ai.quality_gap_floor = draw(st.floats(0.0, ai.quality_gap))
    ai.quality_half_life = draw(st.floats(0.1, 240.0))
    ai.adoption_p, ai.adoption_q = draw(share), draw(share)
    ai.adoption_cost = draw(st.sampled_from([0.0, 20000.0, 1e7]))

    reg = cfg.regulation
    reg.start, reg.disclosure_start = draw(months), draw(months)
    reg.consent_required, reg.cross_brand_licensing = draw(st.booleans()), draw(st.booleans())
    reg.disclosure_required, reg.generic_ai_ban = draw(st.booleans()), draw(st.booleans())
    reg.royalty_floor, reg.ai_levy = draw(st.floats(0.0, 10.0)), draw(share)

    market = cfg.market
    demand = draw(st.floats(0.0, 5.0))  # from no demand to far more than the workers can do
    for name in SEGMENTS:
        segment = getattr(market.segments, name)
        segment.campaign_days *= demand
        segment.ecommerce_days *= demand
    for name in (
        "agency_commission",
        "agency_client_fee",
        "unconsented_use_prob",
        "unconsented_pay_share",
        "detection_share",
        "exit_rate",
        "retrain_prob",
        "retrain_prob_supported",
        "rate_adjustment",
        "season_amplitude",
        "underrepresented_share",
        "ai_diversity",
    ):
        setattr(market, name, draw(share))
    market.twin_royalty_offer, market.twin_reservation = draw(st.floats(0.0, 10.0)), draw(st.floats(0.0, 10.0))
    market.reputation_weight, market.price_weight = draw(st.floats(0.0, 50.0)), draw(st.floats(0.0, 10.0))
    market.demand_growth, market.brand_size_dispersion = draw(st.floats(-0.5, 1.0)), draw(st.floats(0.0, 2.0))
    market.license_months, market.job_days = draw(st.integers(1, 24)), draw(st.integers(1, 31))
    market.income_window = draw(st.integers(1, 12))
    market.entry_response = draw(st.floats(0.0, 2.0))
    market.rate_rigidity = draw(share)
    market.retraining_grant = draw(st.sampled_from([0.0, 1.0, 5000.0, 1e6]))

    for occ in cfg.occupations.values():
        occ.capacity, occ.target_utilisation = draw(st.integers(1, 31)), draw(st.floats(0.01, 1.0))
        occ.rate_dispersion = draw(st.floats(0.0, 3.0))
        occ.outside_option *= draw(st.floats(0.0, 3.0))
        occ.entry_income = occ.outside_option * draw(st.floats(1.0, 3.0))
        # attrition up to 2.5x the default: entry (at most attrition x 2^entry_response) then stays below 20% a month
        occ.attrition = draw(st.floats(0.0, 0.05))
        occ.commissioned = draw(st.booleans())
    return validate(cfg)


def check_step(model: FashionMarket, totals: dict) -> None:
    """Every identity of docs/design.md section 6, and the bounds, in the model's state after one step."""
    ledger, workers, t = model.ledger, model.workers, model.t
    parts = ledger["worker_pay"] + ledger["agency_commission"] + ledger["ai_vendor_revenue"] + ledger["levy_collected"]
    assert ledger["brand_spend"] == parts, f"money not conserved to the cent at step {t}"
    assert all(ledger[name] >= 0 for name in MONEY), ledger
    assert workers.view("income").sum() == ledger["worker_pay"], f"pay not credited at step {t}"
    assert workers.view("royalties").sum() == ledger["twin_royalties"] <= ledger["worker_pay"]
    days, capacity = workers.view("days_worked"), workers.view("capacity")
    assert ((days >= 0) & (days <= capacity)).all(), f"capacity exceeded at step {t}"
    assert (workers.view("income") >= 0).all(), f"negative income at step {t}"
    assert (workers.view("income_history") >= 0).all()
    code, rate = workers.view("occupation"), workers.view("day_rate")
    assert ((rate >= model.rate_floor[code]) & (rate <= model.rate_ceiling[code])).all(), f"day rate at step {t}"
    assert np.isfinite(rate).all() and np.isfinite(workers.view("reputation")).all()
    totals["levy"] += ledger["levy_collected"]
    totals["support"] += ledger["transition_support_paid"]
    assert totals["support"] <= totals["levy"] and model.levy_fund == totals["levy"] - totals["support"] >= 0
    if model.rules.consent_required:
        assert ledger["unconsented_uses"] == 0
    month = model.month
    demand = model.brands.view("campaign_demand").sum() + model.brands.view("ecommerce_demand").sum()
    assert month.shoots.sum() == demand, "every shoot-day is made one way or another"
    assert month.shoots[:, :, 1:].sum() == 0 or model.brands.view("adopted").any(), "AI without adopting"
    if any(policy.name == "generic_ai_ban" for policy in model.rules.policies):
        assert month.shoots[:, :, list(SYNTHETIC)].sum() == 0
    # the month's per-worker arrays, in workforce order, agree with the table
    rows = month.workforce.rows
    assert (month.income == workers.income[rows]).all(), "month.income off the table"
    assert (month.days == workers.days_worked[rows]).all(), "month.days off the table"
    outside = np.ones(workers.size, dtype=bool)
    outside[rows] = False  # workers who did not work this month: nothing of it on their rows
    for column in ("days_worked", "income", "royalties"):
        assert not workers.view(column)[outside].any(), f"{column} of someone outside the month's workforce"
    earned = np.zeros(rows.size, dtype=bool)
    earned[month.royalty_earners] = True
    assert (earned == (workers.royalties[rows] > 0)).all(), "royalty earners off the table"
    active = workers.view("active")
    window = workers.view("income_history")[active].sum(axis=1)
    assert (workers.view("income_window_sum")[active] == window).all(), "running income sum off its months"
    check_grouping(model)


def check_grouping(model: FashionMarket) -> None:
    """The month's workforce: each occupation's part holds its workers only, ascending by row."""
    workforce, code = model.month.workforce, model.workers.occupation
    assert workforce.sizes.sum() == workforce.rows.size == len(set(workforce.rows.tolist()))
    for occ, part in enumerate(workforce.parts):
        rows = workforce.rows[part]
        assert (code[rows] == occ).all() and (np.diff(rows) > 0).all(), f"occupation {occ} grouped wrongly"


def check_tables(model: FashionMarket, occupations: pd.DataFrame, market: pd.DataFrame) -> None:
    """The output tables: flows add up, shares within [0, 1], no NaN anywhere."""
    steps = model.cfg.steps
    assert len(occupations) == steps * len(model.occupations) and len(market) == steps
    for frame in (occupations, market):
        numbers = frame.select_dtypes("number")
        assert np.isfinite(numbers.to_numpy(dtype=float)).all(), "NaN or infinity in an output table"
    initial = model.cfg.population.workers
    for name, rows in occupations.groupby("occupation"):
        active = np.r_[initial[name], rows["active"].to_numpy()]
        assert (np.diff(active) == (rows["entries"] - rows["exits"]).to_numpy()).all(), name
        assert (rows["retrained"] <= rows["entries"]).all() and (rows[["active", "employed"]] >= 0).all().all()
        assert (rows["income_p10"] <= rows["income_median"] + 1e-9).all()
        assert (rows["income_median"] <= rows["income_p90"] + 1e-9).all()
    assert occupations["gini"].between(0.0, 1.0).all()
    assert (occupations["days_worked"] >= 0).all() and (occupations["income_total"] >= 0).all()
    for column in SHARES:
        assert market[column].between(0.0, 1.0).all(), column
    assert (occupations.loc[occupations["occupation"] != "ai_content_producer", "retrained"] == 0).all()
    # the head count matches the registered Mesa agents whose status is active; exited ones stay registered
    for cls, agents in model.agents_by_type.items():
        if getattr(cls, "occupation", None):
            last = occupations[occupations["occupation"] == cls.occupation]["active"].iloc[-1]
            assert sum(agent.status == "active" for agent in agents) == last, cls.occupation


@given(configs())
def test_identities_hold_at_every_step_for_any_valid_config(cfg):
    model = FashionMarket(cfg)
    totals = {"levy": 0, "support": 0}
    for _ in range(cfg.steps):
        model.step()
        check_step(model, totals)
    occupations, market = pd.DataFrame(model.occupation_rows), pd.DataFrame(model.market_rows)
    check_tables(model, occupations, market)
    for entry in headline(occupations, market)["occupations"].values():
        for figures in entry.values():
            assert all(value is None or math.isfinite(value) for value in figures.values())


@pytest.mark.slow  # a second or more: the full suite runs it, the fast lane does not
@settings(max_examples=6)
@given(configs())
def test_written_outputs_have_no_nan_for_any_valid_config(tmp_path_factory, cfg):
    out = tmp_path_factory.mktemp("run")
    run(cfg, out)
    for table in ("occupations.parquet", "market.parquet"):
        numbers = pd.read_parquet(out / table).select_dtypes("number")
        assert np.isfinite(numbers.to_numpy(dtype=float)).all(), table
    summary = json.loads((out / "summary.json").read_text(), parse_constant=lambda name: math.nan)
    flat = pd.json_normalize(summary).select_dtypes("number").to_numpy(dtype=float)
    assert np.isfinite(flat).all(), "NaN in summary.json"


@given(st.lists(st.integers(0, 10**11), max_size=50), st.integers(1, 40))
def test_gini_is_within_zero_and_one_for_any_incomes(incomes, copies):
    from sim.core.kernels import income_statistics

    stats = income_statistics(np.array(incomes * copies, dtype=np.int64))
    assert 0.0 <= stats["gini"] <= 1.0  # repeated values must give 0 exactly, not -2e-16
    assert stats["p10"] <= stats["median"] <= stats["p90"]
