"""The model as a whole: identities every step, reproducibility, and the story's directions."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.core.agents import Brand, EcommerceModel, TopModel, worker_class
from sim.core.model import FashionMarket
from sim.runner.run import run, simulate
from tests.conftest import make_config

SCENARIOS = {
    "default": (),
    "fashion_workers_act": ("regulation=fashion_workers_act",),
    "eu_ai_act_fast": ("regulation=eu_ai_act", "ai=fast"),
    "levy_ban_floor": (
        "ai=fast",
        "regulation.ai_levy=0.3",
        "regulation.generic_ai_ban=true",
        "regulation.royalty_floor=1.0",
    ),
    "exclusive_twins": ("ai=fast", "regulation.cross_brand_licensing=false", "regulation.consent_required=true"),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_identities_hold_every_step(name):
    cfg = make_config("population=classroom", "steps=72", "seed=5", *SCENARIOS[name])
    model = FashionMarket(cfg)
    levy_so_far = support_so_far = 0
    for _ in range(cfg.steps):
        model.step()
        ledger, workers = model.ledger, model.workers
        assert ledger["brand_spend"] == (
            ledger["worker_pay"] + ledger["agency_commission"] + ledger["ai_vendor_revenue"] + ledger["levy_collected"]
        ), f"money not conserved at step {model.t}"
        assert workers.view("income").sum() == ledger["worker_pay"]
        assert (workers.view("days_worked") <= workers.view("capacity")).all()
        assert (workers.view("income") >= 0).all()
        levy_so_far += ledger["levy_collected"]
        support_so_far += ledger["transition_support_paid"]
        assert support_so_far <= levy_so_far
        if model.rules.consent_required:
            assert ledger["unconsented_uses"] == 0
    occupations = pd.DataFrame(model.occupation_rows)
    for occupation, rows in occupations.groupby("occupation"):
        flow = rows["active"].diff().iloc[1:].to_numpy()
        assert (flow == (rows["entries"] - rows["exits"]).iloc[1:].to_numpy()).all(), occupation
    # head count matches the registered agents whose status is active; exited ones stay registered
    for occupation in cfg.occupations:
        cls = worker_class(occupation)
        agents = model.agents_by_type.get(cls, [])
        rows = occupations[occupations["occupation"] == occupation]
        assert sum(agent.status == "active" for agent in agents) == rows["active"].iloc[-1]
        assert len(agents) == cfg.population.workers[occupation] + rows["entries"].sum()


def test_money_is_conserved_to_the_cent_in_the_written_table(tmp_path, classroom):
    run(classroom, tmp_path)
    market = pd.read_parquet(tmp_path / "market.parquet")
    cents = {
        column: np.rint(market[column] * 100).astype(np.int64)
        for column in market.columns
        if market[column].dtype == float
    }
    parts = cents["worker_pay"] + cents["agency_commission"] + cents["ai_vendor_revenue"] + cents["levy_collected"]
    assert (cents["brand_spend"] == parts).all()
    assert market["brand_spend"].gt(0).all()


def test_same_seed_same_bytes_other_seed_differs(tmp_path, classroom):
    first, again, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    run(classroom, first)
    run(classroom, again)
    run(make_config("population=classroom", "steps=36", "seed=1"), other)
    for table in ("occupations.parquet", "market.parquet"):
        assert (first / table).read_bytes() == (again / table).read_bytes()
        assert (first / table).read_bytes() != (other / table).read_bytes()


def test_agents_are_real_mesa_agents_viewing_the_arrays(classroom):
    model = FashionMarket(classroom)
    model.run_for(3)
    ecommerce = model.agents_by_type[EcommerceModel]
    rows = [r for r in model.occupation_rows if r["occupation"] == "ecommerce_model"]
    assert len(ecommerce) == classroom.population.workers["ecommerce_model"] + sum(r["entries"] for r in rows)
    active = ecommerce.select(lambda agent: agent.status == "active")
    assert len(active) == classroom.population.workers["ecommerce_model"] + sum(r["entries"] - r["exits"] for r in rows)
    someone = next(iter(active))
    assert someone.day_rate == model.workers.day_rate[someone.row]
    assert someone.status == "active" and len(someone.income_history) == classroom.market.income_window
    assert len(model.agents_by_type[Brand]) == 20


def test_a_top_model_agent_reads_her_twin_licences_from_the_brands_table():
    cfg = make_config("population=classroom", "steps=24", "ai=fast", "seed=4")
    model = FashionMarket(cfg)
    model.run_for(cfg.steps)
    brands = model.brands
    licensed, consented = brands.view("license_model"), brands.view("license_consented")
    expected = set(licensed[(licensed >= 0) & consented].tolist())
    assert expected, "fast AI licenses some twins within two years"
    models = [*model.agents_by_type[TopModel], *model.agents_by_type[EcommerceModel]]
    assert {m.row for m in models if m.twin_licensed} == expected
    someone = next(m for m in models if m.row in expected)
    assert someone.licensees == np.flatnonzero((licensed == someone.row).any(axis=1)).tolist() != []


def _first_and_last_year(occupations: pd.DataFrame, column: str) -> pd.DataFrame:
    first = occupations[occupations["step"] < 12].groupby("occupation")[column].mean()
    last = occupations[occupations["step"] >= occupations["step"].max() - 11].groupby("occupation")[column].mean()
    return pd.DataFrame({"first": first, "last": last, "ratio": last / first})


@pytest.mark.slow
def test_without_affordable_ai_the_market_stays_human_and_stable():
    """The no_ai scenario: no brand adopts, so no AI shoots. Demand grows 3% a year (1.34x over ten years), so the
    band allows that growth and the entry/exit churn: head count 0.85-1.5x and mean income
    0.8-1.5x of the first year, for every human occupation."""
    occupations, market = simulate(make_config("scenario=no_ai", "seed=2"))
    assert (market[["ai_share_campaign", "ai_share_ecommerce"]] == 0).all().all()
    assert (market[["shoots_twin", "shoots_generic", "brands_adopted"]] == 0).all().all()
    human = occupations[occupations["occupation"] != "ai_content_producer"]
    active = _first_and_last_year(human, "active")["ratio"]
    income = _first_and_last_year(human, "income_mean")["ratio"]
    assert active.between(0.85, 1.5).all(), active
    assert income.between(0.8, 1.5).all(), income


@pytest.mark.slow
def test_cheap_unregulated_ai_hits_ecommerce_models_harder_than_top_models_and_cuts_crew_days():
    occupations, market = simulate(make_config("ai=fast", "regulation=none", "seed=3"))
    assert market["ai_share_ecommerce"].iloc[-12:].mean() > 0.5
    income = _first_and_last_year(occupations, "income_total")["ratio"]
    days = _first_and_last_year(occupations, "days_worked")["ratio"]
    assert income["ecommerce_model"] < 0.8 * income["top_model"], income
    assert days["ecommerce_model"] < 0.75, days
    crew = days[["photographer", "stylist", "makeup_artist"]]
    assert (crew < 0.9).all(), crew


@pytest.mark.slow  # a second or more: the full suite runs it, the fast lane does not
def test_consent_rule_stops_unconsented_uses():
    free = simulate(make_config("population=classroom", "ai=fast", "steps=60", "seed=4"))[1]
    consent = simulate(
        make_config("population=classroom", "ai=fast", "steps=60", "seed=4", "regulation=fashion_workers_act")
    )[1]
    assert free["shoots_twin"].sum() > 0 and free["unconsented_uses"].sum() > 0
    assert consent["shoots_twin"].sum() > 0
    assert consent.loc[consent["date"] >= "2025-06-01", "unconsented_uses"].sum() == 0


@pytest.mark.slow  # a second or more: the full suite runs it, the fast lane does not
def test_generic_ban_and_disclosure_change_behaviour():
    base = simulate(make_config("population=classroom", "ai=fast", "steps=48"))[1]
    banned = simulate(make_config("population=classroom", "ai=fast", "steps=48", "regulation.generic_ai_ban=true"))[1]
    assert base["shoots_generic"].sum() > 0 and banned["shoots_generic"].sum() == 0
    # labels make AI content visible to every consumer, so the backlash bites: less AI, on average over seeds
    # (a classroom market of 20 brands is too noisy to show it; the city market with the same seeds does)
    share = {
        name: np.mean(
            [
                simulate(make_config("population=city", "ai=fast", "steps=36", f"seed={seed}", *extra))[1][
                    "ai_share_ecommerce"
                ].mean()
                for seed in range(3)
            ]
        )
        for name, extra in (("base", ()), ("labelled", ("regulation=eu_ai_act", "regulation.disclosure_start=2025-01")))
    }
    assert share["labelled"] < share["base"]


@pytest.mark.slow  # a second or more: the full suite runs it, the fast lane does not
def test_levy_funds_retraining_and_royalty_floor_raises_twin_pay():
    levied = simulate(make_config("population=classroom", "ai=fast", "steps=72", "regulation.ai_levy=0.5"))
    assert levied[1]["levy_collected"].sum() > 0
    assert levied[1]["transition_support_paid"].sum() > 0
    assert levied[0].loc[levied[0]["occupation"] == "ai_content_producer", "retrained"].sum() > 0
    base = simulate(make_config("population=classroom", "ai=fast", "steps=72", "regulation=fashion_workers_act"))[1]
    floor = simulate(
        make_config(
            "population=classroom",
            "ai=fast",
            "steps=72",
            "regulation=fashion_workers_act",
            "regulation.royalty_floor=1.0",
        )
    )[1]
    per_use = lambda m: m["twin_royalties"].sum() / max(m["shoots_twin"].sum(), 1)  # noqa: E731
    assert per_use(floor) > per_use(base)


def _documented_columns(table: str) -> list[str]:
    """The columns docs/design.md section 6 lists for one output table, in order."""
    design = (Path(__file__).resolve().parents[1] / "docs" / "design.md").read_text(encoding="utf-8")
    section = design.split("## 6.")[1].split("## 7.")[0]
    entry = re.search(rf"- `{table}\.parquet`: (.*?)\n- ", section, flags=re.S).group(1)
    entry = entry.split("Incomes are")[0]  # notes after the list
    listed = entry.split("in this order:")[1] if "in this order:" in entry else entry.split(":", 1)[1]
    return list(dict.fromkeys(re.findall(r"`([a-z_0-9]+)`", listed)))


def test_output_tables_have_exactly_the_documented_columns(classroom):
    model = FashionMarket(classroom)
    model.run_for(2)
    assert list(model.occupation_rows[0]) == _documented_columns("occupations")
    assert list(model.market_rows[0]) == _documented_columns("market")


def test_a_capacity_set_worker_by_worker_is_respected(classroom):
    model = FashionMarket(classroom)
    rows = np.flatnonzero(model.workers.view("occupation") == model.occupations.code("ecommerce_model"))
    model.workers.capacity[rows] = np.where(np.arange(rows.size) % 2, 2, 15)  # every other one: 2 days
    for _ in range(3):  # rows, not a mask: entrants grow the table
        model.step()
        worked = model.workers.view("days_worked")
        assert (worked <= model.workers.view("capacity")).all()
    assert worked[rows[1::2]].max() <= 2 < worked[rows[::2]].max()  # the others still work more than 2 days
