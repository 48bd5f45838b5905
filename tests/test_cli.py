"""The command line, run as a user would: a subprocess writing into a temporary directory.

Bad input on the command line (one clear line, exit status 2) is tests/test_bad_inputs.py's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    env.pop("HYDRA_FULL_ERROR", None)
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300
    )


def test_cli_writes_every_file_of_the_contract(tmp_path):
    out = tmp_path / "run"
    done = run_cli(
        "population=classroom",
        "regulation=fashion_workers_act",
        "seed=3",
        "steps=24",
        "regulation.royalty_floor=0.5",
        f"hydra.run.dir={out}",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "Step" not in (out / "cli.log").read_text()  # Mesa's per-step log is silent
    for name in (
        "occupations.parquet",
        "market.parquet",
        "summary.json",
        ".hydra/config.yaml",
        ".hydra/overrides.yaml",
    ):
        assert (out / name).is_file(), name
    for figure in ("employment.png", "income.png", "ai_share.png"):
        assert (out / "figures" / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    occupations = pd.read_parquet(out / "occupations.parquet")
    assert len(occupations) == 24 * 6
    assert set(occupations["occupation"]) == {
        "top_model",
        "ecommerce_model",
        "photographer",
        "stylist",
        "makeup_artist",
        "ai_content_producer",
    }
    expected = [
        "step",
        "date",
        "occupation",
        "active",
        "employed",
        "days_worked",
        "income_total",
        "income_mean",
        "income_median",
        "income_p10",
        "income_p90",
        "gini",
        "entries",
        "exits",
        "retrained",
        "displaced",
        "to_ai",
        "supported",
        "income_royalties",
    ]
    assert list(occupations.columns) == expected
    market = pd.read_parquet(out / "market.parquet")
    assert len(market) == 24 and str(market["date"].iloc[0])[:7] == "2025-01"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 3 and summary["regulation"] == "fashion_workers_act"
    assert set(summary["occupations"]) == set(occupations["occupation"])
    assert "Step" not in done.stdout + done.stderr  # Mesa's per-step log is silent


def test_results_are_ordinary_readable_files(tmp_path):
    from sim.runner import io

    io.write_json({"a": 1}, tmp_path / "x.json")
    assert (tmp_path / "x.json").stat().st_mode & 0o044 == 0o044  # group and others may read
