"""The report's figures: fan charts across seeds, one small panel per scenario, drawn from files only.

A fan shows the median across seeds (line), the middle 50% of seeds (dark band) and 90% (light
band). Colours are Okabe-Ito (``sim.core.registry.colour``), readable with common colour blindness.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from sim.core import registry
from sim.report.results import BASELINE, Results, bands, spread_by_label, totals_by_seed, twin_accounts
from sim.runner.plots import save_png

PANEL_SIZE = (3.0, 2.2)  # inches per scenario panel
SMOOTHING_MONTHS = 6  # two fashion seasons a year: a trailing 6-month mean removes the seasonal cycle
MAX_COLUMNS = 4
FONT = {"font.size": 10, "axes.titlesize": 10, "axes.labelsize": 10, "xtick.labelsize": 9, "ytick.labelsize": 9}
SMALLEST_TEXT_PT = 9  # no text in a figure is smaller: the page sizes images on phones so that it stays legible
BASELINE_COLOUR = "#555555"
SERIES = {  # Okabe-Ito colours for the market-wide series
    "ai_share_campaign": ("#0072B2", "Campaign shoots"),
    "ai_share_ecommerce": ("#E69F00", "E-commerce shoots"),
    "content_diversity": ("#0072B2", "Underrepresented faces in all shoots"),
    "income_share_underrepresented": ("#D55E00", "Underrepresented models' share of models' income"),
    "twin_royalties": ("#009E73", "Twin royalties received"),
    "day_income_lost": ("#D55E00", "Day income lost"),
    "unconsented_uses": ("#CC79A7", "Unconsented uses"),
}


def _money(value: float, _position: object = None) -> str:
    """USD for tick and bar labels: $950, $12.5k, -$3M."""
    sign, size = ("-" if value < 0 else ""), abs(value)
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if size >= scale:
            return f"{sign}${size / scale:,.1f}".removesuffix(".0") + unit
    return f"{sign}${size:,.0f}"


def _count(value: float, _position: object = None) -> str:
    return f"{value:,.0f}"


def _panels(count: int, title: str) -> tuple[plt.Figure, list[plt.Axes]]:
    """A grid of one panel per scenario with shared axes; empty cells removed, x labels kept below."""
    columns = min(count, MAX_COLUMNS)
    rows = math.ceil(count / columns)
    with plt.rc_context(FONT):
        figure, grid = plt.subplots(
            rows,
            columns,
            figsize=(PANEL_SIZE[0] * columns + 0.8, PANEL_SIZE[1] * rows + 1.1),
            sharex=True,
            sharey=True,
            squeeze=False,
            layout="constrained",
        )
    figure.suptitle(title, fontsize=12)
    axes = list(grid.flat)
    for index, axis in enumerate(axes):
        if index >= count:
            axis.remove()
        elif index + columns >= count:  # nothing below it: show its dates
            axis.xaxis.set_tick_params(labelbottom=True)
    return figure, axes[:count]


def _date_axis(axis: plt.Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    axis.xaxis.set_major_locator(locator)
    axis.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    axis.grid(alpha=0.3)


def _fan(axis: plt.Axes, rows: pd.DataFrame, colour: str) -> None:
    dates = rows["date"].to_numpy()
    axis.fill_between(dates, rows["q05"], rows["q95"], color=colour, alpha=0.18, linewidth=0)
    axis.fill_between(dates, rows["q25"], rows["q75"], color=colour, alpha=0.4, linewidth=0)
    axis.plot(dates, rows["q50"], color=colour, linewidth=1.8)


def _fan_legend(figure: plt.Figure, series: list[tuple[str, str]], baseline: bool, bands_drawn: bool) -> None:
    handles: list = [Line2D([], [], color=colour, linewidth=1.8, label=name) for colour, name in series]
    if len(series) == 1:
        name = "median across seeds" if bands_drawn else "the run (one seed)"
        handles = [Line2D([], [], color=series[0][0], linewidth=1.8, label=name)]
    grey = series[0][0] if len(series) == 1 else "#999999"
    if bands_drawn:
        handles += [
            Patch(color=grey, alpha=0.4, linewidth=0, label="middle 50% of seeds"),
            Patch(color=grey, alpha=0.18, linewidth=0, label="90% of seeds"),
        ]
    if baseline:
        handles.append(Line2D([], [], color=BASELINE_COLOUR, linestyle="--", linewidth=1.2, label=f"{BASELINE} median"))
    figure.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4), frameon=False, fontsize=9)


def occupation_fans(results: Results, column: str, occupation: str, ylabel: str, path: Path) -> Path:
    """Fan chart of an occupations column for one occupation, one panel per scenario."""
    rows = results.occupations[results.occupations["occupation"] == occupation].sort_values("step")
    if column != "active":
        rolling = rows.groupby(["label", "seed"])[column].rolling(SMOOTHING_MONTHS, min_periods=1).mean()
        rows = rows.assign(**{column: rolling.reset_index(level=[0, 1], drop=True)})
    quantiles = bands(rows, column)
    measure = "Head count (active workers)" if column == "active" else "Mean monthly income"
    figure, axes = _panels(len(results.labels), f"{measure}: {registry.label(occupation)}")
    line_colour = registry.colour(occupation, results.occupation_names.index(occupation))
    baseline = quantiles[quantiles["label"] == BASELINE]
    for axis, label in zip(axes, results.labels, strict=True):
        _fan(axis, quantiles[quantiles["label"] == label], line_colour)
        if label != BASELINE and not baseline.empty:
            axis.plot(baseline["date"], baseline["q50"], color=BASELINE_COLOUR, linestyle="--", linewidth=1.2)
        axis.set_title(textwrap.fill(label, 32))
        _date_axis(axis)
    axes[0].set_ylim(bottom=0)  # a level is read against zero: a change of 500 to 600 must not fill the panel
    if column != "active":
        axes[0].yaxis.set_major_formatter(FuncFormatter(_money))
    figure.supylabel(ylabel, fontsize=10)
    _fan_legend(
        figure,
        [(line_colour, registry.label(occupation))],
        baseline=not baseline.empty and len(results.labels) > 1,
        bands_drawn=results.max_seeds > 1,
    )
    save_png(figure, path)
    return path


def market_fans(
    results: Results, columns: tuple[str, str], title: str, ylabel: str, path: Path, full_scale: bool = True
) -> Path:
    """Two market shares (0-1) as fans in percent, one panel per scenario (0-100%, or 0 to the data)."""
    figure, axes = _panels(len(results.labels), title)
    quantiles = {column: bands(results.market, column) for column in columns}
    for axis, label in zip(axes, results.labels, strict=True):
        for column in columns:
            rows = quantiles[column][quantiles[column]["label"] == label]
            _fan(
                axis, rows.assign(**{q: 100 * rows[q] for q in ("q05", "q25", "q50", "q75", "q95")}), SERIES[column][0]
            )
        axis.set_title(textwrap.fill(label, 32))
        _date_axis(axis)
    top = max(100 * quantiles[column]["q95"].max() for column in columns)
    axes[0].set_ylim(0, 100 if full_scale else min(100.0, 10 * math.ceil(1.1 * top / 10)))
    axes[0].yaxis.set_major_formatter(PercentFormatter(decimals=0))
    figure.supylabel(ylabel, fontsize=10)
    _fan_legend(figure, [SERIES[column] for column in columns], baseline=False, bands_drawn=results.max_seeds > 1)
    save_png(figure, path)
    return path


def _bars(axis: plt.Axes, spreads: list[pd.DataFrame], keys: list[str], labels: list[str], money: bool) -> None:
    height = 0.8 / len(spreads)
    positions = np.arange(len(labels))
    for index, (spread, key) in enumerate(zip(spreads, keys, strict=True)):
        spread = spread.reindex(labels)
        offset = positions - 0.4 + height * (index + 0.5)
        error = np.vstack([spread["median"] - spread["low"], spread["high"] - spread["median"]])
        axis.barh(offset, spread["median"], height=height * 0.9, color=SERIES[key][0], label=SERIES[key][1])
        axis.errorbar(spread["median"], offset, xerr=error, fmt="none", ecolor="#222222", capsize=3, linewidth=1)
        for y, value, end in zip(offset, spread["median"], spread[["median", "high"]].max(axis=1), strict=True):
            text = (_money if money else _count)(value)
            axis.annotate(
                text, (end, y), xytext=(4, 0), textcoords="offset points", va="center", fontsize=SMALLEST_TEXT_PT
            )
    axis.margins(x=0.18)
    axis.set_yticks(positions, [textwrap.fill(label, 24) for label in labels])  # a label with its changes is long
    axis.invert_yaxis()
    axis.axvline(0, color="#222222", linewidth=0.8)
    axis.grid(axis="x", alpha=0.3)
    axis.xaxis.set_major_locator(MaxNLocator(nbins=5))
    axis.xaxis.set_major_formatter(FuncFormatter(_money if money else _count))


def twin_figure(results: Results, path: Path) -> Path:
    """Per occupation that can license twins: its royalties against the day income it lost; then unconsented
    uses; per scenario."""
    accounts = twin_accounts(results)
    occupations = list(dict.fromkeys(accounts["occupation"]))
    compared = [label for label in results.labels if label in set(accounts["label"])]
    count = max(len(occupations), 1)
    with plt.rc_context(FONT):
        figure, axes = plt.subplots(
            1,
            count + 1,
            figsize=(
                4.2 * (count + 1) + 0.6,
                1.8 + 0.45 * sum(len(textwrap.wrap(label, 24)) for label in results.labels),
            ),
            layout="constrained",
        )
    for axis, occupation in zip(axes, occupations, strict=False):
        rows = accounts[accounts["occupation"] == occupation]
        spreads = [spread_by_label(rows, key) for key in ("twin_royalties", "day_income_lost")]
        _bars(axis, spreads, ["twin_royalties", "day_income_lost"], compared, money=True)
        axis.set(
            title=f"{registry.label(occupation)}: royalties vs lost day income",
            xlabel="USD over the run, all its workers",
        )
    if not occupations:  # no occupation licenses twins (or nothing to compare): say so rather than draw empty bars
        axes[0].text(0.5, 0.5, "No occupation licenses twins", ha="center", va="center", transform=axes[0].transAxes)
        axes[0].set_axis_off()
    uses = axes[-1]
    counts = spread_by_label(totals_by_seed(results, "unconsented_uses"), "unconsented_uses")
    _bars(uses, [counts], ["unconsented_uses"], results.labels, money=False)
    uses.set(title="Likeness used without consent", xlabel="Twin uses, whole run")
    reference = f"against {BASELINE}, same seed" if results.has_baseline else "against their first year"
    names = {
        "twin_royalties": "Royalties for their own twins",
        "day_income_lost": f"Day income lost ({reference})",
        "unconsented_uses": SERIES["unconsented_uses"][1],
    }
    keys = ["twin_royalties", "day_income_lost"] if occupations else []
    handles = [Patch(color=SERIES[key][0], label=names[key]) for key in [*keys, "unconsented_uses"]]
    figure.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False, fontsize=9)
    figure.suptitle("Digital twins: who is paid, who is not (bars: median; whiskers: 90% of seeds)", fontsize=12)
    save_png(figure, path)
    return path


def report_figures(results: Results, folder: Path) -> dict[str, Path]:
    """Draw every report figure into ``folder``; return them by name in report order."""
    folder = Path(folder)
    figures: dict[str, Path] = {}
    for occupation in results.occupation_names:
        figures[f"employment_{occupation}"] = occupation_fans(
            results, "active", occupation, "Active workers", folder / f"employment_{occupation}.png"
        )
    for occupation in results.occupation_names:
        figures[f"income_{occupation}"] = occupation_fans(
            results,
            "income_mean",
            occupation,
            f"Mean income per active worker\n(USD/month, {SMOOTHING_MONTHS}-month average)",
            folder / f"income_{occupation}.png",
        )
    figures["ai_share"] = market_fans(
        results,
        ("ai_share_campaign", "ai_share_ecommerce"),
        "Share of shoots made with AI (twin or generic)",
        "Share of shoots (%)",
        folder / "ai_share.png",
    )
    figures["twins"] = twin_figure(results, folder / "twins.png")
    figures["diversity"] = market_fans(
        results,
        ("content_diversity", "income_share_underrepresented"),
        "Diversity shown vs income earned by underrepresented models",
        "Share (%)",
        folder / "diversity.png",
        full_scale=False,
    )
    return figures
