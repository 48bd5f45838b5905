"""Config schema: dataclasses behind every YAML group, and range checks done once at start.

The numbers live in the YAML files under ``configs/`` (each with its unit and source); this
module holds only types and allowed ranges. Hydra rejects a misspelt key or a wrong type while
composing; :func:`validate` rejects an out-of-range value before the model is built.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, get_type_hints

from omegaconf import MISSING, DictConfig, OmegaConf

OCCUPATIONS = (
    "top_model",
    "ecommerce_model",
    "photographer",
    "stylist",
    "makeup_artist",
    "ai_content_producer",
)
CREW = ("photographer", "stylist", "makeup_artist")
SEGMENTS = ("luxury", "fast_fashion", "ecommerce")
SHOOT_TYPES = ("campaign", "ecommerce")
MODES = ("human", "twin", "generic")


class ConfigError(ValueError):
    """A config value outside its allowed range; the message is one line for the user."""


def _range(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False) -> dict:
    return {"range": (lo, hi, lo_open)}


SHARE = _range(0.0, 1.0)
NONNEG = _range(0.0)
POSITIVE = _range(0.0, lo_open=True)
MONTH = {"month": True}


def param(meta: dict, default: Any = MISSING) -> Any:
    """A schema field: its value comes from YAML (MISSING here), its allowed range from ``meta``."""
    return field(default=default, metadata=meta)


@dataclass
class PopulationConfig:
    name: str = MISSING
    top_model: int = param(NONNEG)
    ecommerce_model: int = param(NONNEG)
    photographer: int = param(NONNEG)
    stylist: int = param(NONNEG)
    makeup_artist: int = param(NONNEG)
    ai_content_producer: int = param(NONNEG)
    luxury_brands: int = param(NONNEG)
    fast_fashion_brands: int = param(NONNEG)
    ecommerce_brands: int = param(NONNEG)


@dataclass
class AIConfig:
    name: str = MISSING
    cost_per_image: float = param(POSITIVE)
    cost_decline: float = param(_range(0.0, 0.99))
    quality_gap: float = param(SHARE)
    quality_half_life: float = param(POSITIVE)
    quality_gap_floor: float = param(SHARE)
    adoption_p: float = param(SHARE)
    adoption_q: float = param(SHARE)
    adoption_cost: float = param(NONNEG)


@dataclass
class RegulationConfig:
    name: str = MISSING
    start: str = param(MONTH)
    consent_required: bool = MISSING
    royalty_floor: float = param(_range(0.0, 10.0))
    cross_brand_licensing: bool = MISSING
    disclosure_required: bool = MISSING
    disclosure_start: str = param(MONTH)
    ai_levy: float = param(SHARE)
    generic_ai_ban: bool = MISSING


@dataclass
class SegmentConfig:
    campaign_days: float = param(NONNEG)
    ecommerce_days: float = param(NONNEG)
    cost_scale: float = param(POSITIVE)
    quality_weight: float = param(NONNEG)
    backlash: float = param(NONNEG)
    diversity_weight: float = param(NONNEG)


@dataclass
class SegmentsConfig:
    luxury: SegmentConfig = field(default_factory=SegmentConfig)
    fast_fashion: SegmentConfig = field(default_factory=SegmentConfig)
    ecommerce: SegmentConfig = field(default_factory=SegmentConfig)


@dataclass
class CrewRecipe:
    """Workers booked per shoot-day, by occupation; fractions are drawn (randomised rounding), never rounded away."""

    top_model: float = param(NONNEG, 0.0)
    ecommerce_model: float = param(NONNEG, 0.0)
    photographer: float = param(NONNEG, 0.0)
    stylist: float = param(NONNEG, 0.0)
    makeup_artist: float = param(NONNEG, 0.0)
    ai_content_producer: float = param(NONNEG, 0.0)


@dataclass
class ShootConfig:
    images: float = param(POSITIVE)
    quality_emphasis: float = param(NONNEG)
    human: CrewRecipe = field(default_factory=CrewRecipe)
    twin: CrewRecipe = field(default_factory=CrewRecipe)
    generic: CrewRecipe = field(default_factory=CrewRecipe)


@dataclass
class ShootsConfig:
    campaign: ShootConfig = field(default_factory=ShootConfig)
    ecommerce: ShootConfig = field(default_factory=ShootConfig)


@dataclass
class MarketConfig:
    segments: SegmentsConfig = field(default_factory=SegmentsConfig)
    shoots: ShootsConfig = field(default_factory=ShootsConfig)
    brand_size_dispersion: float = param(NONNEG)
    demand_growth: float = param(_range(-0.5, 1.0))
    season_amplitude: float = param(SHARE)
    agency_commission: float = param(SHARE)
    agency_client_fee: float = param(SHARE)
    twin_royalty_offer: float = param(_range(0.0, 10.0))
    twin_reservation: float = param(_range(0.0, 10.0))
    twin_gap_share: float = param(SHARE)
    license_months: int = param(_range(1.0))
    unconsented_use_prob: float = param(SHARE)
    unconsented_pay_share: float = param(SHARE)
    detection_share: float = param(SHARE)
    ai_diversity: float = param(SHARE)
    underrepresented_share: float = param(SHARE)
    reputation_weight: float = param(NONNEG)
    price_weight: float = param(NONNEG)
    job_days: int = param(_range(1.0))
    rate_adjustment: float = param(SHARE)
    income_window: int = param(_range(1.0, 60.0))
    exit_rate: float = param(SHARE)
    entry_rate: float = param(SHARE)
    retrain_prob: float = param(SHARE)
    retrain_prob_supported: float = param(SHARE)
    retraining_grant: float = param(NONNEG)


@dataclass
class OccupationConfig:
    day_rate: float = param(POSITIVE)
    rate_dispersion: float = param(_range(0.0, 3.0))
    rate_floor: float = param(POSITIVE)
    rate_ceiling: float = param(POSITIVE)
    capacity: int = param(_range(1.0, 31.0))
    target_utilisation: float = param(_range(0.0, 1.0, lo_open=True))
    outside_option: float = param(NONNEG)
    entry_income: float = param(NONNEG)
    commissioned: bool = MISSING


@dataclass
class OccupationsConfig:
    top_model: OccupationConfig = field(default_factory=OccupationConfig)
    ecommerce_model: OccupationConfig = field(default_factory=OccupationConfig)
    photographer: OccupationConfig = field(default_factory=OccupationConfig)
    stylist: OccupationConfig = field(default_factory=OccupationConfig)
    makeup_artist: OccupationConfig = field(default_factory=OccupationConfig)
    ai_content_producer: OccupationConfig = field(default_factory=OccupationConfig)


@dataclass
class OutputConfig:
    """What a run writes besides the aggregated tables."""

    agent_records: bool = False  # one row per worker per month in agents.parquet


@dataclass
class ParameterRange:
    """One input of a sensitivity design: a config key and its range (log-uniform if ``log``)."""

    key: str = MISSING
    low: float = MISSING
    high: float = MISSING
    log: bool = False


@dataclass
class SensitivityConfig:
    """Set only by ``experiment=sensitivity``: which Saltelli design point this run is."""

    base_samples: int = param(_range(1.0))
    design_seed: int = param(NONNEG)
    point: int = param(NONNEG)
    apply: str = "sim.science.sensitivity.apply_point"  # the function that gives a job its design point's values
    parameters: list[ParameterRange] = field(default_factory=list)


@dataclass
class SimConfig:
    seed: int = param(NONNEG)
    steps: int = param(_range(1.0, 1200.0))
    start: str = param(MONTH)
    scenario_name: str = MISSING  # set by the chosen configs/scenario/NAME.yaml
    population: PopulationConfig = field(default_factory=PopulationConfig)
    ai: AIConfig = field(default_factory=AIConfig)
    regulation: RegulationConfig = field(default_factory=RegulationConfig)
    market: MarketConfig = field(default_factory=MarketConfig)
    occupations: OccupationsConfig = field(default_factory=OccupationsConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    sensitivity: SensitivityConfig | None = None


_MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _describe(lo: float | None, hi: float | None, lo_open: bool) -> str:
    low = "" if lo is None else f"{lo:g} {'<' if lo_open else '<='} "
    high = "" if hi is None else f" <= {hi:g}"
    if lo is not None and hi is None:
        return f"a number {'>' if lo_open else '>='} {lo:g}"
    return f"{low}value{high}"


def _check(node: Any, path: str) -> None:
    for spec in fields(node):
        key = f"{path}{spec.name}"
        value = getattr(node, spec.name)
        if is_dataclass(value):
            _check(value, key + ".")
            continue
        if "month" in spec.metadata and not _MONTH_PATTERN.match(str(value)):
            raise ConfigError(f"{key} = {value!r} is not a month: allowed 'YYYY-MM', e.g. '2025-06'")
        if "range" not in spec.metadata:
            continue
        lo, hi, lo_open = spec.metadata["range"]
        bad = isinstance(value, float) and not math.isfinite(value)
        bad = bad or (lo is not None and (value <= lo if lo_open else value < lo))
        bad = bad or (hi is not None and value > hi)
        if bad:
            raise ConfigError(f"{key} = {value!r} is out of range: allowed {_describe(lo, hi, lo_open)}")


def validate(cfg: SimConfig) -> SimConfig:
    """Check every range and the cross-field rules; raise ConfigError with one line if one fails."""
    _check(cfg, "")
    pop = cfg.population
    if sum(getattr(pop, occupation) for occupation in OCCUPATIONS) == 0:
        raise ConfigError(
            f"population ({pop.name}) has no workers: at least one of "
            f"population.{{{','.join(OCCUPATIONS)}}} must be >= 1"
        )
    if pop.luxury_brands + pop.fast_fashion_brands + pop.ecommerce_brands == 0:
        raise ConfigError(
            f"population ({pop.name}) has no brands: at least one of population.luxury_brands, "
            "population.fast_fashion_brands, population.ecommerce_brands must be >= 1"
        )
    if cfg.ai.quality_gap_floor > cfg.ai.quality_gap:
        raise ConfigError(
            f"ai.quality_gap_floor = {cfg.ai.quality_gap_floor:g} is above ai.quality_gap = {cfg.ai.quality_gap:g}: "
            "allowed quality_gap_floor <= quality_gap"
        )
    for occupation in OCCUPATIONS:
        occ = getattr(cfg.occupations, occupation)
        if occ.rate_floor > occ.rate_ceiling:
            raise ConfigError(
                f"occupations.{occupation}.rate_floor = {occ.rate_floor:g} is above rate_ceiling "
                f"= {occ.rate_ceiling:g}: allowed rate_floor <= rate_ceiling"
            )
        if occ.entry_income < occ.outside_option:
            raise ConfigError(
                f"occupations.{occupation}.entry_income = {occ.entry_income:g} is below outside_option "
                f"= {occ.outside_option:g}: allowed entry_income >= outside_option"
            )
    return cfg


def _schema_node(path: str) -> tuple[type | None, dict]:
    """The schema type at a dotted path (None if there is none) and its field's metadata."""
    node: Any = SimConfig
    meta: dict = {}
    for part in filter(None, path.split(".")):
        if not is_dataclass(node):
            return None, {}
        spec = {f.name: f for f in fields(node)}.get(part)
        if spec is None:
            return None, {}
        node, meta = get_type_hints(node)[part], dict(spec.metadata)
    return node, meta


def describe_type(path: str) -> str:
    """What a key accepts, in words: 'a whole number, 1 <= value <= 1200'."""
    kind, meta = _schema_node(path)
    words = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}.get(kind, "a value")
    if "month" in meta:
        return "a month 'YYYY-MM'"
    if "range" in meta:
        bounds = _describe(*meta["range"])
        return words + bounds.removeprefix("a number") if bounds.startswith("a number") else f"{words}, {bounds}"
    return words


def unknown_key(path: str, value: Any = None, where: str = "", given: str | None = None) -> ConfigError:
    """The error for a key the schema does not have, with the close matches and the keys allowed."""
    parent, _, name = path.rpartition(".")
    node, _ = _schema_node(parent)
    allowed = [spec.name for spec in fields(node)] if node is not None and is_dataclass(node) else []
    shown = given or path
    head = f"{shown} = {value}" if value is not None else shown
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    group = f"a key of {parent}" if parent else "a top-level key"
    return ConfigError(f"{head}{where}: {name!r} is not {group}{hint}: allowed {', '.join(allowed)}")


def _reject_unknown(node: DictConfig, schema: type, path: str) -> None:
    """Raise for a key added under a schema group (``+ai.adoption_rat=0.1``), which Hydra allows."""
    hints = get_type_hints(schema)
    for key in node:
        if key not in hints:
            value = node[key]
            raise unknown_key(f"{path}{key}", OmegaConf.to_container(value) if isinstance(value, DictConfig) else value)
        if is_dataclass(hints[key]) and isinstance(node[key], DictConfig):
            _reject_unknown(node[key], hints[key], f"{path}{key}.")


def to_schema(cfg: DictConfig | dict) -> SimConfig:
    """Turn a composed Hydra config (or a plain dict) into a validated ``SimConfig``.

    Keys outside the schema (for example Hydra's own or an experiment's bookkeeping) are
    ignored here; Hydra has already rejected misspelt keys inside the schema's groups.
    """
    if not isinstance(cfg, DictConfig):
        cfg = OmegaConf.create(cfg)
    known = {spec.name for spec in fields(SimConfig)}
    plain = {key: cfg[key] for key in cfg if key in known}
    merged = OmegaConf.merge(OmegaConf.structured(SimConfig), plain)
    hints = get_type_hints(SimConfig)
    for key in plain:
        if is_dataclass(hints[key]):
            _reject_unknown(merged[key], hints[key], f"{key}.")
    missing = sorted(OmegaConf.missing_keys(merged))
    if missing:
        raise ConfigError(f"{missing[0]} has no value: set it in a config file or on the command line")
    return validate(OmegaConf.to_object(merged))
