"""Regulation as policy objects, each applied at named hooks of the month (as Covasim's interventions are).

A :class:`Policy` is in force from its ``start`` month. Its hooks take the value a decision would
have without it and return the value with it; the month's :class:`Rules` passes each decision
through every policy in force, in order. The hooks, in the order the month asks them:

- licensing: ``consent_required``, ``twin_pay_share`` (royalty per use as a share of the model's
  day rate), ``cross_brand_licensing``;
- mode choice: ``available_modes`` ([brand, shoot type, mode] mask, given each brand's segment code),
  ``disclosure_probability`` (chance consumers learn an image is AI);
- pay: ``levy`` (a :class:`Levy`: the share owed and the base it is charged on).

The regulation keys of the config (``regulation.consent_required``, ``royalty_floor``, ...) make
the built-in policies below; ``regulation.extra_rules`` adds any registered rule by name. A new
rule is one class with the :func:`rule` decorator plus its config entry; the model is not touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np

from sim.core.registry import SYNTHETIC


def month_number(month: str) -> int:
    """'YYYY-MM' as a month count, so that dates compare as integers."""
    year, mon = str(month).split("-")
    return int(year) * 12 + int(mon) - 1


class RuleError(ValueError):
    """An ``extra_rules`` entry that names no rule or gives it a wrong parameter; the message is one line."""


RULES: dict[str, type[Policy]] = {}  # every rule that a config can name, by name


def rule(name: str):
    """Class decorator: register a policy under ``name`` for ``regulation.extra_rules``."""

    def register(cls: type[Policy]) -> type[Policy]:
        cls.name = name
        RULES[name] = cls
        return cls

    return register


# a rule parameter's allowed values, in the config schema's words (sim.core.schema checks them with the config)
MONTH = {"month": True}
SHARE = {"range": (0.0, 1.0, False)}


@dataclass(frozen=True)
class Policy:
    """A rule in force from ``start`` ('YYYY-MM'); each hook returns its input unless the rule changes it.

    A rule's parameters are dataclass fields whose metadata says what values are allowed, as in the
    config schema; an ``extra_rules`` entry is checked against them before the model is built.
    """

    start: str = field(default="0001-01", metadata=MONTH)
    name: ClassVar[str] = ""

    def in_force(self, month: int) -> bool:
        return month >= month_number(self.start)

    # -- licensing hooks
    def consent_required(self, required: bool) -> bool:
        return required

    def twin_pay_share(self, share: float) -> float:
        return share

    def cross_brand_licensing(self, allowed: bool) -> bool:
        return allowed

    # -- mode-choice hooks
    def available_modes(self, modes: np.ndarray, segment: np.ndarray) -> np.ndarray:
        """``modes`` is the [brand, type, mode] mask; ``segment`` each brand's segment code."""
        return modes

    def disclosure_probability(self, probability: float) -> float:
        return probability

    # -- pay hook
    def levy(self, levy: Levy) -> Levy:
        return levy


@rule("consent_required")
@dataclass(frozen=True)
class ConsentRequired(Policy):
    """A twin needs the model's written consent (New York Fashion Workers Act)."""

    def consent_required(self, required: bool) -> bool:
        return True


@rule("royalty_floor")
@dataclass(frozen=True)
class RoyaltyFloor(Policy):
    """Each twin use pays at least ``floor`` x the model's day rate."""

    floor: float = field(default=0.0, metadata={"range": (0.0, 10.0, False)})  # as regulation.royalty_floor

    def twin_pay_share(self, share: float) -> float:
        return max(share, self.floor)


@rule("exclusive_licences")
@dataclass(frozen=True)
class ExclusiveLicences(Policy):
    """A model's twin may be licensed to one brand at a time."""

    def cross_brand_licensing(self, allowed: bool) -> bool:
        return False


@rule("disclosure_labels")
@dataclass(frozen=True)
class DisclosureLabels(Policy):
    """AI content must be labelled, so every consumer knows (EU AI Act art. 50)."""

    def disclosure_probability(self, probability: float) -> float:
        return 1.0


LEVY_BASES = ("vendor_fees", "human_cost_avoided")


@dataclass(frozen=True)
class Levy:
    """A levy of ``share`` on AI content: on the vendor's fees, or on what a human crew would have cost."""

    share: float = 0.0
    base: str = "vendor_fees"


@rule("ai_levy")
@dataclass(frozen=True)
class AILevy(Policy):
    """A levy of ``share`` on AI content (``base``: vendor_fees or human_cost_avoided), paid into the fund."""

    share: float = field(default=0.0, metadata=SHARE)
    base: str = field(default="vendor_fees", metadata={"choices": LEVY_BASES})

    def levy(self, levy: Levy) -> Levy:
        return Levy(self.share, self.base)


@rule("generic_ai_ban")
@dataclass(frozen=True)
class GenericAIBan(Policy):
    """No generic synthetic humans in ads; licensed twins stay allowed."""

    def available_modes(self, modes: np.ndarray, segment: np.ndarray) -> np.ndarray:
        modes[..., list(SYNTHETIC)] = False
        return modes


def make_rule(entry: Mapping[str, Any], where: str) -> Policy:
    """The policy an ``extra_rules`` entry describes: ``{rule: NAME, start: 'YYYY-MM', PARAMETER: VALUE ...}``."""
    if not isinstance(entry, Mapping):
        raise RuleError(
            f"{where} = {entry!r} is not a rule entry: allowed {{rule: NAME, start: 'YYYY-MM', ...}} with NAME one of "
            f"{', '.join(sorted(RULES))}"
        )
    settings = dict(entry)
    name = settings.pop("rule", None)
    if name not in RULES:
        raise RuleError(f"{where}.rule = {name!r} is not a rule: allowed {', '.join(sorted(RULES))}")
    cls = RULES[name]
    allowed = [spec.name for spec in fields(cls)]
    for key, value in settings.items():
        if key not in allowed:
            raise RuleError(
                f"{where}.{key} = {value!r}: {key!r} is not a parameter of rule {name!r}: allowed {', '.join(allowed)}"
            )
    return cls(**settings)


def policies(regulation: Any) -> tuple[Policy, ...]:
    """The policies a ``regulation`` config sets: its built-in keys, then its ``extra_rules`` in order."""
    start = regulation.start
    made: list[Policy] = []
    if regulation.consent_required:
        made.append(ConsentRequired(start))
    if regulation.royalty_floor:
        made.append(RoyaltyFloor(start, regulation.royalty_floor))
    if not regulation.cross_brand_licensing:
        made.append(ExclusiveLicences(start))
    if regulation.disclosure_required:
        made.append(DisclosureLabels(regulation.disclosure_start))
    if regulation.ai_levy:
        made.append(AILevy(start, regulation.ai_levy, regulation.ai_levy_base))
    if regulation.generic_ai_ban:
        made.append(GenericAIBan(start))
    for index, entry in enumerate(regulation.extra_rules):
        made.append(make_rule(entry, f"regulation.extra_rules[{index}]"))
    return tuple(made)


class Rules:
    """The rules in force in one month: each decision passed through every policy in force, in order."""

    def __init__(self, in_force: tuple[Policy, ...]) -> None:
        self.policies = in_force
        self.consent_required = self._fold("consent_required", False)
        self.cross_brand_licensing = self._fold("cross_brand_licensing", True)
        self.levy = self._fold("levy", Levy())

    def _fold(self, hook: str, value: Any, *context: Any) -> Any:
        for policy in self.policies:
            value = getattr(policy, hook)(value, *context)
        return value

    # -- licensing
    def twin_pay_share(self, offered_share: float) -> float:
        """Royalty per twin use as a share of the model's day rate: the offer, as the rules set it."""
        return self._fold("twin_pay_share", offered_share)

    def unconsented_use_allowed(self) -> bool:
        """Without a consent rule a refused brand may still use the likeness."""
        return not self.consent_required

    # -- mode choice
    def available_modes(self, adopted: np.ndarray, has_twin: np.ndarray, segment: np.ndarray) -> np.ndarray:
        """[brand, type, mode] mask of the modes each brand may use this month.

        ``adopted`` is per brand, ``has_twin`` per brand and shoot type (a licence for that type).
        """
        ai = np.broadcast_to(adopted[:, None], has_twin.shape)
        modes = np.stack([np.ones_like(ai), ai & has_twin, ai.copy(), ai.copy()], axis=-1)
        return self._fold("available_modes", modes, segment)

    def disclosure_probability(self, detection_share: float) -> float:
        """Chance consumers learn an image is AI: ``detection_share`` unless a rule says otherwise."""
        return self._fold("disclosure_probability", detection_share)

    # -- pay
    def levy_cents(self, vendor_cents: np.ndarray, human_cost_cents: np.ndarray) -> np.ndarray:
        """Levy owed on AI content, to the cent: a share of the vendor's fees or of the human cost avoided."""
        base = vendor_cents if self.levy.base == "vendor_fees" else human_cost_cents
        return np.rint(np.asarray(base) * self.levy.share).astype(np.int64)


def rules_in_force(all_policies: tuple[Policy, ...], month: int) -> Rules:
    """The rules that apply in ``month`` (a :func:`month_number`)."""
    return Rules(tuple(policy for policy in all_policies if policy.in_force(month)))
