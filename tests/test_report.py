"""The policymaker report, built from a small real sweep and from a single run directory."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
import yaml
from sweep_fixture import SCENARIOS, build_small_sweep, run_job

from sim.core.registry import label
from sim.report import page as report
from sim.report import results
from sim.runner.collect import collect
from tests.conftest import make_config

SEEDS = (0, 1, 2)
STEPS = 24
OCCUPATIONS = tuple(make_config("population=classroom").occupations)  # those of the sweep's runs


class Page(HTMLParser):
    """The parts of the report a test reads: section ids, headings, headline rows, images."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.headings: list[str] = []
        self.images: list[str] = []
        self.rows: list[dict] = []
        self._heading = False
        self._row: dict | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs["id"])
        elif tag in ("h2", "h3"):
            self._heading = True
        elif tag == "img":
            self.images.append(attrs["src"])
        elif tag == "tr" and "data-label" in attrs:
            self._row = {"label": attrs["data-label"], "occupation": attrs["data-occupation"], "cells": []}
            self.rows.append(self._row)
        elif tag == "td" and self._row is not None:
            self._row["cells"].append({k: float(v) for k, v in attrs.items() if k.startswith("data-")})

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._heading:
            self.headings.append(data)
            self._heading = False


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    directory = build_small_sweep(tmp_path_factory.mktemp("sweep"), SCENARIOS, SEEDS, STEPS)
    lost = directory / "9"  # a job that failed: its folder and error.txt, no results
    (lost / ".hydra").mkdir(parents=True)
    overrides = ["population=classroom", f"steps={STEPS}", "scenario=laissez_faire", "seed=3"]
    (lost / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    (lost / ".hydra" / "config.yaml").write_text(yaml.safe_dump({"scenario_name": "laissez_faire", "seed": 3}))
    (lost / "error.txt").write_text("killed\n")
    collect(directory, partial=True)
    assert report.main([str(directory)]) == 0
    return directory


@pytest.fixture(scope="module")
def page(sweep) -> str:
    return (sweep / "report.html").read_text(encoding="utf-8")


@pytest.mark.slow  # the module's sweep fixture: nine runs and a report
def test_page_holds_every_section_scenario_and_occupation(page):
    parsed = Page(page)
    assert parsed.sections == list(report.SECTIONS)
    for title in report.SECTIONS.values():
        assert title in parsed.headings
    for scenario in SCENARIOS:
        assert scenario in parsed.headings  # its configuration
        assert scenario in page
    assert {row["label"] for row in parsed.rows} == set(SCENARIOS) - {"no_ai"}  # no_ai is the reference
    assert {row["occupation"] for row in parsed.rows} == set(OCCUPATIONS)
    for occupation in OCCUPATIONS:
        assert parsed.headings.count(label(occupation)) == 2  # an employment and an income figure
    assert "3 seeds per scenario (0, 1, 2)" in page
    assert "population=classroom, steps=24, start=2025-01" in page
    assert "scenario=fashion_workers_act" in page  # the scenario's overrides
    assert "job 9 (laissez_faire, seed 3): failed killed" in page
    assert "<script" not in page and "<link" not in page and not re.search(r'(src|href)="https?:', page)


@pytest.mark.slow  # the module's sweep fixture: nine runs and a report
def test_every_embedded_image_decodes_and_is_written_beside_the_page(sweep, page):
    sources = Page(page).images
    written = sorted((sweep / report.FIGURE_FOLDER).glob("*.png"))
    assert len(sources) == len(written) == 2 * len(OCCUPATIONS) + 3
    for source in sources:
        assert source.startswith("data:image/png;base64,")
        pixels = mpimg.imread(io.BytesIO(base64.b64decode(source.split(",", 1)[1])), format="png")
        assert pixels.shape[0] > 200 and pixels.shape[1] > 600
        assert pixels[..., :3].std() > 0.05  # not a blank canvas
    for path in written:
        assert mpimg.imread(path).shape[0] > 200


def _expected_changes(occupations: pd.DataFrame, column: str, baseline: bool) -> dict:
    """The headline numbers, computed directly from a combined occupations table."""
    last_step = occupations["step"].max()
    expected = {}
    for (scenario, occupation), rows in occupations.groupby(["scenario", "occupation"]):
        if baseline and scenario == "no_ai":
            continue
        changes, levels, references = [], [], []
        for seed, run in rows.groupby("seed"):
            last = run.loc[run["step"] > last_step - 12, column].mean()
            if baseline:
                base = occupations[
                    (occupations["scenario"] == "no_ai")
                    & (occupations["occupation"] == occupation)
                    & (occupations["seed"] == seed)
                ]
                reference = base.loc[base["step"] > last_step - 12, column].mean()
            else:
                reference = run.loc[run["step"] < 12, column].mean()
            changes.append(100 * (last / reference - 1) if reference > 0 else None)
            levels.append(last)
            references.append(reference)
        if None not in changes:
            low, high = np.quantile(changes, [0.05, 0.95])
            change = (np.median(changes), low, high)
        else:
            change = None
        expected[(scenario, occupation)] = (change, (np.median(levels), np.median(references)))
    return expected


def _check_headline(parsed: Page, occupations: pd.DataFrame, baseline: bool) -> None:
    assert parsed.rows
    # cells: scenario, occupation, employment change and interval, income change and interval, the two levels
    for position, level, column in ((2, 8, "active"), (4, 9, "income_median")):
        expected = _expected_changes(occupations, column, baseline)
        assert {(row["label"], row["occupation"]) for row in parsed.rows} == set(expected)
        for row in parsed.rows:
            median_cell, interval_cell = row["cells"][position], row["cells"][position + 1]
            want, levels = expected[(row["label"], row["occupation"])]
            got = (row["cells"][level]["data-value"], row["cells"][level]["data-reference"])
            np.testing.assert_allclose(got, levels, rtol=1e-9)
            if want is None:
                assert median_cell == {} and interval_cell == {}
                continue
            got = (median_cell["data-value"], interval_cell["data-low"], interval_cell["data-high"])
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


@pytest.mark.slow  # the module's sweep fixture: nine runs and a report
def test_headline_numbers_equal_those_computed_from_the_combined_tables(sweep, page):
    occupations = pd.read_parquet(sweep / "occupations.parquet")
    parsed = Page(page)
    _check_headline(parsed, occupations, baseline=True)
    worst = [min(row["cells"][i].get("data-value", np.inf) for i in (2, 4)) for row in parsed.rows]
    assert worst == sorted(worst)  # biggest losers first; rows without a number last
    assert any(value < 0 for value in worst)  # this sweep has losers: the table is not trivially zero


@pytest.mark.slow  # a run, then `python -m sim.report` in a subprocess
def test_single_run_directory_reports_against_its_first_year(tmp_path):
    run_dir = tmp_path / "run"
    run_job(run_dir, ("population=classroom", "steps=24", "scenario=laissez_faire", "seed=4"))
    done = subprocess.run(
        [sys.executable, "-m", "sim.report", str(run_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"report: {run_dir / 'report.html'}"
    parsed = Page((run_dir / "report.html").read_text(encoding="utf-8"))
    occupations = pd.read_parquet(run_dir / "occupations.parquet").assign(scenario="laissez_faire", seed=4)
    _check_headline(parsed, occupations, baseline=False)
    assert {row["label"] for row in parsed.rows} == {"laissez_faire"}

    summary = json.loads((run_dir / "summary.json").read_text())  # a run from before scenarios had names
    del summary["scenario"]
    (run_dir / "summary.json").write_text(json.dumps(summary))
    assert results.load(run_dir).labels == ["ai=cheap, regulation=none"]  # from the ai and regulation names


@pytest.mark.slow  # the module's sweep fixture: nine runs and a report
def test_a_swept_parameter_within_a_scenario_splits_its_rows(sweep, tmp_path):
    for kind in ("occupations", "market"):
        table = pd.read_parquet(sweep / f"{kind}.parquet")
        # where collect puts a swept key: after job, scenario and seed, before the run's own columns
        table.insert(table.columns.get_loc("seed") + 1, "ai.cost_per_image", np.where(table["seed"] == 0, 1.0, 3.0))
        table.to_parquet(tmp_path / f"{kind}.parquet", index=False)
    labels = results.load(tmp_path, verify=False).labels
    assert labels[0] == "no_ai, ai.cost_per_image=1.0"
    assert "laissez_faire, ai.cost_per_image=3.0" in labels and len(labels) == 6

    for kind in ("occupations", "market"):  # a plain sweep without scenario names: labelled by what varies
        table = pd.read_parquet(tmp_path / f"{kind}.parquet").assign(scenario=None)
        table.to_parquet(tmp_path / f"{kind}.parquet", index=False)
    loaded = results.load(tmp_path, verify=False)
    assert loaded.labels == ["ai.cost_per_image=1.0", "ai.cost_per_image=3.0"]
    assert loaded.seeds("ai.cost_per_image=3.0") == [1, 2]


def test_a_directory_without_results_gives_one_clear_line(tmp_path, capsys):
    assert report.main([str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: ") and "occupations.parquet" in error and "\n" not in error
    assert report.main([str(tmp_path / "absent")]) == 2
    assert "is not a directory" in capsys.readouterr().err
    for kind in ("occupations", "market"):  # a sweep whose every job failed: combined tables without rows
        pd.DataFrame(columns=["job", "scenario", "seed"]).to_parquet(tmp_path / f"{kind}.parquet")
    assert report.main([str(tmp_path)]) == 2
    assert "holds no complete job" in capsys.readouterr().err


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if found := shutil.which(name):
            return found
    return None


@pytest.mark.slow  # the module's sweep fixture: nine runs and a report
def test_report_renders_in_headless_chromium(sweep, tmp_path):
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium on this machine: install Debian's `chromium` (apt-get install -y chromium)")
    shot = tmp_path / "report.png"
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        (sweep / "report.html").resolve().as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    pixels = mpimg.imread(shot)[..., :3]
    assert pixels.shape[:2] == (2000, 1280)
    ink = (pixels.mean(axis=2) < 0.9).mean()  # share of pixels that are not (nearly) white
    assert ink > 0.03, f"the screenshot is nearly blank: {ink:.1%} of pixels drawn"
    assert pixels.std() > 0.05
