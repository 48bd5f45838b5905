"""Mesa agents as views over arrays owned by the model.

The market reads and writes whole arrays (``model.workers``, ``model.brands``) once per step;
an agent object holds only its row index, so ``model.agents_by_type[EcommerceModel]`` works
without the market ever looping over agent objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.core.registry import SEGMENTS

if TYPE_CHECKING:
    from sim.core.model import FashionMarket


class Table:
    """Column arrays of one kind of entity, grown by doubling when rows are appended.

    Columns with more than one value per row are stored column-major (Fortran order), so one
    month of a history (the column written each month) is contiguous.
    """

    def __init__(self, columns: dict[str, tuple[np.dtype, tuple[int, ...]]], size: int = 0) -> None:
        self._spec = columns
        self.size = 0
        self._capacity = max(size, 16)
        for name, (dtype, shape) in columns.items():
            setattr(self, name, np.zeros((self._capacity, *shape), dtype=dtype, order="F"))

    def append(self, count: int) -> np.ndarray:
        """Reserve ``count`` zeroed rows and return their indices."""
        needed = self.size + count
        if needed > self._capacity:
            self._capacity = max(needed, 2 * self._capacity)
            for name, (dtype, shape) in self._spec.items():
                grown = np.zeros((self._capacity, *shape), dtype=dtype, order="F")
                grown[: self.size] = getattr(self, name)[: self.size]
                setattr(self, name, grown)
        rows = np.arange(self.size, needed)
        self.size = needed
        return rows

    def view(self, name: str) -> np.ndarray:
        """The live rows of one column (a view, no copy)."""
        return getattr(self, name)[: self.size]


def worker_table(income_window: int, size: int) -> Table:
    """The workers' state: one row per worker who ever entered, active or not."""
    return Table(
        {
            "occupation": (np.int8, ()),
            "active": (np.bool_, ()),
            "day_rate": (np.float64, ()),
            "capacity": (np.int32, ()),
            "reputation": (np.float64, ()),
            "willingness": (np.float64, ()),
            "underrepresented": (np.bool_, ()),
            "first_month": (np.int32, ()),  # the step of her first month in the occupation
            "cohort": (np.int8, ()),  # the occupation she was in at the start (an incumbent), else -1
            "income_history": (np.int64, (income_window,)),  # net income of the last months, cents
            "income_window_sum": (np.int64, ()),  # the same months added up, kept as months come and go
            "days_history": (np.int8, (income_window,)),  # days worked in the same months
            "days_window_sum": (np.int32, ()),  # ... added up
            "days_worked": (np.int32, ()),
            "income": (np.int64, ()),  # net income this month, cents
            "royalties": (np.int64, ()),  # net twin royalties this month, cents
        },
        size,
    )


def brand_table(size: int) -> Table:
    """The brands' state: one row per brand."""
    return Table(
        {
            "segment": (np.int8, ()),
            "campaign_base": (np.float64, ()),
            "ecommerce_base": (np.float64, ()),
            "campaign_demand": (np.int64, ()),
            "ecommerce_demand": (np.int64, ()),
            "adopted": (np.bool_, ()),
            # a twin licence per shoot type (campaign, e-commerce): the model's worker row (-1 if none),
            # cents paid to her per use, whether she consented, the step after which it lapses
            "license_model": (np.int64, (2,)),
            "license_royalty": (np.int64, (2,)),
            "license_consented": (np.bool_, (2,)),
            "license_expires": (np.int64, (2,)),
        },
        size,
    )


class Worker(mesa.Agent):
    """A freelance worker; occupations differ only by ``occupation`` and their config.

    A worker who exits stays registered with the model, with ``status == "exited"`` and her row
    (income history included) kept: status is part of a worker's state (docs/design.md section 3).
    The active ones of an occupation: ``model.agents_by_type[cls].select(lambda a: a.status == "active")``.
    """

    occupation: str = ""

    def __init__(self, model: FashionMarket, row: int) -> None:
        super().__init__(model)
        self.row = row

    def _get(self, column: str):
        return getattr(self.model.workers, column)[self.row]

    @property
    def day_rate(self) -> float:
        return float(self._get("day_rate"))

    @property
    def capacity(self) -> int:
        return int(self._get("capacity"))

    @property
    def reputation(self) -> float:
        return float(self._get("reputation"))

    @property
    def underrepresented(self) -> bool:
        """Whether she belongs to a group underrepresented among models (the ``group`` state)."""
        return bool(self._get("underrepresented"))

    @property
    def status(self) -> str:
        return "active" if self._get("active") else "exited"

    @property
    def income_history(self) -> np.ndarray:
        """Net monthly income (USD) over the last ``income_window`` months, oldest first."""
        history = self._get("income_history")
        return np.roll(history, -(self.model.steps % history.shape[0])) / 100.0


class FashionModel(Worker):
    """A model: her face sells one shoot type's images, and her digital twin can be licensed to brands."""

    @property
    def twin_consent_willingness(self) -> float:
        return float(self._get("willingness"))

    @property
    def licensees(self) -> list[int]:
        """Rows of the brands currently licensing her twin."""
        return [int(b) for b in np.flatnonzero((self.model.brands.view("license_model") == self.row).any(axis=1))]

    @property
    def twin_licensed(self) -> bool:
        """Whether a brand holds her consented licence."""
        brands = self.model.brands
        mine = brands.view("license_model") == self.row
        return bool(np.any(mine & brands.view("license_consented")))


class TopModel(FashionModel):
    occupation = "top_model"


class EcommerceModel(FashionModel):
    occupation = "ecommerce_model"


class Photographer(Worker):
    occupation = "photographer"


class Stylist(Worker):
    occupation = "stylist"


class MakeupArtist(Worker):
    occupation = "makeup_artist"


class AIContentProducer(Worker):
    occupation = "ai_content_producer"


WORKER_CLASSES: dict[str, type[Worker]] = {
    cls.occupation: cls for cls in (TopModel, EcommerceModel, Photographer, Stylist, MakeupArtist, AIContentProducer)
}


def worker_class(occupation: str, role: str = "crew") -> type[Worker]:
    """The agent class of an occupation; an occupation added in config gets one made (and kept) on first use."""
    if occupation not in WORKER_CLASSES:
        name = "".join(part.capitalize() for part in occupation.split("_"))
        base = FashionModel if role == "model" else Worker
        WORKER_CLASSES[occupation] = type(name, (base,), {"occupation": occupation, "__module__": __name__})
    return WORKER_CLASSES[occupation]


class Brand(mesa.Agent):
    """A brand that needs photo content every month and chooses how to make it."""

    def __init__(self, model: FashionMarket, row: int) -> None:
        super().__init__(model)
        self.row = row

    def _get(self, column: str):
        return getattr(self.model.brands, column)[self.row]

    @property
    def segment(self) -> str:
        return SEGMENTS[int(self._get("segment"))]

    @property
    def demand(self) -> dict[str, int]:
        """This month's shoot-days by shoot type."""
        return {
            "campaign": int(self._get("campaign_demand")),
            "ecommerce": int(self._get("ecommerce_demand")),
        }

    @property
    def ai_adopted(self) -> bool:
        return bool(self._get("adopted"))
