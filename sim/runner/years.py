"""The first and the last year of a run's tables: the periods every summary compares.

A year is 12 monthly steps; in a run shorter than two years the two overlap.
"""

from __future__ import annotations

import pandas as pd

YEAR = 12  # months


def first_year(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the first 12 steps."""
    return frame[frame["step"] < YEAR]


def last_year(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the last 12 steps of the table."""
    return frame[frame["step"] > frame["step"].max() - YEAR]
