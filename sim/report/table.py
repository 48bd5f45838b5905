"""The long table: every scenario and occupation, grouped by scenario, levels beside their changes.

For each measure the change since the run's own first year (what happens over time) stands apart
from the change against the no-AI counterfactual with the same seed (what AI does), so lost growth
is not read as lost jobs. Levels are medians across seeds; changes are per-seed changes, summarised
by their median and 90% interval across seeds.
"""

from __future__ import annotations

import html

import pandas as pd

from sim.core import registry
from sim.report.effects import ROUNDING_NOTE, percent
from sim.report.results import (
    BASELINE,
    Results,
    paired_reference,
    relative_change,
    scenario_description,
    seed_spread,
    year_means,
)
from sim.report.top import data_attributes

KEYS = ["label", "seed", "occupation"]


def _summary(frame: pd.DataFrame, value: str, reference: str, prefix: str) -> pd.DataFrame:
    """Per (label, occupation): median and 90% interval across seeds of ``value`` against ``reference``, in %."""
    change = frame.assign(change=relative_change(frame[value].astype(float), frame[reference].astype(float)))
    spread = change.groupby(["label", "occupation"])["change"].apply(seed_spread).unstack()
    spread = spread.reindex(columns=["median", "low", "high"])
    spread.columns = [f"{prefix}_{name}" for name in spread.columns]
    return spread


def long_table(results: Results) -> pd.DataFrame:
    """Per (label, occupation): head count and mean income of active workers in the first and last year, the
    incumbents' mean income over the run, each change since the first year and against ``no_ai``."""
    parts = []
    for column, name in (("active", "head"), ("income_mean", "income")):
        years = year_means(results.occupations, column)
        levels = years.groupby(["label", "occupation"])[["first", "last"]].median()
        levels.columns = [f"{name}_first", f"{name}_last"]
        parts += [levels, _summary(years, "last", "first", f"{name}_since")]
        if results.has_baseline:
            rest, reference = paired_reference(years, "last", "occupation", "mean")
            parts.append(_summary(rest.assign(reference=reference), "last", "reference", f"{name}_cf"))
    if results.cohorts is not None and not results.cohorts.empty:
        means = results.cohorts.groupby(KEYS)["income_mean"].mean().rename("value").reset_index()
        parts.append(means.groupby(["label", "occupation"])["value"].median().rename("incumbents_level").to_frame())
        if results.has_baseline:
            rest, reference = paired_reference(means, "value", "occupation", "mean")
            parts.append(_summary(rest.assign(reference=reference), "value", "reference", "incumbents_cf"))
    table = pd.concat(parts, axis=1).reset_index()
    table["seeds"] = table["label"].map({label: len(results.seeds(label)) for label in results.labels})
    return table


def _change_cell(row: pd.Series, prefix: str) -> str:
    median = row.get(f"{prefix}_median", float("nan"))
    if pd.isna(median):
        return '<td class="none">-</td>'
    low, high = row[f"{prefix}_low"], row[f"{prefix}_high"]
    interval = "one seed" if row["seeds"] < 2 else f"{percent(low)} to {percent(high)}".replace("%", "")
    css = "" if row["seeds"] < 2 else "loss" if high < 0 else "gain" if low > 0 else ""
    data = data_attributes(median=float(median), low=float(low), high=float(high))
    return f'<td class="{css}"{data}><span class="v">{percent(median)}</span><span class="sub">{interval}</span></td>'


def _levels(first: float, last: float, money: bool) -> str:
    unit = "$" if money else ""
    return (
        f"<td{data_attributes(first=float(first), last=float(last))}>{unit}{first:,.0f} &rarr; {unit}{last:,.0f}</td>"
    )


def table_html(results: Results) -> str:
    """The long table as HTML, one group of rows per scenario (with its description), and its notes."""
    table = long_table(results)
    counterfactual = results.has_baseline
    incumbents = "incumbents_level" in table.columns
    against = f"against {BASELINE}"
    top = (
        '<tr><th class="text" rowspan="2">Occupation</th>'
        f'<th colspan="{3 if counterfactual else 2}" class="span">Head count (active workers)</th>'
        f'<th colspan="{3 if counterfactual else 2}" class="span">Mean income of active workers (USD/month)</th>'
        + (
            f'<th colspan="{2 if counterfactual else 1}" class="span">Incumbents\' mean income</th>'
            if incumbents
            else ""
        )
        + "</tr>"
    )
    sub = "<th>first year &rarr; last year</th><th>since first year</th>"
    sub += f"<th>{against}</th>" if counterfactual else ""
    second = "<tr>" + sub + sub
    if incumbents:
        second += "<th>whole run, USD/month</th>" + (f"<th>{against}</th>" if counterfactual else "")
    second += "</tr>"
    columns = 1 + 2 * (3 if counterfactual else 2) + (2 if counterfactual else 1) * incumbents
    order = sorted(results.labels, key=lambda label: label == BASELINE)  # the counterfactual last
    groups = []
    for label in order:
        rows = table[table["label"] == label].set_index("occupation").reindex(results.occupation_names)
        seeds = len(results.seeds(label))
        description = scenario_description(results, label)
        own = " This is the counterfactual, so it has no change against itself." if label == BASELINE else ""
        head = (
            f'<tr class="group"><th class="text" colspan="{columns}"><span class="name">{html.escape(label)}</span> '
            f'<span class="desc">{html.escape(description)} ({seeds} seed{"s" if seeds != 1 else ""}).{own}</span>'
            "</th></tr>"
        )
        lines = []
        for occupation, row in rows.iterrows():
            if pd.isna(row.get("head_first")):
                continue
            cells = [_levels(row["head_first"], row["head_last"], money=False), _change_cell(row, "head_since")]
            cells += [_change_cell(row, "head_cf")] if counterfactual else []
            cells += [_levels(row["income_first"], row["income_last"], money=True), _change_cell(row, "income_since")]
            cells += [_change_cell(row, "income_cf")] if counterfactual else []
            if incumbents:
                cells.append(
                    f"<td{data_attributes(value=float(row['incumbents_level']))}>${row['incumbents_level']:,.0f}</td>"
                )
                cells += [_change_cell(row, "incumbents_cf")] if counterfactual else []
            lines.append(
                f'<tr data-label="{html.escape(label)}" data-occupation="{occupation}">'
                f'<th class="text" scope="row">{registry.label(occupation)}</th>{"".join(cells)}</tr>'
            )
        groups.append(f"<tbody>{head}{''.join(lines)}</tbody>")
    return (
        f'<div class="scroll"><table id="long-table"><thead>{top}{second}</thead>{"".join(groups)}</table></div>'
        f'<p class="note">{html.escape(_notes(table, results))}</p>'
    )


def _notes(table: pd.DataFrame, results: Results) -> str:
    text = (
        "Head counts and incomes are means over the first and the last 12 months, each the median across seeds. "
        "Changes are per seed, shown as the median across seeds with the interval that holds 90% of seeds "
        "below it; shaded when the whole interval is below zero (orange) or above (blue). Since first year: the "
        "run's last 12 months against its own first 12 (what happens over time). "
        f"{ROUNDING_NOTE} "
    )
    if results.has_baseline:
        text += (
            f"Against {BASELINE}: the last 12 months against the same months of the {BASELINE} run with the same "
            "seed (what AI changes): an occupation can keep its head count over time yet fall against a "
            f"counterfactual that grows. Incumbents: the workers of the first month, wherever they went, their "
            f"mean monthly income over the whole run, those who left counted at their outside option. "
        )
    else:
        text += f"There is no {BASELINE} run here, so no change against a counterfactual is shown. "
    changes = [column for column in table.columns if column.endswith("_median")]
    counterfactual = table["label"] == BASELINE  # its own rows have no change against itself, by design
    blank = table[changes].isna() & ~(
        counterfactual.to_numpy()[:, None] & table[changes].columns.str.endswith("cf_median")
    )
    names = [
        registry.label(name)
        for name in results.occupation_names
        if name in set(table.loc[blank.any(axis=1), "occupation"])
    ]
    if names:
        text += (
            f"-: no change can be computed where the value compared with is zero in a seed: {', '.join(names)} "
            "(for example none of them at work without AI)."
        )
    return text.strip()
