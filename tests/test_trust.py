"""Issue 17: results that cannot silently go wrong. One test (or a few) per defect, numbered as in the issue.

Each test fails on the code the issue was filed against and passes now. In-process where the exit
code is not the point: small classroom runs of 6 months into temporary folders.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import compose_config, make_config
from omegaconf import OmegaConf

from sim.report import page as report
from sim.report import results
from sim.runner import collect, errors, io, jobs
from sim.runner.run import run

SMALL = ("population=classroom", "steps=6")
GRID = [("scenario=no_ai", "seed=0"), ("scenario=no_ai", "seed=1"), ("scenario=laissez_faire", "seed=0")]


def run_job(job_dir: Path, overrides: tuple[str, ...]) -> None:
    """A job folder as a sweep leaves it: .hydra/ with the config and overrides, then a real run."""
    cfg = compose_config(*overrides)
    (job_dir / ".hydra").mkdir(parents=True, exist_ok=True)
    (job_dir / ".hydra" / "config.yaml").write_text(OmegaConf.to_yaml(cfg), encoding="utf-8")
    (job_dir / ".hydra" / "overrides.yaml").write_text(OmegaConf.to_yaml(list(overrides)), encoding="utf-8")
    run(cfg, job_dir, figures=False)


@pytest.fixture(scope="module")
def built_sweep(tmp_path_factory) -> Path:
    """Three real jobs (no_ai seeds 0 and 1, laissez_faire seed 0), not collected yet."""
    sweep = tmp_path_factory.mktemp("sweep")
    for number, overrides in enumerate(GRID):
        run_job(sweep / str(number), (*SMALL, *overrides))
    return sweep


@pytest.fixture
def sweep(built_sweep, tmp_path) -> Path:
    """A private copy of the sweep, collected, for a test to damage."""
    copy = tmp_path / "sweep"
    shutil.copytree(built_sweep, copy)
    collect.collect(copy)
    return copy


@pytest.fixture
def run_dir(built_sweep, tmp_path) -> Path:
    """A private copy of one complete run folder."""
    copy = tmp_path / "run"
    shutil.copytree(built_sweep / "2", copy)
    return copy


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    error = captured.err.strip()
    assert error.startswith("error: ") and "\n" not in error and "Traceback" not in captured.err, captured.err
    return error


# 1. data loss -----------------------------------------------------------------------------------
def test_1_collect_refuses_a_run_folder_and_leaves_it_untouched(run_dir, capsys):
    before = snapshot(run_dir)
    with pytest.raises(collect.CollectError, match="single run"):
        collect.collect(run_dir)
    assert collect.main([str(run_dir)]) == errors.BAD_INPUT
    assert "not a sweep" in one_line_error(capsys)
    assert snapshot(run_dir) == before and io.is_complete(run_dir)


# 2. wrong numbers -------------------------------------------------------------------------------
def test_2_a_job_missing_a_column_is_invalid_named_and_rerun(sweep, capsys):
    job = sweep / "0"
    table = pd.read_parquet(job / "occupations.parquet").drop(columns="income_median")
    table.to_parquet(job / "occupations.parquet", index=False)
    before = snapshot(sweep)
    jobs_table = collect.collect(sweep)
    row = jobs_table.set_index("job").loc["0"]
    assert row["status"] == "invalid" and "income_median" in row["error"]
    assert snapshot(sweep) == before  # an incomplete sweep is not combined unless asked
    assert collect.main([str(sweep)]) == errors.FAILED
    assert "1 invalid" in capsys.readouterr().out
    overrides = json.loads((job / jobs.JOB_RECORD).read_text())["overrides"] if (job / jobs.JOB_RECORD).exists() else []
    assert not jobs.is_done(job, overrides)  # the sweep reruns it
    collect.collect(sweep, partial=True)  # explicitly partial: the job is left out, the report says so
    combined = pd.read_parquet(sweep / "occupations.parquet")
    assert set(combined["job"]) == {"1", "2"} and "income_median" in combined.columns
    assert results.load(sweep).partial


# 3. a failed sweep exits 0 ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("error", "code"),
    [(OSError(errno.ENOSPC, "No space left on device", "x.parquet"), 3), (RuntimeError("boom"), 1)],  # 3 ENVIRONMENT
)
def test_3_any_exception_in_the_collect_callback_exits_non_zero(tmp_path, monkeypatch, capsys, error, code):
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(collect, "collect", broken)
    config = OmegaConf.create({"hydra": {"sweep": {"dir": str(tmp_path)}}})
    with pytest.raises(SystemExit) as stop:
        collect.CollectCallback().on_multirun_end(config)
    assert stop.value.code == code
    assert "collecting the sweep failed" in one_line_error(capsys)


# 4. stale tables ----------------------------------------------------------------------------------
@pytest.mark.slow  # builds a report
def test_4_an_interrupted_rerun_leaves_no_table_that_looks_current(sweep, capsys):
    assert report.main([str(sweep)]) == 0
    capsys.readouterr()
    io.mark_incomplete(sweep / "1")  # a rerun after a code change started job 1, then was interrupted
    assert report.main([str(sweep)]) == errors.BAD_INPUT
    assert "not current" in one_line_error(capsys)
    collect.CollectCallback().on_multirun_start(OmegaConf.create({"hydra": {"sweep": {"dir": str(sweep)}}}))
    assert not any((sweep / name).exists() for name in ("jobs.parquet", "occupations.parquet", "collect.json"))


def test_4_tables_edited_after_collect_are_refused(sweep, capsys):
    table = pd.read_parquet(sweep / "market.parquet")
    table.iloc[:-1].to_parquet(sweep / "market.parquet", index=False)
    assert report.main([str(sweep)]) == errors.BAD_INPUT
    assert "market.parquet changed after collect" in one_line_error(capsys)


# 5. completeness is file existence --------------------------------------------------------------
def test_5_a_truncated_table_makes_a_run_incomplete_and_its_job_rerun(run_dir):
    path = run_dir / "cohorts.parquet"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert not io.is_complete(run_dir)
    assert not jobs.is_done(run_dir, [])
    from sim.runner.verify import problem

    assert "cohorts.parquet" in problem(run_dir)


def test_5_a_changed_table_fails_its_checksum(run_dir):
    table = pd.read_parquet(run_dir / "market.parquet")
    table["worker_pay"] = table["worker_pay"] * 2  # same columns, same rows, other numbers
    table.to_parquet(run_dir / "market.parquet", index=False)
    from sim.runner.verify import problem

    assert "checksum" in problem(run_dir)


# 6. unbounded inputs ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "override",
    ["market.shoots.campaign.human.top_model=1e308", "market.shoots.ecommerce.human.ecommerce_model=1e6"],
)
def test_6_a_recipe_value_past_its_derived_bound_is_refused_before_the_run(tmp_path, override):
    from sim.core.schema import ConfigError

    with pytest.raises(ConfigError, match=r"market\.shoots\..*out of range"):
        run(make_config("population=city", "steps=6", override), tmp_path / "out", figures=False)
    assert not (tmp_path / "out" / "summary.json").exists()


def test_6_the_seed_and_the_head_count_have_bounds(tmp_path, monkeypatch):
    from sim.core.schema import ConfigError

    cfg = make_config(*SMALL)
    with pytest.raises(ConfigError, match="seed"):
        run(dataclasses.replace(cfg, seed=2**63), tmp_path / "a", figures=False)
    workers = dict(cfg.population.workers, ecommerce_model=10**9)
    huge = dataclasses.replace(cfg, population=dataclasses.replace(cfg.population, workers=workers))
    with pytest.raises(ConfigError, match=r"population\.workers\.ecommerce_model"):
        run(huge, tmp_path / "b", figures=False)


def test_6_a_population_that_will_not_fit_is_refused_with_one_line_before_it_is_built(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sim.runner.limits.available_memory", lambda: 2 * 2**30)
    cfg = make_config(*SMALL)
    workers = dict(cfg.population.workers, ecommerce_model=10_000_000)
    huge = dataclasses.replace(cfg, population=dataclasses.replace(cfg.population, workers=workers))
    with pytest.raises(MemoryError) as refused:
        run(huge, tmp_path / "out", figures=False)
    assert "GiB" in str(refused.value) and errors.exit_code(refused.value) == errors.ENVIRONMENT

    def entry():
        raise refused.value

    with pytest.raises(SystemExit) as stop:
        errors.guard(entry)
    assert stop.value.code == errors.ENVIRONMENT and "smaller population" in one_line_error(capsys)


# 7. copied folders --------------------------------------------------------------------------------
def test_7_a_copied_job_folder_is_not_an_extra_job(sweep):
    shutil.copytree(sweep / "0", sweep / "3")
    table = collect.collect(sweep, partial=True)
    assert table.set_index("job").loc["3", "status"] == "duplicate"
    assert sorted(pd.read_parquet(sweep / "occupations.parquet")["job"].unique()) == ["0", "1", "2"]
    assert results.load(sweep).seeds("no_ai") == [0, 1]


# 8. deletion outside the run --------------------------------------------------------------------
def test_8_clearing_a_run_folder_never_follows_a_figures_link(tmp_path):
    outside = tmp_path / "mine"
    outside.mkdir()
    (outside / "holiday.png").write_bytes(b"png")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "figures").symlink_to(outside, target_is_directory=True)
    (run_dir / "summary.json").write_text("{}")
    io.mark_incomplete(run_dir)
    assert (outside / "holiday.png").read_bytes() == b"png"
    assert not (run_dir / "figures").exists() and not (run_dir / "summary.json").exists()


# 9. the one-line promise --------------------------------------------------------------------------
def test_9_damaged_run_folders_give_one_line_and_exit_2(run_dir, capsys):
    (run_dir / "summary.json").write_text("{garbage")
    assert report.main([str(run_dir)]) == errors.BAD_INPUT
    assert "summary.json is damaged" in one_line_error(capsys)
    (run_dir / "summary.json").write_text("[]")
    assert report.main([str(run_dir)]) == errors.BAD_INPUT
    one_line_error(capsys)


def test_9_a_full_disk_is_one_line_and_the_environment_code(sweep, monkeypatch, capsys):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(sweep / "jobs.parquet"))

    monkeypatch.setattr(io, "write_parquet", full)
    (sweep / "collect.json").unlink()
    assert collect.main([str(sweep)]) == errors.ENVIRONMENT
    assert "No space left on device" in one_line_error(capsys)

    def entry():
        raise OSError(errno.ENOSPC, "No space left on device", "out/occupations.parquet")

    with pytest.raises(SystemExit) as stop:
        errors.guard(entry)
    assert stop.value.code == errors.ENVIRONMENT  # not 2, the bad-input code
    one_line_error(capsys)


@pytest.mark.parametrize(
    ("failure", "says"),
    [
        (OSError(errno.ENOSPC, "No space left on device", "out/occupations.parquet"), "No space left on device"),
        (MemoryError(), "out of memory"),
    ],
    ids=["full disk", "out of memory"],
)
def test_9_a_run_stopped_by_the_machine_prints_one_line_and_the_environment_code(cli, monkeypatch, failure, says):
    def refused(*args, **kwargs):
        raise failure

    monkeypatch.setattr("sim.runner.run.run", refused)
    done = cli("population=classroom", "steps=2")
    assert done.returncode == errors.ENVIRONMENT
    assert done.stderr.splitlines() == [done.stderr.strip()] and says in done.stderr, done.stderr  # Hydra's line too


@pytest.mark.slow  # draws the report's figures
def test_9_a_scenario_label_with_dollars_is_text_not_mathtext(tmp_path, capsys):
    cfg = dataclasses.replace(make_config(*SMALL), scenario_name=r"cost $\notacommand{ x$")
    run(cfg, tmp_path / "run", figures=False)
    assert report.main([str(tmp_path / "run")]) == 0, capsys.readouterr().err


# 11. provenance -----------------------------------------------------------------------------------
def test_11_missing_provenance_shows_as_missing(run_dir):
    (run_dir / ".hydra" / "overrides.yaml").unlink()
    (run_dir / ".hydra" / "config.yaml").unlink()
    loaded = results.load(run_dir)
    html = report._configurations(loaded)
    assert "provenance missing" in html and "MISSING" in html and "(defaults)" not in html


def test_11_the_reference_is_the_run_that_declares_no_ai_not_the_one_named_so(sweep):
    loaded = results.load(sweep)
    assert loaded.has_baseline  # the real no_ai scenario: adoption_p = adoption_q = 0
    loaded.configs["no_ai"]["ai"]["adoption_p"] = 0.03  # a run with AI, relabelled scenario_name=no_ai
    assert not loaded.has_baseline
    assert "not used as the reference" in report._configurations(loaded)
    loaded.configs.pop("no_ai")  # no config to show what it declares: not a reference either
    assert not loaded.has_baseline


# 10. orphans ---------------------------------------------------------------------------------------
def _children(pid: int) -> set[int]:
    """The pids whose parent is ``pid`` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow  # a real joblib sweep in a subprocess, killed
def test_10_sweep_workers_end_when_the_main_process_is_killed(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    sweep = tmp_path / "sweep"
    main = subprocess.Popen(
        [sys.executable, "-m", "sim", "-m", "population=city", "steps=1200", "seed=0,1",
         f"hydra.sweep.dir={sweep}", "hydra.launcher.n_jobs=2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not (sweep / "0" / ".hydra").is_dir():
            time.sleep(0.2)
        assert (sweep / "0" / ".hydra").is_dir(), "the sweep's first job never started"
        workers = _children(main.pid)
        assert workers, "no worker processes"
        main.send_signal(signal.SIGKILL)
        main.wait(timeout=10)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
            time.sleep(0.5)
        left = [pid for pid in workers if _alive(pid)]
        assert not left, f"workers {left} outlived the killed main process"
    finally:
        if main.poll() is None:
            main.kill()
        for pid in workers:  # started by this test: end any that lived on
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
