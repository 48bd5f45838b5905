"""The help page (configs/hydra/help/sim.yaml) and validating a config without running (python -m sim.check)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim.runner.cli import check

ROOT = Path(__file__).resolve().parents[1]
GROUPS = ("population", "ai", "regulation", "scenario", "experiment", "size")


@pytest.fixture(scope="module")
def help_page() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sim", "--help"], capture_output=True, text=True, check=True, cwd=ROOT, timeout=60
    )
    return done.stdout


def test_the_help_template_lists_every_groups_real_choices():
    template = yaml.safe_load((ROOT / "configs" / "hydra" / "help" / "sim.yaml").read_text())["template"]
    groups = template.split("== Groups")[1].split("== Most used keys")[0]
    for group in GROUPS:
        listed = re.search(rf"^ *{group} +(.*(?:\n +\|.*)*)", groups, flags=re.MULTILINE)
        assert listed, f"{group} is not in the help page"
        names = {name.strip() for name in re.split(r"[|\n]", listed.group(1)) if name.strip()}
        names = {name.split()[0] for name in names}
        choices = {path.stem for path in (ROOT / "configs" / group).glob("*.yaml")}
        assert choices <= names, f"help page misses {sorted(choices - names)} of {group}"


def scenario_descriptions() -> dict[str, str]:
    """Each scenario's ``description:`` from its file in configs/scenario/."""
    files = sorted((ROOT / "configs" / "scenario").glob("*.yaml"))
    return {path.stem: yaml.safe_load(path.read_text(encoding="utf-8")).get("description") for path in files}


def test_every_scenario_has_a_plain_one_line_description():
    descriptions = scenario_descriptions()
    assert len(descriptions) >= 11
    for name, text in descriptions.items():
        assert isinstance(text, str) and text.strip(), f"configs/scenario/{name}.yaml has no description"
        assert "\n" not in text and len(text) <= 80, f"{name}: one line of at most 80 characters, for --help"


def test_the_help_template_lists_each_scenario_with_its_description():
    template = yaml.safe_load((ROOT / "configs" / "hydra" / "help" / "sim.yaml").read_text())["template"]
    listed = template.split("== Scenarios")[1].split("== Most used keys")[0].replace("$$", "$")  # string.Template
    rows = dict(line.strip().split(None, 1) for line in listed.splitlines()[1:] if line.strip())
    assert rows == scenario_descriptions()


@pytest.mark.slow
def test_the_help_page_has_groups_keys_with_units_and_examples(help_page):
    assert "_schema" not in help_page  # Hydra's default page listed the internal ai_schema, population_schema, ...
    for words in ("laissez_faire", "classroom", "policy_comparison", "USD", "months", "python -m sim.check"):
        assert words in help_page
    examples = help_page.split("== Examples ==")[1].strip().splitlines()[:3]
    assert all(line.strip().startswith("python -m sim ") for line in examples)
    for name, text in scenario_descriptions().items():  # as printed: Hydra turned $$ into $
        assert re.search(rf"^ +{name} +{re.escape(text)}$", help_page, flags=re.MULTILINE), name
    assert len(help_page.splitlines()) < 65  # a page, not the 250-line config dump


def test_check_prints_ok_for_a_good_config(capsys):
    assert check(["population=classroom", "steps=6"]) == 0
    assert capsys.readouterr().out.strip() == "ok"


def test_check_expands_a_sweep(capsys):
    assert check(["-m", "population=classroom", "seed=0,1", "scenario=no_ai,laissez_faire"]) == 0
    assert capsys.readouterr().out.strip() == "ok (4 configs)"
    assert check(["-m", "population=classroom", "ai.cost_per_image=1,5"]) == 0  # with -m, two values on purpose
    assert capsys.readouterr().out.strip() == "ok (2 configs)"


def test_check_expands_an_experiments_own_sweep_as_m_would(capsys):
    # policy_comparison sweeps 11 scenarios x range(20) seeds; the command line's seeds replace its seeds
    assert check(["experiment=policy_comparison", "population=classroom", "steps=12", "seed=0,1"]) == 0
    assert capsys.readouterr().out.strip() == "ok (22 configs: a sweep, run with python -m sim -m)"
    # a bad plain value in every job of the grid is reported as on a single run
    assert check(["experiment=policy_comparison", "population=classroom", "seed=0,1", "ai.adoption_p=1.5"]) == 2
    assert capsys.readouterr().err.startswith("error: ai.adoption_p = 1.5 is out of range")


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        (["ai.adoption_p=1.5"], "ai.adoption_p = 1.5 is out of range"),
        (["scenario=nope"], "scenario = 'nope' is not a known scenario"),
        (["seed=0,x"], "seed = 'x' has the wrong type"),
        (["seed=99999999999999999999"], "seed = 99999999999999999999 is out of range: allowed a whole number"),
        (["seed=-1"], "seed = -1 is out of range: allowed a whole number >= 0"),
        (["ai.cost_per_image=1,5"], "ai.cost_per_image = 1,5 gives several values (a decimal is written with a point"),
    ],
)
def test_check_prints_the_one_line_error_and_exits_2(capsys, overrides, words):
    assert check(overrides) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(f"error: {words}") and captured.err.count("\n") == 1


def test_python_m_sim_check_exits_2_on_a_bad_value():
    done = subprocess.run(
        [sys.executable, "-m", "sim.check", "ai.adoption_p=1.5"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 2 and done.stderr.startswith("error: ai.adoption_p = 1.5") and done.stdout == ""
