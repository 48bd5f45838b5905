"""A run or sweep whose overrides change its scenario is labelled with those changes, never as the bare scenario.

Real classroom runs, built in-process as the sweep fixture builds them (``.hydra/overrides.yaml`` as Hydra writes).
"""

from __future__ import annotations

import html
import re

import pytest
from sweep_fixture import build_small_sweep, run_job

from sim.report import effects, results
from sim.report import page as report

CHANGED = "baseline + regulation=fashion_workers_act, regulation.royalty_floor=0.5"


def _text(path) -> str:
    """The page as plain text: no images, no tags."""
    page = re.sub(r'src="data:[^"]*"', "", (path / "report.html").read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_changes_keep_group_choices_and_keys_but_not_seed_size_or_hydra():
    overrides = [
        "population=classroom",
        "scenario=baseline",
        "seed=3",
        "steps=24",
        "hydra.run.dir=outputs/x",
        "experiment=ai_cost_sweep",
        "regulation=fashion_workers_act",
        "+regulation.royalty_floor=0.5",
        "ai.cost_per_image=2.0",
    ]
    found = results.changes(overrides, "baseline, ai.cost_per_image=2.0")  # the swept key is in the label already
    assert found == ["regulation=fashion_workers_act", "+regulation.royalty_floor=0.5"]
    assert results.changed_label("baseline", []) == "baseline"


@pytest.mark.slow  # a real run and its report
def test_a_run_with_overrides_is_labelled_with_them(tmp_path):
    run_dir = tmp_path / "run"
    overrides = (
        "population=classroom",
        "regulation=fashion_workers_act",
        "seed=3",
        "steps=24",
        "regulation.royalty_floor=0.5",
    )
    run_job(run_dir, overrides)
    loaded = results.load(run_dir)
    assert loaded.labels == [CHANGED]
    assert loaded.scenario_of(CHANGED) == "baseline"
    description = results.scenario_description(loaded, CHANGED)
    assert description.endswith(results.BEFORE_CHANGES) and len(description) > len(results.BEFORE_CHANGES)
    assert report.main([str(run_dir)]) == 0
    text = _text(run_dir)
    assert f"falls under {CHANGED}," in text or f"{CHANGED}'s" in text
    assert not re.search(r"(under|Scenario) baseline [^+]", text)  # never the bare scenario
    assert f"{CHANGED} Doing nothing about AI" in text and results.BEFORE_CHANGES in text


@pytest.mark.slow  # a real run
def test_a_run_of_a_named_scenario_alone_keeps_its_bare_label(tmp_path):
    run_dir = tmp_path / "run"
    run_job(run_dir, ("population=classroom", "scenario=laissez_faire", "seed=1", "steps=24"))
    loaded = results.load(run_dir)
    assert loaded.labels == ["laissez_faire"] and not loaded.changes
    assert not results.scenario_description(loaded, "laissez_faire").endswith(results.BEFORE_CHANGES)


@pytest.mark.slow  # a small real sweep
def test_a_sweep_sharing_a_change_is_labelled_with_it_and_keeps_its_reference(tmp_path):
    scenarios = {name: (f"scenario={name}", "ai=fast") for name in ("baseline", "laissez_faire")}
    sweep = build_small_sweep(tmp_path, scenarios, (0, 1), 24)
    loaded = results.load(sweep)
    assert loaded.labels == ["baseline + ai=fast", "laissez_faire + ai=fast"]
    reference = effects.policy_reference(loaded)
    assert reference.label == "baseline + ai=fast"
    assert "before the changes every scenario here shares (ai=fast)" in reference.why
    assert "moderate preset" not in reference.why
    (sweep / "0" / ".hydra" / "overrides.yaml").unlink()  # without it, the jobs table's overrides say the same
    assert results.load(sweep, verify=False).labels[0] == "baseline + ai=fast"
