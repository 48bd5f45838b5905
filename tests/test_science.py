"""Calibration fit and sensitivity design: pure parts on small inputs, and each experiment's documented command."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.science import calibration
from tests.conftest import make_config


def _occupations(rate: float, models: float, photographers: float, makeup: float, seed: int) -> pd.DataFrame:
    rows = [("ecommerce_model", models), ("photographer", photographers), ("makeup_artist", makeup)]
    return pd.DataFrame(
        [
            {"occupation": o, "income_median": v, "seed": seed, "occupations.ecommerce_model.day_rate": rate}
            for o, v in rows
        ]
    )


def test_calibration_picks_the_grid_point_nearest_the_targets():
    table = pd.concat(
        [
            _occupations(600.0, 3000.0, 3245.0, 5000.0, seed=0),
            _occupations(700.0, 3950.0, 3245.0, 5000.0, seed=0),
            _occupations(700.0, 3956.0, 3247.0, 5000.0, seed=1),
            _occupations(800.0, 4800.0, 2000.0, 20000.0, seed=0),
        ]
    )
    grid, result = calibration.fit(table, ["occupations.ecommerce_model.day_rate"])
    assert result["fitted"] == {"occupations.ecommerce_model.day_rate": 700.0}
    assert result["seeds"] == 2
    assert result["distance"] < 0.001
    assert list(grid["distance"]) == sorted(grid["distance"])
    makeup = next(t for t in result["targets"] if t["name"] == "makeup_middle_half")
    assert makeup["distance"] == 0.0  # 5,000 a month is inside the middle half


def test_range_target_distance_is_zero_inside_and_relative_outside():
    target = calibration.Target("x", "stylist", "income_median", 100.0, 200.0, "test")
    assert target.distance(150.0) == 0.0
    assert target.distance(50.0) == pytest.approx(0.5)
    assert target.distance(300.0) == pytest.approx(0.5)


def test_sensitivity_design_is_reproducible_and_applies_values():
    pytest.importorskip("SALib")
    from sim.science import sensitivity

    parameters = [
        {"key": "ai.cost_per_image", "low": 0.5, "high": 20.0, "log": True},
        {"key": "market.job_days", "low": 1, "high": 5},
    ]
    first, again = sensitivity.design(parameters, 8, seed=3), sensitivity.design(parameters, 8, seed=3)
    assert first.shape == (8 * (2 + 2), 2)
    assert (first == again).all()
    assert first[:, 0].min() >= 0.5 and first[:, 0].max() <= 20.0
    cfg = sensitivity.with_values(
        make_config("population=classroom"), {"ai.cost_per_image": 2.5, "market.job_days": 2.6}
    )
    assert cfg.ai.cost_per_image == 2.5 and cfg.market.job_days == 3


# the documented commands of the two experiments, at smoke size: tests/conftest.py starts them when collection ends
@pytest.mark.slow
@pytest.mark.parametrize("documented_sweep", ["calibration"], indirect=True)
def test_documented_calibration_command_writes_the_fit(documented_sweep):
    done, sweep = documented_sweep
    assert done.returncode == 0, done.stderr[-2000:]
    fitted = json.loads((sweep / "calibration.json").read_text())
    assert set(fitted["fitted"]) == {"occupations.ecommerce_model.day_rate", "occupations.photographer.day_rate"}
    assert [t["name"] for t in fitted["targets"]] == [t.name for t in calibration.TARGETS]
    assert "models_median" in (sweep / "calibration.md").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("documented_sweep", ["sensitivity"], indirect=True)
def test_documented_sensitivity_command_writes_indices_for_every_output_and_parameter(documented_sweep):
    pytest.importorskip("SALib")
    from sim.science import sensitivity

    done, sweep = documented_sweep
    assert done.returncode == 0, done.stderr[-2000:]
    table = pd.read_parquet(sweep / "sensitivity.parquet")
    assert set(table["output"]) == set(sensitivity.OUTPUTS)
    assert table.groupby("output")["parameter"].nunique().eq(8).all()
    assert (sweep / "sensitivity.png").read_bytes()[:4] == b"\x89PNG"
    jobs = pd.read_parquet(sweep / "jobs.parquet")
    assert len(jobs) == 2 * 10 * 2 and (jobs["status"] == "complete").all()


def test_a_design_point_outside_the_design_is_rejected():
    pytest.importorskip("SALib")
    from sim.core.schema import ConfigError, to_schema
    from sim.science import sensitivity
    from tests.conftest import compose_config

    cfg = to_schema(compose_config("experiment=sensitivity", "sensitivity.base_samples=2", "sensitivity.point=20"))
    with pytest.raises(ConfigError, match=r"sensitivity.point = 20 is out of range: allowed 0 <= value <= 19"):
        sensitivity.apply_point(cfg)
