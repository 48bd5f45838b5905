"""The monthly market as pure, vectorised functions over numpy arrays.

Nothing here reads the config or the model: each function takes arrays and numbers and returns
arrays, so it can be unit-tested on small inputs and reused by the model's stage methods.
Randomness comes in as a ``numpy.random.Generator`` argument, never from module state.
"""

from __future__ import annotations

import numpy as np


def seasonal_factor(month_of_year: int, amplitude: float) -> float:
    """Demand multiplier with two fashion seasons a year, peaking in February and August."""
    return 1.0 + amplitude * np.cos(2.0 * np.pi * (month_of_year - 1) / 6.0)


def growth_factor(step: int, yearly_growth: float) -> float:
    """Compound demand growth after ``step`` months."""
    return (1.0 + yearly_growth) ** (step / 12.0)


def ai_cost_per_image(start_cost: float, yearly_decline: float, step: int) -> float:
    """AI cost per finished image on a learning curve: a constant share cheaper each year."""
    return start_cost * (1.0 - yearly_decline) ** (step / 12.0)


def quality_gap(start_gap: float, half_life: float, step: int, floor: float = 0.0) -> float:
    """Quality shortfall of generic AI images: its excess over ``floor`` halves every ``half_life`` months."""
    return floor + (start_gap - floor) * 0.5 ** (step / half_life)


def content_response(relative_cost: np.ndarray, elasticity: float, cap: float) -> np.ndarray:
    """A brand's content volume as a multiple of its volume at the first month's human prices.

    ``relative_cost ** -elasticity``, at most ``cap``: cheaper content means more images (more
    angles, variants and markets per product), up to what a catalogue can use.
    """
    with np.errstate(divide="ignore"):
        return np.minimum(np.power(np.maximum(relative_cost, 0.0), -elasticity), cap)


def adoption_hazard(p: float, q: float, adopter_share: np.ndarray, relative_saving: np.ndarray) -> np.ndarray:
    """Bass hazard ``p + q * share`` scaled by the share of content spend AI would save."""
    return np.clip((p + q * adopter_share) * np.clip(relative_saving, 0.0, 1.0), 0.0, 1.0)


def logit_shares(utility: np.ndarray, available: np.ndarray) -> np.ndarray:
    """Multinomial-logit choice shares over the last axis; unavailable modes get share 0."""
    masked = np.where(available, utility, -np.inf)
    top = fold_last_axis(np.maximum, masked)[..., None]
    top = np.where(np.isfinite(top), top, 0.0)
    weight = np.where(available, np.exp(masked - top), 0.0)
    total = fold_last_axis(np.add, weight)[..., None]
    return np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)


def fold_last_axis(combine: np.ufunc, values: np.ndarray) -> np.ndarray:
    """``combine`` (np.add, np.maximum, ...) over a short last axis, slice by slice in order.

    numpy's reductions over a last axis of two or three values are several times slower than
    combining the slices; the result is the same value for each element.
    """
    result = values[..., 0].copy()
    for k in range(1, values.shape[-1]):
        combine(result, values[..., k], out=result)
    return result


def draw_crew(rng: np.random.Generator, shoots: np.ndarray, recipe: np.ndarray) -> np.ndarray:
    """Worker-days each occupation is needed for, by brand and mode.

    ``shoots`` is [brand, type, mode] shoot-days, ``recipe`` [type, mode, occupation] workers per
    shoot-day. A brand's shoots in one mode need ``sum over types of n * x`` worker-days of an
    occupation (``n`` shoot-days of a type at a recipe of ``x``); the fraction of that is drawn,
    not rounded away: one more day with probability equal to the fraction (randomised rounding),
    so the mean is exact and a single shoot at 1.5 books 1 or 2 workers with even odds. One
    uniform draw per occupation, brand and mode, in that order, in one call. Returns
    [occupation, brand, mode].
    """
    recipe = np.asarray(recipe, dtype=np.float64)
    brands, _, modes = shoots.shape
    need = np.zeros((recipe.shape[2], brands, modes), dtype=np.float64)
    for occupation, kind, mode in zip(*np.nonzero(np.moveaxis(recipe, 2, 0)), strict=True):
        need[occupation, :, mode] += shoots[:, kind, mode] * recipe[kind, mode, occupation]
    days = np.floor(need)
    days += rng.random(need.shape) < need - days
    return days.astype(np.int64)


def race_priorities(rng: np.random.Generator, log_weight: np.ndarray) -> np.ndarray:
    """Plackett-Luce priorities ``log_weight - log(E)``, one ``E ~ Exp(1)`` per element, drawn in one call.

    ``-log(E)`` is a standard Gumbel draw, so ranking the priorities from highest to lowest
    (:func:`ranking`) is a Plackett-Luce draw with odds ``exp(log_weight)`` (the exponential race).
    Drawing for several groups at once gives each group the same draws as one call per group in
    turn, so the model draws for the whole month's workforce and ranks occupation by occupation.
    """
    draws = rng.standard_exponential(log_weight.size)
    with np.errstate(divide="ignore"):  # a draw of exactly 0 (odds 2**-53) gives +inf: ranked first
        np.log(draws, out=draws)
    return np.subtract(log_weight, draws, out=draws)


def ranking(priority: np.ndarray) -> np.ndarray:
    """The indices of ``priority`` from highest to lowest; a tie goes to the lower index.

    The order of ``np.argsort(-priority, kind="stable")`` (tests compare the two), computed by a
    radix sort: the priorities are cut to steps of 2**-32 of their range (two priorities closer
    than that count as tied) and ordered by a counting sort on each 16-bit half of the key,
    (:func:`ascending_order`), three times faster than the comparison sort on the 50,000
    photographers of a national month.
    """
    if priority.size < 2:
        return np.arange(priority.size)
    top = priority.max()
    span = top - priority.min()
    scale = (2.0**32 - 1024.0) / span if span > 0 else 0.0  # keys stay below 2**32
    if not (np.isfinite(top) and np.isfinite(scale)):  # an infinite priority: the comparison sort
        return np.argsort(-priority, kind="stable")
    return ascending_order(((top - priority) * scale).astype(np.uint32))  # ascending key = descending priority


def ascending_order(key: np.ndarray) -> np.ndarray:
    """The stable ascending order of unsigned 32-bit keys, as ``np.argsort(key, kind="stable")`` (tested).

    A counting sort on each 16-bit half (numpy radix-sorts 16-bit keys), low half first.
    """
    order = np.argsort(key.astype(np.uint16), kind="stable")  # the cast keeps the low 16 bits
    return order[np.argsort((key[order] >> 16).astype(np.uint16), kind="stable")]


def allocate_days(
    free_days: np.ndarray, rate_cents: np.ndarray, job_days: int, demand: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Book worker-days for brands that ask in turn, from workers in ranking order.

    Workers (``free_days``, ``rate_cents``) are given best-ranked first; brands (``demand``) in
    booking order.
    The ranking is walked in passes: each pass gives each worker at most ``job_days`` more days,
    so work spreads down the ranking before anyone is fully booked. Brands take consecutive
    stretches of the resulting sequence of days, so each brand pays exactly the day rates of the
    days it took.

    Returns:
        days per worker, cost per brand (cents), days filled per brand.
    """
    rate_cents = np.asarray(rate_cents, dtype=np.int64)
    demand = np.asarray(demand, dtype=np.int64)
    free_days = np.asarray(free_days, dtype=np.int64)
    most = int(free_days.max(initial=0))
    if most == 0:
        zeros = np.zeros_like(demand)
        return np.zeros_like(free_days), zeros, zeros
    if free_days.min() == most:  # the model's case: everyone in an occupation starts the month free
        return _allocate_equal_days(most, rate_cents, job_days, demand)
    # days on offer in each pass, from a histogram of free days; only the passes that demand reaches are built
    passes = -(-most // job_days)
    with_at_least = np.cumsum(np.bincount(free_days)[::-1])[::-1][1:]  # [d - 1]: workers with >= d free days
    per_pass = np.zeros(passes * job_days, dtype=np.int64)
    per_pass[: with_at_least.size] = with_at_least
    offered = np.cumsum(per_pass.reshape(passes, job_days).sum(axis=1))
    filled_total = min(int(demand.sum()), int(offered[-1]))
    passes = int(np.searchsorted(offered, filled_total)) + 1
    if passes == 1:
        slot, slot_rate = np.minimum(free_days, job_days), rate_cents
    else:
        offsets = np.arange(passes, dtype=np.int64)[:, None] * job_days
        slot = np.clip(free_days[None, :] - offsets, 0, job_days).ravel()
        slot_rate = np.tile(rate_cents, passes)
    slot_end = np.cumsum(slot)
    # every slot before the one where demand runs out is taken whole, that one in part, none after
    last = int(np.searchsorted(slot_end, filled_total))
    taken = slot.copy()
    taken[last] = filled_total - (slot_end[last] - slot[last])
    taken[last + 1 :] = 0
    days = taken.reshape(passes, free_days.size).sum(axis=0) if passes > 1 else taken

    cost_end = np.cumsum(slot * slot_rate)
    brand_end = np.minimum(np.cumsum(demand), filled_total)
    k = np.minimum(np.searchsorted(slot_end, brand_end, side="left"), slot_end.size - 1)
    cumulative_cost = cost_end[k] - (slot_end[k] - brand_end) * slot_rate[k]
    cumulative_cost = np.where(brand_end > 0, cumulative_cost, 0)
    brand_cost = np.diff(cumulative_cost, prepend=0)
    brand_filled = np.diff(brand_end, prepend=0)
    return days, brand_cost, brand_filled


def _allocate_equal_days(
    free: int, rate_cents: np.ndarray, job_days: int, demand: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`allocate_days` when every worker has the same ``free`` days, in closed form.

    Each pass then gives every worker the same slot (``job_days``, or what is left in the last
    pass), so the n-th day of the sequence falls in a known pass, worker and day of her slot, and
    the cost of the first n days is whole passes of the total rate plus a prefix sum of rates.
    """
    workers = rate_cents.size
    per_pass = workers * job_days
    full_passes, last_slot = divmod(free, job_days)
    filled_total = min(int(demand.sum()), workers * free)

    def locate(position):
        """Where the n-th day of the sequence falls: passes done before it, the slot of its pass,
        the worker (in ranking order) and how many days of her slot are taken."""
        # the end of a full pass counts as its last worker's whole slot, not as the next pass's start
        done = np.minimum(position // per_pass, max(full_passes - 1, 0))
        if last_slot == 0:  # every pass gives job_days (then full_passes >= 1, as free >= 1)
            slot = np.full(position.size, job_days)
        else:
            late = position > per_pass * full_passes  # in the last, shorter pass
            done = np.where(late, full_passes, done)
            slot = np.where(late, last_slot, job_days)
        into_pass = position - done * per_pass
        worker = np.minimum(into_pass // np.maximum(slot, 1), workers - 1)
        return done, slot, worker, into_pass - worker * slot

    ends = np.minimum(np.cumsum(demand), filled_total)  # each brand's last day in the sequence
    # located with the sequence's last day appended: where the booking stops, for the days per worker
    done, slot, worker, part = locate(np.append(ends, filled_total))
    last = tuple(int(value[-1]) for value in (done, slot, worker, part))
    done, slot, worker, part = done[:-1], slot[:-1], worker[:-1], part[:-1]
    ranked_through = np.cumsum(rate_cents)  # rates of the workers down to each in the ranking
    rate = rate_cents[worker]
    before = ranked_through[worker] - rate  # ... and ranked above her
    brand_cost = done * job_days * ranked_through[-1] + slot * before + part * rate
    brand_cost[1:] -= brand_cost[:-1].copy()
    brand_filled = ends.copy()
    brand_filled[1:] -= ends[:-1]

    done, slot, worker, part = last
    days = np.full(workers, done * job_days, dtype=np.int64)
    days[:worker] += slot
    days[worker] += part
    return days, brand_cost, brand_filled


def rate_card_change(excess: np.ndarray, speed: float, rigidity: float) -> np.ndarray:
    """Log change of each occupation's rate card: up with its excess demand, down more slowly.

    ``excess`` is the occupation's utilisation plus its unmet demand per day of capacity, less its
    normal utilisation. The card moves by ``speed * excess`` when excess demand is positive and by
    ``speed * (1 - rigidity) * excess`` when negative: agencies cut rate cards slowly (downward
    rigidity), so a fall in demand shows first in fewer days and fewer entrants, and only slowly in
    pay. At rest when the occupation works at its normal utilisation.
    """
    return np.where(excess > 0, speed, speed * (1.0 - rigidity)) * excess


def adjust_day_rates(
    day_rate: np.ndarray,
    relative: np.ndarray,
    card_change: np.ndarray,
    speed: float,
    floor: np.ndarray | float,
    ceiling: np.ndarray | float,
) -> np.ndarray:
    """A worker's day rate moves with her occupation's rate card and with her relative demand.

    ``relative`` is her utilisation less her occupation's (zero on average, so it moves rates apart
    or together, not up or down); ``card_change`` her occupation's :func:`rate_card_change`.
    """
    return np.clip(day_rate * np.exp(speed * relative + card_change), floor, ceiling)


def totals_by_key(keys: np.ndarray, amounts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``keys`` ascending, and the integer ``amounts`` added up for each (exactly)."""
    order = np.argsort(keys, kind="stable")
    keys, amounts = keys[order], amounts[order]
    first = np.flatnonzero(np.diff(keys, prepend=keys[:1] - 1))  # where each key's run begins
    if first.size == 0:
        return keys, amounts
    return keys[first], np.add.reduceat(amounts, first)


def split_commission(gross_cents: np.ndarray, share: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split gross pay (cents) into the agency's commission (a share, or one per payment) and the net, to the cent."""
    commission = np.rint(gross_cents * share).astype(np.int64)
    return commission, gross_cents - commission


def income_statistics(cents: np.ndarray) -> dict[str, float]:
    """Median, 10th and 90th percentiles (USD) and Gini of one group's monthly incomes in cents.

    Only the positive incomes are sorted (most months many earn nothing); the zeros are counted
    and come first. The median and percentiles are
    those of ``np.median`` and ``np.percentile`` (linear, Hyndman-Fan 7) of the incomes in USD.
    The Gini coefficient ``2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n`` over the ascending
    incomes ``x_1..x_n`` is computed from exact integer sums, so it is correctly rounded, never
    below 0 for equal incomes, and the same in any order of addition.
    """
    cents = np.asarray(cents, dtype=np.int64)
    n = cents.size
    if n == 0:
        return {"median": 0.0, "p10": 0.0, "p90": 0.0, "gini": 0.0}
    positive = cents[cents > 0]
    top = int(positive.max()) if positive.size else 0
    positive = positive[ascending_order(positive.astype(np.uint32))] if top < 2**32 else np.sort(positive)
    zeros = n - positive.size

    def usd(rank: int) -> float:
        """The income (USD) at this 0-based rank of all n incomes in ascending order."""
        return float(positive[rank - zeros]) / 100.0 if rank >= zeros else 0.0

    def percentile(percent: float) -> float:
        position = (n - 1) * (percent / 100)
        below = int(np.floor(position))
        if below >= n - 1:
            return usd(n - 1)
        low, high, weight = usd(below), usd(below + 1), position - below
        step = high - low
        return high - step * (1 - weight) if weight >= 0.5 else low + step * weight

    middle = n // 2
    median = usd(middle) if n % 2 else (usd(middle - 1) + usd(middle)) / 2
    total, gini = int(positive.sum()), 0.0
    if total > 0:
        # sum over ranks of rank * income, the zeros at ranks 1..zeros: exact in int64 below 2**63, else in Python ints
        ranks = np.arange(zeros + 1, n + 1, dtype=np.int64)
        if n * n * top < 2**62:
            weighted = int((ranks * positive).sum())
        else:
            weighted = sum(int(rank) * int(value) for rank, value in zip(ranks, positive, strict=True))
        gini = min(max((2 * weighted - (n + 1) * total) / (n * total), 0.0), 1.0)  # one rounding, of an exact fraction
    return {"median": median, "p10": percentile(10), "p90": percentile(90), "gini": gini}


ENTRY_RATIO_CAP = 2.0  # mean income above twice the entry income draws no more entrants than at twice


def entrants_expected(
    active: int, mean_income: float, entry_income: float, attrition: float, response: float, unfilled_workers: float
) -> float:
    """Expected entrants: those who replace the leavers, more when the occupation pays well, plus unmet demand.

    ``attrition * active * (mean_income / entry_income) ** response``: at the entry income,
    entrants just replace the workers who leave for reasons of their own (attrition), so head
    count and mean income can rest there (the steady state); below it fewer come and the
    occupation shrinks, above it more come and it grows. Each worker's worth of days that brands
    could not book draws one more entrant.
    """
    if entry_income > 0:
        ratio = min(mean_income, ENTRY_RATIO_CAP * entry_income) / entry_income  # capped before dividing
    else:
        ratio = ENTRY_RATIO_CAP if mean_income > 0 else 0.0
    return attrition * active * max(ratio, 0.0) ** response + unfilled_workers
