"""Validation against stylised facts (docs/validation.md): the model's figures over seeds.

Every fact is a mean over ``sim.science.validation.SEEDS`` (4 seeds) of ``population=city`` runs of 120
months; the runs are cached, so the whole module costs about 28 city runs (well under 2 minutes).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.science import validation

pytestmark = pytest.mark.slow


def test_without_ai_incomes_land_near_the_calibration_targets():
    rows = validation.income_calibration()
    assert [(r["occupation"], r["statistic"]) for r in rows] == [
        ("ecommerce_model", "median"),
        ("photographer", "median"),
        ("makeup_artist", "p25"),
        ("makeup_artist", "p75"),
    ]
    for row in rows:
        assert row["within"], row


def test_income_is_right_skewed_more_for_top_models_than_ecommerce_models():
    skew = validation.income_skew()
    assert skew["top_model"] > 2.0, skew  # p90 well above the median (BLS models: 2.96)
    assert skew["top_model"] > skew["ecommerce_model"] > 1.0, skew


def test_cheaper_ai_means_fewer_ecommerce_model_days_at_every_step_of_the_grid():
    grid = validation.cost_grid()
    assert list(grid["cost_per_image"]) == sorted(validation.COST_GRID, reverse=True)
    assert grid["ai_share_ecommerce"].iloc[0] == 0.0
    assert (np.diff(grid["ai_share_ecommerce"]) > 0).all(), grid
    assert (np.diff(grid["ecommerce_model_days"]) < 0).all(), grid


def test_ecommerce_models_lose_a_larger_share_of_income_than_top_models():
    loss = validation.income_loss()
    assert loss["ecommerce_model"] > 0.2, loss
    assert loss["ecommerce_model"] > loss["top_model"] + 0.2, loss


def test_crew_lose_days_as_ai_rises_and_ai_content_producers_win_some_back():
    grid = validation.cost_grid().sort_values("ai_share_ecommerce")
    assert (np.diff(grid["crew_days"]) < 0).all(), grid
    assert (np.diff(grid["ai_content_producer_days"]) > 0).all(), grid
    regained = validation.reinstatement()
    assert regained["regained_share"] > 0.3, regained  # reinstatement, in days (more content when it is cheaper)


def test_consent_with_a_royalty_floor_raises_top_models_twin_income():
    twins = validation.twin_income()
    assert twins["laissez_faire_unconsented_uses"] > 0 and twins["consent_with_floor_unconsented_uses"] == 0
    assert twins["consent_with_floor"] > 1.1 * twins["laissez_faire"], twins


def test_the_document_shows_the_figures_of_this_code():
    facts, version = validation.split_document(validation.DOC.read_text(encoding="utf-8"))
    stale = "docs/validation.md is stale: run `python -m sim.science.validation --write`"
    assert facts == validation.render(), stale
    # the scenario table takes 220 city runs: it is checked by the code version it was made with
    from sim.runner.jobs import code_version

    assert version == code_version(), stale
