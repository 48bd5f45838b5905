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
