"""Designs of the sensitivity analysis and what each sweep job runs: a parameter point in one arm.

A design is a table of parameter points (SALib): a Morris screen (``r`` trajectories over the
``k`` parameters plus a *noise reference*, so ``r (k + 2)`` points) or a Saltelli design for
Sobol' indices (``N (k + 2)`` points). Both sizes are the ``design_points`` resolver's, so the
experiments sweep ``sensitivity.point`` over ``range(0, ${design_points:...})``.

Every point is run in several *arms* (the swept ``scenario``) with the same seeds (common random
numbers): ``baseline``, where every sampled value applies, regulation knobs included; ``no_ai``,
the same world with AI unavailable, against which effects are measured; and, for the robust
policy ranking, ``laissez_faire`` and each policy scenario, the same world under that
scenario's own regulation (sampled regulation knobs do not apply there).

A parameter key is a config key (``ai.cost_per_image``), or a pattern with ``*`` (every name at
that level) or ``a|b`` (these names): a pattern *scales* every value it matches by the sampled
factor (1 = as configured), so ``occupations.*.outside_option`` moves all outside options
together. A true/false key is true when the sampled value is at least 0.5.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, fields, is_dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from sim.core.schema import ConfigError, SimConfig, validate

DESIGN_SCENARIO = "baseline"  # the arm in which every sampled value applies
EFFECT_REFERENCE = "no_ai"  # effects on the outputs are measured against this arm
POLICY_REFERENCE = "laissez_faire"  # the robust ranking compares each policy with this arm
NOISE = "seed"  # the Morris screen's noise reference: it only moves the seed, so its effect is pure noise
NOISE_SEED_SHIFT = 1_000_000  # the seed a point's runs use when the noise reference is "on"
MORRIS_LEVELS = 4  # grid levels of the Morris design (SALib's default; a step is 2/3 of a range)
METHODS = {  # the design each experiment's jobs draw their point from, by their ``sensitivity.apply``
    "sim.science.sensitivity.apply_point": "sobol",
    "sim.science.sensitivity_screen.apply_point": "morris",
}


def require_salib() -> None:
    """Raise SystemExit with one line when the optional SALib is missing."""
    try:
        import SALib  # noqa: F401
    except ModuleNotFoundError as missing:
        raise SystemExit(
            'error: the sensitivity experiments need SALib: run `.venv/bin/pip install -e ".[sensitivity]"`'
        ) from missing


def parameter_list(parameters: list) -> list[dict]:
    """The parameters as plain dicts ({key, low, high, log}), from the schema's dataclasses or a saved config."""
    return [asdict(p) if is_dataclass(p) else dict(p) for p in parameters]


def problem(parameters: list[dict], noise: bool = False) -> dict:
    """SALib problem (log parameters in log units); ``noise`` adds the noise reference as the last factor."""
    bounds = [[np.log(p["low"]), np.log(p["high"])] if p.get("log") else [p["low"], p["high"]] for p in parameters]
    names = [p["key"] for p in parameters]
    if noise:
        names, bounds = [*names, NOISE], [*bounds, [0.0, 1.0]]
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def check(parameters: list[dict]) -> None:
    """Raise ConfigError for a range that cannot be sampled (low >= high, a log range not above 0)."""
    if not parameters:
        raise ConfigError("sensitivity.parameters is empty: allowed a list of {key, low, high, log}")
    for p in parameters:
        if not p["low"] < p["high"]:
            raise ConfigError(
                f"sensitivity.parameters: {p['key']} low = {p['low']:g} is not below high = {p['high']:g}: "
                "allowed low < high"
            )
        if p.get("log") and p["low"] <= 0:
            raise ConfigError(f"sensitivity.parameters: {p['key']} low = {p['low']:g} with log: allowed low > 0")


def _natural(points: np.ndarray, parameters: list[dict]) -> np.ndarray:
    logs = np.array([bool(p.get("log")) for p in parameters] + [False] * (points.shape[1] - len(parameters)))
    points = points.copy()
    points[:, logs] = np.exp(points[:, logs])
    return points


@functools.cache
def _design(method: str, frozen: tuple, samples: int, seed: int) -> np.ndarray:
    require_salib()
    parameters = [dict(p) for p in frozen]
    check(parameters)
    if method == "morris":
        from SALib.sample import morris

        points = morris.sample(problem(parameters, noise=True), samples, num_levels=MORRIS_LEVELS, seed=seed)
    else:
        from SALib.sample import sobol

        points = sobol.sample(problem(parameters), samples, calc_second_order=False, scramble=True, seed=seed)
    return _natural(points, parameters)


def design(parameters: list[dict], samples: int, seed: int, method: str = "sobol") -> np.ndarray:
    """The design in natural units: rows are points, columns the parameters (Morris: then the noise reference).

    Sobol': ``samples`` base samples, ``samples (k + 2)`` rows. Morris: ``samples`` trajectories over
    the k parameters and the noise reference, also ``samples (k + 2)`` rows. The same inputs give the same design.
    """
    if method not in ("sobol", "morris"):
        raise ValueError(f"method = {method!r}: allowed sobol, morris")
    frozen = tuple(tuple(sorted(p.items())) for p in parameter_list(parameters))
    return _design(method, frozen, int(samples), int(seed)).copy()


def design_values(settings: dict) -> pd.DataFrame:
    """The design of a sweep's saved ``sensitivity`` settings: one row per point, one column per factor."""
    method = METHODS.get(settings.get("apply", ""), "sobol")
    parameters = parameter_list(settings["parameters"])
    points = design(parameters, settings["base_samples"], settings["design_seed"], method)
    return pd.DataFrame(points, columns=problem(parameters, noise=method == "morris")["names"])


def _names(node: Any) -> list[str]:
    return [spec.name for spec in fields(node)] if is_dataclass(node) else list(node)


def _get(node: Any, name: str) -> Any:
    return getattr(node, name) if is_dataclass(node) else node[name]


def _put(node: Any, changes: dict[str, Any]) -> Any:
    return replace(node, **changes) if is_dataclass(node) else {**node, **changes}


def _typed(current: Any, value: float, scale: bool, key: str) -> Any:
    """The new value of a leaf: the sampled value (or the configured one times it), in the leaf's type."""
    if isinstance(current, bool):
        if scale:
            raise ConfigError(f"sensitivity.parameters: {key} matches true/false values, which cannot be scaled")
        return bool(value >= 0.5)
    if not isinstance(current, int | float):
        raise ConfigError(
            f"sensitivity.parameters: {key} is {current!r}, not a number: allowed numeric or true/false keys"
        )
    new = current * value if scale else value
    return round(new) if isinstance(current, int) else float(new)


def _set(node: Any, parts: list[str], value: float, key: str, scale: bool) -> tuple[Any, int]:
    """``node`` with the leaves ``parts`` names set; also how many leaves were set."""
    head, rest = parts[0], parts[1:]
    present = _names(node) if is_dataclass(node) or isinstance(node, dict) else []
    if head == "*":
        chosen = present
    elif "|" in head:
        chosen = [name for name in head.split("|") if name in present]
    elif head in present:
        chosen = [head]
    else:
        where = key[: key.index(head) + len(head)] if head in key else key
        raise ConfigError(f"sensitivity.parameters: {where} is not a config key (in {key})")
    changes, count = {}, 0
    for name in chosen:
        child = _get(node, name)
        if rest:
            changes[name], set_here = _set(child, rest, value, key, scale)
            count += set_here
        else:
            changes[name], count = _typed(child, value, scale, key), count + 1
    return _put(node, changes), count


def with_values(cfg: SimConfig, values: dict[str, float]) -> SimConfig:
    """A copy of ``cfg`` with the sampled values set (see the module's note on patterns), validated."""
    for key, value in values.items():
        scale = "*" in key or "|" in key
        cfg, count = _set(cfg, key.split("."), float(value), key, scale)
        if count == 0:
            raise ConfigError(f"sensitivity.parameters: {key} matches no config value")
    return validate(cfg)


def arm_values(cfg: SimConfig, values: dict[str, float]) -> dict[str, float]:
    """The sampled values that apply in this job's arm (its scenario), as the module's note says."""
    if cfg.scenario_name != DESIGN_SCENARIO:  # a policy arm keeps its scenario's rules; no_ai has no AI to regulate
        values = {key: value for key, value in values.items() if not key.startswith("regulation.")}
    if cfg.ai.adoption_p == 0 and cfg.ai.adoption_q == 0:  # AI unavailable (no_ai) stays unavailable
        values = {key: value for key, value in values.items() if key not in ("ai.adoption_p", "ai.adoption_q")}
    return values


def point_values(settings: Any, method: str) -> dict[str, float]:
    """This job's design-point values by key (Morris: with the noise reference), from ``cfg.sensitivity``."""
    parameters = parameter_list(settings.parameters)
    points = design(parameters, settings.base_samples, settings.design_seed, method)
    if settings.point >= len(points):
        unit = "trajectories" if method == "morris" else "base samples"
        extra = " + the noise reference" if method == "morris" else ""
        raise ConfigError(
            f"sensitivity.point = {settings.point} is out of range: allowed 0 <= value <= {len(points) - 1} "
            f"({settings.base_samples} {unit} x ({len(parameters)} parameters{extra} + "
            f"{1 if method == 'morris' else 2}))"
        )
    names = problem(parameters, noise=method == "morris")["names"]
    return dict(zip(names, points[settings.point].tolist(), strict=True))


def apply_design(cfg: SimConfig, method: str) -> SimConfig:
    """The job's config at its design point, in its arm (``cfg`` unchanged if not a sensitivity run)."""
    if cfg.sensitivity is None:
        return cfg
    values = point_values(cfg.sensitivity, method)
    if values.pop(NOISE, 0.0) >= 0.5:  # the noise reference "on": the same world drawn with other random numbers
        cfg = replace(cfg, seed=cfg.seed + NOISE_SEED_SHIFT)
    return with_values(cfg, arm_values(cfg, values))
