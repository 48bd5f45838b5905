"""Extending the model from config alone: an extra occupation, an extra regulation rule, an extra output column.

Each test changes nothing in ``sim/``: the occupation is config entries, the rule is one policy
class plus its config entry, the column is one reporter entry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from sim.core import reporters
from sim.core.agents import worker_class
from sim.core.model import FashionMarket
from sim.core.registry import SEGMENTS, TWIN
from sim.core.rules import RULES, Levy, Policy, rule
from sim.core.schema import ConfigError
from sim.runner.run import simulate
from tests.conftest import make_config

# a new crew occupation in its own config file, as a user would add one: its entry under occupations,
# its head count, and the shoots that book it (a config folder of its own, put on Hydra's search path)
RETOUCHER = """\
# @package _global_
occupations:
  retoucher: {role: crew, day_rate: 600.0, rate_dispersion: 0.3, rate_floor: 150.0, rate_ceiling: 3000.0,
              capacity: 15, target_utilisation: 0.35, outside_option: 1200.0, entry_income: 4000.0, attrition: 0.01,
              commissioned: false}
population:
  workers: {retoucher: %(count)d}
market:
  shoots:
    campaign: {human: {retoucher: %(recipe)s}}
    ecommerce: {human: {retoucher: %(recipe)s}, generic: {retoucher: %(recipe)s}}
"""


def with_retoucher(tmp_path, *overrides: str, count: int = 40, recipe: float = 0.5):
    folder = tmp_path / "extension"
    folder.mkdir(exist_ok=True)
    (folder / "retoucher.yaml").write_text(RETOUCHER % {"count": count, "recipe": recipe})
    return make_config(f"hydra.searchpath=[file://{tmp_path}]", "+extension=retoucher", *overrides)


def test_an_occupation_added_in_config_is_hired_paid_and_reported(tmp_path):
    cfg = with_retoucher(tmp_path, "population=classroom", "steps=24", "ai=fast")
    model = FashionMarket(cfg)
    model.run_for(cfg.steps)
    assert model.occupations.names[-1] == "retoucher" and model.occupations.code("retoucher") in model.occupations.crew
    occupations = pd.DataFrame(model.occupation_rows)
    retouchers = occupations[occupations["occupation"] == "retoucher"]
    assert len(retouchers) == cfg.steps
    assert retouchers["days_worked"].sum() > 0 and retouchers["income_total"].sum() > 0
    assert retouchers["active"].iloc[0] > 0
    # a registered Mesa agent class of its own, counted like the others
    cls = worker_class("retoucher")
    assert sum(agent.status == "active" for agent in model.agents_by_type[cls]) == retouchers["active"].iloc[-1]
    # money still conserved to the cent with her pay in it
    ledger = model.ledger
    assert ledger["brand_spend"] == sum(
        ledger[name] for name in ("worker_pay", "agency_commission", "ai_vendor_revenue", "levy_collected")
    )


def test_an_occupation_without_a_head_count_is_one_line(tmp_path):
    with pytest.raises(ConfigError, match=r"population.workers.retoucher has no value .*allowed a whole number"):
        with_retoucher(tmp_path, "population=national", "~population.workers.retoucher")
    with pytest.raises(ConfigError, match=r"'retoucher' is not an occupation.*allowed top_model"):
        make_config("population=classroom", "+market.shoots.campaign.human.retoucher=1.0")


@rule("no_twins_in_luxury")
@dataclass(frozen=True)
class NoTwinsInLuxury(Policy):
    """A test rule: luxury brands may not use licensed twins."""

    def available_modes(self, modes: np.ndarray, segment: np.ndarray) -> np.ndarray:
        modes[segment == SEGMENTS.index("luxury"), :, TWIN] = False
        return modes


@rule("levy_on_top")
@dataclass(frozen=True)
class LevyOnTop(Policy):
    """A test rule with a parameter: raises whatever levy applies by ``extra``."""

    extra: float = 0.0

    def levy(self, levy: Levy) -> Levy:
        return Levy(levy.share + self.extra, levy.base)


def twin_shoots_by_segment(model: FashionMarket) -> np.ndarray:
    return np.bincount(model.brands.view("segment"), weights=model.month.shoots[:, :, TWIN].sum(axis=1), minlength=3)


@pytest.mark.slow  # a second or more: the full suite runs it, the fast lane does not
def test_a_rule_added_in_config_acts_at_its_hook_from_its_start():
    overrides = ("population=city", "steps=36", "ai=fast", "seed=1")
    free, ruled = (
        FashionMarket(make_config(*overrides, *extra))
        for extra in ((), ("+regulation.extra_rules=[{rule: no_twins_in_luxury, start: '2026-01'}]",))
    )
    luxury = SEGMENTS.index("luxury")
    twins = {"free": np.zeros(3), "before": np.zeros(3), "after": np.zeros(3)}
    for _ in range(36):
        free.step()
        ruled.step()
        twins["free"] += twin_shoots_by_segment(free)
        twins["before" if ruled.t < 12 else "after"] += twin_shoots_by_segment(ruled)
    assert twins["free"][luxury] > 0, "luxury brands use twins without the rule"
    assert twins["after"][luxury] == 0, "the rule stops them once in force"
    assert twins["after"].sum() > 0, "other segments still use twins"


def test_a_rule_with_a_parameter_and_its_errors():
    cfg = make_config(
        "population=classroom", "steps=24", "ai=fast", "+regulation.extra_rules=[{rule: levy_on_top, extra: 0.2}]"
    )
    market = simulate(cfg)[1]
    assert market["levy_collected"].sum() > 0 and "levy_on_top" in RULES
    with pytest.raises(ConfigError, match=r"regulation.extra_rules\[0\].rule = 'no_such_rule' is not a rule: allowed"):
        make_config("+regulation.extra_rules=[{rule: no_such_rule}]")
    with pytest.raises(ConfigError, match=r"'extr' is not a parameter of rule 'levy_on_top': allowed start, extra"):
        make_config("+regulation.extra_rules=[{rule: levy_on_top, extr: 0.2}]")


def test_an_output_column_is_one_reporter(monkeypatch):
    monkeypatch.setitem(
        reporters.MARKET_REPORTERS,
        "human_share",
        lambda model: 1 - model.month.shoots[:, :, 1:].sum() / max(model.month.shoots.sum(), 1),
    )
    monkeypatch.setitem(
        reporters.OCCUPATION_REPORTERS,
        "days_per_worker",
        lambda model: model.month.workforce.sums(model.month.days) / np.maximum(model.month.workforce.sizes, 1),
    )
    occupations, market = simulate(make_config("population=classroom", "steps=6"))
    assert market["human_share"].between(0, 1).all()
    assert (occupations["days_per_worker"] <= occupations["days_worked"]).all()
    assert occupations.columns[-1] == "days_per_worker"
