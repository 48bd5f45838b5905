"""Validation (docs/validation.md): the facts used for calibration, the held-out facts and the mechanism checks.

The calibration facts and mechanism checks are means over ``sim.science.validation.SEEDS`` (4 seeds) of
``population=city`` runs of 120 months (about 28 runs); the held-out history facts take 20 city runs of 42
months (``sim.science.history``) and the long run 32 city runs of 120 months (``sim.science.projections``).
Every run is cached, so the module costs about 80 city runs (a few minutes on 2 cores).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.science import history, projections, validation

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


def test_the_adoption_that_set_the_history_experiments_adoption_rate_lands_in_its_target():
    adoption = validation.calibration_adoption()  # C3: used for calibration (ai.adoption_p)
    assert adoption["met"], adoption


# -- held out: each band as docs/validation.md documents it, met or missed -----------------------------------
def _held_out() -> dict[str, float]:
    return {row["id"]: row["figure"]["median"] for row in validation.held_out()}


def test_held_out_h1_bookings_fall_in_the_first_year_but_less_than_the_job_post_study_found():
    figure = _held_out()["H1"]  # documented as MISSED: between the band's smaller edge (-8.5%) and 0
    assert history.JOB_POSTS_BAND.high < figure < 0.0, figure
    second = history.compute()["human_days"]["second_year"]["median"]
    assert history.JOB_POSTS_BAND.holds(second), second  # the second year's fall is inside the band


def test_held_out_h2_h3_incumbent_photographers_lose_jobs_and_earnings_in_the_first_year():
    figures = _held_out()
    assert figures["H2"] < 0.0, figures  # met: jobs fall
    assert figures["H3"] < 0.0, figures  # met: earnings fall
    assert all(row["met"] for row in validation.held_out() if row["id"] in ("H2", "H3"))


def test_held_out_h4_h5_are_missed_as_documented():
    figures = _held_out()
    assert abs(figures["H4"]) < 0.02, figures  # pay per booked day does not rise (the study's did)
    assert figures["H5"] < 0.0, figures  # models' head count falls 2023-2024 (the official figures rose)
    assert not any(row["met"] for row in validation.held_out() if row["id"] in ("H4", "H5"))


def test_long_run_falls_far_below_the_projections_and_a_slower_adoption_start_closes_the_gap():
    figures = projections.compute()
    for group, projected in projections.PROJECTED.items():
        assert figures["default"][group] < projected - 0.2, figures  # L1: missed by more than 20 points
        assert figures["no_ai"][group] > projected + 0.1, figures  # demand growth alone overshoots
        assert 0.0002 < figures["closing"][group] < 0.002, figures  # ai.adoption_p several times below 0.005


def test_the_document_shows_the_figures_of_this_code():
    facts, version = validation.split_document(validation.DOC.read_text(encoding="utf-8"))
    stale = "docs/validation.md is stale: run `python -m sim.science.validation --write`"
    assert facts == validation.render(), stale
    # the scenario table takes 220 city runs: it is checked by the code version it was made with
    from sim.runner.jobs import code_version

    assert version == code_version(), stale
