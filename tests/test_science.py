"""Calibration fit and sensitivity design: pure parts on small inputs, and each experiment's documented command."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.science import calibration


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


# the documented commands of the experiments, at smoke size: tests/conftest.py starts them when collection ends
@pytest.mark.slow
@pytest.mark.parametrize("documented_sweep", ["sensitivity"], indirect=True)
def test_documented_sensitivity_command_writes_indices_of_every_effect_and_parameter(documented_sweep):
    pytest.importorskip("SALib")
    from sim.science.sensitivity_effects import OUTPUTS

    done, sweep = documented_sweep
    assert done.returncode == 0, done.stderr[-2000:]
    table = pd.read_parquet(sweep / "sensitivity.parquet")
    assert set(table["output"]) == set(OUTPUTS)
    assert table.groupby("output")["parameter"].nunique().eq(2).all()  # the smoke form's two parameters
    assert table["ST"].notna().any() and table["ST_pce"].notna().any()  # Saltelli's and the polynomial chaos'
    assert (sweep / "sensitivity.png").read_bytes()[:4] == b"\x89PNG"
    assert "Widest 95% interval" in (sweep / "sensitivity.md").read_text()
    jobs = pd.read_parquet(sweep / "jobs.parquet")
    assert len(jobs) == 2 * (2 + 2) * 2 * 2 and (jobs["status"] == "complete").all()  # points x arms x seeds
    assert set(jobs["scenario"]) == {"baseline", "no_ai"}


@pytest.mark.slow
@pytest.mark.parametrize("documented_sweep", ["sensitivity_screen"], indirect=True)
def test_documented_screen_command_writes_the_screen_and_the_robust_ranking(documented_sweep):
    pytest.importorskip("SALib")
    from sim.science import robustness
    from sim.science.sensitivity_design import NOISE

    done, sweep = documented_sweep
    assert done.returncode == 0, done.stderr[-2000:]
    screen = pd.read_parquet(sweep / "screen.parquet")
    assert set(screen["parameter"]) == {"ai.cost_per_image", "market.content_elasticity", NOISE}
    assert (screen["mu_star"] >= 0).all()
    ranking = pd.read_csv(sweep / "robustness.csv")
    assert list(ranking.columns) == robustness.COLUMNS
    assert set(ranking["scenario"]) == {"union_royalties"}
    occupations = set(pd.read_parquet(sweep / "cohorts.parquet")["occupation"])
    assert set(ranking["occupation"]) == occupations
    assert ranking["points"].eq(8).all() and ranking["share_raises"].between(0, 1).all()
