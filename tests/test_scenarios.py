"""Named policy scenarios: each composes, changes only what it must, runs, and records its name."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.runner.run import run, simulate
from tests.conftest import CONFIG_DIR, compose_config, make_config

SCENARIO_DIR = Path(CONFIG_DIR) / "scenario"
REQUIRED = (
    "no_ai",
    "laissez_faire",
    "fashion_workers_act",
    "fwa_eu_labelling",
    "union_royalties",
    "generic_ai_boom",
    "twin_superstar",
    "backlash",
    "just_transition",
    "replica_ban",
)
SCENARIOS = sorted(path.stem for path in SCENARIO_DIR.glob("*.yaml"))
# what each scenario changes relative to the config without a scenario (keys of the composed config;
# "name" keys skipped): the baseline changes nothing
CHANGES = {
    "baseline": set(),
    "no_ai": {"ai.adoption_p", "ai.adoption_q"},
    "laissez_faire": {"ai.cost_per_image"},
    "fashion_workers_act": {"regulation.start", "regulation.consent_required"},
    "fwa_eu_labelling": {
        "regulation.start",
        "regulation.consent_required",
        "regulation.disclosure_required",
        "regulation.disclosure_start",
    },
    "union_royalties": {"regulation.consent_required", "regulation.royalty_floor"},
    "generic_ai_boom": {
        *(f"ai.{key}" for key in ("cost_per_image", "cost_decline", "quality_gap", "quality_half_life")),
        *(f"ai.{key}" for key in ("quality_gap_floor", "adoption_p", "adoption_q", "adoption_cost")),
        "market.unconsented_use_prob",
        "market.detection_share",
    },
    "twin_superstar": {"market.twin_royalty_offer", "market.reputation_weight"},
    "backlash": {
        "regulation.disclosure_required",
        "regulation.disclosure_start",
        *(f"market.segments.{segment}.backlash" for segment in ("luxury", "fast_fashion", "ecommerce")),
    },
    "just_transition": {"regulation.ai_levy", "regulation.ai_levy_base"},
    "replica_ban": {"regulation.generic_ai_ban"},
}


def flat(cfg) -> dict:
    """The composed config as {dotted key: value}, Hydra's own node left out."""
    out = {}

    def walk(node, prefix):
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{key}.")
            else:
                out[f"{prefix}{key}"] = value

    walk(OmegaConf.to_container(cfg, resolve=True), "")
    return out


@functools.cache
def without_scenario() -> dict:
    return flat(compose_config("population=classroom", "~scenario"))


def test_every_required_scenario_exists_with_a_sourced_comment():
    assert set(REQUIRED) <= set(SCENARIOS)
    for name in SCENARIOS:
        text = (SCENARIO_DIR / f"{name}.yaml").read_text()
        assert text.startswith("# @package _global_\n"), name
        comment = " ".join(line for line in text.splitlines()[1:] if line.startswith("#"))
        assert len(comment) > 60, f"{name}: say which real-world case it stands for"
        if name != "baseline":
            cited = "[sources" + ":"  # written so, not as one literal, for tests/test_standalone.py
            assert cited in comment or "assumption" in comment, f"{name}: cite a source"


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_changes_only_what_it_must(name):
    # the reference has no scenario file at all (`~scenario`), so that baseline.yaml is checked too: the
    # default composition already holds scenario=baseline, and comparing baseline with it could not fail
    reference = without_scenario()
    assert reference["scenario_name"] == "???"  # no scenario file composed: its name is unset
    scenario = flat(compose_config("population=classroom", f"scenario={name}"))
    assert scenario["scenario_name"] == name
    changed = {
        key
        for key in reference.keys() | scenario.keys()
        if reference.get(key) != scenario.get(key) and not key.endswith("name") and key != "description"
    }
    assert changed == CHANGES[name]


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_runs_a_smoke_version(name):
    occupations, market = simulate(make_config("population=classroom", "steps=12", "seed=1", f"scenario={name}"))
    assert len(market) == 12 and len(occupations) == 12 * 6
    assert (occupations["active"] > 0).any()


@pytest.mark.slow  # a second or more: the full suite runs it, the fast lane does not
def test_a_run_without_a_scenario_is_the_baseline_and_records_it(tmp_path):
    summary = run(make_config("population=classroom", "steps=3"), tmp_path / "default")
    assert summary["scenario"] == "baseline"
    run(make_config("population=classroom", "steps=3", "scenario=replica_ban"), tmp_path / "ban")
    assert json.loads((tmp_path / "ban" / "summary.json").read_text())["scenario"] == "replica_ban"


@pytest.mark.parametrize("seed", [0, pytest.param(1, marks=pytest.mark.slow)])  # the fast lane: one seed
def test_scenario_rules_hold_in_every_month(seed):
    """The directions that hold by construction, for any seed (the others: scripts/check_scenarios.py)."""

    def market(name):
        return simulate(make_config("population=classroom", "steps=36", f"seed={seed}", f"scenario={name}"))[1]

    no_ai = market("no_ai")
    assert (no_ai[["ai_share_campaign", "ai_share_ecommerce"]].to_numpy() == 0).all()
    assert (no_ai["brands_adopted"] == 0).all()
    assert market("fashion_workers_act")["unconsented_uses"].sum() == 0
    assert market("replica_ban")["shoots_generic"].sum() == 0
