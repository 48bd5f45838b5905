"""Calibration fit and sensitivity design: pure parts, on small inputs."""

from __future__ import annotations

import pandas as pd
import pytest

from sim import calibration
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
    from sim import sensitivity

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
