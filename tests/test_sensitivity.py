"""Sensitivity analysis: designs, what each arm runs, effects against no_ai, the screen and the robust ranking."""

from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from sim.core.schema import ConfigError, to_schema
from sim.runner import collect
from sim.runner.compose import design_points
from sim.science import robustness
from sim.science.sensitivity_design import (
    NOISE,
    NOISE_SEED_SHIFT,
    apply_design,
    arm_values,
    design,
    point_values,
    with_values,
)
from sim.science.sensitivity_effects import RUN, effects, noise_share, point_means
from tests.conftest import compose_config, make_config

salib = pytest.importorskip("SALib")

TWO = [
    {"key": "ai.cost_per_image", "low": 0.5, "high": 20.0, "log": True},
    {"key": "market.job_days", "low": 1, "high": 5},
]


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_designs_are_reproducible_inside_their_ranges_and_sized_as_the_sweep(method):
    first, again = design(TWO, 4, seed=3, method=method), design(TWO, 4, seed=3, method=method)
    assert len(first) == design_points(4, TWO) == 4 * (2 + 2)  # Morris: 2 parameters + the noise reference + 1
    assert (first == again).all()
    assert first[:, 0].min() >= 0.5 and first[:, 0].max() <= 20.0
    assert first[:, 1].min() >= 1 and first[:, 1].max() <= 5
    assert first.shape[1] == (3 if method == "morris" else 2)
    assert not (design(TWO, 4, seed=4, method=method) == first).all()


def test_morris_trajectories_move_one_factor_at_a_time():
    points = design(TWO, 3, seed=1, method="morris")
    for trajectory in points.reshape(3, 4, 3):
        moved = (np.diff(trajectory, axis=0) != 0).sum(axis=1)
        assert (moved == 1).all()
        assert sorted(np.argmax(np.diff(trajectory, axis=0) != 0, axis=1)) == [0, 1, 2]  # each factor once


def test_values_set_keys_scale_patterns_and_read_booleans():
    base = make_config("population=classroom")
    cfg = with_values(
        base,
        {
            "ai.cost_per_image": 2.5,
            "market.job_days": 2.6,  # an integer key: rounded
            "occupations.*.outside_option": 0.5,  # a pattern: every outside option halved
            "market.shoots.*.twin|generic.photographer|stylist": 2.0,  # crew on AI shoots doubled
            "regulation.consent_required": 0.7,  # true from 0.5
        },
    )
    assert cfg.ai.cost_per_image == 2.5 and cfg.market.job_days == 3
    for name, occupation in cfg.occupations.items():
        assert occupation.outside_option == pytest.approx(base.occupations[name].outside_option / 2)
    for kind in ("campaign", "ecommerce"):
        for mode in ("twin", "generic"):
            before, after = (
                getattr(getattr(base.market.shoots, kind), mode),
                getattr(getattr(cfg.market.shoots, kind), mode),
            )
            assert after["photographer"] == 2 * before["photographer"] and after["stylist"] == 2 * before["stylist"]
            assert after["ai_content_producer"] == before["ai_content_producer"]  # not matched
        assert getattr(cfg.market.shoots, kind).human == getattr(base.market.shoots, kind).human
    assert cfg.regulation.consent_required is True
    assert with_values(base, {"regulation.consent_required": 0.3}).regulation.consent_required is False


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("ai.cost_per_imag", r"ai.cost_per_imag is not a config key"),
        ("market.segments.*.backlsh", r"market.segments.\*.backlsh is not a config key"),
        ("regulation.*", r"true/false values, which cannot be scaled|not a number"),
    ],
)
def test_a_bad_parameter_key_is_one_line_naming_it(key, message):
    with pytest.raises(ConfigError, match=message):
        with_values(make_config("population=classroom"), {key: 1.0})


def test_a_sampled_value_outside_the_schema_range_is_rejected():
    with pytest.raises(ConfigError, match=r"ai.adoption_q = 1.5 is out of range"):
        with_values(make_config("population=classroom"), {"ai.adoption_q": 1.5})


def test_each_arm_takes_the_world_and_keeps_its_own_rules():
    values = {"ai.cost_per_image": 7.0, "ai.adoption_q": 0.2, "regulation.ai_levy": 0.3}
    baseline = make_config("population=classroom")
    policy = make_config("population=classroom", "scenario=union_royalties")
    no_ai = make_config("population=classroom", "scenario=no_ai")
    assert arm_values(baseline, values) == values  # the design arm: everything, regulation included
    assert arm_values(policy, values) == {"ai.cost_per_image": 7.0, "ai.adoption_q": 0.2}  # its own rules
    assert arm_values(no_ai, values) == {"ai.cost_per_image": 7.0}  # AI stays unavailable
    ruled = with_values(policy, arm_values(policy, values))
    assert ruled.regulation.royalty_floor == 1.0 and ruled.regulation.ai_levy == 0.0 and ruled.ai.cost_per_image == 7.0


def test_the_noise_reference_changes_only_the_seed():
    cfg = to_schema(compose_config("experiment=sensitivity_screen", "seed=2"))
    points = design([vars(p) for p in cfg.sensitivity.parameters], cfg.sensitivity.base_samples, 1, "morris")
    on = int(np.argmax(points[:, -1] >= 0.5))
    off = int(np.argmax(points[:, -1] < 0.5))
    for point, seed in ((on, 2 + NOISE_SEED_SHIFT), (off, 2)):
        job = replace(cfg, sensitivity=replace(cfg.sensitivity, point=point))
        assert apply_design(job, "morris").seed == seed
        assert NOISE in point_values(job.sensitivity, "morris")


def test_a_design_point_outside_the_design_is_rejected():
    from sim.science import sensitivity

    k = len(to_schema(compose_config("experiment=sensitivity")).sensitivity.parameters)
    points = 2 * (k + 2)
    cfg = to_schema(
        compose_config("experiment=sensitivity", "sensitivity.base_samples=2", f"sensitivity.point={points}")
    )
    with pytest.raises(
        ConfigError, match=rf"sensitivity.point = {points} is out of range: allowed 0 <= value <= {points - 1}"
    ):
        sensitivity.apply_point(cfg)


def _sweep_of(*overrides: str) -> list[list[str]]:
    """The jobs Hydra's basic sweeper makes of these overrides (the experiment's params, then the line)."""
    from hydra import compose, initialize_config_dir

    from sim.runner.compose import CONFIG_DIR, register

    register()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        composed = compose("config", overrides=list(overrides), return_hydra_config=True)
    return collect.expand_sweep(dict(composed.hydra.sweeper.params), list(overrides))[0]


@pytest.mark.parametrize(("experiment", "jobs"), [("sensitivity", 8 * 2 * 2), ("sensitivity_screen", 8 * 4 * 2)])
def test_size_smoke_alone_makes_each_sensitivity_experiment_a_smoke_run(experiment, jobs):
    full = _sweep_of(f"experiment={experiment}")
    smoke = _sweep_of(f"experiment={experiment}", "size=smoke")
    assert len(smoke) == jobs < len(full) / 50
    cfg = to_schema(compose_config(f"experiment={experiment}", "size=smoke"))
    assert cfg.steps == 12 and cfg.population.name == "classroom" and len(cfg.sensitivity.parameters) == 2
    # the command line still wins over the smoke form
    assert len(_sweep_of(f"experiment={experiment}", "size=smoke", "sensitivity.base_samples=3")) == jobs // 2 * 3


def _runs(frame: dict) -> pd.DataFrame:
    return pd.DataFrame(frame).set_index(RUN)


def test_effects_pair_each_arm_with_its_reference_at_the_same_point_and_seed():
    runs = _runs(
        {
            "sensitivity.point": [0, 0, 0, 0, 1, 1],
            "scenario": ["baseline", "no_ai", "baseline", "no_ai", "baseline", "no_ai"],
            "seed": [0, 0, 1, 1, 0, 0],
            "incumbent_income": [90.0, 100.0, 120.0, 100.0, 50.0, 200.0],
            "ai_share": [30.0, 0.0, 50.0, 0.0, 10.0, 0.0],
            "income:top_model": [10.0, 10.0, 11.0, 10.0, 5.0, 10.0],
        }
    )
    per_seed = effects(runs)
    assert per_seed.loc[(0, 0), "incumbent_income"] == pytest.approx(-10.0)  # % against no AI
    assert per_seed.loc[(0, 1), "incumbent_income"] == pytest.approx(20.0)
    assert per_seed.loc[(1, 0), "ai_share"] == 10.0  # a share: the difference, in points
    means = point_means(per_seed)
    assert means.loc[0, "incumbent_income"] == pytest.approx(5.0) and means.loc[0, "seeds"] == 2
    assert means.loc[1, "income:top_model"] == pytest.approx(-50.0)
    noise = noise_share(per_seed, ["incumbent_income"])
    assert 0 < noise["incumbent_income"] <= 1


def test_robust_ranking_counts_points_and_names_the_parameter_that_decides():
    rng = np.random.default_rng(0)
    points = 60
    values = pd.DataFrame(
        {
            "ai.cost_per_image": rng.uniform(0.5, 20, points),
            "market.demand_growth": rng.uniform(-0.05, 0.1, points),
            NOISE: rng.uniform(0, 1, points),
        }
    )
    rows = []
    for point in range(points):
        for seed in (0, 1):
            raise_it = (
                values.loc[point, "ai.cost_per_image"] > 10
            )  # the rule raises top models' income only where AI is dear
            rows += [
                {
                    "sensitivity.point": point,
                    "scenario": "laissez_faire",
                    "seed": seed,
                    "income:top_model": 100.0,
                    "income:photographer": 50.0,
                },
                {
                    "sensitivity.point": point,
                    "scenario": "union_royalties",
                    "seed": seed,
                    "income:top_model": 110.0 if raise_it else 95.0,
                    "income:photographer": 50.0,
                },
            ]
    table = robustness.table(pd.DataFrame(rows).set_index(RUN), values)
    assert list(table.columns) == robustness.COLUMNS
    top = table.set_index("occupation").loc["top_model"]
    assert top["scenario"] == "union_royalties" and top["points"] == points
    assert top["share_raises"] == pytest.approx((values["ai.cost_per_image"] > 10).mean(), abs=0.001)
    assert "AI cost per image is high" in top["deciding"] and "demand" not in top["deciding"]
    photographers = table.set_index("occupation").loc["photographer"]
    assert photographers["share_raises"] == 0 and photographers["deciding"].startswith("no change at 100%")


def test_the_screen_finds_the_parameter_that_moves_an_output_and_not_the_noise():
    from sim.science import sensitivity_screen
    from sim.science.sensitivity_effects import OUTPUTS

    parameters = [
        {"key": "ai.cost_per_image", "low": 0.5, "high": 20.0, "log": True},
        {"key": "market.content_elasticity", "low": 0.0, "high": 1.5},
        {"key": "market.demand_growth", "low": -0.05, "high": 0.1},
    ]
    points = design(parameters, 20, seed=2, method="morris")
    rng = np.random.default_rng(1)
    noise = np.where(points[:, -1] >= 0.5, 0.2, 0.0)  # the noise reference moves the output a little
    outcome = 10 * points[:, 1] + noise + rng.normal(0, 0.01, len(points))
    means = pd.DataFrame({output: outcome for output in OUTPUTS})
    table = sensitivity_screen.elementary_effects(means, points, parameters, seed=1)
    assert sensitivity_screen.leading(table) == ["market.content_elasticity"]
    elasticity = table[(table["parameter"] == "market.content_elasticity") & (table["output"] == "ai_share")].iloc[0]
    assert elasticity["mu_star"] == pytest.approx(15.0, rel=0.05)  # the change over the whole range, 10 x 1.5


@pytest.mark.parametrize("experiment", ["sensitivity", "sensitivity_screen"])
def test_a_missing_salib_is_one_line_before_any_job_starts(cli, monkeypatch, tmp_path, experiment):
    monkeypatch.setitem(sys.modules, "SALib", None)  # `import SALib` fails as when the extra is not installed
    done = cli("-m", f"experiment={experiment}", "size=smoke", "hydra.sweep.dir=sweep")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        'error: the sensitivity experiments need SALib: run `.venv/bin/pip install -e ".[sensitivity]"`'
    ]
    assert not (tmp_path / "sweep" / "0").exists(), "no job started"


def test_a_bad_range_is_one_line_before_any_job_starts(cli, tmp_path):
    done = cli(
        "-m",
        "experiment=sensitivity",
        "size=smoke",
        "sensitivity.parameters=[{key: ai.cost_per_image, low: 5.0, high: 1.0}]",
        "hydra.sweep.dir=sweep",
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "error: sensitivity.parameters: ai.cost_per_image low = 5 is not below high = 1: allowed low < high"
    )
    assert not (tmp_path / "sweep" / "0").exists()


def test_a_screen_cut_short_is_analysed_on_its_complete_trajectories():
    from sim.science.sensitivity_screen import complete_trajectories

    length = 4  # 2 parameters + the noise reference + the start
    assert complete_trajectories(set(range(8)), 3, length) == [0, 1]
    assert complete_trajectories(set(range(12)) - {5}, 3, length) == [0, 2]
    assert complete_trajectories(set(), 3, length) == []


def test_the_polynomial_chaos_recovers_the_indices_of_a_polynomial_exactly():
    from sim.science import sensitivity_pce as pce

    z = np.random.default_rng(5).uniform(-1, 1, size=(120, 3))
    # Legendre polynomials of degree 1 and 2 with unit variance under the uniform distribution on [-1, 1]
    first, second = np.sqrt(3) * z, np.sqrt(5) * (3 * z**2 - 1) / 2
    y = 2 * first[:, 0] + second[:, 1] + first[:, 0] * first[:, 2]  # terms of variance 4, 1 and 1
    found = pce.indices(z, y, np.arange(120), seed=0, resamples=20)
    assert found["q2"] == pytest.approx(1.0) and found["degree"] >= 2
    np.testing.assert_allclose(found["S1"], [4 / 6, 1 / 6, 0], atol=1e-9)
    np.testing.assert_allclose(found["ST"], [5 / 6, 1 / 6, 1 / 6], atol=1e-9)
    assert (found["ST_conf"] < 1e-6).all()  # an exact fit leaves nothing for a resample to move


def test_the_polynomial_chaos_indices_of_the_ishigami_function_are_its_analytic_ones():
    from sim.science import sensitivity_pce as pce

    z = np.random.default_rng(1).uniform(-1, 1, size=(1024, 3))
    x = np.pi * z  # Ishigami (a = 7, b = 0.1) on [-pi, pi]^3: S1 and ST known in closed form
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    found = pce.indices(z, y, np.arange(1024), seed=0, resamples=50)
    assert found["q2"] > 0.95
    # within what the expansion leaves unexplained (1 - q2), and the intervals are those of a precise estimate
    np.testing.assert_allclose(found["S1"], [0.3139, 0.4424, 0.0], atol=1 - found["q2"])
    np.testing.assert_allclose(found["ST"], [0.5576, 0.4424, 0.2437], atol=1 - found["q2"])
    assert (found["ST_conf"] < 0.05).all()


def test_the_interval_goal_trusts_an_expansion_only_where_it_fits():
    from sim.science.sensitivity import interval_check

    table = pd.DataFrame(
        {
            "output": ["a", "a", "b"],
            "ST": [0.5, 0.05, 0.3],
            "ST_conf": [0.08, 0.01, 0.02],
            "ST_pce": [0.5, 0.05, 0.3],
            "ST_pce_conf": [0.02, 0.01, 0.03],
            "pce_misfit": [0.01, 0.01, 0.03],
        }
    )
    assert interval_check(table) == (pytest.approx(0.16), 2)
    assert interval_check(table, "pce") == (pytest.approx(0.06), 2)
    table.loc[table["output"] == "b", "pce_misfit"] = 0.3  # the expansion misses much of b: its intervals say nothing
    assert interval_check(table, "pce") == (float("inf"), 2)


def test_the_polynomial_chaos_reads_a_saltelli_design_with_a_log_range_in_log_units():
    from sim.science.sensitivity import PCE_COLUMNS, indices
    from sim.science.sensitivity_effects import OUTPUTS

    points = design(TWO, 64, seed=3, method="sobol")  # natural units; the cost per image has a log range
    z_cost = 2 * np.log(points[:, 0] / 0.5) / np.log(20.0 / 0.5) - 1  # its position on the range, in log units
    z_days = 2 * (points[:, 1] - 1) / (5 - 1) - 1
    y = 3 * np.sqrt(3) * z_cost + np.sqrt(3) * z_days  # variances 9 and 1: ST 0.9 and 0.1
    table = indices(pd.DataFrame({output: y for output in OUTPUTS}), TWO, points, seed=0)
    found = table[table["output"] == next(iter(OUTPUTS))].set_index("parameter")
    np.testing.assert_allclose(found["ST_pce"], [0.9, 0.1], atol=1e-9)
    np.testing.assert_allclose(found["S1_pce"], [0.9, 0.1], atol=1e-9)
    assert found["pce_q2"].iloc[0] == pytest.approx(1.0)
    assert set(PCE_COLUMNS) <= set(table.columns)
