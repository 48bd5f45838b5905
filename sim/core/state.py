"""What the stages of one month hand each other: the month's workforce and the :class:`Month` record.

Each field of :class:`Month` is written by one stage (named in its comment) and read by later
stages and by the reporters; nothing else carries state from stage to stage within a month.
Per-worker arrays (``rate``, ``days``, ``income``, ...) hold one value for each row of
``workforce.rows``, in the same order.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from sim.core.rules import Rules

# the month's flows by occupation: entries, exits (for any reason), retrained (entries from another occupation),
# displaced (exits for low income), to_ai (displaced who retrained as AI content producers), supported (displaced
# paid by the transition fund)
FLOWS = ("entries", "exits", "retrained", "displaced", "to_ai", "supported")


@dataclass
class Workforce:
    """The workers active when the month began, grouped by occupation and ascending by row within each."""

    rows: np.ndarray  # rows of the worker table, occupation by occupation
    sizes: np.ndarray  # workers of each occupation
    parts: list[slice]  # each occupation's part of ``rows`` (and of every per-worker array of the month)

    @classmethod
    def of(cls, active: np.ndarray, occupation: np.ndarray, occupations: int) -> Workforce:
        """Group the active rows of the worker table (``active`` mask, ``occupation`` codes)."""
        rows = np.flatnonzero(active)
        codes = occupation[rows]
        rows = rows[np.argsort(codes, kind="stable")]  # a counting sort of small codes: rows stay ascending in each
        sizes = np.bincount(codes, minlength=occupations).astype(np.int64)
        ends = np.cumsum(sizes)
        parts = [slice(int(end - size), int(end)) for end, size in zip(ends, sizes, strict=True)]
        return cls(rows, sizes, parts)

    def members(self, code: int) -> np.ndarray:
        """The rows of one occupation."""
        return self.rows[self.parts[code]]

    def per_worker(self, values: np.ndarray) -> np.ndarray:
        """A per-occupation value repeated for each worker."""
        return np.repeat(values, self.sizes)

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Exact integer sums by occupation of integer (or boolean) per-worker values."""
        assert values.dtype.kind in "biu", "sums adds integers exactly; it would cut floats"
        return np.array([values[part].sum(dtype=np.int64) for part in self.parts], dtype=np.int64)


@dataclass
class Month:
    """One month's state, stage by stage. Money is in integer cents unless a name says USD."""

    t: int  # the month's step, from 0
    rules: Rules  # the rules in force
    workforce: Workforce
    # begin: prices as the month opens
    rate: np.ndarray  # day rate of each worker, USD
    capacity: np.ndarray  # days each worker can work
    cost_per_image: float  # USD of one AI image
    quality_gap: float  # shortfall of generic AI images' quality (0 = human)
    mean_rate: np.ndarray  # mean day rate by occupation, USD
    crew_cost: np.ndarray  # USD per shoot-day of a human crew [type, mode], agency fees included
    image_cost: np.ndarray  # USD of a shoot-day's AI images [type], levy included
    ledger: dict[str, int]  # the month's money flows (sim.core.reporters.LEDGER)
    flows: dict[str, np.ndarray] = field(default_factory=dict)  # FLOWS by occupation
    # choose_modes
    shoots: np.ndarray | None = None  # shoot-days [brand, type, mode]
    diversity: np.ndarray | None = None  # share of underrepresented faces [brand, type, mode]
    # book_crews
    crews: np.ndarray | None = None  # worker-days needed [occupation, brand, mode]
    needed: np.ndarray | None = None  # worker-days asked [occupation, brand]
    cost: np.ndarray | None = None  # what each brand paid each occupation [occupation, brand]
    rate_cents: np.ndarray | None = None  # day rate of each worker, cents
    days: np.ndarray | None = None  # days booked, each worker
    unfilled: np.ndarray | None = None  # worker-days asked and not booked, by occupation
    # pay
    income: np.ndarray | None = None  # net income of each worker, royalties included
    royalty_earners: np.ndarray | None = None  # positions in workforce.rows of the workers paid a royalty
    # adjust
    income_cents: np.ndarray | None = None  # net income by occupation

    @functools.cached_property
    def shoots_by_type(self) -> np.ndarray:
        """Shoot-days [type, mode] over all brands (once choose_modes has run)."""
        return self.shoots.sum(axis=0)
