"""The policymaker report, built from a small real sweep and from a single run directory.

The numbers on the page (findings, heatmaps, the long table) are checked against values computed here
directly from the combined Parquet tables; the page is read at 420 px and in print by the system Chromium.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
import yaml
from sweep_fixture import build_small_sweep, run_job
from test_report_browser import Browser, find_chromium

from sim.core.registry import label
from sim.report import effects, fanplots, results, robustness, top
from sim.report import page as report
from sim.report.results import ReportError
from sim.runner.collect import collect
from tests.conftest import make_config

SCENARIOS = {name: (f"scenario={name}",) for name in ("no_ai", "baseline", "laissez_faire", "replica_ban")}
SEEDS = (0, 1, 2)
STEPS = 36
OCCUPATIONS = tuple(make_config("population=classroom").occupations)  # those of the sweep's runs
ROOT = Path(__file__).resolve().parents[1]
ROBUSTNESS = pd.DataFrame(  # a robustness table as the sensitivity analysis writes it
    {
        "scenario": ["replica_ban", "replica_ban", "union_royalties"],
        "occupation": ["top_model", "photographer", "top_model"],
        "share_raises": [0.83, 0.25, 0.5],
        "points": [64, 64, 64],
        "deciding": ["ai.cost_per_image, market.demand_growth", "", "regulation.royalty_floor"],
    }
)


class Page(HTMLParser):
    """The parts of the report a test reads: sections, headings, images, findings, and every table row."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.headings: list[str] = []
        self.images: list[dict] = []
        self.findings: list[dict] = []
        self.rows: list[dict] = []  # {"table", "label", "occupation", "cells": [{"attrs", "text"}]}
        self.groups: list[str] = []  # the long table's scenario groups, in order, with their text
        self._table: list[str] = []
        self._text: list[str] | None = None
        self._heading = False
        self._group: list[str] | None = None
        self._row: dict | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs["id"])
        elif tag in ("h2", "h3"):
            self._heading = True
        elif tag == "img":
            self.images.append(attrs)
        elif tag == "table":
            self._table.append(attrs.get("id", ""))
        elif tag == "tr":
            self._row = None
            if "group" in attrs.get("class", ""):
                self._group = []
            elif "data-label" in attrs:
                self._row = {"table": self._table[-1], "label": attrs["data-label"], "cells": []}
                self._row["occupation"] = attrs.get("data-occupation")
                self.rows.append(self._row)
        elif tag in ("td", "li"):
            self._text = []
            if tag == "li" and "finding" in attrs.get("class", ""):
                self.findings.append({"attrs": attrs, "text": ""})
            elif tag == "td" and self._row is not None:
                self._row["cells"].append({"attrs": attrs, "text": ""})

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table.pop()
        elif tag == "tr" and self._group is not None:
            self.groups.append(" ".join(part for part in self._group if part))
            self._group = None
        elif tag in ("td", "li") and self._text is not None:
            text = " ".join(part for part in self._text if part.strip())
            if tag == "li" and self.findings and not self.findings[-1]["text"]:
                self.findings[-1]["text"] = text
            elif tag == "td" and self._row is not None:
                self._row["cells"][-1]["text"] = text
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._heading:
            self.headings.append(data)
            self._heading = False
        for collected in (self._text, self._group):
            if collected is not None:
                collected.append(data.strip())

    def table(self, table_id: str) -> list[dict]:
        return [row for row in self.rows if row["table"] == table_id]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    directory = build_small_sweep(tmp_path_factory.mktemp("sweep"), SCENARIOS, SEEDS, STEPS)
    lost = directory / "99"  # a job that failed: its folder and error.txt, no results
    (lost / ".hydra").mkdir(parents=True)
    overrides = ["population=classroom", f"steps={STEPS}", "scenario=laissez_faire", "seed=3"]
    (lost / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    (lost / ".hydra" / "config.yaml").write_text(yaml.safe_dump({"scenario_name": "laissez_faire", "seed": 3}))
    (lost / "error.txt").write_text("killed\n")
    collect(directory, partial=True)
    ROBUSTNESS.to_csv(directory / robustness.FILE, index=False)
    assert report.main([str(directory)]) == 0
    return directory


@pytest.fixture(scope="module")
def page(sweep) -> str:
    return (sweep / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def parsed(page) -> Page:
    return Page(page)


# -- the numbers, computed here from the combined tables alone ------------------------------------------------


def _changes(values: pd.Series, reference: str) -> dict:
    """{(scenario, occupation): (median, 5th, 95th percentile) of the per-seed % change against ``reference``}."""
    found = {}
    for (scenario, occupation), group in values.groupby(level=["scenario", "occupation"]):
        if scenario == reference:
            continue
        changes = []
        for (_, seed, _), value in group.items():
            base = values.get((reference, seed, occupation))
            changes.append(100 * (value / base - 1) if base and base > 0 else np.nan)
        changes = np.array(changes)
        if np.isnan(changes).any():
            found[(scenario, occupation)] = None
        else:
            found[(scenario, occupation)] = (np.median(changes), *np.quantile(changes, [0.05, 0.95]))
    return found


def expected_heatmap(sweep: Path, reference: str = "baseline") -> dict[str, dict]:
    """Both heatmaps: incumbents' mean income over the run, and active workers over the last year."""
    cohorts = pd.read_parquet(sweep / "cohorts.parquet")
    occupations = pd.read_parquet(sweep / "occupations.parquet")
    keys = ["scenario", "seed", "occupation"]
    last = occupations[occupations["step"] > occupations["step"].max() - 12]
    return {
        "incumbents_income": _changes(cohorts.groupby(keys)["income_mean"].mean(), reference),
        "head_count": _changes(last.groupby(keys)["active"].mean(), reference),
    }


def _cell_numbers(cell: dict) -> tuple[float, float, float]:
    return tuple(float(cell["attrs"][f"data-{key}"]) for key in ("median", "low", "high"))


@pytest.mark.slow  # the module's sweep fixture: twelve runs and a report
def test_page_holds_every_section_scenario_and_occupation(page, parsed):
    assert parsed.sections == list(report.SECTIONS)
    for title in report.SECTIONS.values():
        assert title in parsed.headings
    for scenario in SCENARIOS:
        assert scenario in parsed.headings  # its configuration
    for occupation in OCCUPATIONS:
        assert parsed.headings.count(label(occupation)) == 2  # a head count and an income figure
    assert "3 seeds per scenario (0, 1, 2)" in page
    assert "population=classroom, steps=36, start=2025-01" in page
    assert "scenario=replica_ban" in page  # the scenario's overrides
    assert "job 99 (laissez_faire, seed 3): failed killed" in page
    assert "<script" not in page and "<link" not in page and not re.search(r'(src|href)="https?:', page)
    answer = page.split('id="answer"')[1].split("</section>")[0]
    assert re.search(r'</ul><p class="note" id="limits"><strong>Limits:</strong>', answer)  # right under the findings
    words = re.sub(r'src="data:[^"]*"', "", page)  # the page without its images
    assert "n/a" not in words and not re.search(r"\bnan\b", words, flags=re.IGNORECASE)  # no rows of n/a, no NaN


@pytest.mark.slow  # the module's sweep fixture
def test_every_embedded_image_decodes_and_is_written_beside_the_page(sweep, parsed):
    written = sorted((sweep / report.FIGURE_FOLDER).glob("*.png"))
    assert len(parsed.images) == len(written) == 2 * len(OCCUPATIONS) + 3
    for image in parsed.images:
        source = image["src"]
        assert source.startswith("data:image/png;base64,")
        pixels = mpimg.imread(io.BytesIO(base64.b64decode(source.split(",", 1)[1])), format="png")
        assert pixels.shape[0] > 200 and pixels.shape[1] > 600
        assert pixels[..., :3].std() > 0.05  # not a blank canvas
        # the least width at which the smallest text (9 pt at 120 dpi = 15 px) is 9.5 CSS px tall
        assert float(image["data-legible-width"]) == pytest.approx(pixels.shape[1] * 9.5 / 15, rel=0.01)


@pytest.mark.slow  # the module's sweep fixture
def test_heatmaps_show_each_scenario_against_baseline_with_intervals(sweep, parsed):
    expected = expected_heatmap(sweep)
    for measure, want in expected.items():
        rows = parsed.table(f"heatmap-{measure}")
        # every scenario but the reference, the no-AI counterfactual last
        assert [row["label"] for row in rows] == ["laissez_faire", "replica_ban", "no_ai"]
        for row in rows:
            assert [cell["attrs"]["data-occupation"] for cell in row["cells"]] == list(OCCUPATIONS)
            for cell in row["cells"]:
                number = want[(row["label"], cell["attrs"]["data-occupation"])]
                if number is None:
                    assert cell["text"] == "-" and "data-median" not in cell["attrs"]
                    continue
                np.testing.assert_allclose(_cell_numbers(cell), number, rtol=1e-9, atol=1e-9)
                assert cell["attrs"]["data-seeds"] == "3"
                median, low, high = number
                shown = cell["text"].split()
                assert shown[0] == top.percent(median) and shown[1] == top.percent(low).removesuffix("%")
                assert shown[-1] == top.percent(high).removesuffix("%")
    head = {
        (r["label"], c["attrs"]["data-occupation"]): c for r in parsed.table("heatmap-head_count") for c in r["cells"]
    }
    assert any(float(cell["attrs"].get("data-median", 0)) != 0 for cell in head.values())  # not trivially zero


@pytest.mark.slow  # the module's sweep fixture
def test_findings_state_the_heatmap_numbers_with_their_seeds(sweep, parsed):
    findings = parsed.findings
    assert 3 <= len(findings) <= 5
    expected = expected_heatmap(sweep)
    for finding in findings:
        attrs, text = finding["attrs"], finding["text"]
        assert attrs["data-label"] in SCENARIOS and attrs["data-label"] != "baseline"
        if "data-occupation" in attrs:  # a finding about one cell: its numbers are that cell's
            number = expected[attrs["data-measure"]][(attrs["data-label"], attrs["data-occupation"])]
            np.testing.assert_allclose(_cell_numbers(finding), number, rtol=1e-9, atol=1e-9)
            for value in number:
                assert effects.percent(value) in text
            assert "90% interval of 3 seeds" in text and "against baseline" in text
            assert label(attrs["data-occupation"])[1:].lower() in text.lower()
    broadest = [f for f in findings if f["text"].startswith("Broadest protection")]
    assert len(broadest) == 1  # its numbers: the scenario's gains beyond noise and its mean over occupations
    cells = {k: v for k, v in expected["incumbents_income"].items() if k[0] == broadest[0]["attrs"]["data-label"]}
    cells = {k: v for k, v in cells.items() if k[1] != "ai_content_producer"}
    mean = np.mean([v[0] for v in cells.values()])
    assert float(broadest[0]["attrs"]["data-median"]) == pytest.approx(mean)
    assert effects.percent(mean) in broadest[0]["text"]
    enough = len(SEEDS) >= effects.MIN_SEEDS  # fewer seeds never count as beyond seed noise
    gains = sum(v[1] > 0 for v in cells.values()) if enough else 0
    assert (f"in {gains} of {len(cells)} occupations" in broadest[0]["text"]) == (gains > 0)
    assert ("too few to tell an effect from seed noise" in broadest[0]["text"]) == (not enough)
    # the first finding is the largest gain of incumbents' income under a policy, for the occupations AI
    # displaces, among the gains beyond seed noise (the whole interval above zero) where there are any
    gains = {
        key: value
        for key, value in expected["incumbents_income"].items()
        if key[0] == "replica_ban" and key[1] != "ai_content_producer" and value and value[0] > 0
    }
    sure = {key: value for key, value in gains.items() if enough and value[1] > 0} or gains
    first = findings[0]["attrs"]
    assert gains and gains[(first["data-label"], first["data-occupation"])][0] == max(v[0] for v in sure.values())
    # the scale line: no_ai's largest effect on incumbents' income against baseline, beyond noise where any is
    no_ai = {
        k: v for k, v in expected["incumbents_income"].items() if k[0] == "no_ai" and k[1] != "ai_content_producer"
    }
    sure = {k: v for k, v in no_ai.items() if enough and (v[1] > 0 or v[2] < 0)} or no_ai
    scale = [f for f in findings if f["attrs"]["data-label"] == "no_ai"]
    assert len(scale) == 1 and scale[0]["attrs"]["data-occupation"] == max(sure, key=lambda k: abs(sure[k][0]))[1]


@pytest.mark.slow  # the module's sweep fixture
def test_the_head_count_finding_gives_the_workers_beside_the_percentage(sweep, parsed):
    heads = [f for f in parsed.findings if f["attrs"].get("data-measure") == "head_count"]
    assert len(heads) == 1
    attrs, text = heads[0]["attrs"], heads[0]["text"]
    occupations = pd.read_parquet(sweep / "occupations.parquet")
    last = occupations[occupations["step"] > occupations["step"].max() - 12]
    active = last[last["occupation"] == attrs["data-occupation"]].groupby(["scenario", "seed"])["active"].mean()
    value, reference = active[attrs["data-label"]].median(), active["baseline"].median()  # as the long table has them
    levels = f"{effects.workers(reference)} \u2192 {effects.workers(value)} "
    levels += f"({effects.workers(value - reference, sign=True)}, {effects.percent(float(attrs['data-median']))}; "
    assert levels in text, text


def test_head_counts_read_as_workers():
    assert [effects.workers(v) for v in (1234.4, 59.2, 3.46, -0.04)] == ["1,234", "59", "3.5", "0.0"]
    assert effects.workers(53.4, sign=True) == "+53" and effects.workers(-0.5, sign=True) == "-0.5"
    rows = [("head_count", "backlash", "top_model", 118.2, 90.0, 150.0)]
    table = _heat(rows, 5).assign(value=112.4, reference=59.1)
    (found,) = effects.findings(table, AGAINST_LF, CROWD)
    assert found.text.startswith(
        "Largest change in head count: top models under backlash, 59 \u2192 112 (+53, +120%; medians across seeds)"
    )


@pytest.mark.slow  # the module's sweep fixture
def test_a_sweep_of_fewer_seeds_than_the_docs_says_it_is_a_preview(page):
    notice = (
        "This is a preview with 3 seeds: the figures quoted in docs/ come from 20 seeds "
        "(python -m sim -m experiment=policy_comparison)."
    )
    assert f'<p class="lead" id="preview"><strong>{notice}</strong></p>' in page
    assert page.index('id="preview"') < page.index("<nav>") and "report (preview)</title>" in page


def test_the_preview_notice_goes_from_twenty_seeds():
    assert report.preview([20, 20]) == "" and report.preview([5, 20]) == "" and report.preview([]) == ""
    assert report.preview([1]).startswith("This is a preview with 1 seed: ")
    assert report.preview([2, 19]).startswith("This is a preview with 2-19 seeds: ")


@pytest.mark.slow  # the module's sweep fixture
def test_each_scenario_group_shows_its_one_line_description(parsed):
    for scenario in SCENARIOS:
        description = yaml.safe_load((ROOT / "configs" / "scenario" / f"{scenario}.yaml").read_text())["description"]
        assert description
        assert any(group.startswith(f"{scenario} {description}") for group in parsed.groups), scenario


@pytest.mark.slow  # the module's sweep fixture
def test_heatmap_row_headers_carry_name_and_description(page):
    for scenario in ("laissez_faire", "replica_ban", "no_ai"):
        description = yaml.safe_load((ROOT / "configs" / "scenario" / f"{scenario}.yaml").read_text())["description"]
        pattern = rf'<span class="name">{scenario}</span><span class="desc">{re.escape(description)}'
        assert re.search(pattern, page.replace("&#x27;", "'")), scenario


def _long_expected(sweep: Path) -> dict:
    """Per (scenario, occupation): head count and mean income levels, changes since year one and against no_ai."""
    occupations = pd.read_parquet(sweep / "occupations.parquet")
    keys = ["scenario", "seed", "occupation"]
    first = occupations[occupations["step"] < 12].groupby(keys)[["active", "income_mean"]].mean()
    last = (
        occupations[occupations["step"] > occupations["step"].max() - 12]
        .groupby(keys)[["active", "income_mean"]]
        .mean()
    )
    found = {}
    for column in ("active", "income_mean"):
        since = 100 * (last[column] / first[column].where(first[column] > 0) - 1)
        spread = since.groupby(level=["scenario", "occupation"]).agg(
            lambda s: (np.median(s), *np.quantile(s, [0.05, 0.95])) if s.notna().all() else None
        )
        levels = pd.DataFrame({"first": first[column], "last": last[column]}).groupby(level=["scenario", "occupation"])
        found[column] = {
            "levels": levels.median().to_dict("index"),
            "since": spread.to_dict(),
            "no_ai": _changes(last[column], "no_ai"),
        }
    return found


@pytest.mark.slow  # the module's sweep fixture
def test_long_table_is_grouped_by_scenario_with_first_year_apart_from_the_counterfactual(sweep, parsed, page):
    rows = parsed.table("long-table")
    labels = [row["label"] for row in rows]
    groups = list(dict.fromkeys(labels))
    assert groups[-1] == "no_ai" and set(groups) == set(SCENARIOS)
    assert labels == [g for g in groups for _ in range(labels.count(g))]  # each scenario's rows together
    assert [group.split()[0] for group in parsed.groups] == groups
    expected = _long_expected(sweep)
    # cells: head count levels, since first year, against no_ai; income the same; incumbents level and against no_ai
    for row in rows:
        key = (row["label"], row["occupation"])
        cells = row["cells"]
        for offset, column in ((0, "active"), (3, "income_mean")):
            want = expected[column]
            level = cells[offset]
            got = (float(level["attrs"]["data-first"]), float(level["attrs"]["data-last"]))
            np.testing.assert_allclose(got, tuple(want["levels"][key].values()), rtol=1e-9)
            if column == "active":  # head counts are whole workers
                assert re.fullmatch(r"\d[\d,]* → \d[\d,]*", level["text"]), level["text"]
            if want["since"][key] is None:  # nothing in the first year to compare with
                assert cells[offset + 1]["text"] == "-"
            else:
                np.testing.assert_allclose(_cell_numbers(cells[offset + 1]), want["since"][key], rtol=1e-9, atol=1e-9)
            against = cells[offset + 2]
            if row["label"] == "no_ai" or want["no_ai"][key] is None:
                assert against["text"] == "-"
            else:
                np.testing.assert_allclose(_cell_numbers(against), want["no_ai"][key], rtol=1e-9, atol=1e-9)
    headers = page.split('id="long-table"')[1].split("</thead>")[0]
    assert "since first year" in headers and "against no_ai" in headers and "Mean income" in headers
    assert "median income" not in page.lower()  # the page shows means of incomes: one name throughout
    own = {"no_ai": 2}  # the counterfactual's third column (against itself) is blank by design
    dashes = [row for row in rows if any(cell["text"] == "-" for cell in row["cells"][: own.get(row["label"], 3)])]
    assert dashes and {row["occupation"] for row in dashes} <= {"ai_content_producer"}
    # said once, not a row of n/a
    assert page.count("-: no change can be computed where the value compared with is zero in a seed: AI content") == 1


@pytest.mark.slow  # the module's sweep fixture
def test_robustness_table_beside_the_results_is_shown(parsed, page):
    rows = parsed.table("robustness-table")
    assert [row["label"] for row in rows] == ["replica_ban", "union_royalties"]
    first = rows[0]["cells"]
    assert float(first[0]["attrs"]["data-share"]) == 0.83 and first[0]["attrs"]["data-points"] == "64"
    assert first[0]["text"] == "83%" and "sensitivity sample, 64 points" in page  # the same for every cell
    assert "ai.cost_per_image, market.demand_growth" in page and "beside these results" in page


def test_robustness_falls_back_to_the_repository_then_to_the_sensitivity_doc(tmp_path):
    sweep_dir, docs = tmp_path / "sweep", tmp_path / "docs"
    sweep_dir.mkdir()
    docs.mkdir()
    text = robustness.section(sweep_dir, docs)
    assert "robustness-missing" in text and "docs/sensitivity.md" in text and "<table" not in text
    ROBUSTNESS.to_csv(docs / robustness.FILE, index=False)
    text = robustness.section(sweep_dir, docs)
    assert 'data-share="0.25"' in text and "in the repository" in text
    assert "<code>docs/robustness.csv</code>" in text and str(tmp_path) not in text  # no machine's own path
    ROBUSTNESS.assign(deciding=["raises it where twin royalty offered is low (KS 0.30)", "", ""]).to_csv(
        docs / robustness.FILE, index=False
    )
    text = robustness.section(sweep_dir, docs)
    assert "twin royalty offered is low</li>" in text and "KS 0.30" not in text and "Kolmogorov-Smirnov" in text
    ROBUSTNESS.assign(share_raises=0.5).to_csv(sweep_dir / robustness.FILE, index=False)
    text = robustness.section(sweep_dir, docs)  # the sweep's own table comes first
    assert 'data-share="0.25"' not in text and 'data-share="0.5"' in text and "beside these results" in text
    ROBUSTNESS.assign(points=[64, 10, 64]).to_csv(sweep_dir / robustness.FILE, index=False)
    assert "of 10</span>" in robustness.section(sweep_dir, docs)  # points differ: each cell says how many
    assert robustness.REPOSITORY_DOCS == ROOT / "docs"  # found relative to the package


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"share_raises": [1.5, 0.2, 0.3]}, "share_raises = 1.5 is out of range: allowed 0 <= value <= 1"),
        ({"points": [0, 1, 2]}, "points = 0 is not allowed: allowed a whole number >= 1"),
    ],
)
def test_a_bad_robustness_table_gives_one_line_naming_the_value(tmp_path, change, words):
    ROBUSTNESS.assign(**change).to_csv(tmp_path / robustness.FILE, index=False)
    with pytest.raises(ReportError, match=re.escape(words)):
        robustness.section(tmp_path, tmp_path)
    ROBUSTNESS.drop(columns="deciding").to_csv(tmp_path / robustness.FILE, index=False)
    with pytest.raises(ReportError, match="lacks the columns deciding"):
        robustness.section(tmp_path, tmp_path)


@pytest.mark.slow  # the module's sweep fixture
def test_reference_is_baseline_then_laissez_faire_then_no_ai_then_the_first_year(sweep):
    loaded = results.load(sweep)
    assert effects.policy_reference(loaded).label == "baseline"
    chain = [("baseline", "laissez_faire"), ("laissez_faire", "no_ai"), ("no_ai", None)]
    for dropped, then in chain:
        for kind in ("occupations", "market", "cohorts"):
            table = getattr(loaded, kind)
            setattr(loaded, kind, table[table["label"] != dropped])
        loaded.labels.remove(dropped)
        reference = effects.policy_reference(loaded)
        assert reference.label == then
        table = effects.heatmap(loaded, reference)
        assert then not in set(table["label"])  # the reference has no row of its own
    # with no reference run: each run's last year against its own first year
    assert "own first year" in reference.why
    want = expected_heatmap(sweep)  # any scenario against the first year, computed here
    occupations = pd.read_parquet(sweep / "occupations.parquet")
    rows = occupations[(occupations["scenario"] == "replica_ban") & (occupations["occupation"] == "stylist")]
    changes = [
        100 * (run.loc[run["step"] >= STEPS - 12, "active"].mean() / run.loc[run["step"] < 12, "active"].mean() - 1)
        for _, run in rows.groupby("seed")
    ]
    got = table[(table["measure"] == "head_count") & (table["occupation"] == "stylist")].iloc[0]
    np.testing.assert_allclose(
        (got["median"], got["low"], got["high"]), (np.median(changes), *np.quantile(changes, [0.05, 0.95]))
    )
    assert want  # the full-sweep numbers were computable too


@pytest.mark.slow  # one figure of the sweep, drawn into a list instead of a file
def test_levels_are_drawn_on_zero_based_axes(sweep, monkeypatch, tmp_path):
    drawn = []
    monkeypatch.setattr(fanplots, "save_png", lambda figure, path: drawn.append(figure))
    loaded = results.load(sweep)
    for column in ("active", "income_mean"):
        fanplots.occupation_fans(loaded, column, "stylist", "y", tmp_path / "x.png")
    for figure in drawn:
        assert all(axis.get_ylim()[0] == 0 for axis in figure.axes)


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
    text = html.unescape((run_dir / "report.html").read_text(encoding="utf-8"))
    parsed = Page(text)
    assert "Against the run's own first year" in text
    occupations = pd.read_parquet(run_dir / "occupations.parquet")
    first = occupations[occupations["step"] < 12].groupby("occupation")["active"].mean()
    last = occupations[occupations["step"] >= 12].groupby("occupation")["active"].mean()
    for cell in parsed.table("heatmap-head_count")[0]["cells"]:
        occupation = cell["attrs"]["data-occupation"]
        assert float(cell["attrs"]["data-median"]) == pytest.approx(100 * (last[occupation] / first[occupation] - 1))
        assert cell["text"].endswith("one seed")
    assert {row["label"] for row in parsed.table("long-table")} == {"laissez_faire"}
    assert "against no_ai" not in text.split('id="long-table"')[1].split("</thead>")[0]
    words = re.sub(r'src="data:[^"]*"', "", text)  # one seed is singular everywhere on the page
    assert not re.search(r"\b1 seeds\b|\bacross 1\b|\bseeds: 4\.", words)
    assert "every scenario ran with 1 seed (" in words and "With one seed there are no intervals" in words
    assert "the change in the one seed that ran" in words and "seed: 4." in words

    summary = json.loads((run_dir / "summary.json").read_text())  # a run from before scenarios had names
    del summary["scenario"]
    (run_dir / "summary.json").write_text(json.dumps(summary))
    assert results.load(run_dir).labels == ["ai=cheap, regulation=none"]  # from the ai and regulation names


@pytest.mark.slow  # the module's sweep fixture
def test_a_swept_parameter_within_a_scenario_splits_its_rows(sweep, tmp_path):
    for kind in ("occupations", "market"):
        table = pd.read_parquet(sweep / f"{kind}.parquet")
        # where collect puts a swept key: after job, scenario and seed, before the run's own columns
        table.insert(table.columns.get_loc("seed") + 1, "ai.cost_per_image", np.where(table["seed"] == 0, 1.0, 3.0))
        table.to_parquet(tmp_path / f"{kind}.parquet", index=False)
    labels = results.load(tmp_path, verify=False).labels
    assert labels[0] == "no_ai, ai.cost_per_image=1.0"
    assert "laissez_faire, ai.cost_per_image=3.0" in labels and len(labels) == 8

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


# -- in a real browser: the system Chromium, driven over the DevTools protocol (tests/test_report_browser.py) ------


@pytest.fixture(scope="module")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        pytest.skip("no Chromium on this machine: install Debian's `chromium` (apt-get install -y chromium)")
    return found


@pytest.mark.slow  # the module's sweep fixture
def test_report_renders_in_headless_chromium(sweep, chromium, tmp_path):
    shot = tmp_path / "report.png"
    with Browser(chromium, tmp_path / "profile") as browser:
        browser.open((sweep / "report.html").resolve().as_uri(), width=1280, height=2000)
        browser.screenshot(shot, 0, 2000)
    pixels = mpimg.imread(shot)[..., :3]
    assert pixels.shape[:2] == (2000, 1280)
    ink = (pixels.mean(axis=2) < 0.9).mean()  # share of pixels that are not (nearly) white
    assert ink > 0.03, f"the screenshot is nearly blank: {ink:.1%} of pixels drawn"
    assert pixels.std() > 0.05


MEASURE_TEXT = """(() => {
  const heights = [];
  for (const cell of document.querySelectorAll('#answer td, #answer th, #how-sure td, #table td, #table th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const range = document.createRange(); range.selectNodeContents(node);
      const box = range.getBoundingClientRect();
      if (box.width > 0) heights.push([box.height, parseFloat(getComputedStyle(node.parentElement).fontSize)]);
    }
  }
  const heat = [...document.querySelectorAll('table.heatmap td')].map(c => c.getBoundingClientRect().right);
  const images = [...document.querySelectorAll('.chart img')]
    .map(image => [image.getBoundingClientRect().width, image.naturalWidth]);
  return {heights, heat, images, page: document.documentElement.scrollWidth, view: innerWidth,
          findings: document.querySelector('#findings').getBoundingClientRect().top};
})()"""


@pytest.mark.slow  # the module's sweep fixture, then Chromium
def test_report_reads_at_420_px(sweep, chromium, tmp_path):
    with Browser(chromium, tmp_path / "profile") as browser:
        browser.open((sweep / "report.html").resolve().as_uri(), width=420, height=900, mobile=True)
        measured = browser.evaluate(MEASURE_TEXT)
        browser.screenshot(tmp_path / "phone.png", 0, 1800)
    assert measured["view"] == 420
    assert measured["page"] <= 420  # only the tables and charts scroll sideways, inside their boxes, not the page
    heights = np.array(measured["heights"])
    assert len(heights) > 200  # every cell of both heatmaps and the long table
    assert heights[:, 1].min() >= 11 and heights[:, 0].min() >= 11  # font size and text box, CSS px
    assert max(measured["heat"]) <= 420  # the heatmaps stack into the width: no cell off screen
    dpi_text = fanplots.SMALLEST_TEXT_PT * 120 / 72  # the figures' smallest text in image pixels (120 dpi)
    for shown, natural in measured["images"]:
        assert dpi_text * shown / natural >= 9, "chart text below 9 CSS px"
    assert measured["findings"] < 1000  # the findings are on the first screens
    pixels = mpimg.imread(tmp_path / "phone.png")[..., :3]
    assert pixels.shape[:2] == (1800, 420) and (pixels.mean(axis=2) < 0.9).mean() > 0.03


PRINT_LAYOUT = """(() => ({
  nav: getComputedStyle(document.querySelector('nav')).display,
  widest: Math.max(...[...document.querySelectorAll('table, .chart img, figure')]
    .map(element => element.getBoundingClientRect().right)),
  page: document.documentElement.scrollWidth,
  colour: getComputedStyle(document.querySelector('table.heatmap td[style]')).printColorAdjust,
}))()"""


@pytest.mark.slow  # the module's sweep fixture, then Chromium
def test_report_prints_to_pdf_cleanly(sweep, chromium, tmp_path):
    width = 703  # A4 less 12 mm margins on each side, in CSS px (96 per inch)
    with Browser(chromium, tmp_path / "profile") as browser:
        browser.open((sweep / "report.html").resolve().as_uri(), width=width, height=1000, media="print")
        layout = browser.evaluate(PRINT_LAYOUT)
        pdf = browser.pdf()
    assert layout["nav"] == "none"  # links are no use on paper
    assert layout["widest"] <= width + 1 and layout["page"] <= width  # nothing cut off at the right edge
    assert layout["colour"] == "exact"  # the heatmaps keep their colours
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 5 <= pages <= 80, pages


def test_percentages_and_names_read_as_written():
    shown = [effects.percent(v) for v in (12.345, -0.0, 0.04, -0.02, -3.0, -0.84, 9.96, 118.2, 6865.0, -27.6)]
    assert shown == ["+12%", "\u00b10%", "\u00b10%", "\u00b10%", "-3.0%", "-0.8%", "+10%", "+120%", "+6,900%", "-28%"]
    assert top.percent(-27.6) == "-28%" and top.percent(4.56) == "+4.6%"
    assert effects.percent(float("nan")) == "-"
    assert (
        effects.people("top_model") == "top models" and effects.people("ai_content_producer") == "AI content producers"
    )
    assert effects.people("ecommerce_model") == "e-commerce models"


def _heat(rows: list[tuple], seeds: int) -> pd.DataFrame:
    """A heatmap table by hand: (measure, label, occupation, median, low, high) with the same seeds each."""
    columns = ["measure", "label", "occupation", "median", "low", "high"]
    table = pd.DataFrame(rows, columns=columns)
    return table.assign(seeds=seeds, agree=True, value=1.0, reference=1.0)


CROWD = {"top_model", "photographer", "stylist"}
AGAINST_LF = effects.Reference("laissez_faire", "Against laissez_faire.")


def test_seeds_too_few_to_tell_noise_never_count_as_beyond_it():
    cell = pd.Series({"seeds": effects.MIN_SEEDS - 1, "low": 1.0, "high": 2.0, "median": 1.5, "agree": True})
    assert not effects.beyond_noise(cell)  # all agree in sign, but that happens by chance too often
    enough = cell.copy()
    enough["seeds"] = effects.MIN_SEEDS
    assert effects.beyond_noise(enough)
    # 5 seeds whose interpolated 90% interval is above zero while one seed is below it: not beyond the noise
    one_against = enough.copy()
    one_against["agree"] = False
    assert not effects.beyond_noise(one_against)
    many = one_against.copy()
    many["seeds"] = effects.ALL_SEEDS_BELOW  # from 20 seeds, 90% of them on one side is the rule
    assert effects.beyond_noise(many)
    rows = [("incumbents_income", "replica_ban", occupation, 2.0, 1.0, 3.0) for occupation in CROWD]
    found = effects.findings(_heat(rows, 2), AGAINST_LF, CROWD)
    assert all("beyond seed noise" not in finding.text for finding in found)
    assert any("too few seeds to tell from seed noise" in finding.text for finding in found)
    assert any(f.text.startswith("Broadest protection: not known from 2 seeds") for f in found)


def test_broadest_protection_names_the_loss_that_makes_its_mean_negative():
    rows = [
        ("incumbents_income", "replica_ban", "top_model", 1.0, 0.5, 1.5),
        ("incumbents_income", "replica_ban", "photographer", 2.0, 1.0, 3.0),
        ("incumbents_income", "replica_ban", "stylist", -12.0, -14.0, -10.0),
    ]
    broadest = [f for f in effects.findings(_heat(rows, 5), AGAINST_LF, CROWD) if f.text.startswith("Broadest")]
    assert broadest[0].text == (
        "Broadest protection: replica_ban raises incumbents' income against laissez_faire in 2 of 3 occupations "
        "beyond seed noise, but lowers that of stylists by 12%, so its mean over occupations is -3.0%."
    )


def test_a_finding_passing_over_a_larger_change_within_the_noise_says_so():
    rows = [
        ("head_count", "replica_ban", "top_model", 0.2, 0.1, 0.3),  # small, all seeds agree
        ("head_count", "replica_ban", "photographer", -23.0, -60.0, 5.0),  # large, within the noise
    ]
    found = effects.findings(_heat(rows, 5), AGAINST_LF, CROWD)
    heads = [f for f in found if f.measure == "head_count"]
    assert heads[0].text.startswith("Largest change in head count beyond seed noise: top models")


def test_no_scale_line_when_no_ai_is_the_only_scenario_the_findings_are_about():
    rows = [("incumbents_income", "no_ai", occupation, 5.0, 4.0, 6.0) for occupation in CROWD]
    found = effects.findings(_heat(rows, 5), AGAINST_LF, CROWD)
    assert not any(f.text.startswith("For scale") for f in found)
    texts = [f.text for f in found]
    assert len(texts) == len(set(texts))


def _consent(label: str, seeds: int, value: float, reference: float, agree: bool = True) -> pd.DataFrame:
    """An ``effects.unconsented`` table by hand: one label's medians and the spread of its per-seed difference."""
    difference = value - reference
    return pd.DataFrame(
        [[label, difference, 0.5 * difference, 1.5 * difference, agree, seeds, value, reference]],
        columns=["label", "median", "low", "high", "agree", "seeds", "value", "reference"],
    )


PROTECTS = [("incumbents_income", "replica_ban", occupation, 4.0, 2.0, 6.0) for occupation in CROWD]
WARNING = "but it raises uses of models' likenesses without their consent (87,000 against 42,000 in laissez_faire"


def test_a_protection_that_sends_brands_to_unconsented_twins_says_so():
    found = effects.findings(_heat(PROTECTS, 5), AGAINST_LF, CROWD, _consent("replica_ban", 5, 87000, 42000))
    heads = {f.text.split(":")[0]: f.text for f in found}
    assert heads["Broadest protection"] == (
        "Broadest protection: replica_ban raises incumbents' income against laissez_faire in 3 of 3 occupations "
        f"beyond seed noise (mean over occupations +4.0%), {WARNING}, over the run, medians across seeds)."
    )
    assert WARNING in heads["Largest gain"]
    # not when the rise is under half as many again, within seed noise, or about another scenario
    for consent in (
        _consent("replica_ban", 5, 60000, 42000),
        _consent("replica_ban", 5, 87000, 42000, agree=False),
        _consent("replica_ban", 3, 87000, 42000),
        _consent("union_royalties", 5, 87000, 42000),
        None,
    ):
        found = effects.findings(_heat(PROTECTS, 5), AGAINST_LF, CROWD, consent)
        assert not any("without their consent" in f.text for f in found)


def test_the_consent_warning_follows_a_loss_named_in_the_protection():
    rows = [*PROTECTS[:2], ("incumbents_income", "replica_ban", "stylist", -12.0, -14.0, -10.0)]
    found = effects.findings(_heat(rows, 5), AGAINST_LF, CROWD, _consent("replica_ban", 5, 87000, 42000))
    broadest = next(f.text for f in found if f.text.startswith("Broadest"))
    assert ", so its mean over occupations is " in broadest
    assert broadest.endswith(
        "; it also raises uses of models' likenesses without their consent (87,000 against "
        "42,000 in laissez_faire, over the run, medians across seeds)."
    )


def test_limits_pass_on_the_long_run_check_that_misses(tmp_path):
    text = html.unescape(re.sub("<[^>]+>", "", top.limits()))  # the repository's docs/validation.md
    assert text.startswith("Limits: the directions are the model's; the sizes over ten years are not validated.")
    assert re.search(r"changes by -\d+% for models and -\d+% for photographers in ten years", text)
    assert "where BLS projects +1% and +4% for 2023-33" in text and "docs/validation.md, L1" in text
    assert "how fast brands adopt AI" in text and "demand growth" in text
    without = html.unescape(re.sub("<[^>]+>", "", top.limits(tmp_path)))  # a wheel: no docs/ at hand
    assert "misses the official projections (docs/validation.md, L1" in without and "%" not in without
    (tmp_path / "validation.md").write_text("| L1 | models | +1% | +3% | +32% |\n")  # a check that is met
    met = html.unescape(re.sub("<[^>]+>", "", top.limits(tmp_path)))
    assert "not validated" not in met and "is met" in met and "+3% for models" in met
