"""The documentation stays true: generated tables are current, named functions exist, commands run."""

from __future__ import annotations

import importlib
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

import sim
from sim.dev import paramdoc

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def test_parameter_table_matches_the_schema_and_configs():
    assert (DOCS / "parameters.md").read_text(encoding="utf-8") == paramdoc.render(), "run: python -m sim.dev.paramdoc"


def test_every_schema_leaf_is_documented_with_a_unit_or_source():
    page = (DOCS / "parameters.md").read_text(encoding="utf-8")
    for key, _ in paramdoc.schema_leaves():
        row = next((line for line in page.splitlines() if line.startswith(f"| `{key}` |")), None)
        assert row is not None, key
        assert row.split(" | ")[3].strip(), f"{key} has no unit/source comment in configs/"


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            target = getattr(target, name)
        return target
    raise ModuleNotFoundError(dotted)


def test_odd_names_only_functions_that_exist():
    names = set(re.findall(r"`(sim\.[A-Za-z_][\w.]*)`", (DOCS / "ODD.md").read_text(encoding="utf-8")))
    assert len(names) > 20
    for name in sorted(names):
        assert callable(_resolve(name)), name


def doc_commands() -> list[tuple[str, str]]:
    """Every `python ...` line inside a bash block of docs/*.md, with its file."""
    found = []
    for page in sorted(DOCS.glob("*.md")):
        for block in re.findall(r"```bash\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S):
            for line in block.splitlines():
                if line.strip().startswith("python "):
                    found.append((page.name, line.strip()))
    return found


# documented experiments whose command (as below, at smoke size) tests/test_science.py or tests/test_evidence.py
# checks, started early by tests/conftest.py; the test of every command below leaves them to it, so that each runs once
RUN_BY_TEST_SCIENCE = ("calibration", "history", "sensitivity", "sensitivity_screen")


def experiment_of(argv: list[str]) -> str | None:
    return next((arg.split("=", 1)[1] for arg in argv if arg.startswith("experiment=")), None)


def smoke_sized(argv: list[str]) -> list[str]:
    """Extra overrides that cut a documented experiment down to its smoke size (none for a single run)."""
    experiment = experiment_of(argv)
    return [] if experiment is None else ["size=smoke"]


def as_run(command: str) -> list[str]:
    """The documented command as this test runs it: this Python, experiments at their smoke size."""
    argv = shlex.split(command)
    return [sys.executable, *argv[1:], *smoke_sized(argv)]


def documented_run(experiment: str) -> list[str]:
    """``as_run`` of the one documented command of ``experiment``."""
    found = [command for _, command in doc_commands() if experiment_of(shlex.split(command)) == experiment]
    assert len(found) == 1, f"docs/ should show one command of experiment={experiment}: {found}"
    return as_run(found[0])


def test_the_experiments_left_to_test_science_are_each_documented_once():
    for experiment in RUN_BY_TEST_SCIENCE:
        assert documented_run(experiment)[1:3] == ["-m", "sim"]


@pytest.mark.slow
def test_every_command_in_the_docs_runs_as_written(tmp_path):
    """Every documented command, as written; experiments at their smoke size (size=smoke)."""
    commands = doc_commands()
    assert len(commands) >= 7
    commands = [
        (page, command) for page, command in commands if experiment_of(shlex.split(command)) not in RUN_BY_TEST_SCIENCE
    ]
    # the runs (python -m sim ...) two at a time, each into its own folder; then, in order, the commands that
    # read what they wrote
    runs = [(page, command) for page, command in commands if shlex.split(command)[1:3] == ["-m", "sim"]]
    readers = [entry for entry in commands if entry not in runs]
    folders = [
        arg.split("=", 1)[1]
        for _, command in runs
        for arg in shlex.split(command)
        if arg.startswith(("hydra.run.dir=", "hydra.sweep.dir="))
    ]
    assert len(set(folders)) == len(runs), f"each documented run should name its own folder: {folders}"

    def run(entry: tuple[str, str]) -> subprocess.CompletedProcess:
        return subprocess.run(as_run(entry[1]), cwd=tmp_path, capture_output=True, text=True, timeout=600)

    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(run, runs))
    for (page, command), finished in zip(runs + readers, done + [run(entry) for entry in readers], strict=True):
        assert finished.returncode == 0, f"{page}: {command}\n{finished.stderr[-2000:]}"


def test_the_readme_scenario_table_gives_each_scenarios_own_description():
    """README's table of scenarios says what each config's ``description`` says (the report and --help show it)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+)` \| (.+) \|$", readme, flags=re.MULTILINE))
    for path in sorted((ROOT / "configs" / "scenario").glob("*.yaml")):
        assert rows.get(path.stem) == yaml.safe_load(path.read_text(encoding="utf-8"))["description"], path.stem


OCCUPATIONS = ("top_model", "ecommerce_model", "photographer", "stylist", "makeup_artist", "ai_content_producer")
# the input behind each row of docs/classroom.md's table of common error messages
CLASSROOM_ERRORS = {
    "ai.adoption_rat = 0.1": ["ai.adoption_rat=0.1"],
    "population.workers.top_model = 'many'": ["population.workers.top_model=many"],
    "ai.adoption_p is empty": ["ai.adoption_p="],
    "ai.adoption_p = 1.5": ["ai.adoption_p=1.5"],
    "steps = 0": ["steps=0"],
    "ai.cost_per_image = 1,5": ["ai.cost_per_image=1,5"],
    "population (classroom) has no workers": [
        "population=classroom",
        *(f"population.workers.{name}=0" for name in OCCUPATIONS),
    ],
    "ai = 'fastest'": ["ai=fastest"],
    "scenario = 'utopia'": ["scenario=utopia"],
    "regulation.start = '2025-13'": ["regulation.start=2025-13"],
    "regulation.royalty_floor = 12.0": ["scenario=my_policy"],  # the test writes configs/scenario/my_policy.yaml
}


def test_the_classroom_error_table_shows_the_messages_the_model_prints(capsys, student_scenario):
    """Each message in docs/classroom.md's table is the one line its input gets (up to the table's '...').

    A run's line is its config's error (``sim.load_config`` raises the line ``python -m sim`` prints, as
    tests/test_api.py checks); the dashboard's is printed, with exit status 2. The configs are a copy with
    a student's scenario, ``my_policy`` (tests/conftest.py).
    """
    from sim.core.schema import ConfigError
    from sim.dashboard.__main__ import parse

    page = (DOCS / "classroom.md").read_text(encoding="utf-8")
    shown = re.findall(r"^\| `(error: [^`]+)` \|", page, flags=re.MULTILINE)
    assert len(shown) == len(CLASSROOM_ERRORS) + 1, "a row of the table has no input here"  # + the dashboard's --port
    for message in shown:
        if message.startswith("error: --port"):
            with pytest.raises(SystemExit) as stopped:
                parse(["--port", "abc"])
            assert stopped.value.code == 2
            printed = capsys.readouterr().err.strip()
        else:
            (overrides,) = [value for key, value in CLASSROOM_ERRORS.items() if message.startswith(f"error: {key}")]
            with pytest.raises(ConfigError) as raised:
                sim.load_config(*overrides)
            printed = f"error: {raised.value}"
        assert printed.startswith(message.split("...")[0].rstrip(", ")), f"{message}\nprinted: {printed}"
