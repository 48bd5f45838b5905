"""The run directory: atomic writes, and the rule that a run is complete only when its last file is.

Every file is written to a temporary name in the same folder and renamed into place, so a
killed run never leaves a half-written file under a real name. ``summary.json`` is written
last: a run directory without it is incomplete, whatever else it holds.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

COMPLETE_MARKER = "summary.json"
_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read the process umask once (os.umask can only read it by setting it)
RESULT_FILES = ("occupations.parquet", "market.parquet", "cohorts.parquet", COMPLETE_MARKER)
OPTIONAL_FILES = ("agents.parquet",)  # written only when a config asks for it
_TEMPORARY_SUFFIXES = (".parquet", ".json", ".png")  # write_atomic's temporary '.NAME.XXXX.SUFFIX'


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present: about 10x faster


def read_yaml(path: Path) -> Any:
    """A YAML file of a run directory (Hydra's ``.hydra/*.yaml``), parsed with a safe loader."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # a safe loader


def select(tree: Any, dotted: str) -> Any:
    """The value at a dotted key (``population.name``) of parsed YAML, or None where the path is missing."""
    for part in dotted.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return None
        tree = tree[part]
    return tree


def is_run_dir(path: Path) -> bool:
    """True for a single run's folder (its marker, or Hydra's record of a run), complete or not."""
    return (Path(path) / COMPLETE_MARKER).exists() or (Path(path) / ".hydra").is_dir()


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(handle)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes files private; results are ordinary files
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as Parquet, atomically; the same frame gives the same bytes."""
    write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False, engine="pyarrow"))


def write_json(payload: dict, path: Path) -> None:
    """Write a JSON document, atomically."""
    text = json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n"
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def is_complete(run_dir: Path) -> bool:
    """A run is complete when its marker (written last) is whole and every table it records passes
    :func:`sim.runner.verify.problem`: present, the contract's columns, the recorded rows and checksum."""
    from sim.runner.verify import is_intact  # verify imports this module

    return is_intact(run_dir)


def mark_incomplete(run_dir: Path) -> None:
    """Before a run writes into a directory again: remove the marker, then the older results.

    The marker goes first, so the directory never looks complete; the older tables, figures and
    any temporary files a killed run left behind go too, so nothing stale sits beside new files.
    Links are never followed: a ``figures`` link (to a folder outside the run, say) is removed as a
    link and nothing in its target is touched.
    """
    run_dir = Path(run_dir)
    (run_dir / COMPLETE_MARKER).unlink(missing_ok=True)
    figures = run_dir / "figures"
    if figures.is_symlink():
        figures.unlink()  # the link only, never what it points to
    for folder in (run_dir, figures):
        if folder.is_symlink() or not folder.is_dir():
            continue
        for path in folder.iterdir():
            stale = path.name in (*RESULT_FILES, *OPTIONAL_FILES) or (
                folder.name == "figures" and path.suffix == ".png"
            )
            leftover = path.name.startswith(".") and path.name.endswith(_TEMPORARY_SUFFIXES)
            if (path.is_file() or path.is_symlink()) and (stale or leftover):  # unlink removes a link, not its target
                path.unlink(missing_ok=True)
