"""The package installs anywhere: a built wheel, in a fresh venv, runs a classroom run from another folder."""

from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_configs_ship_inside_the_package_as_a_link_to_the_top_level_folder():
    from sim.runner.compose import CONFIG_DIR

    assert Path(CONFIG_DIR) == ROOT / "configs"  # a source tree uses configs/ at the top
    link = ROOT / "sim" / "configs"
    assert link.is_symlink() and link.resolve() == (ROOT / "configs").resolve()


@pytest.mark.slow
def test_a_wheel_installed_in_a_fresh_venv_runs_from_any_folder(tmp_path):
    source = tmp_path / "src"  # build from a copy: the build leaves build/ and *.egg-info beside the sources
    for name in ("sim", "configs"):
        shutil.copytree(ROOT / name, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(source)],
        check=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("fashion_sim-*.whl")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # the dependencies already installed here, without this checkout's editable hook (a path, not a site dir)
    (Path(purelib) / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)],
        check=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "run"
    done = subprocess.run(
        [python, "-m", "sim", "population=classroom", "steps=6", f"hydra.run.dir={out}"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["population"] == "classroom" and summary["steps"] == 6
    where = subprocess.run(
        [python, "-c", "import sim, sim.runner.compose as c; print(sim.__file__); print(c.CONFIG_DIR)"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        check=True,
    ).stdout.split()
    assert all(str(venv) in line for line in where)  # the installed package and its own configs, not this checkout
    help_page = subprocess.run(
        [python, "-m", "sim", "--help"], capture_output=True, text=True, cwd=elsewhere, check=True
    ).stdout
    assert "laissez_faire" in help_page and "_schema" not in help_page
