"""Generate ``docs/parameters.md`` from the config schema and the commented YAML files.

Run ``python -m sim.dev.paramdoc`` to rewrite the table (``--check`` exits 1 if it is out of date).
Defaults come from the composed default config, allowed ranges from the schema
(:mod:`sim.core.schema`), unit and source from the comment beside each value in ``configs/``, and
the presets and scenarios that change a value from their YAML files.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import get_args, get_origin, get_type_hints

from omegaconf import OmegaConf

from sim.core.schema import SimConfig
from sim.runner.compose import compose

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "configs"
TARGET = ROOT / "docs" / "parameters.md"
GROUPS = ("population", "ai", "regulation")
# keys set outside config.yaml and the group presets, described here
NOTES = {
    "scenario_name": "name of the scenario chosen with scenario=NAME (configs/scenario/); recorded in summary.json",
    "description": "the scenario's one-line plain-language summary, shown by the report and python -m sim --help; "
    "free text",
    "regulation.extra_rules": "more rules by name, e.g. [{rule: generic_ai_ban, start: '2027-01'}]; the rules are "
    "the classes registered in sim/core/rules.py (a new rule is one class there)",
    "sensitivity": "set only by the sensitivity experiments (configs/experiment/sensitivity_screen.yaml, "
    "sensitivity.yaml): the Morris or Saltelli design (trajectories or base samples, seed, parameter ranges), the "
    "function that applies a job's point and this run's point",
}
# fields of every occupation that most entries leave at their schema default
FIELD_NOTES = {
    "shoot_type": "for role: model, the shoot type whose images show her face (campaign or ecommerce); "
    "none for the other roles",
    "licenses_twins": "true where a model of this occupation can license her digital twin (role: model only)",
}
_KEY = re.compile(r"^(\s*)([A-Za-z_]\w*):\s*(.*)$")


def yaml_comments(path: Path, prefix: str = "") -> dict[str, str]:
    """Map each dotted key set in a YAML file to the comment on its line."""
    found: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _KEY.match(line)
        if not match or line.lstrip().startswith("#"):
            continue
        indent, key, rest = len(match[1]), match[2], match[3]
        while stack and stack[-1][0] >= indent:
            stack.pop()
        value, _, comment = rest.partition("#")
        dotted = prefix + ".".join([k for _, k in stack] + [key])
        value = value.strip()
        if value.startswith("{"):
            for inner in re.findall(r"(\w+)\s*:", value):
                found[f"{dotted}.{inner}"] = comment.strip()
        elif value == "":
            stack.append((indent, key))
        else:
            found[dotted] = comment.strip()
    return found


def default_tree() -> dict:
    """The composed default config (without Hydra's own settings), unresolved."""
    composed = OmegaConf.to_container(compose(), resolve=False)
    return {key: value for key, value in composed.items() if key != "hydra"}


def schema_leaves(node: type = SimConfig, prefix: str = "", tree: dict | None = None) -> list[tuple[str, dict]]:
    """Every leaf of the schema as (dotted key, field metadata), in schema order.

    A table keyed by name (``occupations``, ``population.workers``, a crew recipe) has a leaf for
    each entry of the default config.
    """
    tree = default_tree() if tree is None and node is SimConfig else tree or {}
    hints = get_type_hints(node)
    leaves = []
    for spec in fields(node):
        kind, below = hints[spec.name], tree.get(spec.name)
        if is_dataclass(spec.default_factory):
            leaves += schema_leaves(spec.default_factory, f"{prefix}{spec.name}.", below)
        elif get_origin(kind) is dict and isinstance(below, dict):
            entry = get_args(kind)[1]
            for name, value in below.items():
                if is_dataclass(entry):
                    leaves += schema_leaves(entry, f"{prefix}{spec.name}.{name}.", value)
                else:
                    leaves.append((f"{prefix}{spec.name}.{name}", dict(spec.metadata)))
        else:
            leaves.append((f"{prefix}{spec.name}", dict(spec.metadata)))
    return leaves


def allowed(meta: dict, value: object) -> str:
    """The allowed values of a leaf, as the validator states them."""
    if "month" in meta:
        return "YYYY-MM"
    if "choices" in meta:
        return " / ".join(meta["choices"])
    if "range" not in meta:
        return "true / false" if isinstance(value, bool) else "text"
    lo, hi, lo_open = meta["range"]
    low = "" if lo is None else f"{lo:g} {'<' if lo_open else '≤'} "
    return f"{low}x" + ("" if hi is None else f" ≤ {hi:g}")


def _flatten(tree: dict, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def group_values() -> dict[str, dict[str, object]]:
    """For each dotted key set by a preset of a group: {preset name: value}."""
    values: dict[str, dict[str, object]] = {}
    for group in GROUPS:
        for path in sorted((CONFIGS / group).glob("*.yaml")):
            tree = OmegaConf.to_container(OmegaConf.load(path))
            tree.pop("defaults", None)
            for key, value in _flatten(tree, f"{group}.").items():
                values.setdefault(key, {})[path.stem] = value
    return values


def scenario_changes() -> dict[str, list[str]]:
    """For each dotted key: the scenarios that set it, with their value or preset."""
    changes: dict[str, list[str]] = {}
    for path in sorted((CONFIGS / "scenario").glob("*.yaml")):
        tree = OmegaConf.to_container(OmegaConf.load(path)) or {}
        for entry in tree.pop("defaults", []) or []:
            if isinstance(entry, dict):
                for key, choice in entry.items():
                    group = key.replace("override", "").strip(" /")
                    if group in GROUPS:
                        changes.setdefault(f"{group}=", []).append(f"{path.stem}: {choice}")
        for key, value in _flatten(tree).items():
            if key not in ("scenario_name", "description"):
                changes.setdefault(key, []).append(f"{path.stem}: {value}")
    return changes


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|")


def render() -> str:
    """The whole Markdown page."""
    tree = default_tree()
    defaults = _flatten(tree)
    comments = yaml_comments(CONFIGS / "config.yaml")
    for group in GROUPS:  # the default preset's comments first, then any other preset's
        paths = sorted((CONFIGS / group).glob("*.yaml"), key=lambda p: p.stem != defaults.get(f"{group}.name"))
        for path in paths:
            for key, text in yaml_comments(path, f"{group}.").items():
                if text:
                    comments.setdefault(key, text)
    presets, scenarios = group_values(), scenario_changes()
    lines = [
        "# Parameters",
        "",
        "Generated by `python -m sim.dev.paramdoc` from the schema (`sim/core/schema.py`) and the commented",
        "configs (`configs/`); a test checks it is up to date. Units and sources are the comments",
        "beside each value; `assumption` marks a value without a source. A source cited in brackets,",
        "e.g. [sources: agency-fees], is described in docs/sources.md. Set any value on the command line, e.g.",
        "`python -m sim ai.cost_per_image=2.5`.",
        "",
    ]
    leaves = schema_leaves(tree=tree)
    groups = dict.fromkeys(key.split(".")[0] for key, _ in leaves if "." in key)  # in schema order
    for section in ("", *(f"{name}." for name in groups)):
        rows = [(key, meta) for key, meta in leaves if key.startswith(section) and ("." not in key) == (section == "")]
        if not rows:
            continue
        title = section.rstrip(".") or "top level"
        lines += [f"## {title}", ""]
        if section.rstrip(".") in GROUPS:
            group = section.rstrip(".")
            choices = sorted(p.stem for p in (CONFIGS / group).glob("*.yaml"))
            default_choice = defaults.get(f"{group}.name")
            lines.append(f"Presets: {', '.join(f'`{group}={c}`' for c in choices)} (default `{default_choice}`).")
            if f"{group}=" in scenarios:
                lines.append(f"Scenarios that pick a preset: {'; '.join(scenarios[f'{group}='])}.")
            lines.append("")
        lines += [
            "| parameter | default | allowed | unit and source | presets / scenarios that change it |",
            "|---|---|---|---|---|",
        ]
        for key, meta in rows:
            value = defaults.get(key)
            others = [f"{name}: {v}" for name, v in presets.get(key, {}).items() if v != value]
            others += scenarios.get(key, [])
            unset_recipe = key.startswith("market.shoots.") and key not in comments
            comment = (
                ("workers per shoot-day; 0 = none booked (schema default)" if unset_recipe else comments.get(key, ""))
                or NOTES.get(key, "")
                or FIELD_NOTES.get(key.rsplit(".", 1)[-1], "")
            )
            cells = (value, allowed(meta, value), comment, "; ".join(others))
            lines.append(f"| `{key}` | " + " | ".join(_cell(cell) for cell in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/parameters.md is out of date")
    args = parser.parse_args(argv)
    page = render()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != page:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run python -m sim.dev.paramdoc", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(page, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
