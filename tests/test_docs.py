"""The documentation stays true: generated tables are current, named functions exist, commands run."""

from __future__ import annotations

import importlib
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from sim.dev import paramdoc

DOCS = Path(__file__).resolve().parent.parent / "docs"


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


SMOKE = {"sensitivity": ["sensitivity.base_samples=2"]}  # as experiments/README.md documents


def smoke_sized(argv: list[str]) -> list[str]:
    """Extra overrides that cut a documented experiment down to its smoke size (none for a single run)."""
    experiment = next((arg.split("=", 1)[1] for arg in argv if arg.startswith("experiment=")), None)
    return [] if experiment is None else ["size=smoke", *SMOKE.get(experiment, [])]


@pytest.mark.slow
def test_every_command_in_the_docs_runs_as_written(tmp_path):
    """Every documented command, as written; experiments at their smoke size (size=smoke)."""
    commands = doc_commands()
    assert len(commands) >= 7
    for page, command in commands:
        argv = shlex.split(command)
        argv[0] = sys.executable
        argv += smoke_sized(argv)
        done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{page}: {command}\n{done.stderr[-2000:]}"
