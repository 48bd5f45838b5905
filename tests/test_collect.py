"""sim.runner.collect on hand-made sweep directories: files only, no model runs."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from sim.core.schema import ConfigError
from sim.runner import collect, io, jobs, verify

GRID_PARAMS = {"ai.cost_per_image": "1.0,4.0", "seed": "range(2)"}


def write_job(job_dir, overrides, config, choices=None, status="complete", environment=None):
    """A job folder as Hydra and sim.runner.run leave it: .hydra/ always, results when complete."""
    (job_dir / ".hydra").mkdir(parents=True)
    (job_dir / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    (job_dir / ".hydra" / "config.yaml").write_text(yaml.safe_dump(config))
    (job_dir / ".hydra" / "hydra.yaml").write_text(yaml.safe_dump({"hydra": {"runtime": {"choices": choices or {}}}}))
    if status == "complete":
        contract = verify.contract()  # every column of the output contract, as sim.runner.run writes them
        step = {"step": [0, 1], "occupation": ["top_model", "top_model"], "active": [3, 4]}
        for name, values in (("occupations", step), ("market", {"step": [0, 1], "ai_share_campaign": [0.0, 0.5]})):
            table = pd.DataFrame({column: values.get(column, [0, 0]) for column in contract[f"{name}.parquet"]})
            io.write_parquet(table, job_dir / f"{name}.parquet")
        cohorts = pd.DataFrame({column: [0] for column in contract["cohorts.parquet"]})
        io.write_parquet(cohorts, job_dir / "cohorts.parquet")
        summary = {"seed": config["seed"], "environment": environment or {"numpy": "2.5.5", "numpy_simd": []}}
        io.write_json({**summary, "tables": verify.table_records(job_dir)}, job_dir / "summary.json")
    elif status == "failed":
        (job_dir / jobs.ERROR_FILE).write_text("ai.cost_per_image = -1 is out of range\n")


def make_sweep(root, params=GRID_PARAMS, task=("population=classroom",), subdir="${hydra.job.num}"):
    sweep = {
        "hydra": {
            "sweeper": {"_target_": "hydra._internal.core_plugins.basic_sweeper.BasicSweeper", "params": params},
            "sweep": {"dir": str(root), "subdir": subdir},
            "overrides": {"task": list(task)},
        },
        "seed": 0,
        "scenario_name": "baseline",
        "ai": {"cost_per_image": 3.0},
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / "multirun.yaml").write_text(yaml.safe_dump(sweep))
    return root


def config_for(cost, seed, scenario="baseline"):
    return {"seed": seed, "scenario_name": scenario, "ai": {"cost_per_image": cost}, "population": {"name": "x"}}


def test_grid_follows_hydra_and_the_command_line_wins():
    grid, swept = collect.expand_sweep({"scenario": "a,b", "seed": "range(20)"}, ["steps=12", "seed=0,1"])
    assert len(grid) == 4 and swept == ["scenario", "seed"]
    assert grid[0] == ["scenario=a", "seed=0", "steps=12"]
    grid, swept = collect.expand_sweep({"scenario": "a,b", "seed": "range(20)"}, ["seed=5"])
    assert [job[1] for job in grid] == ["seed=5", "seed=5"] and swept == ["scenario"]


def test_a_sweep_that_cannot_be_expanded_here_has_no_plan_and_raises_nothing(tmp_path):
    """glob() needs Hydra's config loader: the sweep's start and collect fall back to the job folders found."""
    from omegaconf import OmegaConf

    sweep = make_sweep(tmp_path / "sweep", params={"regulation": "glob(fashion*)"})
    assert collect.sweep_plan(sweep) is None
    assert collect.planned_jobs(OmegaConf.create(yaml.safe_load((sweep / "multirun.yaml").read_text()))) is None
    grid, swept = collect.planned_jobs(
        OmegaConf.create(yaml.safe_load(make_sweep(tmp_path / "b").joinpath("multirun.yaml").read_text()))
    )
    assert len(grid) == 4 and swept == ["ai.cost_per_image", "seed"]  # a DictConfig as Hydra hands it to a callback


def test_combined_tables_hold_complete_jobs_and_list_failed_and_missing(tmp_path):
    sweep = make_sweep(tmp_path / "sweep")
    grid, _ = collect.expand_sweep(GRID_PARAMS, ["population=classroom"])
    assert grid[1] == ["ai.cost_per_image=1.0", "seed=1", "population=classroom"]
    write_job(sweep / "0", grid[0], config_for(1.0, 0))
    write_job(sweep / "1", grid[1], config_for(1.0, 1), status="failed")
    write_job(sweep / "2", grid[2], config_for(4.0, 0))
    # job 3 never started: no folder at all
    table = collect.collect(sweep, partial=True)
    assert list(table.columns) == collect.JOB_COLUMNS
    assert table["status"].tolist() == ["complete", "failed", "complete", "missing"]
    assert table["job"].tolist() == ["0", "1", "2", "3"]
    assert table["seed"].tolist() == [0, 1, 0, 1]
    assert table["scenario"].tolist() == ["baseline"] * 4
    assert table.loc[1, "error"] == "ai.cost_per_image = -1 is out of range"
    assert table["error"].isna().tolist() == [True, False, True, True]
    assert table.loc[3, "overrides"] == "ai.cost_per_image=4.0 seed=1 population=classroom"
    assert pd.read_parquet(sweep / "jobs.parquet").equals(table)

    occupations = pd.read_parquet(sweep / "occupations.parquet")
    assert list(occupations.columns[:4]) == ["job", "scenario", "seed", "ai.cost_per_image"]
    assert occupations["job"].tolist() == ["0", "0", "2", "2"]
    assert occupations["ai.cost_per_image"].tolist() == [1.0, 1.0, 4.0, 4.0]
    assert occupations["ai.cost_per_image"].dtype == "float64" and occupations["seed"].dtype == "int64"
    assert occupations.groupby("ai.cost_per_image")["active"].sum().to_dict() == {1.0: 7, 4.0: 7}
    market = pd.read_parquet(sweep / "market.parquet")
    assert len(market) == 4 and "ai_share_campaign" in market


def test_collect_lists_the_environments_the_jobs_ran_in_and_says_when_they_differ(tmp_path):
    sweep = make_sweep(tmp_path / "sweep")
    grid, _ = collect.expand_sweep(GRID_PARAMS, ["population=classroom"])
    older_node = {"numpy": "2.5.5", "numpy_simd": ["X86_V3"]}
    for number, job in enumerate(grid):
        environment = older_node if number == 3 else None
        write_job(sweep / str(number), job, config_for(1.0, number % 2), environment=environment)
    jobs_table = collect.collect(sweep)
    environments = json.loads((sweep / collect.SWEEP_MARKER).read_text())["environments"]
    assert [group["jobs"] for group in environments] == [["0", "1", "2"], ["3"]]
    assert environments[1]["environment"] == older_node
    assert "the jobs ran in 2 environments" in collect.report_line(sweep, jobs_table)
    (sweep / "3" / "summary.json").unlink()  # the odd one out rerun on the usual nodes: one environment again
    write_job(sweep / "3b", grid[3], config_for(1.0, 1))
    (sweep / "3b" / "summary.json").rename(sweep / "3" / "summary.json")
    for name in ("occupations", "market", "cohorts"):
        (sweep / "3b" / f"{name}.parquet").replace(sweep / "3" / f"{name}.parquet")
    jobs_table = collect.collect(sweep)
    assert "environments" not in collect.report_line(sweep, jobs_table)
    assert "versions of the code" not in collect.report_line(sweep, jobs_table)
    # a job rerun after the code or a config changed ran other code than the rest (its job.json says which)
    (sweep / "2" / jobs.JOB_RECORD).write_text(json.dumps({"overrides": grid[2], "code": "0123456789abcdef"}))
    jobs_table = collect.collect(sweep)
    groups = json.loads((sweep / collect.SWEEP_MARKER).read_text())["environments"]
    assert [(group["code"], group["jobs"]) for group in groups] == [
        (None, ["0", "1", "3"]),
        ("0123456789abcdef", ["2"]),
    ]
    line = collect.report_line(sweep, jobs_table)
    assert "the jobs ran 2 versions of the code or configs" in line and "environments" not in line
    # the jobs table's error column is text whether or not a job failed (a sweep's tables concatenate)
    assert str(pq.read_schema(sweep / "jobs.parquet").field("error").type) in ("string", "large_string")


def test_group_sweeps_take_the_choice_and_scenario_its_name(tmp_path):
    sweep = make_sweep(tmp_path / "s", params={"scenario": "no_ai,replica_ban", "regulation": "none"})
    grid, swept = collect.expand_sweep({"scenario": "no_ai,replica_ban", "regulation": "none"}, [])
    assert swept == ["scenario"]
    for number, (job, scenario) in enumerate(zip(grid, ["no_ai", "replica_ban"], strict=True)):
        write_job(sweep / str(number), job, config_for(3.0, 0, scenario), choices={"scenario": scenario})
    collect.collect(sweep)
    market = pd.read_parquet(sweep / "market.parquet")
    assert market.groupby("scenario")["job"].first().to_dict() == {"no_ai": "0", "replica_ban": "1"}
    assert "regulation" not in market  # not swept: one value only


def test_collect_reads_each_job_file_once(tmp_path, monkeypatch):
    """A sweep of hundreds of jobs: each job's config is parsed once, and Hydra's own record only for a group sweep."""
    sweep = make_sweep(tmp_path / "sweep")
    grid, _ = collect.expand_sweep(GRID_PARAMS, ["population=classroom"])
    for number, job in enumerate(grid):
        write_job(sweep / str(number), job, config_for(1.0 + 3.0 * (number // 2), number % 2))
    read, real = [], io.read_yaml
    monkeypatch.setattr(io, "read_yaml", lambda path: read.append(str(path)) or real(path))
    collect.collect(sweep)
    assert len(read) == len(set(read)) == 1 + 2 * len(grid)  # multirun.yaml, then each job's overrides and config
    assert not [path for path in read if path.endswith("hydra.yaml")]
    assert pd.read_parquet(sweep / "occupations.parquet")["ai.cost_per_image"].tolist() == [1.0] * 4 + [4.0] * 4


def test_without_multirun_yaml_every_job_folder_is_listed(tmp_path):
    sweep = tmp_path / "copied_from_cluster"
    for number, cost in enumerate([0.5, 2.0, 8.0]):
        overrides = [f"ai.cost_per_image={cost}", "seed=0"]
        write_job(sweep / str(number), overrides, config_for(cost, 0), status="complete" if number else "killed")
    table = collect.collect(sweep, partial=True)
    assert table["status"].tolist() == ["missing", "complete", "complete"]
    occupations = pd.read_parquet(sweep / "occupations.parquet")
    assert sorted(occupations["ai.cost_per_image"].unique()) == [2.0, 8.0]
    assert "seed" in occupations and (occupations["seed"] == 0).all()


def test_a_sweep_with_no_complete_job_writes_empty_tables(tmp_path):
    sweep = make_sweep(tmp_path / "empty")
    table = collect.collect(sweep, partial=True)
    assert (table["status"] == "missing").all() and len(table) == 4
    assert pd.read_parquet(sweep / "occupations.parquet").empty


def test_command_line_names_the_directory_and_fails_cleanly(tmp_path, capsys):
    sweep = make_sweep(tmp_path / "sweep")
    grid, _ = collect.expand_sweep(GRID_PARAMS, ["population=classroom"])
    for number, job in enumerate(grid):
        write_job(sweep / str(number), job, config_for(1.0, number % 2))
    assert collect.main([str(sweep)]) == 0
    assert "4 jobs, 4 complete, 0 failed, 0 missing" in capsys.readouterr().out
    assert collect.main([str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err.strip() == f"error: sweep directory {tmp_path / 'nowhere'} does not exist"


def test_job_record_decides_whether_a_job_is_done(tmp_path):
    job = tmp_path / "0"
    write_job(job, ["seed=0"], config_for(1.0, 0))
    assert not jobs.is_done(job, ["seed=0"]), "complete but no record of its overrides: rerun"
    io.write_json({"overrides": ["seed=0"]}, job / jobs.JOB_RECORD)
    assert not jobs.is_done(job, ["seed=0"]), "no record of the code that made it: rerun"
    io.write_json({"overrides": ["seed=0"], "code": "0123456789abcdef"}, job / jobs.JOB_RECORD)
    assert not jobs.is_done(job, ["seed=0"]), "made by other code (the model changed since): rerun"
    io.write_json({"overrides": ["seed=0"], "code": jobs.code_version()}, job / jobs.JOB_RECORD)
    assert jobs.is_done(job, ["seed=0"])
    assert not jobs.is_done(job, ["seed=1"]), "a different job in a reused folder"
    (job / "summary.json").unlink()
    assert not jobs.is_done(job, ["seed=0"])
    (job / jobs.JOB_RECORD).write_text("{not json")
    assert jobs.recorded_overrides(job) is None


@pytest.mark.slow  # a fresh Python in a subprocess, to see what a run imports
def finished_job(job_dir, overrides):
    """A complete job folder with its job.json, as a sweep's job leaves it."""
    write_job(job_dir, overrides, {"seed": 0, "scenario_name": "baseline"})
    io.write_json({"overrides": overrides, "code": jobs.code_version()}, job_dir / jobs.JOB_RECORD)


def test_a_grown_or_reordered_sweep_finds_its_finished_jobs_and_keeps_the_rest(tmp_path):
    sweep = tmp_path / "sweep"
    before = [["a=1", "seed=0"], ["a=1", "seed=1"], ["a=2", "seed=0"], ["a=2", "seed=1"]]
    for number, overrides in enumerate(before):
        finished_job(sweep / str(number), overrides)
    (sweep / "4").mkdir()  # a job that never finished: no result to keep
    assert jobs.is_done(sweep / "1", ["seed=1", "a=1"])  # the same job, its keys typed in another order
    # one more seed: jobs 2 and 3 move to their new numbers, as Hydra numbers a grid
    grown = [[f"seed={seed}", f"a={a}"] for a in (1, 2) for seed in (0, 1, 2)]
    assert jobs.place_finished_jobs(sweep, grown) == (2, 0)
    assert [number for number, overrides in enumerate(grown) if jobs.is_done(sweep / str(number), overrides)] == [
        0,
        1,
        3,
        4,
    ]
    assert (sweep / "4" / "summary.json").is_file() and not (sweep / jobs.EARLIER_JOBS).exists()
    assert jobs.place_finished_jobs(sweep, grown) == (0, 0)  # in place: nothing moves
    # a smaller sweep: the finished jobs it lacks and whose numbers it takes are kept aside, then found again
    assert jobs.place_finished_jobs(sweep, [["a=2", "seed=1"]]) == (1, 1)
    assert jobs.is_done(sweep / "0", ["a=2", "seed=1"])
    assert jobs.recorded_overrides(sweep / jobs.EARLIER_JOBS / "0") == ["a=1", "seed=0"]
    assert jobs.place_finished_jobs(sweep, grown) == (2, 0)
    assert all(jobs.is_done(sweep / str(number), grown[number]) for number in (0, 1, 3, 4))
    assert not (sweep / jobs.EARLIER_JOBS).exists()


def test_code_version_covers_every_module_a_run_imports():
    import subprocess
    import sys

    imported = subprocess.run(
        [sys.executable, "-c", "import sim.runner.run, sys; print(*(m for m in sys.modules if m[:4] == 'sim.'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    package = {name.split(".")[1] for name in imported}
    outside = package - set(jobs.RESULT_PACKAGES)
    assert not outside, f"a run imports sim.{sorted(outside)}: add it to RESULT_PACKAGES in sim/runner/jobs.py"
    bookkeeping = {name for name in imported if name.removeprefix("sim.").replace(".", "/") + ".py" in jobs.BOOKKEEPING}
    assert not bookkeeping, f"a run's results depend on {sorted(bookkeeping)}: remove it from BOOKKEEPING"
    assert len(jobs.code_version()) == 16


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (ValueError("bad\nthing"), "ValueError: bad thing"),
        (ZeroDivisionError(), "ZeroDivisionError: ZeroDivisionError()"),
        (ConfigError("seed = -1 is out of range: allowed >= 0"), "seed = -1 is out of range: allowed >= 0"),
    ],
)
def test_errors_become_one_line(error, line):
    assert jobs.one_line(error) == line


def test_run_job_records_any_exception_and_clears_a_stale_result(tmp_path, monkeypatch):
    import sim.runner.run

    job = tmp_path / "3"
    write_job(job, ["seed=0"], config_for(1.0, 0))  # an old complete result from another sweep
    io.write_json({"overrides": ["seed=9"]}, job / jobs.JOB_RECORD)

    def broken(cfg, out_dir):
        raise RuntimeError("model blew up\nat step 4")

    monkeypatch.setattr(sim.runner.run, "run", broken)
    assert jobs.run_job({}, job, ["seed=0"]) == "failed"
    assert (job / jobs.ERROR_FILE).read_text() == "RuntimeError: model blew up at step 4\n"
    assert not io.is_complete(job) and not (job / jobs.JOB_RECORD).exists()
    assert collect.describe_job(job, None, [], {})["status"] == "failed"

    monkeypatch.setattr(sim.runner.run, "run", lambda cfg, out_dir: None)
    assert jobs.run_job({}, job, ["seed=0"]) == "complete"
    assert not (job / jobs.ERROR_FILE).exists() and jobs.recorded_overrides(job) == ["seed=0"]


def test_a_failed_job_logs_its_traceback_to_its_log_file_not_again_to_the_console(tmp_path, monkeypatch, capsys):
    import logging

    import sim.runner.run

    def broken(cfg, out_dir):
        raise RuntimeError("model blew up")

    monkeypatch.setattr(sim.runner.run, "run", broken)
    root, console, logfile = logging.getLogger(), logging.StreamHandler(), logging.FileHandler(tmp_path / "cli.log")
    root.addHandler(console)
    root.addHandler(logfile)  # as Hydra's job logging sets them up
    try:
        assert jobs.run_job({}, tmp_path / "7", ["seed=0"]) == "failed"
    finally:
        root.removeHandler(console)
        root.removeHandler(logfile)
        logfile.close()
    captured = capsys.readouterr()
    assert captured.err.splitlines() == ["job 7 failed: RuntimeError: model blew up"]  # once, from the job's print
    logged = (tmp_path / "cli.log").read_text()
    assert "job 7 failed: RuntimeError: model blew up" in logged and "Traceback" in logged


def test_a_folder_that_ran_another_jobs_overrides_is_invalid(tmp_path):
    """A job folder copied over another, or a job of a second sweep started into the same directory, is not combined."""
    sweep = make_sweep(tmp_path / "s", params={"scenario": "no_ai,replica_ban"})
    grid, _ = collect.expand_sweep({"scenario": "no_ai,replica_ban"}, ["population=classroom"])
    for number, scenario in enumerate(["replica_ban", "replica_ban"]):  # job 0's folder holds job 1's run
        write_job(sweep / str(number), grid[1], config_for(3.0, 0, scenario), choices={"scenario": scenario})
    table = collect.collect(sweep)
    assert table["status"].tolist() == ["invalid", "complete"]
    assert "it ran scenario=replica_ban population=classroom, not this sweep's job 0" in table["error"][0]
    assert not (sweep / "market.parquet").exists(), "nothing combined without --partial"
