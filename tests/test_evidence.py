"""The evidence tools: SMM calibration, the history experiment and the long run, on small inputs and in smoke form."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.science import calibration, history, projections

FREE = [
    "occupations.ecommerce_model.day_rate",
    "occupations.photographer.day_rate",
    "occupations.ecommerce_model.attrition",
    "occupations.photographer.attrition",
    "market.demand_growth",
]


def test_target_distance_is_relative_or_absolute_and_z_is_in_units_of_its_uncertainty():
    relative = calibration.Target("x", "stylist", "income_median", 100.0, 100.0, "test", sd=0.1)
    assert relative.distance(110.0) == pytest.approx(0.1)
    assert relative.z(110.0) == pytest.approx(1.0)
    growth = calibration.Target("g", "stylist", "growth", 0.004, 0.004, "test", sd=0.01, absolute=True)
    assert growth.distance(0.014) == pytest.approx(0.01)  # in the target's units, not relative to 0.004
    assert growth.z(-0.006) == pytest.approx(1.0)


def test_the_vectorised_distances_agree_with_each_targets_own():
    rng = np.random.default_rng(1)
    values = np.array([[t.low * rng.uniform(0.5, 1.5) + rng.normal(0, 0.01) for t in calibration.TARGETS]])
    fast = calibration._z_array(values, calibration.TARGETS)[0]
    assert fast == pytest.approx([t.z(v) for t, v in zip(calibration.TARGETS, values[0], strict=True)])


def test_a_free_key_that_was_not_swept_is_named_in_one_line(tmp_path, capsys):
    pd.DataFrame(_run_rows(0, 800.0, 2, 2, months=12)).to_parquet(tmp_path / "occupations.parquet")
    assert calibration.main([str(tmp_path), "market.job_days", "--no-check"]) == 2
    out = capsys.readouterr().out.strip()
    assert out == ("error: free key 'market.job_days' was not swept: allowed occupations.ecommerce_model.day_rate")


def _run_rows(seed: int, rate: float, exits: int, entries: int, months: int = 36) -> list[dict]:
    rows = []
    for step in range(months):
        for occupation in ("ecommerce_model", "photographer", "makeup_artist"):
            active = 100 + (step if occupation == "photographer" else 0)  # photographers grow by one a month
            rows.append(
                {
                    "step": step,
                    "occupation": occupation,
                    "seed": seed,
                    "occupations.ecommerce_model.day_rate": rate,
                    "active": active,
                    "income_median": rate * 5.0,
                    "income_p10": rate * 2.5,
                    "income_p90": rate * 10.0,
                    "exits": exits,
                    "entries": entries,
                }
            )
    return rows


def test_moments_read_the_months_after_the_burn_in():
    table = pd.DataFrame(_run_rows(0, 800.0, exits=2, entries=3))
    found = calibration.moments(table, ["occupations.ecommerce_model.day_rate"]).iloc[0]
    assert found["models_median"] == pytest.approx(4000.0)
    assert found["models_p10_ratio"] == pytest.approx(0.5)
    assert found["models_p90_ratio"] == pytest.approx(2.0)
    assert found["models_exit_rate"] == pytest.approx(0.02)  # 2 exits a month on 100 active
    assert found["models_entry_rate"] == pytest.approx(0.03)
    assert found["models_growth"] == pytest.approx(0.0)
    # photographers: mean of months 24-35 (129.5) against months 12-23 (117.5), one year apart
    assert found["photographers_growth"] == pytest.approx(129.5 / 117.5 - 1.0)
    assert found["photographers_exit_rate"] < 2 / 100  # the settled months have more active photographers


def test_smm_estimate_recovers_known_parameters_from_a_design_with_noise():
    # moments linear in the parameters; the targets are the moments at a known point inside the design
    rng = np.random.default_rng(0)
    truth = np.array([760.0, 1400.0, 0.015, 0.007, 0.01])
    low, high = np.array([600.0, 1000.0, 0.01, 0.005, 0.0]), np.array([900.0, 1750.0, 0.02, 0.01, 0.05])
    unit = lambda x: (x - low) / (high - low)  # noqa: E731
    weights = rng.normal(0.0, 1.0, (len(calibration.TARGETS), len(truth)))
    at_truth = {t.name: t.low for t in calibration.TARGETS}

    def moments(x: np.ndarray, seed: int) -> dict:
        shift = weights @ (unit(x) - unit(truth))
        noise = np.random.default_rng(seed).normal(0.0, 0.002, len(shift))
        return {
            t.name: at_truth[t.name] + (0.2 * abs(at_truth[t.name]) + 0.01) * (s + n)
            for t, s, n in zip(calibration.TARGETS, shift, noise, strict=True)
        }

    corners = np.array(np.meshgrid(*zip(low, high, strict=True))).reshape(len(truth), -1).T
    rows = [{**dict(zip(FREE, x, strict=True)), "seed": s, **moments(x, s)} for x in corners for s in range(4)]
    found = calibration.estimate(pd.DataFrame(rows), FREE, draws=40)
    assert found is not None
    for key, value in zip(FREE, truth, strict=True):
        assert found["values"][key] == pytest.approx(value, rel=0.05), key
        lo, hi = found["interval"][key]
        assert lo <= found["values"][key] <= hi
    assert found["surrogate_objective"] < 0.1


def test_a_design_too_small_for_its_surrogate_gives_no_estimate_but_a_best_point():
    table = pd.concat([pd.DataFrame(_run_rows(s, rate, 2, 2, months=12)) for rate in (700.0, 900.0) for s in (0, 1)])
    _, result = calibration.fit(table, ["occupations.ecommerce_model.day_rate"])
    assert result["estimate"] is None  # 2 points for 2 surrogate terms: no degree of freedom left
    assert result["fitted"]["occupations.ecommerce_model.day_rate"] == 700.0  # $3,500: nearer both medians
    assert result["points"] == 2 and result["seeds"] == 2


def _arms(effect: float, seeds: int = 3) -> pd.DataFrame:
    rows = []
    for seed in range(seeds):
        for arm, scale in ((history.AI_ARM, 1.0 + effect), (history.NO_AI_ARM, 1.0)):
            for step in range(24):
                for occupation in history.HUMAN:
                    rows.append(
                        {
                            "seed": seed,
                            "arm": arm,
                            "step": step,
                            "occupation": occupation,
                            "days_worked": 10.0 * scale if step < 12 else 10.0,
                            "income_total": 1000.0 * scale,
                            "income_mean": 100.0 * scale,
                        }
                    )
    return pd.DataFrame(rows)


def test_history_effects_compare_each_seed_with_its_own_no_ai_run():
    frame = _arms(-0.2)
    assert history.effects(frame, history.HUMAN, "days_worked", history.FIRST_YEAR) == pytest.approx([-0.2] * 3)
    assert history.effects(frame, history.HUMAN, "days_worked", history.SECOND_YEAR) == pytest.approx([0.0] * 3)
    assert history.incumbent_income_effect(frame, "photographer", history.FIRST_YEAR) == pytest.approx([-0.2] * 3)
    # pay per day: income fell as much as days in the first year
    assert history.pay_per_day_effect(frame, history.FIRST_YEAR) == pytest.approx([0.0] * 3)
    late = history.effects(frame, history.HUMAN, "days_worked", (24, 36))
    assert len(late) == 0 and np.isnan(history.summary(late)["median"])  # a run too short for the window
    assert history.JOB_POSTS_BAND.holds(-0.17) and not history.JOB_POSTS_BAND.holds(-0.05)


def test_the_value_that_closes_the_long_run_gap_is_interpolated_between_scanned_values():
    table = pd.DataFrame({"models": [0.3, 0.1, -0.2], "photographers": [0.2, 0.0, -0.3]}, index=[0.0001, 0.0005, 0.001])
    assert projections.closing_value(table, "models") == pytest.approx(0.0005 + (0.01 - 0.1) * 0.0005 / -0.3)
    assert projections.closing_value(table, "photographers") == pytest.approx(0.0001 + (0.04 - 0.2) * 0.0004 / -0.2)
    assert np.isnan(projections.closing_value(table.assign(models=[0.5, 0.4, 0.3]), "models"))


# the documented commands, at smoke size: tests/conftest.py starts them when collection ends
@pytest.mark.slow
@pytest.mark.parametrize("documented_sweep", ["calibration"], indirect=True)
def test_documented_calibration_command_writes_the_smm_estimate_and_its_check(documented_sweep):
    done, sweep = documented_sweep
    assert done.returncode == 0, done.stderr[-2000:]
    fitted = json.loads((sweep / "calibration.json").read_text())
    assert set(fitted["fitted"]) == set(FREE)
    assert set(fitted["estimate"]["values"]) == set(FREE)
    for key, (low, high) in fitted["estimate"]["interval"].items():
        assert low <= high, key
    assert [t["name"] for t in fitted["check"]["targets"]] == [t.name for t in calibration.TARGETS]
    assert len(calibration.TARGETS) > len(FREE)  # more targets than parameters
    assert "models_median" in (sweep / "calibration.md").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("documented_sweep", ["history"], indirect=True)
def test_documented_history_command_writes_its_figures(documented_sweep):
    done, sweep = documented_sweep
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads((sweep / "history.json").read_text())
    jobs = pd.read_parquet(sweep / "jobs.parquet")
    assert len(jobs) == 2 * 2 and (jobs["status"] == "complete").all()  # two arms x seeds 0 and 1
    assert figures["human_days"]["first_year"]["seeds"] == 2
    assert figures["human_days"]["first_year"]["median"] < 0  # AI takes bookings from human image work
    assert "first 12 months" in (sweep / "history.md").read_text()
