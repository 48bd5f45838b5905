"""The Python API (sim.load_config, sim.simulate, sim.load_results) and the worked notebook in docs/."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.runner.api import ResultsError
from sim.runner.collect import collect
from sim.runner.errors import one_line
from sim.runner.run import run

ROOT = Path(__file__).resolve().parents[1]


def test_importing_sim_loads_neither_the_model_nor_hydra_nor_matplotlib():
    code = (
        "import sys, sim; heavy = [m for m in ('sim.core.model', 'hydra', 'matplotlib', 'mesa', 'sim.runner.cli')"
        " if m in sys.modules]; print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"


def test_load_config_and_simulate_give_the_run_tables():
    cfg = sim.load_config("population=classroom", "scenario=laissez_faire", "seed=3", "steps=6")
    assert cfg.scenario_name == "laissez_faire" and cfg.seed == 3 and cfg.steps == 6
    result = sim.simulate(cfg)
    for table in (result.occupations, result.market, result.cohorts):
        assert isinstance(table, pd.DataFrame) and not table.empty
    assert len(result.market) == 6
    assert set(result.occupations["occupation"]) == set(cfg.population.workers)
    assert result.summary()["occupations"]


def test_simulate_takes_overrides_and_matches_a_run_directory(tmp_path):
    result = sim.simulate("population=classroom", "steps=4", "seed=1")
    run(sim.load_config("population=classroom", "steps=4", "seed=1"), tmp_path, figures=False)
    assert not (tmp_path / "figures").exists()
    for name in ("occupations", "market", "cohorts"):
        pd.testing.assert_frame_equal(getattr(result, name), pd.read_parquet(tmp_path / f"{name}.parquet"))
    loaded = sim.load_results(tmp_path)  # a single run's directory works too
    pd.testing.assert_frame_equal(loaded.market, result.market, check_dtype=False)
    assert list(loaded.jobs["status"]) == ["complete"]


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ("scenario=nope", ["scenario = 'nope' is not a known scenario: allowed", "laissez_faire"]),
        ("ai.adoption_p=1.5", ["ai.adoption_p = 1.5 is out of range"]),
        ("steps=abc", ["steps = 'abc' has the wrong type"]),
        ("stpes=3", ["stpes"]),
    ],
)
def test_a_bad_override_raises_the_clis_one_line(override, words):
    with pytest.raises(sim.ConfigError) as caught:
        sim.load_config("population=classroom", override)
    message = str(caught.value)
    assert "\n" not in message and all(word in message for word in words)
    assert "_schema" not in message
    original = getattr(caught.value, "original", None)
    assert original is None or message == one_line(original)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # one short traceback


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("steps", 0, "steps = 0 is out of range"),
        ("seed", -3, "seed = -3 is out of range"),
        ("steps", "abc", "steps = 'abc' has the wrong type"),
    ],
)
def test_a_config_changed_after_loading_is_checked_again(field, value, words):
    cfg = sim.load_config("population=classroom", "steps=3")
    setattr(cfg, field, value)
    with pytest.raises(sim.ConfigError, match=words):
        sim.simulate(cfg)


def test_validating_a_design_point_twice_applies_it_once():
    """A sensitivity point with its noise reference on shifts the seed; checked again, it must not shift twice."""
    from sim.science.sensitivity_design import NOISE_SEED_SHIFT

    shifted = []
    for point in range(8):  # every point of the smoke-size screen's design
        cfg = sim.load_config("experiment=sensitivity_screen", "size=smoke", f"sensitivity.point={point}", "seed=0")
        once = sim.validate(cfg)
        assert sim.validate(once) == once
        shifted.append(once.seed == NOISE_SEED_SHIFT)
    assert any(shifted) and not all(shifted)  # the points checked include both arms of the noise reference


def test_a_key_added_with_plus_that_the_schema_lacks_is_refused():
    with pytest.raises(sim.ConfigError, match="'seeed' is not a top-level key \\(did you mean 'seed'\\?\\)"):
        sim.load_config("population=classroom", "+seeed=1")


def test_load_results_reads_a_sweeps_combined_tables(tmp_path):
    for job, seed in (("0", 0), ("1", 1)):  # a sweep directory as collect finds it: job folders with .hydra/
        job_dir = tmp_path / job
        (job_dir / ".hydra").mkdir(parents=True)
        (job_dir / ".hydra" / "overrides.yaml").write_text(f"- seed={seed}\n")
        (job_dir / ".hydra" / "config.yaml").write_text(f"seed: {seed}\nscenario_name: baseline\n")
        run(sim.load_config("population=classroom", "steps=3", f"seed={seed}"), job_dir, figures=False)
    results = sim.load_results(tmp_path)
    assert sorted(results.jobs["status"]) == ["complete", "complete"]
    assert sorted(results.market["seed"].unique()) == [0, 1]
    assert {"job", "scenario", "seed"} <= set(results.cohorts.columns)
    with pytest.raises(FileNotFoundError):
        sim.load_results(tmp_path / "absent")

    # what it reads is checked as the report checks it: combined tables edited, or a job gone since collect
    edited = results.market.assign(brand_spend=1e9)
    edited.to_parquet(tmp_path / "market.parquet")
    assert sim.ResultsError is ResultsError  # a notebook catches it by the package's name
    with pytest.raises(ResultsError, match=r"are not current: market\.parquet changed after collect wrote it"):
        sim.load_results(tmp_path)
    collect(tmp_path)
    (tmp_path / "1" / "summary.json").unlink()  # job 1 interrupted by a rerun
    with pytest.raises(ResultsError, match="job 1 changed since the tables were combined"):
        sim.load_results(tmp_path)
    (tmp_path / "0" / ".hydra" / "config.yaml").write_text("seed: 5\nscenario_name: baseline\n")
    with pytest.raises(ResultsError, match=r"0 is not a complete, intact run: summary\.json says seed 0 but"):
        sim.load_results(tmp_path / "0")  # one run's folder, written by two runs at once


def test_load_results_of_a_partial_sweep_warns_and_says_so(tmp_path):
    for job, seed in (("0", 0), ("1", 1)):
        job_dir = tmp_path / job
        (job_dir / ".hydra").mkdir(parents=True)
        (job_dir / ".hydra" / "overrides.yaml").write_text(f"- seed={seed}\n")
        if job == "0":
            run(sim.load_config("population=classroom", "steps=3", f"seed={seed}"), job_dir, figures=False)
    with pytest.warns(UserWarning, match="is a partial sweep: 1 of 2 jobs are not in its tables"):
        results = sim.load_results(tmp_path)
    assert results.partial and list(results.jobs["status"]) == ["complete", "missing"]


@pytest.mark.slow
def test_the_worked_notebook_runs_and_draws_its_figure(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = runpy.run_path(str(ROOT / "docs" / "notebook.py"), run_name="__main__")
    assert (tmp_path / namespace["FIGURE"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(namespace["comparison"]["scenario"]) == {"no_ai", "laissez_faire"}
    assert namespace["FIGURE"].parts[0] == "outputs"  # where results go, not the top of a clone
    assert np.isfinite(namespace["table"]["change"].dropna()).all()  # no change from zero income
