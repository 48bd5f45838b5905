"""Unit tests of the pure market functions on small arrays."""

import numpy as np
import pytest

from sim import market


def test_allocate_days_respects_capacity_and_charges_exact_rates():
    free = np.array([4, 0, 2, 5])
    rate = np.array([100, 200, 300, 400])
    days, cost, filled = market.allocate_days(free, rate, job_days=2, demand=np.array([3, 4, 10]))
    assert (days <= free).all()
    assert days.sum() == filled.sum() == 11  # 11 free days, 17 asked
    assert filled.tolist() == [3, 4, 4]
    # pass 1 gives 2 days each in ranking order (w0, w2, w3), pass 2 the rest (w0 2, w3 2), pass 3 w3 1
    assert days.tolist() == [4, 0, 2, 5]
    assert cost.sum() == (days * rate).sum()
    # the first brand takes w0's two days and w2's first day
    assert cost[0] == 2 * 100 + 300


def test_allocate_days_spreads_work_down_the_ranking_before_filling_anyone():
    days, _, _ = market.allocate_days(np.full(5, 15), np.full(5, 100), job_days=3, demand=np.array([9]))
    assert days.tolist() == [3, 3, 3, 0, 0]


def test_allocate_days_with_no_free_workers_books_nothing():
    days, cost, filled = market.allocate_days(np.zeros(3, int), np.ones(3, int), 3, np.array([5, 1]))
    assert days.sum() == 0 and cost.tolist() == [0, 0] and filled.tolist() == [0, 0]


def test_logit_shares_sum_to_one_over_available_modes_only():
    utility = np.array([[0.0, 1.0, 2.0], [0.0, 5.0, 5.0]])
    available = np.array([[True, True, True], [True, False, False]])
    shares = market.logit_shares(utility, available)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert shares[1].tolist() == [1.0, 0.0, 0.0]
    assert shares[0, 2] > shares[0, 1] > shares[0, 0]


def test_draw_crew_keeps_fractions_on_average():
    rng = np.random.default_rng(0)
    shoots = np.zeros((20_000, 2, 3), dtype=np.int64)
    shoots[:, 0, 0], shoots[:, 1, 2] = 1, 2
    days = market.draw_crew(rng, shoots, np.array([[1.5, 7.0, 9.0], [0.0, 3.0, 0.25]]))
    assert set(np.unique(days[:, 0])) == {1, 2}
    assert days[:, 0].mean() == pytest.approx(1.5, abs=0.02)
    assert (days[:, 1] == 0).all()  # no shoots, no days, whatever the recipe
    assert set(np.unique(days[:, 2])) == {0, 1, 2} and days[:, 2].mean() == pytest.approx(0.5, abs=0.02)


def test_day_rates_move_with_utilisation_within_floor_and_ceiling():
    rates = market.adjust_day_rates(
        np.array([100.0, 100.0, 100.0, 1000.0]), np.array([0.0, 0.5, 1.0, 1.0]), 0.5, 0.1, 90.0, 1000.0
    )
    assert rates[0] < 100 and rates[1] == 100 and rates[2] > 100 and rates[3] == 1000


def test_quality_gap_halves_towards_its_floor():
    assert market.quality_gap(0.5, 12, 0, 0.1) == pytest.approx(0.5)
    assert market.quality_gap(0.5, 12, 12, 0.1) == pytest.approx(0.3)
    assert market.quality_gap(0.5, 12, 1200, 0.1) == pytest.approx(0.1)


def test_adoption_hazard_is_zero_without_saving_and_grows_with_adopters():
    hazard = market.adoption_hazard(0.01, 0.1, np.array([0.0, 0.5, 0.5]), np.array([0.0, 1.0, 0.5]))
    assert hazard[0] == 0.0 and hazard[1] == pytest.approx(0.06) and hazard[2] == pytest.approx(0.03)


def test_gini_bounds():
    assert market.gini(np.full(10, 5.0)) == pytest.approx(0.0)
    assert market.gini(np.r_[np.zeros(99), 1.0]) == pytest.approx(0.99)


def test_commission_split_is_exact_to_the_cent():
    gross = np.array([12345, 1, 99999])
    commission, net = market.split_commission(gross, 0.2)
    assert (commission + net == gross).all()


def test_entry_needs_income_above_the_entry_threshold_or_unmet_demand():
    assert market.entrants_expected(100, 3000.0, 4000.0, 0.05, 0.0) == 0.0
    assert market.entrants_expected(100, 6000.0, 4000.0, 0.05, 0.0) == pytest.approx(2.5)
    assert market.entrants_expected(0, 0.0, 4000.0, 0.05, 3.0) == pytest.approx(3.0)


def _allocate_days_by_hand(free, rate, job_days, demand):
    """The booking rule written as a plain loop: passes down the ranking, brands in turn."""
    free = list(free)
    sequence = []  # one entry per worker-day offered, in booking order
    while any(free):
        for worker, left in enumerate(free):
            take = min(left, job_days)
            sequence += [worker] * take
            free[worker] -= take
    days, cost, filled, position = [0] * len(rate), [], [], 0
    for wanted in demand:
        got = sequence[position : position + wanted]
        position += len(got)
        for worker in got:
            days[worker] += 1
        cost.append(sum(rate[worker] for worker in got))
        filled.append(len(got))
    return days, cost, filled


def test_allocate_days_matches_the_rule_written_as_a_loop():
    rng = np.random.default_rng(7)
    for _ in range(200):
        workers, brands, job_days = rng.integers(1, 30), rng.integers(1, 8), int(rng.integers(1, 5))
        free = rng.integers(0, 12, workers)
        rate = rng.integers(100, 5000, workers)
        demand = rng.integers(0, 25, brands)
        days, cost, filled = market.allocate_days(free, rate, job_days, demand)
        expected = _allocate_days_by_hand(free.tolist(), rate.tolist(), job_days, demand.tolist())
        assert (days.tolist(), cost.tolist(), filled.tolist()) == expected
