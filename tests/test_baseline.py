"""Baseline regression: fixed-seed runs (seed 0) must reproduce stored results exactly.

Speed work must not change what a seed produces. Each scenario's three tables are hashed as CSV
text (floats at full precision, so any change in any digit shows) and a few readable aggregates
are stored beside the hashes, so a mismatch says roughly what moved. When a change of results
is intended, regenerate with ``python -m tests.test_baseline`` and say why in the commit.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.runner.run import cohort_table, run_model, tables
from tests.conftest import make_config

BASELINE = Path(__file__).resolve().parent / "baselines" / "seed0.json"
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


@pytest.mark.parametrize("name", SCENARIOS)
def test_results_match_the_stored_baseline(name):
    stored = json.loads(BASELINE.read_text())[name]
    assert scenario_fingerprint(name) == stored


if __name__ == "__main__":  # regenerate on purpose: python -m tests.test_baseline
    BASELINE.write_text(json.dumps({name: scenario_fingerprint(name) for name in SCENARIOS}, indent=2) + "\n")
    print(f"wrote {BASELINE}", file=sys.stderr)
