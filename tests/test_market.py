"""Unit tests of the pure market functions on small arrays."""

import numpy as np
import pytest

from sim.core import kernels


def test_allocate_days_respects_capacity_and_charges_exact_rates():
    free = np.array([4, 0, 2, 5])
    rate = np.array([100, 200, 300, 400])
    days, cost, filled = kernels.allocate_days(free, rate, job_days=2, demand=np.array([3, 4, 10]))
    assert (days <= free).all()
    assert days.sum() == filled.sum() == 11  # 11 free days, 17 asked
    assert filled.tolist() == [3, 4, 4]
    # pass 1 gives 2 days each in ranking order (w0, w2, w3), pass 2 the rest (w0 2, w3 2), pass 3 w3 1
    assert days.tolist() == [4, 0, 2, 5]
    assert cost.sum() == (days * rate).sum()
    # the first brand takes w0's two days and w2's first day
    assert cost[0] == 2 * 100 + 300


def test_allocate_days_spreads_work_down_the_ranking_before_filling_anyone():
    days, _, _ = kernels.allocate_days(np.full(5, 15), np.full(5, 100), job_days=3, demand=np.array([9]))
    assert days.tolist() == [3, 3, 3, 0, 0]


def test_allocate_days_with_no_free_workers_books_nothing():
    days, cost, filled = kernels.allocate_days(np.zeros(3, int), np.ones(3, int), 3, np.array([5, 1]))
    assert days.sum() == 0 and cost.tolist() == [0, 0] and filled.tolist() == [0, 0]


def test_logit_shares_sum_to_one_over_available_modes_only():
    utility = np.array([[0.0, 1.0, 2.0], [0.0, 5.0, 5.0]])
    available = np.array([[True, True, True], [True, False, False]])
    shares = kernels.logit_shares(utility, available)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert shares[1].tolist() == [1.0, 0.0, 0.0]
    assert shares[0, 2] > shares[0, 1] > shares[0, 0]


def test_draw_crew_keeps_fractions_on_average():
    rng = np.random.default_rng(0)
    shoots = np.zeros((20_000, 2, 3), dtype=np.int64)
    shoots[:, 0, 0], shoots[:, 1, 2] = 1, 2
    recipe = np.zeros((2, 3, 2))  # [type, mode, occupation]
    recipe[:, :, 0] = [[1.5, 7.0, 9.0], [0.0, 3.0, 0.25]]
    recipe[1, 2, 1] = 3.0
    days = kernels.draw_crew(rng, shoots, recipe)  # [occupation, brand, mode]
    assert days.shape == (2, 20_000, 3)
    assert set(np.unique(days[0, :, 0])) == {1, 2}
    assert days[0, :, 0].mean() == pytest.approx(1.5, abs=0.02)
    assert (days[0, :, 1] == 0).all()  # no shoots, no days, whatever the recipe
    # 2 shoots at 0.25 need half a worker-day: 0 or 1 (rounded at random), never 2
    assert set(np.unique(days[0, :, 2])) == {0, 1} and days[0, :, 2].mean() == pytest.approx(0.5, abs=0.02)
    assert (days[1, :, 2] == 6).all() and (days[1, :, :2] == 0).all()  # a whole need is never rounded up


def test_draw_crew_rounds_a_brands_need_up_or_down_never_further():
    rng = np.random.default_rng(1)
    shoots = rng.integers(0, 40, size=(5_000, 2, 3))
    recipe = rng.choice([0.0, 0.25, 0.5, 1.0, 1.5, 2.0], size=(2, 3, 4))
    need = np.einsum("btm,tmo->obm", shoots, recipe)
    days = kernels.draw_crew(rng, shoots, recipe)
    assert ((days == np.floor(need)) | (days == np.ceil(need))).all()
    assert days.sum() == pytest.approx(need.sum(), rel=0.002)


def test_rate_cards_rise_with_excess_demand_and_fall_more_slowly():
    change = kernels.rate_card_change(np.array([-0.2, 0.0, 0.2]), 0.1, 0.75)
    assert change.tolist() == pytest.approx([-0.005, 0.0, 0.02])  # a cut at a quarter of the speed of a rise
    assert kernels.rate_card_change(np.array([-0.2]), 0.1, 1.0)[0] == 0.0  # fully rigid: never cut


def test_day_rates_follow_the_card_and_relative_demand_within_floor_and_ceiling():
    rates = kernels.adjust_day_rates(
        np.array([100.0, 100.0, 100.0, 1000.0]), np.array([-0.5, 0.0, 0.5, 0.5]), np.array([0.0, 0.1, 0.0, 0.0]), 0.1,
        90.0, 1000.0,
    )  # fmt: skip
    assert rates[0] == pytest.approx(100 * np.exp(-0.05)) and rates[1] == pytest.approx(100 * np.exp(0.1))
    assert rates[2] == pytest.approx(100 * np.exp(0.05)) and rates[3] == 1000  # the ceiling
    assert kernels.adjust_day_rates(np.array([100.0]), np.array([-5.0]), np.array([0.0]), 0.1, 90.0, 1000.0)[0] == 90


def test_quality_gap_halves_towards_its_floor():
    assert kernels.quality_gap(0.5, 12, 0, 0.1) == pytest.approx(0.5)
    assert kernels.quality_gap(0.5, 12, 12, 0.1) == pytest.approx(0.3)
    assert kernels.quality_gap(0.5, 12, 1200, 0.1) == pytest.approx(0.1)


def test_adoption_hazard_is_zero_without_saving_and_grows_with_adopters():
    hazard = kernels.adoption_hazard(0.01, 0.1, np.array([0.0, 0.5, 0.5]), np.array([0.0, 1.0, 0.5]))
    assert hazard[0] == 0.0 and hazard[1] == pytest.approx(0.06) and hazard[2] == pytest.approx(0.03)


@pytest.mark.parametrize(
    ("share", "gross", "commission"),
    [
        (0.2, [0, 1, 2, 3, 7, 8, 12345, 99999], [0, 0, 0, 1, 1, 2, 2469, 20000]),  # 0.6 -> 1, 1.4 -> 1, 19999.8 -> 2e4
        (0.5, [1, 3, 5, 7, 9], [0, 2, 2, 4, 4]),  # exact halves of a cent go to the even cent
        (0.25, [2, 6, 10, 14], [0, 2, 2, 4]),
        (0.0, [5, 12345], [0, 0]),
        (1.0, [5, 12345], [5, 12345]),
    ],
)
def test_commission_is_the_share_rounded_to_the_nearest_cent_halves_to_even(share, gross, commission):
    got, net = kernels.split_commission(np.array(gross, dtype=np.int64), share)
    assert got.tolist() == commission
    assert net.tolist() == [pay - cut for pay, cut in zip(gross, commission, strict=True)]
    assert got.dtype == net.dtype == np.int64


def test_commission_split_equals_rounding_each_pay_by_hand():
    gross = np.random.default_rng(8).integers(0, 10**9, size=2_000)  # up to $10 million, in cents
    for share in (0.2, 0.15, 1 / 3, 0.175, 0.07):
        commission, net = kernels.split_commission(gross, share)
        assert commission.tolist() == [round(int(pay) * share) for pay in gross]  # Python's round: halves to even
        assert (net + commission == gross).all() and (net >= 0).all() and (commission >= 0).all()


def test_entrants_replace_leavers_at_the_entry_income():
    assert kernels.entrants_expected(100, 4000.0, 4000.0, 0.02, 2.0, 0.0) == pytest.approx(2.0)  # = attrition
    assert kernels.entrants_expected(100, 2000.0, 4000.0, 0.02, 2.0, 0.0) == pytest.approx(0.5)  # (1/2)^2
    assert kernels.entrants_expected(100, 1e9, 4000.0, 0.02, 2.0, 0.0) == pytest.approx(8.0)  # capped at 2x
    assert kernels.entrants_expected(0, 0.0, 4000.0, 0.02, 2.0, 3.0) == pytest.approx(3.0)  # unmet demand
    assert kernels.entrants_expected(100, 10.0, 0.0, 0.02, 2.0, 0.0) == pytest.approx(8.0)


def test_content_volume_rises_as_its_cost_falls_up_to_the_cap():
    volume = kernels.content_response(np.array([1.0, 0.25, 0.01, 2.0]), 0.5, 3.0)
    assert volume.tolist() == pytest.approx([1.0, 2.0, 3.0, 2**-0.5])
    assert (kernels.content_response(np.array([0.1, 5.0]), 0.0, 3.0) == 1.0).all()


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


@pytest.mark.parametrize("equal", [False, True], ids=["any free days", "equal free days (closed form)"])
def test_allocate_days_matches_the_rule_written_as_a_loop(equal):
    rng = np.random.default_rng(7)
    for _ in range(300):
        workers, brands, job_days = rng.integers(1, 30), rng.integers(1, 8), int(rng.integers(1, 5))
        free = np.full(workers, rng.integers(1, 12)) if equal else rng.integers(0, 12, workers)
        rate = rng.integers(100, 5000, workers)
        demand = rng.integers(0, 40 if equal else 25, brands)
        days, cost, filled = kernels.allocate_days(free, rate, job_days, demand)
        expected = _allocate_days_by_hand(free.tolist(), rate.tolist(), job_days, demand.tolist())
        assert (days.tolist(), cost.tolist(), filled.tolist()) == expected
        if equal:  # the same free days given as one number
            days, cost, filled = kernels.allocate_days(int(free[0]), rate, job_days, demand)
            assert (days.tolist(), cost.tolist(), filled.tolist()) == expected


def test_ranking_of_race_priorities_is_a_plackett_luce_draw():
    rng = np.random.default_rng(3)
    log_weight = np.log([4.0, 2.0, 1.0, 1.0])
    firsts = np.array([kernels.ranking(kernels.race_priorities(rng, log_weight))[0] for _ in range(20_000)])
    # the first place goes to each with probability weight / total weight
    np.testing.assert_allclose(np.bincount(firsts, minlength=4) / firsts.size, [0.5, 0.25, 0.125, 0.125], atol=0.01)
    order = kernels.ranking(kernels.race_priorities(rng, rng.normal(size=1_000)))
    assert sorted(order.tolist()) == list(range(1_000))


def test_race_priorities_drawn_at_once_equal_one_call_per_group():
    log_weight = np.random.default_rng(6).normal(size=700)
    at_once = kernels.race_priorities(np.random.default_rng(7), log_weight)
    rng = np.random.default_rng(7)
    by_group = np.concatenate([kernels.race_priorities(rng, part) for part in np.split(log_weight, [100, 100, 450])])
    assert (at_once == by_group).all()


def test_ascending_order_sorts_32_bit_keys_stably():
    keys = np.random.default_rng(4).integers(0, 2**32, size=10_000, dtype=np.uint64).astype(np.uint32)
    keys[::7] = keys[0]  # ties keep their order
    assert (kernels.ascending_order(keys) == np.argsort(keys, kind="stable")).all()


def test_ranking_is_the_stable_descending_argsort():
    rng = np.random.default_rng(4)
    for priority in (rng.normal(size=50_000), np.round(rng.normal(size=10_000), 2), np.array([1.0, np.inf, -2.0])):
        assert (kernels.ranking(priority) == np.argsort(-priority, kind="stable")).all()  # ties: lower index first
    assert kernels.ranking(np.zeros(0)).size == 0 and (kernels.ranking(np.full(5, 3.0)) == np.arange(5)).all()


def test_income_statistics_match_numpy_and_the_gini_formula():
    rng = np.random.default_rng(5)
    for size in range(1, 40):
        cents = rng.integers(0, 10**7, size) * (rng.random(size) < 0.7)
        stats = kernels.income_statistics(cents)
        usd = np.sort(cents) / 100.0
        assert stats["median"] == np.median(usd)
        assert stats["p10"] == np.percentile(usd, 10) and stats["p90"] == np.percentile(usd, 90)
        ranks = np.arange(1, size + 1)
        expected = 2 * (ranks * usd).sum() / (size * usd.sum()) - (size + 1) / size if usd.sum() else 0.0
        assert stats["gini"] == pytest.approx(max(expected, 0.0), abs=1e-12)
    # incomes above 2**32 cents are sorted by numpy; the exact sums then run in Python integers
    huge = np.array([0, 3 * 2**40, 2**33, 5], dtype=np.int64)
    assert kernels.income_statistics(huge)["median"] == np.median(huge / 100.0)


def test_gini_bounds():
    assert kernels.income_statistics(np.full(10, 500))["gini"] == 0.0  # exactly, not -2e-16
    assert kernels.income_statistics(np.r_[np.zeros(99, dtype=np.int64), 100])["gini"] == pytest.approx(0.99)
    zeros = {"median": 0.0, "p10": 0.0, "p90": 0.0, "gini": 0.0}
    assert kernels.income_statistics(np.zeros(5, dtype=np.int64)) == zeros
    assert kernels.income_statistics(np.array([], dtype=np.int64))["gini"] == 0.0


def test_totals_by_key_equals_unique_and_bincount():
    rng = np.random.default_rng(8)
    keys, amounts = rng.integers(0, 50, 400), rng.integers(0, 10**6, 400)
    unique, inverse = np.unique(keys, return_inverse=True)
    distinct, totals = kernels.totals_by_key(keys, amounts)
    assert distinct.tolist() == unique.tolist()
    assert totals.tolist() == np.bincount(inverse, weights=amounts).astype(np.int64).tolist()
    assert [part.size for part in kernels.totals_by_key(keys[:0], amounts[:0])] == [0, 0]
