"""Regulation as rules in force at a date, each applied at a named hook of the monthly step.

Hooks, in step order: ``licensing`` (consent, royalty floor, cross-brand licences), ``mode
choice`` (ban, disclosure), ``pay`` (levy). The model asks :func:`rules_in_force` once a month and
calls the hook methods; nothing else in the model reads the regulation config.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.schema import RegulationConfig


def month_number(month: str) -> int:
    """'YYYY-MM' as a month count, so that dates compare as integers."""
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


@dataclass(frozen=True)
class Rules:
    """The regulation in force in one month."""

    consent_required: bool = False
    royalty_floor: float = 0.0
    cross_brand_licensing: bool = True
    disclosure_required: bool = False
    ai_levy: float = 0.0
    generic_ai_ban: bool = False

    # -- licensing hook ------------------------------------------------------------------
    def twin_pay_share(self, offered_share: float) -> float:
        """Royalty per twin use as a share of the model's day rate: the offer, at least the floor."""
        return max(offered_share, self.royalty_floor)

    def unconsented_use_allowed(self) -> bool:
        """Without a consent rule a refused brand may still use the likeness."""
        return not self.consent_required

    # -- mode-choice hook ----------------------------------------------------------------
    def available_modes(self, adopted: np.ndarray, has_twin: np.ndarray) -> np.ndarray:
        """(brands, 3) mask of human, twin and generic modes a brand may use this month."""
        human = np.ones_like(adopted, dtype=bool)
        generic = adopted & (not self.generic_ai_ban)
        return np.stack([human, adopted & has_twin, generic], axis=-1)

    def disclosure_probability(self, detection_share: float) -> float:
        """Chance consumers learn an image is AI: 1 where labels are required."""
        return 1.0 if self.disclosure_required else detection_share

    # -- pay hook ------------------------------------------------------------------------
    def levy_cents(self, ai_spend_cents: np.ndarray) -> np.ndarray:
        """Levy owed on AI content spend, to the cent."""
        return np.rint(np.asarray(ai_spend_cents) * self.ai_levy).astype(np.int64)


def rules_in_force(regulation: RegulationConfig, month: int) -> Rules:
    """The rules that apply in ``month`` (a :func:`month_number`)."""
    started = month >= month_number(regulation.start)
    labelled = month >= month_number(regulation.disclosure_start)
    if not started:
        return Rules(disclosure_required=regulation.disclosure_required and labelled)
    return Rules(
        consent_required=regulation.consent_required,
        royalty_floor=regulation.royalty_floor,
        cross_brand_licensing=regulation.cross_brand_licensing,
        disclosure_required=regulation.disclosure_required and labelled,
        ai_levy=regulation.ai_levy,
        generic_ai_ban=regulation.generic_ai_ban,
    )
