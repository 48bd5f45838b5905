"""Output size: aggregated tables by default, per-worker Parquet records only on request."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hydra.errors import ConfigCompositionException

from sim.runner.run import run
from tests.conftest import make_config


@pytest.mark.slow  # two runs with every output written
def test_agent_records_only_when_asked_and_they_add_up_to_the_aggregates(tmp_path):
    plain, detailed = tmp_path / "plain", tmp_path / "detailed"
    run(make_config("population=classroom", "steps=24", "ai=fast"), plain)
    run(make_config("population=classroom", "steps=24", "ai=fast", "output.agent_records=true"), detailed)
    assert not (plain / "agents.parquet").exists()
    for table in ("occupations.parquet", "market.parquet"):  # asking for records changes no result
        assert (plain / table).read_bytes() == (detailed / table).read_bytes()

    agents = pd.read_parquet(detailed / "agents.parquet")
    occupations = pd.read_parquet(detailed / "occupations.parquet")
    assert set(agents.columns) >= {"step", "worker", "occupation", "day_rate", "days_worked", "income"}
    assert not agents.duplicated(["step", "worker"]).any()
    key = ["step", "occupation"]
    summed = agents.groupby(key, observed=True).agg(days=("days_worked", "sum"), income=("income", "sum"))
    table = occupations.set_index(key).join(summed, how="left").fillna(0)
    assert (table["days"] == table["days_worked"]).all()
    np.testing.assert_allclose(table["income"], table["income_total"], atol=0.01)
    # day_rate is the rate each was paid at: a crew member's income is her days at it, plus any royalty
    crew = agents[agents["occupation"].isin(["photographer", "stylist", "makeup_artist"])]
    assert ((crew["day_rate"] * 100).round() / 100 == crew["day_rate"]).all()  # whole cents
    np.testing.assert_allclose(crew["income"], crew["days_worked"] * crew["day_rate"] + crew["royalties"], atol=0.005)
    # the head count at the end of a month = that month's workers still active + the month's entrants
    still = agents[agents["active_at_end"]].groupby(key, observed=True).size().reindex(table.index, fill_value=0)
    assert (table["active"] == still + table["entries"]).all()


def test_agent_records_flag_rejects_a_non_boolean():
    with pytest.raises(ConfigCompositionException, match="agent_records"):
        make_config("population=classroom", "output.agent_records=maybe")


def test_git_revision_names_the_checkout_only_for_its_own_code(tmp_path):
    """A copy of the package inside a checkout (a non-editable install in .venv/) is not that checkout's commit."""
    import re
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from sim.runner.run import git_revision

    root = Path(__file__).resolve().parents[1]
    if shutil.which("git") is None or not (root / ".git").exists():
        pytest.skip("not a git checkout")
    assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?", git_revision())
    copy = root / ".venv" / f"copy-{tmp_path.name}"  # .venv/ is ignored by git, as an installed package is
    try:
        shutil.copytree(root / "sim", copy / "sim", ignore=shutil.ignore_patterns("__pycache__", "configs"))
        code = "from sim.runner.run import git_revision; print(git_revision())"
        env = {"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"}
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=copy, check=True
        )
        assert done.stdout.strip() == "unknown"
    finally:
        shutil.rmtree(copy, ignore_errors=True)
