"""The benchmark's sweep efficiency: the model's seconds over the sweep's wall seconds x cores (sim.dev.bench)."""

from __future__ import annotations

import os
from pathlib import Path

from sim.dev import bench


def test_sweep_efficiency_is_model_seconds_over_wall_times_cores(monkeypatch, tmp_path):
    def fake_multirun(overrides, launcher, sweep_dir: Path) -> float:
        for job in range(3):
            (sweep_dir / str(job)).mkdir(parents=True)
            (sweep_dir / str(job) / "summary.json").write_text("{}")
        return 10.0 if launcher == "basic" else 5.0

    monkeypatch.setattr(bench, "_multirun", fake_multirun)
    monkeypatch.setattr(bench, "model_seconds", lambda sweep_dir: 6.0)
    sweep = bench.sweep_throughput(1)
    cores = os.cpu_count()
    assert sweep["model_seconds"] == 6.0 and sweep["efficiency"] == round(6.0 / (5.0 * cores), 3)
    assert sweep["speedup"] == 2.0 and bench.TARGETS["sweep_efficiency_min"] == 0.5


def test_model_seconds_runs_each_jobs_config_again(tmp_path):
    for job, seed in (("0", 0), ("1", 1)):
        (tmp_path / job / ".hydra").mkdir(parents=True)
        (tmp_path / job / ".hydra" / "overrides.yaml").write_text(f"- population=classroom\n- steps=2\n- seed={seed}\n")
    assert 0 < bench.model_seconds(tmp_path) < 10
