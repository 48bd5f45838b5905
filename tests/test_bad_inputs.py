"""The catalogue of bad inputs, each through the command line as a user would give it.

Every entry must give one line on stderr naming the key, the value and what is allowed, exit status 2,
no Python traceback (unless ``HYDRA_FULL_ERROR=1``) and no ``summary.json``.

The catalogue calls the command line's entry point in-process (``sim.runner.cli.entry``, what
``python -m sim`` and ``fashion-sim`` run: Hydra's main inside ``sim.runner.errors.guard``), so a case
costs a config composition rather than a Python start-up. The tests at the end run the real command in
a subprocess, one of each kind: a config error (the ``fashion-sim`` console script), and as
``python -m sim`` broken YAML, an output that cannot be written and ``HYDRA_FULL_ERROR=1``. A signal
is tests/test_interruption.py's, a sweep with one bad job tests/test_sweeps.py's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Done

ROOT = Path(__file__).resolve().parent.parent
CONSOLE_SCRIPT = Path(sys.executable).parent / "fashion-sim"
BAD_INPUT = 2  # sim.runner.errors.BAD_INPUT, repeated here so that a change to it is noticed

# (id, overrides, pieces the one line must hold: key, value, what is allowed)
CATALOGUE = [
    # misspelt keys, at every level
    ("top_level_key", ["stpes=24"], ["stpes = 24", "not a top-level key", "did you mean 'steps'", "allowed seed"]),
    ("group_key_ai", ["ai.adoption_rat=0.1"], ["ai.adoption_rat = 0.1", "not a key of ai", "allowed", "adoption_p"]),
    (
        "group_key_population",
        ["population.luxury_brand=5"],
        ["population.luxury_brand = 5", "did you mean 'luxury_brands'", "allowed"],
    ),
    (  # a key at the wrong level: where the schema has it, with the path to give
        "key_at_the_wrong_level",
        ["royalty_floor=1.0"],
        ["'royalty_floor' is not a top-level key (it is a key of regulation: e.g. regulation.royalty_floor=1.0)"],
    ),
    (
        "segment_key_at_the_wrong_level",
        ["market.backlash=2.0"],
        ["it is a key of market.segments.luxury, market.segments.fast_fashion or market.segments.ecommerce"],
    ),
    ("group_key_regulation", ["regulation.royalty_flor=1"], ["regulation.royalty_flor = 1", "'royalty_floor'"]),
    ("appended_group_key", ["+ai.adoption_rat=0.1"], ["ai.adoption_rat = 0.1", "not a key of ai", "allowed"]),
    ("appended_top_level_key", ["+seeed=1"], ["seeed = 1", "not a top-level key", "did you mean 'seed'", "allowed"]),
    (
        "nested_segment_key",
        ["market.segments.luxury.campain_days=3"],
        ["market.segments.luxury.campain_days = 3", "'campaign_days'", "allowed"],
    ),
    ("nested_segment_name", ["market.segments.lux.campaign_days=3"], ["'lux'", "did you mean 'luxury'", "allowed"]),
    ("occupation_key", ["occupations.stylist.day_rat=900"], ["occupations.stylist.day_rat = 900", "'day_rate'"]),
    ("occupation_name", ["occupations.stilist.day_rate=900"], ["'stilist'", "did you mean 'stylist'"]),
    (
        "empty_override",
        ["population.workers.stylist="],
        ["population.workers.stylist is empty", "allowed a whole number"],
    ),
    (
        "head_count_of_no_occupation",
        ["population.workers.stilist=5"],
        ["population.workers.stilist = 5", "'stilist' is not an occupation", "allowed top_model"],
    ),
    (
        "head_count_outside_workers",
        ["population.top_model=5"],
        ["population.top_model = 5", "did you mean population.workers.top_model?", "allowed"],
    ),
    # wrong types
    (
        "int_gets_text",
        ["population.workers.top_model=many"],
        ["population.workers.top_model = 'many'", "wrong type", "whole number"],
    ),
    ("int_gets_float", ["seed=1.5"], ["seed = 1.5", "wrong type", "allowed a whole number >= 0"]),
    ("float_gets_text", ["ai.cost_per_image=cheap"], ["ai.cost_per_image = 'cheap'", "allowed a number > 0"]),
    ("bool_gets_text", ["regulation.consent_required=maybe"], ["consent_required = 'maybe'", "true or false"]),
    ("month_gets_junk", ["start=January"], ["start = 'January'", "not a month", "allowed 'YYYY-MM'"]),
    ("override_syntax", ["steps=[1"], ["'steps=[1'", "allowed key=value"]),
    # out-of-range values
    ("negative_cost", ["ai.cost_per_image=-1"], ["ai.cost_per_image = -1.0", "out of range", "allowed a number > 0"]),
    ("negative_levy", ["regulation.ai_levy=-0.1"], ["regulation.ai_levy = -0.1", "allowed 0 <= value <= 1"]),
    ("probability_above_one", ["ai.adoption_p=1.5"], ["ai.adoption_p = 1.5 is out of range: allowed 0 <= value <= 1"]),
    (
        "values_without_m",  # a decimal comma, or a list of values in a single run
        ["ai.cost_per_image=1,5"],
        [
            "ai.cost_per_image = 1,5 gives several values",
            "a decimal is written with a point: ai.cost_per_image=1.5",
            "-m",
        ],
    ),
    (
        "group_added_twice",
        ["+regulation=eu_ai_act"],
        ["+regulation=eu_ai_act adds a second regulation", "allowed regulation=eu_ai_act (without the +)"],
    ),
    (  # an experiment is a sweep: without -m it would quietly be one of its configs
        "experiment_without_m",
        ["experiment=ai_cost_sweep", "size=smoke"],
        ["experiment=ai_cost_sweep is a sweep", "allowed python -m sim -m experiment=ai_cost_sweep"],
    ),
    (  # with -m the results go to hydra.sweep.dir, not to the hydra.run.dir the student gave
        "run_folder_with_m",
        ["-m", "seed=0,1"],
        ["names a single run's folder: with -m allowed hydra.sweep.dir="],
    ),
    ("spaces_around_equals", ["seed", "=", "3"], ["cannot read the override 'seed'", "no spaces around '='"]),
    (
        "share_as_a_percentage",
        ["ai.cost_decline=30"],
        ["ai.cost_decline = 30.0 is out of range: allowed 0 <= value <= 0.99 (a share: 30% is 0.3)"],
    ),
    ("probability_below_zero", ["market.exit_rate=-0.2"], ["market.exit_rate = -0.2", "allowed 0 <= value <= 1"]),
    ("zero_steps", ["steps=0"], ["steps = 0", "allowed 1 <= value <= 1200"]),
    ("negative_steps", ["steps=-5"], ["steps = -5", "allowed 1 <= value <= 1200"]),
    ("negative_head_count", ["population.workers.stylist=-1"], ["population.workers.stylist = -1", "allowed"]),
    ("floor_above_ceiling", ["occupations.stylist.rate_floor=5000"], ["rate_floor = 5000", "rate_ceiling"]),
    (
        "empty_population",
        [
            f"population.workers.{name}=0"
            for name in ("top_model", "ecommerce_model", "photographer", "stylist", "makeup_artist")
        ]
        + ["population.workers.ai_content_producer=0"],
        ["population (classroom) has no workers", "must be >= 1"],
    ),
    (
        "no_brands",
        ["population.luxury_brands=0", "population.fast_fashion_brands=0", "population.ecommerce_brands=0"],
        ["has no brands", "must be >= 1"],
    ),
    # a rule added by name: the entry's form, and each parameter's type, month and range, as config keys are checked
    (
        "rule_by_bare_name",
        ["regulation.extra_rules=[generic_ai_ban]"],
        ["regulation.extra_rules = [generic_ai_ban]", "wrong type", "allowed a list of {rule: NAME", "generic_ai_ban"],
    ),
    (
        "rule_parameter_gets_text",
        ["regulation.extra_rules=[{rule: royalty_floor, floor: abc}]"],
        ["regulation.extra_rules[0].floor = 'abc'", "wrong type", "allowed a number, 0 <= value <= 10"],
    ),
    (
        "rule_parameter_out_of_range",
        ["regulation.extra_rules=[{rule: ai_levy, share: 5}]"],
        ["regulation.extra_rules[0].share = 5", "out of range", "allowed 0 <= value <= 1"],
    ),
    (
        "rule_start_not_a_month",
        ["regulation.extra_rules=[{rule: generic_ai_ban, start: '2027-13'}]"],
        ["regulation.extra_rules[0].start = '2027-13'", "not a month", "allowed 'YYYY-MM'"],
    ),
    (
        "rule_parameter_not_a_choice",
        ["regulation.extra_rules=[{rule: ai_levy, share: 0.1, base: vendor}]"],
        ["regulation.extra_rules[0].base = 'vendor'", "allowed vendor_fees, human_cost_avoided"],
    ),
    # unknown names of a group's option
    ("unknown_population", ["population=metropolis"], ["population = 'metropolis'", "allowed city, classroom"]),
    ("unknown_ai", ["ai=instant"], ["ai = 'instant'", "allowed fast, moderate, slow"]),
    ("unknown_regulation", ["regulation=gdpr"], ["regulation = 'gdpr'", "allowed eu_ai_act"]),
    ("unknown_scenario", ["scenario=utopia"], ["scenario = 'utopia'", "allowed backlash, baseline"]),
    ("misspelt_scenario", ["scenario=union_royalty"], ["(did you mean 'union_royalties'?): allowed backlash"]),
    (
        "optional_switch_wrong_type",
        ["output.figures=maybe"],
        ["output.figures = 'maybe'", "allowed true, false or null"],
    ),
    (
        "scenario_as_a_path",
        ["scenario=configs/scenario/union_royalties.yaml"],
        ["scenario = 'configs/scenario/union_royalties.yaml' is a path: allowed", "scenario=union_royalties"],
    ),
    ("unknown_experiment", ["experiment=everything"], ["experiment = 'everything'", "allowed ai_cost_sweep"]),
]

# the fast lane (make test-fast) runs one case of each kind; each case costs a Hydra composition or two
# (0.2-0.4 s), so the rest of the catalogue is marked slow
FAST_CASES = {
    "top_level_key",
    "nested_segment_name",
    "head_count_outside_workers",
    "int_gets_text",
    "override_syntax",
    "probability_above_one",
    "empty_population",
    "unknown_ai",
    "rule_parameter_gets_text",
    "misspelt_key_in_group_file",
    "broken_yaml_unclosed_bracket",
}


def cases(entries: list[tuple]) -> list:
    """The entries as pytest parameters, with their ids; slow unless in FAST_CASES."""
    return [pytest.param(*e[1:], id=e[0], marks=() if e[0] in FAST_CASES else pytest.mark.slow) for e in entries]


def run_cli(*args: str, cwd: Path, script: bool = False, full_error: bool = False) -> subprocess.CompletedProcess:
    """The real command, ``python -m sim ARGS`` (or the ``fashion-sim`` console script), in a subprocess."""
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    env.pop("HYDRA_FULL_ERROR", None)
    if full_error:
        env["HYDRA_FULL_ERROR"] = "1"
    command = [str(CONSOLE_SCRIPT)] if script else [sys.executable, "-m", "sim"]
    return subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def assert_one_clear_line(done: Done | subprocess.CompletedProcess, out: Path, pieces: list[str]) -> str:
    """The contract of every catalogue entry; returns the line."""
    assert done.returncode == BAD_INPUT, (done.returncode, done.stderr)
    line = done.stderr.strip()
    assert "\n" not in line, line
    assert line.startswith("error: "), line
    for piece in pieces:
        assert piece in line, (piece, line)
    assert "Traceback" not in done.stderr + done.stdout
    assert "results:" not in done.stdout
    assert not (out / "summary.json").exists()
    return line


@pytest.mark.parametrize(("overrides", "pieces"), cases(CATALOGUE))
def test_bad_override_gives_one_clear_line(tmp_path, cli, overrides, pieces):
    out = tmp_path / "run"
    done = cli("population=classroom", "steps=3", f"hydra.run.dir={out}", *overrides)
    assert_one_clear_line(done, out, pieces)


def test_full_error_raises_for_the_traceback(tmp_path, cli, monkeypatch):
    """HYDRA_FULL_ERROR=1: guard lets the error through, so Python prints its traceback (end to end below)."""
    monkeypatch.setenv("HYDRA_FULL_ERROR", "1")
    with pytest.raises(Exception, match="adoption_rat") as raised:
        cli("population=classroom", "ai.adoption_rat=0.1", f"hydra.run.dir={tmp_path / 'run'}")
    assert not isinstance(raised.value, SystemExit)


# -- a config file the student edited ------------------------------------------------------
EDITS = [
    # (id, file, old text, new text, pieces)
    (
        "misspelt_key_in_group_file",
        "ai/moderate.yaml",
        "adoption_q: 0.05",
        "adoption_qq: 0.05",
        ["ai.adoption_qq (in ai/moderate.yaml)", "did you mean 'adoption_q'", "allowed"],
    ),
    (
        "misspelt_key_in_main_file",
        "config.yaml",
        "  agency_commission: 0.20",
        "  agency_comission: 0.20",
        ["market.agency_comission (in config.yaml)", "did you mean 'agency_commission'"],
    ),
    (
        "wrong_type_in_group_file",
        "population/classroom.yaml",
        "stylist: 60",
        "stylist: sixty",
        ["population.workers.stylist = 'sixty' (in population/classroom.yaml)", "allowed a whole number >= 0"],
    ),
    (
        "empty_value_in_main_file",  # 'key:' with nothing after it
        "config.yaml",
        "capacity: 15 ",
        "capacity: ",
        ["occupations.top_model.capacity (in config.yaml) is empty", "allowed a whole number, 1 <= value <= 31"],
    ),
    (
        "list_in_population_file",  # entries of a table keyed by name (population.workers) reach the schema's check
        "population/classroom.yaml",
        "top_model: 8 ",
        "top_model: [8, 10] ",
        ["population.workers.top_model = [8, 10] has the wrong type", "allowed a whole number >= 0"],
    ),
    (
        "preset_name_as_a_value_in_a_scenario",  # a scenario chooses presets under defaults:, not as values
        "scenario/baseline.yaml",
        "scenario_name: baseline",
        "scenario_name: baseline\nai: fast",
        ["ai: fast (in scenario/baseline.yaml)", "'- override /ai: fast'", "(on the command line: ai=fast)"],
    ),
    (
        "list_as_settings_in_a_scenario",
        "scenario/baseline.yaml",
        "scenario_name: baseline",
        "scenario_name: baseline\nregulation:\n  - royalty_floor: 1.0",
        ["regulation = [{'royalty_floor': 1.0}] (in scenario/baseline.yaml)", "allowed its keys as indented"],
    ),
    (  # a scenario's defaults list: a misspelt group, 'override' or its '/' left out, no '# @package _global_'
        "scenario_overrides_a_misspelt_group",
        "scenario/baseline.yaml",
        "scenario_name: baseline",
        "defaults:\n  - override /regulaton: none\nscenario_name: baseline",
        ["override /regulaton (in scenario/baseline.yaml) names no config group", "did you mean 'regulation'"],
    ),
    (
        "scenario_default_without_override",
        "scenario/baseline.yaml",
        "scenario_name: baseline",
        "defaults:\n  - regulation: none\nscenario_name: baseline",
        ["regulation: none under defaults: in a scenario file", "allowed '- override /regulation: none'"],
    ),
    (
        "scenario_override_without_slash",
        "scenario/baseline.yaml",
        "scenario_name: baseline",
        "defaults:\n  - override regulation: none\nscenario_name: baseline",
        ["override regulation (in scenario/baseline.yaml) lacks its '/'", "'- override /regulation: CHOICE'"],
    ),
    (
        "scenario_without_its_package_line",
        "scenario/baseline.yaml",
        "# @package _global_\n",
        "# a scenario\ndefaults:\n  - override /regulation: none\n",
        [
            "override /regulation (in scenario/baseline.yaml) finds nothing",
            "starts with the line '# @package _global_'",
        ],
    ),
    (  # a scenario copied to a new file keeps the old name, which would label its results
        "scenario_named_after_another",
        "scenario/baseline.yaml",
        "scenario_name: baseline",
        "scenario_name: my_copy",
        ["scenario_name = 'my_copy' (in scenario/baseline.yaml): allowed 'baseline', the file's own name"],
    ),
    (
        "out_of_range_in_group_file",
        "regulation/none.yaml",
        "ai_levy: 0.0",
        "ai_levy: 1.5",
        ["regulation.ai_levy = 1.5", "allowed 0 <= value <= 1"],
    ),
    (
        "deleted_key_in_group_file",
        "ai/moderate.yaml",
        "adoption_q: 0.05",
        "",
        ["ai.adoption_q has no value: allowed a number", "an ai file sets every key of ai"],
    ),
    (
        "broken_yaml_unclosed_bracket",
        "ai/moderate.yaml",
        "cost_per_image: 3.0",
        "cost_per_image: [3.0",
        ["broken YAML in", "ai/moderate.yaml line", "expected ',' or ']'", "allowed 'key: value' lines"],
    ),
    (
        "broken_yaml_indentation",
        "population/classroom.yaml",
        "stylist: 60",
        "stylist: 60\n      extra: 1",  # deeper than the key above it, which holds a number
        ["broken YAML in", "population/classroom.yaml line", "allowed 'key: value' lines"],
    ),
    (
        "broken_yaml_tab",
        "config.yaml",
        "seed: 0 ",
        "seed:\t0\n\tsteps: 3",
        ["broken YAML in", "config.yaml line", "allowed 'key: value' lines"],
    ),
]


def edited_configs(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of configs/ with one edit in file ``name``."""
    configs = tmp_path / "configs"
    shutil.copytree(ROOT / "configs", configs)
    path = configs / name
    text = path.read_text()
    assert old in text, f"the catalogue's edit no longer matches {name}"
    path.write_text(text.replace(old, new, 1))
    return configs


@pytest.mark.parametrize(("name", "old", "new", "pieces"), cases(EDITS))
def test_edited_config_file_gives_one_clear_line(tmp_path, cli, name, old, new, pieces):
    configs = edited_configs(tmp_path, name, old, new)
    out = tmp_path / "run"
    done = cli(f"--config-path={configs}", "population=classroom", "steps=3", f"hydra.run.dir={out}")
    assert_one_clear_line(done, out, pieces)


# -- the output directory -------------------------------------------------------------------
@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write to read-only folders")
def test_read_only_output_folder_gives_one_clear_line(tmp_path, cli):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    out = locked / "run"
    try:
        done = cli("population=classroom", "steps=3", f"hydra.run.dir={out}")
    finally:
        locked.chmod(0o755)
    assert_one_clear_line(done, out, ["cannot be written", "Permission denied", "allowed a folder"])


def test_bad_config_into_a_finished_run_stops_and_keeps_that_run_whole(tmp_path, cli):
    """Nothing already written is lost: a bad value stops before Hydra rewrites the folder's config."""
    from sim.runner import verify

    out = tmp_path / "run"
    assert cli("population=classroom", "steps=3", f"hydra.run.dir={out}").returncode == 0
    before = {path: path.read_bytes() for path in sorted(out.rglob("*")) if path.is_file()}
    for bad in (["ai.adoption_p=1.5"], ["steps=0"], ["scenario=no_ai", "scenario_name=x", "seed=-1"]):
        done = cli("population=classroom", "steps=3", *bad, f"hydra.run.dir={out}")
        assert done.returncode == BAD_INPUT and "\n" not in done.stderr.strip(), done.stderr
        assert {path: path.read_bytes() for path in sorted(out.rglob("*")) if path.is_file()} == before, bad
        assert verify.problem(out) is None
    assert done.stderr.startswith("error: seed = -1")


def test_a_bad_value_every_sweep_job_shares_stops_the_sweep_before_it_starts(tmp_path, cli):
    sweep = tmp_path / "sweep"
    done = cli(
        "-m", "population=classroom", "steps=3", "seed=0,1", "regulation.royalty_floor=12", f"hydra.sweep.dir={sweep}"
    )
    assert_one_clear_line(done, sweep, ["regulation.royalty_floor = 12.0 is out of range: allowed 0 <= value <= 10"])
    assert not sweep.exists()


def test_a_missing_config_folder_gives_one_clear_line(tmp_path, cli):
    missing = tmp_path / "no_such_configs"
    done = cli(f"--config-path={missing}", f"hydra.run.dir={tmp_path / 'run'}")
    assert_one_clear_line(done, tmp_path / "run", [str(missing), "allowed a folder holding config.yaml"])


# -- the pieces of guard ----------------------------------------------------------------------
def test_an_unexpected_error_is_one_line_too_and_points_at_the_traceback():
    from sim.runner.errors import one_line

    line = one_line(ValueError("boom\nsecond line"))
    assert line == "unexpected ValueError: boom second line (HYDRA_FULL_ERROR=1 shows where)"


def test_guard_restores_the_environment_and_the_sigterm_handler(monkeypatch):
    import signal

    from sim.runner.errors import ENVIRONMENT, guard

    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    before = signal.getsignal(signal.SIGTERM)

    def failing() -> None:
        assert os.environ["HYDRA_FULL_ERROR"] == "1"  # Hydra raises instead of printing
        raise OSError(13, "Permission denied", "/locked/run")

    with pytest.raises(SystemExit) as stopped:
        guard(failing)
    assert stopped.value.code == ENVIRONMENT  # permission denied: the environment (3), not bad input
    assert "HYDRA_FULL_ERROR" not in os.environ and signal.getsignal(signal.SIGTERM) == before


# -- end to end: the real command in a subprocess, one case of each kind -------------------------
def test_console_script_gives_the_line_of_the_catalogue_end_to_end(tmp_path, cli):
    overrides, pieces = next(e[1:] for e in CATALOGUE if e[0] == "group_key_ai")
    out = tmp_path / "run"
    args = ("population=classroom", f"hydra.run.dir={out}", *overrides)
    line = assert_one_clear_line(run_cli(*args, cwd=tmp_path, script=True), out, pieces)
    assert cli(*args).stderr.strip() == line  # the in-process catalogue sees what a user sees


@pytest.mark.slow
def test_broken_yaml_gives_one_clear_line_end_to_end(tmp_path):
    name, old, new, pieces = next(e[1:] for e in EDITS if e[0] == "broken_yaml_unclosed_bracket")
    configs = edited_configs(tmp_path, name, old, new)
    out = tmp_path / "run"
    done = run_cli(f"--config-path={configs}", "population=classroom", "steps=3", f"hydra.run.dir={out}", cwd=tmp_path)
    assert_one_clear_line(done, out, pieces)


@pytest.mark.slow
def test_output_under_a_file_gives_one_clear_line_end_to_end(tmp_path):
    blocker = tmp_path / "results.txt"
    blocker.write_text("a file where the run wants a folder\n")
    out = blocker / "run"
    done = run_cli("population=classroom", "steps=3", f"hydra.run.dir={out}", cwd=tmp_path)
    assert_one_clear_line(done, out, [f"output '{out}' cannot be written", "Not a directory", "allowed a folder"])


@pytest.mark.slow
def test_full_error_prints_the_traceback_end_to_end(tmp_path):
    done = run_cli("population=classroom", "ai.adoption_rat=0.1", cwd=tmp_path, full_error=True)
    assert done.returncode != 0
    assert "Traceback" in done.stderr and "adoption_rat" in done.stderr


def test_a_python_without_the_projects_packages_gets_one_line():
    """`python -m sim` from a Python that lacks the packages (the environment not activated) says what to do."""
    done = subprocess.run([sys.executable, "-S", "-m", "sim"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith("error: ") and "is not installed for" in done.stderr, done.stderr
    assert "source .venv/bin/activate" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_config_file_named_yml_is_pointed_out(tmp_path, monkeypatch):
    """A scenario saved as my_policy.yml is not found (Hydra reads .yaml): the message says why."""
    from hydra.errors import MissingConfigException

    from sim.runner import compose
    from sim.runner.errors import one_line

    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "my_policy.yml").write_text("scenario_name: my_policy\n")
    monkeypatch.setattr(compose, "CONFIG_DIR", str(tmp_path))
    missing = MissingConfigException("not found", missing_cfg_file="scenario/my_policy", options=["baseline"])
    assert one_line(missing) == (
        "scenario = 'my_policy' is not a known scenario (scenario/my_policy.yml is there: config files end in "
        ".yaml): allowed baseline"
    )


def test_the_file_that_set_a_value_is_found_in_merge_order(tmp_path, monkeypatch):
    """The last config file to set a key names it, in the order the defaults list merges them; not the command line."""
    from sim.runner import compose

    for folder in ("ai", "scenario"):
        (tmp_path / folder).mkdir()
    (tmp_path / "config.yaml").write_text(
        "defaults:\n  - population: city\n  - ai: fast\n  - _self_\n  - scenario: mine\n"
        "market:\n  job_days: 3\nai:\n  quality_gap: 0.4\n"
    )
    (tmp_path / "ai" / "fast.yaml").write_text("cost_decline: 0.5\nquality_gap: 0.2\n")
    (tmp_path / "scenario" / "mine.yaml").write_text("# @package _global_\nregulation:\n  royalty_floor: 12.0\n")
    monkeypatch.setattr(compose, "CONFIG_DIR", str(tmp_path))
    choices = {"population": "city", "ai": "fast", "scenario": "mine", "experiment": None}
    assert compose.source_file("regulation.royalty_floor", choices, []) == "configs/scenario/mine.yaml"
    assert compose.source_file("ai.cost_decline", choices, ["seed=1"]) == "configs/ai/fast.yaml"
    assert compose.source_file("ai.quality_gap", choices, []) == "configs/config.yaml"  # _self_ comes after ai
    assert compose.source_file("market.job_days", choices, []) == "configs/config.yaml"
    assert compose.source_file("regulation.royalty_floor", choices, ["regulation.royalty_floor=12"]) is None
    assert compose.source_file("market.segments", choices, []) is None


def test_a_bad_value_in_a_scenario_file_names_the_file(student_scenario, capsys):
    """A student's scenario with a value out of range: the error says which file to open."""
    from sim.runner import cli

    assert cli.check(["scenario=my_policy"]) == 2
    assert capsys.readouterr().err == (
        "error: regulation.royalty_floor = 12.0 is out of range: allowed 0 <= value <= 10 "
        "(set in configs/scenario/my_policy.yaml)\n"
    )
    assert cli.check(["scenario=my_policy", "regulation.royalty_floor=11"]) == 2  # the command line's own value
    assert capsys.readouterr().err.endswith("allowed 0 <= value <= 10\n")


def test_check_stops_a_copied_scenario_that_keeps_the_old_name_as_a_run_does(student_scenario, capsys):
    from sim.runner import cli

    original = (student_scenario / "scenario" / "union_royalties.yaml").read_text(encoding="utf-8")
    (student_scenario / "scenario" / "copied.yaml").write_text(original, encoding="utf-8")
    for job in (["scenario=copied"], ["-m", "scenario=no_ai,copied", "seed=0,1"]):
        assert cli.check(job) == 2
        assert capsys.readouterr().err.startswith("error: scenario_name = 'union_royalties' (in scenario/copied.yaml)")
    assert cli.check(["scenario=copied", "scenario_name=copied"]) == 0  # relabelled on purpose


def test_a_scenario_without_its_package_line_is_told_to_add_it(student_scenario, capsys):
    from sim.runner import cli

    text = (student_scenario / "scenario" / "my_policy.yaml").read_text(encoding="utf-8")
    headless = text.replace("# @package _global_\n", "")
    assert headless != text
    (student_scenario / "scenario" / "my_policy.yaml").write_text(headless, encoding="utf-8")
    assert cli.check(["scenario=my_policy"]) == 2
    assert capsys.readouterr().err == (
        "error: scenario/my_policy.yaml: its keys land under 'scenario:', not at the top level: allowed "
        "'# @package _global_' as the file's first line, as every shipped scenario file has\n"
    )


def test_a_bad_rule_in_a_scenario_file_names_the_file(student_scenario, capsys):
    from sim.runner import cli

    text = "# @package _global_\nscenario_name: rules\nregulation:\n"
    text += '  extra_rules: [{rule: generic_ban, start: "2027-01"}]\n'
    (student_scenario / "scenario" / "rules.yaml").write_text(text, encoding="utf-8")
    assert cli.check(["scenario=rules"]) == 2
    line = capsys.readouterr().err
    assert line.startswith("error: regulation.extra_rules[0].rule = 'generic_ban' is not a rule: allowed ")
    assert line.endswith(" (set in configs/scenario/rules.yaml)\n")


def test_the_merge_order_is_the_main_configs_defaults_list():
    """compose.merge_order lists the groups as configs/config.yaml's defaults list merges them (None: _self_)."""
    from sim.runner import compose

    assert compose.merge_order() == ["population", "ai", "regulation", None, "scenario", "experiment", "size"]
