"""The names the model is built from: segments, shoot types, modes, roles, and a config's occupations.

Segments, shoot types and modes are the model's structure and fixed here. Occupations are data:
each entry of ``occupations:`` in the config names one and gives its ``role``, and
:class:`Occupations` turns them into the integer codes the arrays use, in config order. Adding an
occupation is config alone: its entry under ``occupations:``, its head count under
``population.workers`` and its place in the crew recipes (``market.shoots``); a line in LABELS
gives it a nicer name in figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SEGMENTS = ("luxury", "fast_fashion", "ecommerce")  # kinds of brand
SHOOT_TYPES = ("campaign", "ecommerce")  # hero campaigns and catalogue (e-commerce) images
# how a shoot's images are made: a human shoot; a licensed digital twin of a real model; generic synthetic
# models put on garments photographed on a mannequin or flat (on-model generation); or fully generated images
MODES = ("human", "twin", "generic", "generated")
HUMAN, TWIN, GENERIC, GENERATED = range(len(MODES))
SYNTHETIC = (GENERIC, GENERATED)  # the modes that show generic synthetic humans
ROLES = ("model", "crew", "ai_producer")  # a face on the images, a shoot's crew, or the AI workflow's operator

# display names of the shipped occupations; another occupation is named from its key
LABELS = {
    "top_model": "Top models",
    "ecommerce_model": "E-commerce models",
    "photographer": "Photographers",
    "stylist": "Stylists",
    "makeup_artist": "Make-up artists",
    "ai_content_producer": "AI content producers",
}
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")


def label(occupation: str) -> str:
    """The occupation's name for people: 'Top models', or 'Retouchers' for a key ``retoucher``."""
    return LABELS.get(occupation) or occupation.replace("_", " ").capitalize() + "s"


def colour(occupation: str, position: int) -> str:
    """A colour-blind-safe colour (Okabe-Ito) for the occupation at this position of the table."""
    return OKABE_ITO[position % len(OKABE_ITO)]


class RegistryError(ValueError):
    """The occupations of a config do not fit the model's roles; the message is one line."""


class _Entry:
    """An occupation's config entry read the same way whether it is an object or a mapping."""

    def __init__(self, entry: Any) -> None:
        get = entry.get if isinstance(entry, Mapping) else lambda key, default: getattr(entry, key, default)
        self.role = get("role", None)
        self.shoot_type = get("shoot_type", None)
        self.licenses_twins = bool(get("licenses_twins", False))


@dataclass(frozen=True)
class Occupations:
    """A config's occupations as codes: position ``code`` in ``names`` is the code in every array."""

    names: tuple[str, ...]
    roles: tuple[str, ...]
    faces: tuple[int, ...]  # per shoot type: the model occupation whose faces its images show
    twin_models: tuple[int, ...]  # the occupations whose models can license digital twins
    crew: tuple[int, ...]
    ai_producer: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Occupations:
        """Codes from the ``occupations:`` config (entries with ``role``, ``shoot_type``, ``licenses_twins``).

        The entries may be schema objects or plain mappings (a run's saved config).
        """
        occupations = {name: _Entry(entry) for name, entry in config.items()}
        names = tuple(occupations)
        roles = tuple(occupations[name].role for name in names)
        for name, role in zip(names, roles, strict=True):
            if role not in ROLES:
                raise RegistryError(f"occupations.{name}.role = {role!r} is not a role: allowed {', '.join(ROLES)}")
        faces = []
        for kind in SHOOT_TYPES:
            showing = [code for code, name in enumerate(names) if roles[code] == "model"
                       and occupations[name].shoot_type == kind]  # fmt: skip
            if len(showing) != 1:
                shown = ", ".join(names[code] for code in showing) or "none"
                raise RegistryError(
                    f"occupations: {kind} shoots show the faces of {shown}: allowed exactly one occupation "
                    f"with role: model and shoot_type: {kind}"
                )
            faces.append(showing[0])
        for code, name in enumerate(names):
            kind = occupations[name].shoot_type
            if kind is not None and (roles[code] != "model" or kind not in SHOOT_TYPES):
                raise RegistryError(
                    f"occupations.{name}.shoot_type = {kind!r}: allowed {', '.join(SHOOT_TYPES)} for role: model, "
                    "none (null) for the other roles"
                )
        twins = tuple(code for code, name in enumerate(names) if occupations[name].licenses_twins)
        for code in twins:
            if roles[code] != "model":
                raise RegistryError(
                    f"occupations.{names[code]}.licenses_twins = true: allowed only for role: model, not {roles[code]}"
                )
        producers = [code for code, role in enumerate(roles) if role == "ai_producer"]
        if len(producers) != 1:
            raise RegistryError(
                f"occupations: {len(producers)} occupations have role: ai_producer: allowed exactly one"
            )
        crew = tuple(code for code, role in enumerate(roles) if role == "crew")
        return cls(names, roles, tuple(faces), twins, crew, producers[0])

    def __len__(self) -> int:
        return len(self.names)

    def code(self, name: str) -> int:
        return self.names.index(name)

    @property
    def crew_names(self) -> tuple[str, ...]:
        return tuple(self.names[code] for code in self.crew)
