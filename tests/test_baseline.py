"""Baseline regression: fixed-seed runs (seed 0) must reproduce stored results exactly.

Speed work must not change what a seed produces. Each scenario's three tables are hashed as CSV
text (floats at full precision, so any change in any digit shows) and a few readable aggregates
are stored beside the hashes, so a mismatch says roughly what moved. When a change of results
is intended, regenerate with ``python -m tests.test_baseline`` and say why in the commit.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from sim.core.reporters import agent_table
from sim.runner.run import RESULT_LIBRARIES, cohort_table, environment, run_model, tables
from tests.conftest import make_config

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "tests" / "baselines" / "seed0.json"
SCENARIOS = {
    "classroom_default": ("population=classroom", "steps=36"),
    "classroom_ai_fast": ("population=classroom", "steps=72", "ai=fast"),
    "classroom_fashion_workers_act": ("population=classroom", "steps=72", "ai=fast", "regulation=fashion_workers_act"),
    "city_levy_exclusive": (
        "population=city",
        "steps=12",
        "ai=fast",
        "regulation.ai_levy=0.3",
        "regulation.cross_brand_licensing=false",
        "regulation.consent_required=true",
    ),
}


def fingerprint(occupations: pd.DataFrame, market: pd.DataFrame, cohorts: pd.DataFrame) -> dict:
    """Hashes of the three tables at full precision, and a few aggregates a reader can compare."""
    digest = {
        name: hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
        for name, frame in (("occupations", occupations), ("market", market), ("cohorts", cohorts))
    }
    last = occupations[occupations["step"] == occupations["step"].max()].set_index("occupation")
    return {
        **{f"{name}_sha256": value for name, value in digest.items()},
        "active_last_step": {name: int(value) for name, value in last["active"].items()},
        "income_total": round(float(occupations["income_total"].sum()), 2),
        "brand_spend": round(float(market["brand_spend"].sum()), 2),
        "shoots_generic": int(market["shoots_generic"].sum()),
        "twins_licensed_last": int(market["twins_licensed"].iloc[-1]),
    }


def scenario_fingerprint(name: str) -> dict:
    model = run_model(make_config("seed=0", *SCENARIOS[name]))
    return fingerprint(*tables(model), cohort_table(model))


def pinned_versions() -> dict[str, str]:
    """The library versions of pyproject's ``reproduce`` extra, which the baselines were made with."""
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["reproduce"]
    return dict(pin.split("==") for pin in pins)


def agent_fingerprint() -> str:
    """Hash of a classroom run's agents table (its day rates come from numpy's vectorised exp every month)."""
    model = run_model(make_config("seed=0", "population=classroom", "steps=36", "ai=fast", "output.agent_records=true"))
    return hashlib.sha256(agent_table(model).to_csv(index=False).encode()).hexdigest()


@pytest.mark.parametrize("name", SCENARIOS)
def test_results_match_the_stored_baseline(name):
    stored = json.loads(BASELINE.read_text())[name]
    found = scenario_fingerprint(name)
    here = environment()
    other = {lib: f"{here[lib]} here, {pin} pinned" for lib, pin in pinned_versions().items() if here[lib] != pin}
    hint = f"; made with other library versions than the baselines ({other}): pip install -e '.[reproduce]'"
    assert found == stored, hint if other else "the code changed what seed 0 produces"


def test_the_reproduce_extra_pins_every_library_the_bytes_depend_on():
    assert sorted(pinned_versions()) == sorted(RESULT_LIBRARIES)


# the vector instruction sets numpy found on this CPU beyond its baseline, as a run's summary.json records them
EXTRA_SIMD = [name for name in environment()["numpy_simd"] if name != "unknown"]


@pytest.mark.slow
@pytest.mark.skipif(not EXTRA_SIMD, reason="numpy finds no vector instructions beyond its baseline on this CPU")
def test_the_same_bytes_without_the_cpus_vector_instructions():
    """As on an older or another CPU: numpy's exp and log give other last bits there; the results must not change."""
    code = (
        "import json; from tests.test_baseline import SCENARIOS, scenario_fingerprint, agent_fingerprint;"
        "print(json.dumps({'tables': {name: scenario_fingerprint(name) for name in SCENARIOS},"
        " 'agents': agent_fingerprint()}))"
    )
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": " ".join(EXTRA_SIMD)}
    if platform.machine() in ("x86_64", "AMD64"):
        env["OPENBLAS_CORETYPE"] = "Prescott"  # BLAS sums in another order there (the model uses none)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    there = json.loads(done.stdout.strip().splitlines()[-1])
    assert there["tables"] == json.loads(BASELINE.read_text())
    assert there["agents"] == agent_fingerprint()


if __name__ == "__main__":  # regenerate on purpose: python -m tests.test_baseline
    BASELINE.write_text(json.dumps({name: scenario_fingerprint(name) for name in SCENARIOS}, indent=2) + "\n")
    print(f"wrote {BASELINE}", file=sys.stderr)
