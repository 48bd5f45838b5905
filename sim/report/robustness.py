"""The robust policy ranking in the report: ``robustness.csv`` from the sweep folder, else the repository's
``docs/robustness.csv``, else a pointer to the sensitivity results.

The table (written by the sensitivity analysis) has one row per scenario and occupation: the share of
parameter points where the scenario raises that occupation's incumbents' income against
``laissez_faire`` (``share_raises``, 0-1), the number of points, and the parameters that decide it.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from sim.core import registry
from sim.report.effects import people
from sim.report.results import ReportError

FILE = "robustness.csv"
COLUMNS = ("scenario", "occupation", "share_raises", "points", "deciding")
REPOSITORY_DOCS = Path(__file__).resolve().parents[2] / "docs"  # docs/ of a source tree; absent in a wheel
SENSITIVITY_DOC = "docs/sensitivity.md"


def find(directory: Path, docs: Path = REPOSITORY_DOCS) -> Path | None:
    """The robustness table for this directory: its own, else the repository's, else None."""
    for path in (Path(directory) / FILE, Path(docs) / FILE):
        if path.is_file():
            return path
    return None


def read(path: Path) -> pd.DataFrame:
    """The table, checked: every column present, shares in 0-1, points a positive whole number."""
    try:
        table = pd.read_csv(path, dtype={"scenario": str, "occupation": str, "deciding": str})
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise ReportError(f"{path} cannot be read as CSV ({type(error).__name__})") from None
    lacking = [column for column in COLUMNS if column not in table.columns]
    if lacking:
        raise ReportError(f"{path} lacks the columns {', '.join(lacking)}: allowed columns {', '.join(COLUMNS)}")
    shares = pd.to_numeric(table["share_raises"], errors="coerce")
    bad = table.loc[shares.isna() | (shares < 0) | (shares > 1), "share_raises"]
    if not bad.empty:
        raise ReportError(f"{path}: share_raises = {bad.iloc[0]} is out of range: allowed 0 <= value <= 1")
    points = pd.to_numeric(table["points"], errors="coerce")
    bad = table.loc[points.isna() | (points < 1) | (points % 1 != 0), "points"]
    if not bad.empty:
        raise ReportError(f"{path}: points = {bad.iloc[0]} is not allowed: allowed a whole number >= 1")
    return table.assign(share_raises=shares, points=points.astype(int), deciding=table["deciding"].fillna(""))


def _shade(share: float) -> str:
    """Blue where most points raise the income, orange where most lower it; pale where the points split."""
    strength = abs(share - 0.5) * 2
    hue = "0,114,178" if share >= 0.5 else "213,94,0"
    return f"background:rgba({hue},{0.08 + 0.5 * strength:.2f})"


def section(directory: Path, docs: Path = REPOSITORY_DOCS) -> str:
    """The HTML of the robustness part of "How sure": the table where there is one, else where to look."""
    path = find(directory, docs)
    if path is None:
        return (
            f'<p id="robustness-missing">No robust policy ranking ({FILE}) was found beside these results or '
            f"in the repository. How much the results depend on the model's parameters is in {SENSITIVITY_DOC} "
            "(global sensitivity analysis).</p>"
        )
    table = read(path)
    beside = path.parent.resolve() == Path(directory).resolve()
    where = "beside these results" if beside else "in the repository"
    shown = path.name if beside else f"docs/{path.name}"  # not this machine's absolute path
    occupations = list(dict.fromkeys(table["occupation"]))
    same_points = table["points"].nunique() == 1
    header = '<tr><th class="text">Scenario</th>' + "".join(
        f"<th>{html.escape(registry.label(name))}</th>" for name in occupations
    )
    rows = []
    for scenario, group in table.groupby("scenario", sort=False):
        cells = []
        by_occupation = group.set_index("occupation")
        for occupation in occupations:
            name = html.escape(registry.label(occupation))
            if occupation not in by_occupation.index:
                cells.append(f'<td class="none" data-occ-label="{name}">-</td>')
                continue
            row = by_occupation.loc[occupation]
            count = "" if same_points else f'<span class="sub">of {int(row["points"])}</span>'
            cells.append(
                f'<td style="{_shade(row["share_raises"])}" data-occ-label="{name}" '
                f'data-share="{float(row["share_raises"])!r}" data-points="{int(row["points"])}">'
                f'<span class="v">{100 * row["share_raises"]:.0f}%</span>{count}</td>'
            )
        rows.append(
            f'<tr data-label="{html.escape(scenario)}"><th class="text" scope="row"><span class="name">'
            f"{html.escape(scenario)}</span></th>{''.join(cells)}</tr>"
        )
    deciding = [  # the test statistic (KS 0.30) stays in the CSV; the page says what it means instead
        f"<li><strong>{html.escape(row.scenario)}</strong>, {html.escape(people(row.occupation))}: "
        f"{html.escape(re.sub(r' [(]KS [0-9.]+[)]', '', row.deciding))}</li>"
        for row in table.itertuples()
        if row.deciding.strip()
    ]
    points = f", {int(table['points'].iloc[0])} points" if same_points else ""  # said once when the same
    listed = (
        "<p>What decides it: the parameters whose values differ most between the points where the scenario "
        f"raises the income and the others (a Kolmogorov-Smirnov test, in {FILE}):</p>"
        f"<ul class='deciding'>{''.join(deciding)}</ul>"
        if deciding
        else ""
    )
    return (
        f"<p>The share of parameter points (from the sensitivity sample{points}, {where}: "
        f"<code>{html.escape(shown)}</code>) at which each scenario raises the occupation's incumbents' income "
        "against laissez_faire (a reference of its own: the heatmaps above are against their reference). "
        "Near 100%: it helps whatever the uncertain parameters are; near 50%: it depends on them; near 0%: "
        f"it hurts. Details in {SENSITIVITY_DOC}.</p>"
        f'<div class="scroll"><table class="heatmap" id="robustness-table"><thead>{header}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>{listed}"
    )
