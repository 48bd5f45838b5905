"""Bounds that keep the model's integer money exact, and a memory estimate, checked before a model is built.

The model keeps money in integer cents (``np.int64``) but forms many amounts in ``float64`` first
(``np.rint(usd * 100).astype(np.int64)`` in ``sim.core.model``: crew costs, licence royalties,
AI fees, commissions). A float64 holds every integer exactly only up to 2**53 cents (about 90
trillion USD), and ``astype(np.int64)`` of anything past 2**63 wraps to garbage (the "-9.2e18
days worked" of issue 17). So every monthly money total must stay below ``EXACT_CENTS = 2**53``:

* A month's pay: no worker works more than her ``capacity`` (at most 31 days, schema) at more
  than her occupation's ``rate_ceiling`` (USD per day; day rates are clipped to it), and brands
  pay the agency's client fee on top. So the whole market's monthly spend on people is at most
  ``workers x 31 x 100 x max(rate_ceiling) x (1 + agency_client_fee)`` cents, which bounds the head
  count: :func:`max_workers`.
* A crew recipe value ``x`` (workers per shoot-day) multiplies the market's shoot-days into
  worker-days (``sim.core.kernels.draw_crew``, cast to int64) and into a human crew's cost per
  shoot-day (``recipe @ rate``, in cents). The shoot-days of one month are at most
  ``S = sum over segments of brands x (campaign_days + ecommerce_days) x content_demand_cap x
  (1 + season_amplitude) x (1 + demand_growth) ** (steps / 12) x exp(6 x brand_size_dispersion)``
  (the brand-size multiplier is lognormal with mean 1; six standard deviations is the largest a
  draw gets in practice, probability below 1e-9 per brand). A month's crew cost is then at most
  ``S x sum(x x rate_ceiling) x 100 x (1 + fee)`` cents, so each value is bounded by
  :func:`max_recipe`. Unfilled worker-days also bring entrants, so the same bound keeps entry finite.
* The seed goes to ``numpy.random.default_rng`` (any integer >= 0) and into the tables' int64
  ``seed`` column: at most 2**63 - 1.

The memory estimate (:func:`memory_needed`) is measured, not guessed: with ``tracemalloc`` a
100,000-worker classroom model peaked at 286 bytes per worker over its first months (the worker
table, its agents and each month's arrays); ``BYTES_PER_WORKER`` adds 40% for the table's growth
(a quarter more rows) and reallocation, and ``BASE_BYTES`` is the interpreter with numpy, pandas,
Mesa and Hydra loaded.
"""

from __future__ import annotations

import math
from pathlib import Path

from sim.core.schema import ConfigError

EXACT_CENTS = 2**53  # the largest integer float64 holds exactly, in cents
MAX_SEED = 2**63 - 1  # the int64 seed column of every table
MAX_DAYS = 31  # schema: OccupationConfig.capacity is at most 31 days a month
BRAND_SIZE_SIGMAS = 6.0  # brand sizes are exp(sigma N(0, 1)): six standard deviations bound every draw in practice
BYTES_PER_WORKER = 400  # measured peak 286 B per worker (tracemalloc), plus 40%
BASE_BYTES = 300 * 2**20  # the interpreter with numpy, pandas, Mesa and Hydra


class OutOfMemory(MemoryError):
    """A population that will not fit in the memory this machine has free; the message is one line."""


def _fee(cfg) -> float:
    return 1.0 + float(cfg.market.agency_client_fee)


def max_workers(cfg) -> int:
    """The most workers whose month of pay stays below 2**53 cents (see the module docstring)."""
    ceiling = max((float(o.rate_ceiling) for o in cfg.occupations.values()), default=1.0)
    return int(EXACT_CENTS // (MAX_DAYS * 100 * ceiling * _fee(cfg)))


def max_shoot_days(cfg) -> float:
    """The most shoot-days the market asks for in one month (S in the module docstring)."""
    market, pop = cfg.market, cfg.population
    growth = (1.0 + float(market.demand_growth)) ** (cfg.steps / 12.0)
    scale = float(market.content_demand_cap) * (1.0 + float(market.season_amplitude)) * growth
    scale *= math.exp(BRAND_SIZE_SIGMAS * float(market.brand_size_dispersion))
    total = 0.0
    for name in ("luxury", "fast_fashion", "ecommerce"):
        segment = getattr(market.segments, name)
        brands = int(getattr(pop, f"{name}_brands"))
        total += brands * (float(segment.campaign_days) + float(segment.ecommerce_days))
    return max(total * scale, 1.0)


def max_recipe(cfg, occupation: str) -> float:
    """The largest crew recipe value for ``occupation`` whose month of crew cost stays below 2**53 cents."""
    ceiling = float(cfg.occupations[occupation].rate_ceiling)
    return EXACT_CENTS / (max_shoot_days(cfg) * ceiling * 100 * _fee(cfg))


def available_memory() -> int | None:
    """Bytes this process may still use: MemAvailable, or the address-space limit when lower; None if unknown."""
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft not in (resource.RLIM_INFINITY, -1):
            found.append(int(soft))
    except (ImportError, OSError, ValueError):
        pass
    return min(found) if found else None


def memory_needed(workers: int) -> int:
    """Bytes a run of ``workers`` workers needs at its peak (measured; see the module docstring)."""
    return BASE_BYTES + workers * BYTES_PER_WORKER


def check(cfg) -> None:
    """Raise ConfigError for a value past its bound, OutOfMemory for a population that will not fit."""
    check_bounds(cfg)
    total = sum(int(count) for count in cfg.population.workers.values())
    free = available_memory()
    need = memory_needed(total)
    if free is not None and need > free:
        raise OutOfMemory(
            f"the population of {total} workers needs about {need / 2**30:.1f} GiB of memory, "
            f"{free / 2**30:.1f} GiB is free: allowed a smaller population (population.workers.<occupation>=N)"
        )


def check_bounds(cfg) -> None:
    """Raise ConfigError for a value past the bound that keeps the integer money exact (any machine alike)."""
    seed = cfg.seed
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"seed = {seed!r} is out of range: allowed a whole number from 0 to 2**63-1 ({MAX_SEED})")
    counts = {name: int(count) for name, count in cfg.population.workers.items()}
    total, most = sum(counts.values()), max_workers(cfg)
    if total > most:
        name = max(counts, key=counts.get)
        raise ConfigError(
            f"population.workers.{name} = {counts[name]} gives {total} workers in all, more than {most}: "
            "allowed a total that keeps a month's pay exact in integer cents (below 2**53 cents)"
        )
    for kind in ("campaign", "ecommerce"):
        shoot = getattr(cfg.market.shoots, kind)
        for mode in ("human", "twin", "generic", "generated"):
            for occupation, value in (getattr(shoot, mode) or {}).items():
                if occupation not in cfg.occupations:
                    continue  # the schema names unknown occupations
                bound = max_recipe(cfg, occupation)
                if not math.isfinite(float(value)) or float(value) > bound:
                    raise ConfigError(
                        f"market.shoots.{kind}.{mode}.{occupation} = {value!r} is out of range: allowed 0 to "
                        f"{bound:.4g} workers per shoot-day (keeps a month's crew cost exact in integer cents)"
                    )
