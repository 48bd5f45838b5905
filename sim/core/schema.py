"""Config schema: dataclasses behind every YAML group, and range checks done once at start.

The numbers live in the YAML files under ``configs/`` (each with its unit and source); this
module holds only types and allowed ranges. Hydra rejects a misspelt key or a wrong type while
composing; :func:`validate` rejects an out-of-range value before the model is built.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, get_args, get_origin, get_type_hints

from omegaconf import MISSING, DictConfig, OmegaConf

from sim.core.registry import LABELS, ROLES, SHOOT_TYPES, Occupations, RegistryError
from sim.core.rules import RULES, RuleError, policies


class ConfigError(ValueError):
    """A config value outside its allowed range; the message is one line for the user.

    ``key`` is the value's dotted key when one value is at fault, so the runner can name the file that set it.
    """

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


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
    # head count of each occupation at the start; a table keyed by occupation, each value checked by its metadata
    workers: dict[str, int] = field(default_factory=dict, metadata={**NONNEG, "keys": "occupation"})
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
    ai_levy_base: str = param({"choices": ("vendor_fees", "human_cost_avoided")}, "vendor_fees")
    generic_ai_ban: bool = MISSING
    # more rules by name (sim.core.rules.RULES), e.g. [{rule: generic_ai_ban, start: "2027-01"}]
    extra_rules: list[dict[str, Any]] = field(default_factory=list, metadata={"entries": "rule"})


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
class ShootConfig:
    """One shoot type; each mode's crew recipe is workers booked per shoot-day by occupation (0 if not listed).

    Fractions are drawn (randomised rounding), never rounded away.
    """

    images: float = param(POSITIVE)
    quality_emphasis: float = param(NONNEG)
    human: dict[str, float] = field(default_factory=dict, metadata=NONNEG)
    twin: dict[str, float] = field(default_factory=dict, metadata=NONNEG)
    generic: dict[str, float] = field(default_factory=dict, metadata=NONNEG)
    generated: dict[str, float] = field(default_factory=dict, metadata=NONNEG)


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
    generated_gap_share: float = param(_range(1.0, 10.0))
    content_elasticity: float = param(_range(0.0, 3.0))
    content_demand_cap: float = param(_range(1.0, 20.0))
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
    rate_rigidity: float = param(SHARE)
    income_window: int = param(_range(1.0, 60.0))
    exit_rate: float = param(SHARE)
    entry_response: float = param(_range(0.0, 10.0))
    retrain_prob: float = param(SHARE)
    retrain_prob_supported: float = param(SHARE)
    retraining_grant: float = param(NONNEG)
    income_support: float = param(NONNEG)


@dataclass
class OccupationConfig:
    role: str = param({"choices": ROLES})
    shoot_type: str | None = None  # for a model: the shoot type whose images show her face
    licenses_twins: bool = False  # a model of hers can license her digital twin to brands
    day_rate: float = param(POSITIVE)
    rate_dispersion: float = param(_range(0.0, 3.0))
    rate_floor: float = param(POSITIVE)
    rate_ceiling: float = param(POSITIVE)
    capacity: int = param(_range(1.0, 31.0))
    target_utilisation: float = param(_range(0.0, 1.0, lo_open=True))
    outside_option: float = param(NONNEG)
    entry_income: float = param(NONNEG)
    attrition: float = param(SHARE)
    commissioned: bool = MISSING


@dataclass
class OutputConfig:
    """What a run writes besides the aggregated tables."""

    agent_records: bool = False  # one row per worker per month in agents.parquet
    figures: bool | None = None  # None: a single run draws figures/, a -m sweep's jobs do not


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
    description: str = ""  # the scenario's one-line plain-language summary (report, --help); free text
    population: PopulationConfig = field(default_factory=PopulationConfig)
    ai: AIConfig = field(default_factory=AIConfig)
    regulation: RegulationConfig = field(default_factory=RegulationConfig)
    market: MarketConfig = field(default_factory=MarketConfig)
    occupations: dict[str, OccupationConfig] = field(default_factory=dict)  # in table order
    output: OutputConfig = field(default_factory=OutputConfig)
    sensitivity: SensitivityConfig | None = None


_MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _describe(lo: float | None, hi: float | None, lo_open: bool) -> str:
    low = "" if lo is None else f"{lo:g} {'<' if lo_open else '<='} "
    high = "" if hi is None else f" <= {hi:g}"
    if lo is not None and hi is None:
        return f"a number {'>' if lo_open else '>='} {lo:g}"
    return f"{low}value{high}"


def _check_value(key: str, value: Any, meta: dict) -> None:
    """Raise ConfigError if one value breaks its field's month format, choices or range (a whole number's range
    in those words: the value is an int only for the int fields, which Hydra has checked)."""
    if "month" in meta and not _MONTH_PATTERN.match(str(value)):
        raise ConfigError(f"{key} = {value!r} is not a month: allowed 'YYYY-MM', e.g. '2025-06'", key=key)
    if "choices" in meta and value not in meta["choices"]:
        raise ConfigError(f"{key} = {value!r} is not allowed: allowed {', '.join(meta['choices'])}", key=key)
    if "range" not in meta:
        return
    lo, hi, lo_open = meta["range"]
    bad = isinstance(value, float) and not math.isfinite(value)
    bad = bad or (lo is not None and (value <= lo if lo_open else value < lo))
    bad = bad or (hi is not None and value > hi)
    if bad:
        allowed = _describe(lo, hi, lo_open)
        if isinstance(value, int) and not isinstance(value, bool):
            allowed = allowed.replace("a number", "a whole number")
        if hi is not None and hi <= 1 and 2 <= value <= 100:  # a share written as a percentage
            allowed += f" (a share: {value:g}% is {value / 100:g})"
        raise ConfigError(f"{key} = {value!r} is out of range: allowed {allowed}", key=key)


def _check(node: Any, path: str) -> None:
    for spec in fields(node):
        key = f"{path}{spec.name}"
        value = getattr(node, spec.name)
        if is_dataclass(value):
            _check(value, key + ".")
        elif isinstance(value, dict):  # a table keyed by name: each entry checked as the field says
            kind = (get_args(get_type_hints(type(node))[spec.name]) or (None, None))[1]
            for name, item in value.items():
                if is_dataclass(item):
                    _check(item, f"{key}.{name}.")
                    continue
                if kind in (int, float) and not (isinstance(item, kind | int) and not isinstance(item, bool)):
                    # a list or text where a number belongs (a file's entries reach here unchecked)
                    raise ConfigError(
                        f"{key}.{name} = {item!r} has the wrong type: allowed {_describe_kind(kind, spec.metadata)}"
                    )
                _check_value(f"{key}.{name}", item, spec.metadata)
        else:
            _check_value(key, value, spec.metadata)


def _known_occupations(table: dict, path: str, names: tuple[str, ...]) -> None:
    """Raise ConfigError for a key of a per-occupation table that is not one of the config's occupations."""
    for key, value in table.items():
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                f"{path}.{key} = {value}: {key!r} is not an occupation{hint}: allowed {', '.join(names)} "
                "(an occupation is added under occupations:)"
            )


def validate(cfg: SimConfig) -> SimConfig:
    """Check every range and the cross-field rules; raise ConfigError with one line if one fails."""
    _check(cfg, "")
    try:
        names = Occupations.from_config(cfg.occupations).names
        made = policies(cfg.regulation)
    except RuleError as error:  # keyed, so that the file that set the rules can be named
        raise ConfigError(str(error), key="regulation.extra_rules") from None
    except RegistryError as error:
        raise ConfigError(str(error)) from None
    extra = made[len(made) - len(cfg.regulation.extra_rules) :]
    for index, policy in enumerate(extra):  # the built-in keys' rules were checked as config keys above
        _check_rule(policy, f"regulation.extra_rules[{index}]")
    pop = cfg.population
    _known_occupations(pop.workers, "population.workers", names)
    for kind in SHOOT_TYPES:
        for mode in ("human", "twin", "generic", "generated"):
            _known_occupations(getattr(getattr(cfg.market.shoots, kind), mode), f"market.shoots.{kind}.{mode}", names)
    counted = [name for name in names if name in pop.workers]
    if len(counted) < len(names):
        missing = next(name for name in names if name not in pop.workers)
        raise ConfigError(
            f"population.workers.{missing} has no value in population ({pop.name}): allowed a whole number >= 0 "
            f"for every occupation ({', '.join(names)})"
        )
    if sum(pop.workers.values()) == 0:
        raise ConfigError(
            f"population ({pop.name}) has no workers: at least one of "
            f"population.workers.{{{','.join(names)}}} must be >= 1"
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
    for occupation, occ in cfg.occupations.items():
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


def _check_rule(policy: Any, where: str) -> None:
    """Check an ``extra_rules`` entry's parameters as config keys are checked: type, month format, choices, range."""
    kinds = get_type_hints(type(policy))
    for spec in fields(policy):
        key, value, kind = f"{where}.{spec.name}", getattr(policy, spec.name), kinds[spec.name]
        fits = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
        if kind is float:
            fits = isinstance(value, int | float) and not isinstance(value, bool)
        if not fits:
            raise ConfigError(f"{key} = {value!r} has the wrong type: allowed {_describe_kind(kind, spec.metadata)}")
        _check_value(key, value, spec.metadata)


def _describe_kind(kind: Any, meta: dict) -> str:
    """What a field of type ``kind`` with ``meta`` accepts, in words: 'a number, 0 <= value <= 1'."""
    words = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}.get(kind, "a value")
    optional = [arg for arg in get_args(kind) if arg is not type(None)]
    if len(optional) == 1 and len(get_args(kind)) == 2:  # X | None: the words for X, or null
        words = "true, false or null" if optional[0] is bool else _describe_kind(optional[0], meta) + " or null"
    if meta.get("entries") == "rule":
        names = ", ".join(sorted(RULES))
        return f"a list of {{rule: NAME, start: 'YYYY-MM', PARAMETER: VALUE}} with NAME one of {names}"
    if "month" in meta:
        return "a month 'YYYY-MM'"
    if "choices" in meta:
        return ", ".join(meta["choices"])
    if "range" in meta:
        bounds = _describe(*meta["range"])
        return words + bounds.removeprefix("a number") if bounds.startswith("a number") else f"{words}, {bounds}"
    return words


def _schema_node(path: str) -> tuple[Any, dict]:
    """The schema type at a dotted path (None if there is none) and its field's metadata.

    In a table keyed by name (``population.workers``, ``occupations``) any key leads to the table's value type.
    """
    node: Any = SimConfig
    meta: dict = {}
    for part in filter(None, path.split(".")):
        if get_origin(node) is dict:
            node = get_args(node)[1]
            continue
        if not is_dataclass(node):
            return None, {}
        spec = {f.name: f for f in fields(node)}.get(part)
        if spec is None:
            return None, {}
        node, meta = get_type_hints(node)[part], dict(spec.metadata)
    return node, meta


def describe_type(path: str) -> str:
    """What a key accepts, in words: 'a whole number, 1 <= value <= 1200'."""
    return _describe_kind(*_schema_node(path))


def unknown_key(path: str, value: Any = None, where: str = "", given: str | None = None) -> ConfigError:
    """The error for a key the schema does not have, with the close matches and the keys allowed."""
    parent, _, name = path.rpartition(".")
    node, _ = _schema_node(parent)
    allowed = [spec.name for spec in fields(node)] if node is not None and is_dataclass(node) else []
    group = f"a key of {parent}" if parent else "a top-level key"
    shown = given or path
    head = f"{shown} = {value}" if value is not None else shown
    if get_origin(node) is dict:  # a table keyed by occupation: the shipped ones, or a new one added with +
        allowed, group = list(LABELS), "an occupation"
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return ConfigError(
            f"{head}{where}: {name!r} is not {group}{hint}: allowed {', '.join(allowed)}, or a new occupation "
            f"added with +{parent}.{name}=... and its entry under occupations"
        )
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    rest = shown[len(path) :] if shown.startswith(path) else ""  # the keys given below the unknown one
    elsewhere = [
        found
        for found in _paths_of(name)
        if found != path and (not rest or _schema_node(found.replace("<occupation>", "x") + rest)[0] is not None)
    ]
    if elsewhere:  # the key exists at another level: say where (better than a near spelling here)
        parents = [found.rpartition(".")[0] or "the top level" for found in elsewhere]
        listed = parents[0] if len(parents) == 1 else f"{', '.join(parents[:-1])} or {parents[-1]}"
        example = f": e.g. {elsewhere[0]}{rest}={value}" if value is not None else ""
        hint = f" (it is a key of {listed}{example})"
    if name in LABELS and node is not None and is_dataclass(node):  # an occupation one level too high
        tables = [spec.name for spec in fields(node) if spec.metadata.get("keys") == "occupation"]
        hint = f" (did you mean {parent}.{tables[0]}.{name}?)" if tables else hint
    return ConfigError(f"{head}{where}: {name!r} is not {group}{hint}: allowed {', '.join(allowed)}")


def schema_fields(node: type = SimConfig, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every field of the schema, depth first, as (dotted path, type); a table's entries as ``<occupation>``."""
    for key, kind in get_type_hints(node).items():
        yield prefix + key, kind
        if isinstance(kind, type) and is_dataclass(kind):
            yield from schema_fields(kind, f"{prefix}{key}.")
        elif get_origin(kind) is dict and is_dataclass(get_args(kind)[1]):
            yield from schema_fields(get_args(kind)[1], f"{prefix}{key}.<occupation>.")


def _paths_of(name: str) -> list[str]:
    """Every dotted path of the schema whose last key is ``name``."""
    return [path for path, _ in schema_fields() if path.rpartition(".")[2] == name]


def _reject_unknown(node: DictConfig, schema: type, path: str) -> None:
    """Raise for a key added under a schema group (``+ai.adoption_rat=0.1``), which Hydra allows."""
    hints = get_type_hints(schema)
    for key in node:
        if key not in hints:
            value = node[key]
            raise unknown_key(f"{path}{key}", OmegaConf.to_container(value) if isinstance(value, DictConfig) else value)
        if is_dataclass(hints[key]) and isinstance(node[key], DictConfig):
            _reject_unknown(node[key], hints[key], f"{path}{key}.")
        elif get_origin(hints[key]) is dict and is_dataclass(get_args(hints[key])[1]):  # e.g. occupations.NAME
            for name in node[key]:
                _reject_unknown(node[key][name], get_args(hints[key])[1], f"{path}{key}.{name}.")


def to_schema(cfg: DictConfig | dict) -> SimConfig:
    """Turn a composed Hydra config (or a plain dict) into a validated ``SimConfig``.

    A key outside the schema is refused, as a key added with ``+`` (``+seeed=0``) would otherwise be
    a silent no-op; only Hydra's own node (``hydra``, in a config composed with it) is left aside.
    """
    if not isinstance(cfg, DictConfig):
        cfg = OmegaConf.create(cfg)
    known = {spec.name for spec in fields(SimConfig)}
    for key in cfg:
        if key not in known and key != "hydra":
            value = cfg[key]
            raise unknown_key(str(key), OmegaConf.to_container(value) if isinstance(value, DictConfig) else value)
    if OmegaConf.get_type(cfg) is SimConfig and set(cfg) <= known:
        merged = cfg  # composed by Hydra on the schema: already typed, no merge needed (a third of a job's set-up)
    else:
        plain = {key: cfg[key] for key in cfg if key in known}
        merged = OmegaConf.merge(OmegaConf.structured(SimConfig), plain)
    _reject_unknown(merged, SimConfig, "")
    missing = sorted(OmegaConf.missing_keys(merged))
    if missing:
        group = missing[0].split(".")[0]
        article = "an" if group[0] in "aeiou" else "a"
        copy = f" ({article} {group} file sets every key of {group}: start from a copy of one in configs/{group}/)"
        raise ConfigError(
            f"{missing[0]} has no value: allowed {describe_type(missing[0])}, set in a config file or on the command "
            f"line{copy if group in ('population', 'ai', 'regulation') else ''}"
        )
    return validate(OmegaConf.to_object(merged))
