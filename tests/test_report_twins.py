"""The report's digital-twin accounts, checked against the combined tables of a small real sweep.

Each occupation's royalties come from its own ``income_royalties`` (the month's total for the occupation,
in USD), never from the market's ``twin_royalties``, which pools every occupation's twins.
"""

from __future__ import annotations

import numpy as np
import pytest
from sweep_fixture import build_small_sweep

from sim.core import registry
from sim.report import effects, fanplots, results

SCENARIOS = {name: (f"scenario={name}",) for name in ("no_ai", "baseline", "laissez_faire")}
HALF_CENT = 0.005  # the tables hold cents as USD floats: sums of the same cents agree to well under half a cent


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> results.Results:
    return results.load(build_small_sweep(tmp_path_factory.mktemp("twins"), SCENARIOS, (0, 1, 2), 36))


@pytest.mark.slow  # the module's sweep fixture
def test_each_occupations_royalties_are_its_own_and_add_up_to_the_market(loaded):
    accounts = results.twin_accounts(loaded).set_index(["label", "seed", "occupation"])
    assert set(accounts.index.get_level_values("occupation")) == {"top_model", "ecommerce_model"}
    own = loaded.occupations.groupby(["label", "seed", "occupation"])["income_royalties"].sum()
    for key, row in accounts.iterrows():
        assert row["twin_royalties"] == pytest.approx(own[key], abs=HALF_CENT)
    # no other occupation is paid a royalty, so the two add up to the market's total
    by_run = accounts["twin_royalties"].groupby(["label", "seed"]).sum()
    market = loaded.market.groupby(["label", "seed"])["twin_royalties"].sum()
    assert len(by_run) == len(market) - len(loaded.seeds(results.BASELINE))  # every run but the counterfactual
    for key, total in by_run.items():
        assert total == pytest.approx(market[key], abs=HALF_CENT)
    paid = accounts["twin_royalties"].groupby("occupation").sum()
    assert (paid > 0).all(), "both model occupations earn royalties in this sweep, so the check can fail"


@pytest.mark.slow  # the module's sweep fixture
def test_day_income_lost_is_against_the_same_occupation_and_seed_without_ai(loaded):
    accounts = results.twin_accounts(loaded).set_index(["label", "seed", "occupation"])
    rows = loaded.occupations.assign(day=lambda f: f["income_total"] - f["income_royalties"])
    day = rows.groupby(["label", "seed", "occupation"])["day"].sum()
    for (label, seed, occupation), row in accounts.iterrows():
        expected = day[(results.BASELINE, seed, occupation)] - day[(label, seed, occupation)]
        assert row["day_income_lost"] == pytest.approx(expected, abs=0.01)


@pytest.mark.slow  # the module's sweep fixture, one figure drawn into a list instead of a file
def test_the_figure_draws_each_occupations_own_royalties(loaded, monkeypatch, tmp_path):
    drawn = []
    monkeypatch.setattr(fanplots, "save_png", lambda figure, path: drawn.append(figure))
    fanplots.twin_figure(loaded, tmp_path / "twins.png")
    own = loaded.occupations.groupby(["label", "seed", "occupation"])["income_royalties"].sum().reset_index()
    compared = [label for label in loaded.labels if label != results.BASELINE]
    axes = drawn[0].axes
    for axis, occupation in zip(axes, ("top_model", "ecommerce_model"), strict=False):
        assert axis.get_title().startswith(registry.label(occupation))
        green = [p for p in axis.patches if p.get_facecolor()[:3] == pytest.approx((0.0, 158 / 255, 115 / 255))]
        medians = own[own["occupation"] == occupation].groupby("label")["income_royalties"].median()
        assert [p.get_width() for p in green] == pytest.approx(list(medians[compared]), abs=HALF_CENT)
        assert "against" not in axis.get_xlabel()  # the royalties are not measured against anything
    legend = [text.get_text() for text in drawn[0].legends[0].get_texts()]
    assert legend[0] == "Royalties for their own twins" and "against no_ai" in legend[1]


@pytest.mark.slow  # the module's sweep fixture
def test_unconsented_uses_are_each_runs_total_against_the_same_seeds_reference(loaded):
    reference = effects.policy_reference(loaded)
    assert reference.label == "baseline"
    table = effects.unconsented(loaded, reference).set_index("label")
    assert set(table.index) == set(loaded.labels) - {"baseline"}
    totals = loaded.market.groupby(["label", "seed"])["unconsented_uses"].sum()
    for label, row in table.iterrows():
        seeds = loaded.seeds(label)
        difference = [totals[(label, seed)] - totals[("baseline", seed)] for seed in seeds]
        assert row["value"] == np.median([totals[(label, seed)] for seed in seeds])
        assert row["reference"] == np.median([totals[("baseline", seed)] for seed in seeds])
        assert row["median"] == np.median(difference) and row["seeds"] == len(seeds)
    assert table.loc["no_ai", "value"] == 0
