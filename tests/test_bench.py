"""The benchmark command's parts, on the smallest preset (the full benchmark is not a test)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim.dev import bench


@pytest.mark.slow
def test_one_preset_in_a_subprocess_reports_every_stage():
    figures = bench._fastest_of([bench.measure_in_subprocess("classroom", 3) for _ in range(2)], "steps_seconds")
    assert figures["workers"] == 500 and figures["steps"] == 3
    assert len(figures["runs_steps_seconds"]) == 2 and figures["steps_seconds"] == min(figures["runs_steps_seconds"])
    assert figures["agent_steps"] == 500 * 3  # workers x steps, as docs/design.md section 9 defines agent-steps
    # workers x steps counts the first workforce; the active ones each month may be a few more (entrants) or fewer
    assert 0.9 * figures["agent_steps"] <= figures["active_worker_steps"] <= 1.1 * figures["agent_steps"]
    assert figures["agent_steps_per_second"] > 0 and 0 < figures["peak_memory_mib"] < 1024
    assert set(figures["stage_shares"]) == {*bench.STAGES, "other"}
    assert sum(figures["stage_shares"].values()) == pytest.approx(1.0, abs=0.01)
    assert all(share >= 0 for label, share in figures["stage_shares"].items() if label != "other")


def test_boltzmann_reference_runs_for_its_budget():
    runs = [bench.boltzmann_reference(0.2, agents=100) for _ in range(2)]
    reference = bench._fastest_of(runs, "agent_steps_per_second")
    assert reference["steps"] >= 1 and reference["steps_seconds"] >= 0.2
    assert reference["agent_steps_per_second"] == max(reference["runs_agent_steps_per_second"]) > 0


def test_sweep_measured_is_policy_comparison_at_city_with_the_seeds_asked():
    from tests.test_sweeps import SCENARIOS, sweep_of

    jobs, swept = sweep_of(*bench.sweep_overrides(2))
    assert swept == ["scenario", "seed"] and len(jobs) == 2 * len(SCENARIOS)
    assert "population=city" in bench.sweep_overrides(2)


def test_bad_arguments_give_one_line_and_exit_2():
    done = subprocess.run(
        [sys.executable, "-m", "sim.dev.bench", "--steps", "0"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "--steps = 0" in done.stderr and "allowed integers >= 1" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "sim.dev.bench", "--repeats", "0"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2 and "--repeats = 0" in done.stderr


def test_runs_of_a_preset_merge_into_the_fastest_with_every_time_and_the_peak_memory():
    slow = {"steps_seconds": 2.0, "agent_steps_per_second": 900, "peak_memory_mib": 300.0, "ms_per_step": 20.0}
    fast = {"steps_seconds": 1.5, "agent_steps_per_second": 1200, "peak_memory_mib": 200.0, "ms_per_step": 15.0}
    merged = bench._fastest_of([slow, fast], "steps_seconds")
    assert merged["ms_per_step"] == 15.0 and merged["runs_steps_seconds"] == [2.0, 1.5]
    assert merged["peak_memory_mib"] == 300.0


@pytest.mark.slow
def test_a_childs_peak_memory_is_its_own_not_its_parents():
    import numpy as np

    ballast = np.ones(80_000_000)  # 610 MiB in this process, the child's parent
    figures = bench.measure_in_subprocess("classroom", 2)
    assert ballast[-1] == 1.0 and figures["peak_memory_mib"] < 400
