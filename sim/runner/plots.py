"""A run's own figures (PNG), drawn from its output tables only."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from sim.core.registry import colour, label
from sim.runner.io import write_atomic


def save_png(figure: plt.Figure, path: Path) -> None:
    """Write a figure as PNG, atomically, and close it."""
    write_atomic(path, lambda tmp: figure.savefig(tmp, format="png", dpi=120, bbox_inches="tight"))
    plt.close(figure)


def _by_occupation(occupations: pd.DataFrame, column: str, ylabel: str, title: str, path: Path) -> None:
    figure, axes = plt.subplots(figsize=(8, 4.5))
    for position, name in enumerate(occupations["occupation"].unique()):  # in the table's order
        rows = occupations[occupations["occupation"] == name]
        axes.plot(rows["date"], rows[column], label=label(name), color=colour(name, position), linewidth=1.8)
    axes.set(title=title, xlabel="Month", ylabel=ylabel)
    axes.grid(alpha=0.3)
    axes.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    save_png(figure, path)


def run_figures(occupations: pd.DataFrame, market: pd.DataFrame, folder: Path) -> list[Path]:
    """Employment, mean income per occupation, and the AI share of shoots, over time."""
    folder = Path(folder)
    paths = [folder / "employment.png", folder / "income.png", folder / "ai_share.png"]
    _by_occupation(occupations, "active", "Active workers", "Employment by occupation", paths[0])
    _by_occupation(
        occupations, "income_mean", "Mean income per active worker (USD/month)", "Income by occupation", paths[1]
    )
    figure, axes = plt.subplots(figsize=(8, 4.5))
    axes.plot(
        market["date"], 100 * market["ai_share_campaign"], label="Campaign shoots", color="#0072B2", linewidth=1.8
    )
    axes.plot(
        market["date"], 100 * market["ai_share_ecommerce"], label="E-commerce shoots", color="#E69F00", linewidth=1.8
    )
    axes.set(
        title="Share of shoots made with AI (twin or generic)", xlabel="Month", ylabel="AI share (%)", ylim=(0, 100)
    )
    axes.grid(alpha=0.3)
    axes.legend(frameon=False)
    save_png(figure, paths[2])
    return paths
