"""The package's layers import downwards only: core < runner < report, science, dashboard < dev < the front door.

Every ``import sim...`` in ``sim/`` (at the top of a module or inside a function) is checked, so a
lower layer that reaches up fails here with the module and line that did it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sim"
# rank of each layer; a module may import its own layer or lower ranks, never a sibling or higher one
LAYERS = {"core": 0, "runner": 1, "report": 2, "science": 2, "dashboard": 2, "dev": 3}
FRONT_DOOR = 4  # sim/__init__.py, sim/__main__.py and the command modules sim/*.py


def layer_of(module: str) -> tuple[str, int]:
    """The layer of a dotted module name under ``sim``."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1], LAYERS[parts[1]]
    return "front door", FRONT_DOOR


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of ``sim`` or below in one source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "sim"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "sim":
            if node.module == "sim":  # `from sim import core` names a layer; `from sim import x` the front door
                found += [(node.lineno, f"sim.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def violations(root: Path) -> list[str]:
    """Each import that goes up a layer or across to a sibling, as 'file:line imports module'."""
    bad = []
    for path in sorted(root.rglob("*.py")):
        module = ".".join(("sim", *path.relative_to(root).with_suffix("").parts))
        own, rank = layer_of(module)
        for line, target in imports(path):
            other, other_rank = layer_of(target)
            if other != own and other_rank >= rank:
                bad.append(f"{path.relative_to(root.parent)}:{line} ({own}) imports {target} ({other})")
    return bad


def test_layers_import_downwards_only():
    assert not violations(PACKAGE), "\n".join(violations(PACKAGE))


def test_every_subpackage_has_a_layer():
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert packages == set(LAYERS), f"give each subpackage of sim/ a rank in LAYERS: {sorted(packages ^ set(LAYERS))}"


@pytest.mark.parametrize(
    ("module", "source", "caught"),
    [
        ("core/kernels.py", "from sim.runner import io\n", True),  # the core reaching up
        ("core/model.py", "def f():\n    from sim.report.page import build\n", True),  # inside a function too
        ("report/page.py", "import sim.science.validation\n", True),  # a sibling at the same rank
        ("runner/run.py", "from sim import dev\n", True),
        ("science/validation.py", "from sim.runner.run import tables\nfrom sim.core import kernels\n", False),
    ],
)
def test_the_check_catches_an_import_that_goes_up(tmp_path, module, source, caught):
    root = tmp_path / "sim"
    path = root / module
    path.parent.mkdir(parents=True)
    path.write_text(source)
    assert bool(violations(root)) == caught
