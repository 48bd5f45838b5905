"""The economic mechanisms that decide policy outcomes: the levy's base, the steady state of pay and
head counts, content demand that responds to its cost, twins for every model, incumbents followed."""

from __future__ import annotations

import pytest

from sim.runner.run import simulate
from tests.conftest import make_config


def test_a_levy_on_the_human_cost_avoided_collects_more_than_on_vendor_fees():
    overrides = ("population=classroom", "steps=36", "ai=fast", "seed=3", "regulation.ai_levy=0.1")
    vendor = simulate(make_config(*overrides))[1]
    human = simulate(make_config(*overrides, "regulation.ai_levy_base=human_cost_avoided"))[1]
    assert vendor["levy_collected"].sum() > 0
    # a human crew costs far more than the AI images that replace it: the same share collects several times more
    assert human["levy_collected"].sum() > 5 * vendor["levy_collected"].sum()


def test_incumbents_are_followed_and_add_up_every_month():
    import numpy as np
    import pandas as pd

    from sim.core.model import FashionMarket

    cfg = make_config("population=classroom", "steps=72", "ai=fast", "seed=2", "regulation.ai_levy=0.5")
    model = FashionMarket(cfg)
    for _ in range(cfg.steps):
        model.step()
        # counted again from the worker table: a worker who retrained has two rows in her cohort, the old one inactive
        workers, count = model.workers, len(model.occupations)
        active, cohort, occupation = workers.view("active"), workers.view("cohort"), workers.view("occupation")
        member = cohort >= 0
        stayed = np.bincount(cohort[member & active & (occupation == cohort)], minlength=count)
        moved = np.bincount(cohort[member & active & (occupation != cohort)], minlength=count)
        rows = pd.DataFrame(model.cohort_rows[-count:])
        assert (rows["in_occupation"] == stayed).all() and (rows["retrained"] == moved).all(), model.t
        persons = np.bincount(cohort[member], minlength=count) - np.bincount(
            cohort[member & (occupation != cohort)], minlength=count
        )
        assert (persons == model.incumbents).all(), "every incumbent has exactly one first-occupation row"
        assert (rows["in_occupation"] + rows["retrained"] + rows["exited"] == rows["incumbents"]).all()
    cohorts = pd.DataFrame(model.cohort_rows)
    assert len(cohorts) == cfg.steps * len(model.occupations)
    assert (cohorts[["in_occupation", "retrained", "exited"]] >= 0).all().all()
    assert cohorts["retrained"].sum() > 0 and cohorts["exited"].sum() > 0
    for name, rows in cohorts.groupby("occupation"):
        assert rows["incumbents"].iloc[0] == cfg.population.workers[name]
        assert (rows["exited"].diff().dropna() >= 0).all(), f"{name}: one who has left stays gone"
    # income counts the leavers at their outside option, so it never falls below it times the share gone
    last = cohorts[cohorts["step"] == cfg.steps - 1].set_index("occupation")
    floor = last["exited"] / last["incumbents"] * [cfg.occupations[name].outside_option for name in last.index]
    assert (last["income_mean"] >= floor - 1e-6).all()


def _years(overrides: tuple[str, ...], seeds: range) -> tuple:
    """First- and last-year means of head count and mean income per occupation, over seeds."""
    import pandas as pd

    frames = [simulate(make_config(*overrides, f"seed={seed}"))[0] for seed in seeds]
    table = pd.concat(frames)
    first = table[table["step"] < 12].groupby("occupation")[["active", "income_mean"]].mean()
    last = table[table["step"] >= table["step"].max() - 11].groupby("occupation")[["active", "income_mean"]].mean()
    return first, last


AT_REST = ("population=city", "scenario=no_ai", "market.demand_growth=0", "steps=120")
HUMAN = ["top_model", "ecommerce_model", "photographer", "stylist", "makeup_artist"]


@pytest.mark.slow  # a second or more: the full suite runs it, the fast lane does not
def test_without_ai_or_demand_growth_the_market_stays_at_rest():
    """Head counts and mean incomes of every human occupation within 10% over ten years (AI content
    producers have no work without AI, so they leave)."""
    first, last = _years(AT_REST, range(3))
    ratio = (last / first).loc[HUMAN]
    assert ((ratio > 0.9) & (ratio < 1.1)).all().all(), ratio


@pytest.mark.slow  # a second or more: the full suite runs it, the fast lane does not
def test_a_permanent_fall_in_one_occupations_demand_settles_with_fewer_workers_not_lower_pay():
    """30% less demand for photographers: entry falls below attrition until about 30% have gone, and
    mean income returns to its level without the shock (entrants replace leavers at the entry
    income), far above the outside option it would drift to if only pay adjusted."""
    shock = ("market.shoots.campaign.human.photographer=0.7", "market.shoots.ecommerce.human.photographer=0.7")
    _, calm = _years(AT_REST, range(2))
    _, shocked = _years((*AT_REST, *shock), range(2))
    heads = shocked.loc["photographer", "active"] / calm.loc["photographer", "active"]
    pay = shocked.loc["photographer", "income_mean"] / calm.loc["photographer", "income_mean"]
    assert 0.6 < heads < 0.8, heads
    assert 0.9 < pay < 1.1, pay
    outside_option = make_config(*AT_REST).occupations["photographer"].outside_option
    assert shocked.loc["photographer", "income_mean"] > 1.5 * outside_option


def _shoot_days(market) -> int:
    return int(market[["shoots_human", "shoots_twin", "shoots_generic"]].to_numpy().sum())


def test_cheaper_content_means_more_images_when_demand_responds_to_its_cost():
    overrides = ("population=classroom", "steps=60", "ai=fast", "seed=1")
    fixed = simulate(make_config(*overrides, "market.content_elasticity=0"))[1]
    elastic = simulate(make_config(*overrides, "market.content_elasticity=0.5"))[1]
    assert _shoot_days(elastic) > 1.1 * _shoot_days(fixed)
    # before AI is adopted, content costs what it did: the same volume either way
    assert elastic["shoots_human"].iloc[0] == fixed["shoots_human"].iloc[0]


def test_a_twin_use_takes_the_days_its_model_would_have_worked_for_the_brand():
    import numpy as np

    from sim.core.model import FashionMarket
    from sim.core.registry import HUMAN, TWIN

    cfg = make_config("population=city", "steps=24", "ai=fast", "seed=2", "regulation.cross_brand_licensing=false")
    twin, human = FashionMarket(cfg), FashionMarket(cfg)  # the same seed: the same market until the change below
    for model in (twin, human):
        model.run_for(23)
        for stage in (model.begin_month, model.draw_demand, model.adopt_ai, model.license_twins, model.choose_modes):
            stage()
    shoots = human.month.shoots
    uses = shoots[:, :, TWIN] * human.brands.view("license_consented")
    assert uses.sum() > 0, "fast AI: some brands use their licensed twins"
    shoots[:, :, HUMAN] += uses  # the brands shoot with her in person instead
    shoots[:, :, TWIN] -= uses
    for model in (twin, human):
        model.book_crews()
    licensed = np.unique(human.brands.view("license_model")[uses > 0])
    days = [model.workers.days_worked[licensed].sum() for model in (twin, human)]
    assert days[0] < days[1], "her twin's uses are days she no longer works for the brand"


def test_the_transition_fund_reaches_displaced_models_and_records_where_they_go():
    overrides = ("population=city", "steps=60", "ai=fast", "seed=4")
    occupations, market = simulate(
        make_config(*overrides, "regulation.ai_levy=0.2", "regulation.ai_levy_base=human_cost_avoided")
    )
    displaced = occupations.groupby("occupation")[["displaced", "to_ai", "supported"]].sum()
    assert displaced.loc["ecommerce_model", "displaced"] > 0
    assert displaced.loc["ecommerce_model", "supported"] > 0, "models are supported too, not only crew"
    assert (displaced["to_ai"] <= displaced["displaced"]).all() and (
        displaced["supported"] <= displaced["displaced"]
    ).all()
    assert (
        displaced["to_ai"].sum()
        == occupations.loc[occupations["occupation"] == "ai_content_producer", "retrained"].sum()
    )
    assert market["transition_support_paid"].sum() <= market["levy_collected"].sum()
    unfunded = simulate(make_config(*overrides))[0]
    assert unfunded["supported"].sum() == 0
