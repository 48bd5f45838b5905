"""The economic mechanisms that decide policy outcomes: the levy's base, the steady state of pay and
head counts, content demand that responds to its cost, twins for every model, incumbents followed."""

from __future__ import annotations

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
    from sim.runner.run import cohort_table, run_model

    cfg = make_config("population=classroom", "steps=72", "ai=fast", "seed=2", "regulation.ai_levy=0.5")
    model = run_model(cfg)
    cohorts = cohort_table(model)
    assert len(cohorts) == cfg.steps * len(model.occupations)
    parts = cohorts["in_occupation"] + cohorts["retrained"] + cohorts["exited"]
    assert (parts == cohorts["incumbents"]).all(), "every incumbent is in, retrained or gone, every month"
    assert (cohorts[["in_occupation", "retrained", "exited"]] >= 0).all().all()
    assert cohorts["retrained"].sum() > 0 and cohorts["exited"].sum() > 0
    for name, rows in cohorts.groupby("occupation"):
        assert rows["incumbents"].iloc[0] == cfg.population.workers[name]
        assert (rows["exited"].diff().dropna() >= 0).all(), f"{name}: one who has left stays gone"
    # income counts the leavers at their outside option, so it never falls below it times the share gone
    last = cohorts[cohorts["step"] == cfg.steps - 1].set_index("occupation")
    floor = last["exited"] / last["incumbents"] * [cfg.occupations[name].outside_option for name in last.index]
    assert (last["income_mean"] >= floor - 1e-6).all()
