"""The report's top: the findings, the scenario x occupation heatmaps and "How sure", as HTML.

Every number shown rides along as a data-* attribute, so tests (and machines) read the exact values.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from sim.core import registry
from sim.report import robustness
from sim.report.effects import (
    MEASURES,
    MIN_SEEDS,
    ROUNDING_NOTE,
    Finding,
    Reference,
    beyond_noise,
    displaceable,
    findings,
    heatmap,
    percent,
    policy_reference,
    row_order,
    unconsented,
)
from sim.report.results import BASELINE, Results, scenario_description

SATURATION = 50.0  # % change at which a cell's colour is at full strength
MEASURE_TEXT = {
    "incumbents_income": (
        "Incumbents' income: the workers of the first month, wherever they went, their mean monthly income over "
        "the whole run (those who left counted at their outside option)"
    ),
    "head_count": "Head count: active workers, mean over the last 12 months",
}
FIRST_YEAR_TEXT = {
    "incumbents_income": (
        "Incumbents' income: the workers of the first month, wherever they went, their mean monthly income in the "
        "last 12 months against the first 12 (those who left counted at their outside option)"
    ),
    "head_count": "Head count: active workers, mean over the last 12 months against the first 12",
}


def data_attributes(**values: object) -> str:
    """data-* attributes; floats in full precision, missing numbers left out."""
    parts = []
    for key, value in values.items():
        if isinstance(value, float):
            if pd.isna(value):
                continue
            value = repr(value)
        elif value == "":
            continue
        parts.append(f' data-{key.replace("_", "-")}="{html.escape(str(value))}"')
    return "".join(parts)


def shade(change: float, sure: bool) -> str:
    """The cell's background: blue for a gain, orange for a loss, stronger for larger; pale within seed noise."""
    strength = min(abs(change), SATURATION) / SATURATION
    alpha = (0.12 + 0.43 * strength) * (1.0 if sure else 0.45)
    hue = "0,114,178" if change >= 0 else "213,94,0"
    return f"background:rgba({hue},{alpha:.2f})"


def _heat_cell(row: pd.Series | None, occupation: str) -> str:
    name = html.escape(registry.label(occupation))
    if row is None or pd.isna(row["median"]):
        return f'<td class="none" data-occupation="{occupation}" data-occ-label="{name}">-</td>'
    sure = beyond_noise(row)
    interval = (f"{percent(row['low'])} to {percent(row['high'])}" if row["seeds"] >= 2 else "one seed").replace(
        "%", ""
    )
    data = data_attributes(
        occupation=occupation,
        occ_label=registry.label(occupation),
        median=float(row["median"]),
        low=float(row["low"]),
        high=float(row["high"]),
        seeds=int(row["seeds"]),
        value=float(row["value"]),
        reference=float(row["reference"]),
    )
    css = "sure" if sure else "noise"
    return (
        f'<td class="{css}" style="{shade(row["median"], sure)}"{data}><span class="v">{percent(row["median"])}</span>'
        f'<span class="sub">{interval}</span></td>'
    )


def _missing_note(table: pd.DataFrame, reference: Reference, occupations: list[str]) -> str:
    """One sentence for every '-' cell, instead of a row of n/a."""
    missing = table[table["median"].isna()]
    if missing.empty:
        return ""
    names = [registry.label(name) for name in occupations if name in set(missing["occupation"])]
    base = f"{reference.name} has none of them (or they earn nothing there) in at least one seed"
    if reference.label == BASELINE:
        base = "they do not exist without AI"
    return f" -: no change can be computed for {', '.join(names)}, as {base}."


def heatmap_html(table: pd.DataFrame, measure: str, results: Results, reference: Reference) -> str:
    """One heatmap: scenarios as rows (with their descriptions), occupations as columns."""
    rows_of = table[table["measure"] == measure]
    if rows_of.empty:
        return ""
    occupations = [name for name in results.occupation_names if name in set(rows_of["occupation"])]
    header = '<tr><th class="text">Scenario</th>' + "".join(
        f"<th>{html.escape(registry.label(name))}</th>" for name in occupations
    )
    cells = {(row["label"], row["occupation"]): row for _, row in rows_of.iterrows()}
    body = []
    for label in row_order(results, reference):
        if not any((label, name) in cells for name in occupations):
            continue
        description = scenario_description(results, label)
        if label == BASELINE and reference.label != BASELINE:
            description = (description + " " if description else "") + "(counterfactual, for scale)"
        body.append(
            f'<tr data-label="{html.escape(label)}"><th class="text" scope="row"><span class="name">'
            f'{html.escape(label)}</span><span class="desc">{html.escape(description)}</span></th>'
            + "".join(_heat_cell(cells.get((label, name)), name) for name in occupations)
            + "</tr>"
        )
    texts = MEASURE_TEXT if reference.label else FIRST_YEAR_TEXT
    against = f"against {reference.name}, same seed" if reference.label else ""
    title = f"{texts[measure]}{'; ' + against if against else ''}."
    seeds = sorted(set(rows_of["seeds"].astype(int)))
    if seeds == [1]:  # a single run: no median across seeds and no interval
        each = "Each cell: the change in the one seed that ran ('one seed' below it: no interval). "
    else:
        seeds_text = f"{seeds[0]}" if len(seeds) == 1 else f"{seeds[0]}-{seeds[-1]}"
        each = (
            f"Each cell: the median change across {seeds_text} seeds, and below it the interval that holds 90% of "
            "seeds. "
        )
    note = (
        each + f"Blue: a gain, orange: a loss, stronger up to {SATURATION:.0f}%; bold on a strong colour: beyond "
        f"seed noise (at least {MIN_SEEDS} seeds, all agreeing in sign; from 20 seeds, the interval on one side of "
        "zero); pale: within seed noise, or too few seeds to tell. Incumbents who left count at their outside "
        "option, and most leave within ten years in every scenario, so their income moves less than head counts. "
        + ROUNDING_NOTE
        + _missing_note(rows_of, reference, occupations)
    )
    return (
        f'<h3>{html.escape(title.split(":")[0])}</h3><p class="note">{html.escape(title)}</p>'
        f'<div class="scroll"><table class="heatmap" id="heatmap-{measure}"><thead>{header}</tr></thead>'
        f'<tbody>{"".join(body)}</tbody></table></div><p class="note">{html.escape(note)}</p>'
    )


def findings_html(found: list[Finding]) -> str:
    items = []
    for finding in found:
        data = data_attributes(
            measure=finding.measure,
            label=finding.label,
            occupation=finding.occupation,
            median=finding.median,
            low=finding.low,
            high=finding.high,
            seeds=finding.seeds,
        )
        head, _, rest = finding.text.partition(": ")  # "Largest gain: ..." reads at a glance with its head bold
        text = f"<strong>{html.escape(head)}:</strong> {html.escape(rest)}" if rest else html.escape(head)
        items.append(f'<li class="finding"{data}>{text}</li>')
    return f'<ul id="findings">{"".join(items)}</ul>'


VALIDATION_DOC = "docs/validation.md"
# a row of the held-out long-run check: | L1 | group | BLS projection | default's change | ...
LONG_RUN_ROW = re.compile(r"^\| L1 \| ([^|]+?) \| ([+-]\d+%) \| ([+-]\d+%)( \(MISSED\))?", re.MULTILINE)


def _long_run(docs: Path) -> tuple[list[tuple[str, ...]], bool]:
    """The L1 rows of docs/validation.md (none without the file), and whether the check misses (as that file
    records it, when the file is not at hand)."""
    try:
        rows = LONG_RUN_ROW.findall((Path(docs) / "validation.md").read_text(encoding="utf-8"))
    except OSError:
        rows = []
    return rows, not rows or any(flag for *_, flag in rows)


def limits(docs: Path = robustness.REPOSITORY_DOCS) -> str:
    """The 'Limits' note: the ten-year sizes miss the held-out check L1 of docs/validation.md, with its figures
    when that file is at hand (a source tree), else a pointer to it."""
    rows, missed = _long_run(docs)
    where = f"{VALIDATION_DOC}, L1 in 'Held out: the long run against official projections'"
    if rows:
        model = " and ".join(f"{change} for {group.strip()}" for group, _, change, _ in rows)
        official = " and ".join(projected for _, projected, _, _ in rows)
        verb = "misses" if missed else "is met"
        check = f"{verb} ({where}): the default's head count changes by {model} in ten years, where BLS projects "
        check += f"{official} for 2023-33."
    else:
        check = f"misses the official projections ({where})."
    sizes = "the sizes over ten years are not validated" if missed else "their sizes rest on its assumptions"
    return (
        f'<p class="note" id="limits"><strong>Limits:</strong> the directions are the model\'s; {sizes}. The '
        f"held-out check of ten-year head counts {html.escape(check)} The size depends mainly on how fast brands "
        "adopt AI and on the demand growth assumed for the world without AI.</p>"
    )


def answer(results: Results) -> tuple[str, pd.DataFrame, Reference]:
    """The top section's HTML (findings, then both heatmaps), with the heatmap table and the reference used."""
    reference = policy_reference(results)
    table = heatmap(results, reference)
    found = findings(table, reference, displaceable(results), unconsented(results, reference))
    scope = (
        "The findings are about the occupations AI can displace, models and crew; AI content producers, whose "
        "work exists because of AI, are in the heatmaps."
    )
    parts = [
        f'<p class="lead" id="reference">{html.escape(reference.why)} {scope}</p>',
        findings_html(found),
        limits(),
    ]
    if results.cohorts is None:
        parts.append(
            '<p class="note">These results have no cohorts.parquet (made by an older version), so the '
            "incumbents' income cannot be shown; rerun to see it.</p>"
        )
    parts += [heatmap_html(table, measure, results, reference) for measure in MEASURES]
    return "".join(parts), table, reference


def how_sure(results: Results, directory: Path, docs: Path = robustness.REPOSITORY_DOCS) -> str:
    """Seeds and their intervals; then what seeds do not cover, and where that is measured."""
    counts = {label: len(results.seeds(label)) for label in results.labels}
    sizes = sorted(set(counts.values()))
    seeds = f"{sizes[0]}" if len(sizes) == 1 else f"{sizes[0]} to {sizes[-1]}"
    seeds += " seed" if sizes == [1] else " seeds"
    close = " (with fewer than 10 seeds it is close to their full range)" if sizes[-1] < 10 else ""
    intervals = (
        "With one seed there are no intervals, and no effect can be told from seed noise."
        if sizes == [1]
        else "Every interval in this report holds 90% of the seeds' values, from the 5th to the 95th "
        f"percentile{close}."
    )
    verdict = "miss" if _long_run(docs)[1] else "meet"
    return (
        f'<p id="seeds-note">Chance: every scenario ran with {seeds} (random streams: which brands adopt AI '
        f"when, who gets booked). {intervals} An effect is beyond seed noise when at least {MIN_SEEDS} seeds ran "
        "and every one agrees in its sign (with no effect, 5 seeds do so by chance 6% of the time, 2 seeds half the "
        "time); from 20 seeds, when the interval lies on one side of zero. More seeds narrow the intervals.</p>"
        "<p>Assumptions: seeds vary chance, not the model. Its parameters are calibrated and checked against data "
        f"in docs/calibration.md and docs/validation.md, where the ten-year head counts {verdict} the official "
        "projections (Limits, above); how much each result depends on them is below.</p>"
        f"<h3>Robust policy ranking</h3>{robustness.section(directory, docs)}"
    )
