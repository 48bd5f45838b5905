"""Sobol' indices from a polynomial chaos expansion (PCE) of the design's outputs (Sudret 2008).

The Saltelli estimators (SALib) read each index from squared differences between pairs of runs,
so their intervals shrink only as one over the square root of the base samples. A PCE reads the
same runs as a regression instead: the output is fitted by Legendre polynomials of the parameters
(orthonormal under each parameter's uniform distribution on its range, in log units for a log
range), up to a total degree chosen by leave-one-out error, and every Sobol' index is a sum of
squared coefficients (Sudret, B. 2008, "Global sensitivity analysis using polynomial chaos
expansions", Reliability Engineering & System Safety 93(7): 964-979). Where the output is smooth
in the parameters, this is far more precise from the same runs.

Intervals: a bootstrap over base samples (each with all its ``k + 2`` rows, as they share values),
refitting at the chosen degree, reported as 1.96 x the bootstrap standard deviation, as SALib
reports its own. The indices are shares of the variance the expansion explains, so seed noise
left in the outputs (which no parameter causes) does not count towards any of them. The intervals
do not cover what the polynomial misses: ``1 - q2`` (the leave-one-out share of the variance left
unexplained), less the seed noise's share, bounds how far that could move an index.
"""

from __future__ import annotations

from math import comb

import numpy as np

MAX_DEGREE = 6  # highest total degree tried
ROWS_PER_TERM = 3  # a degree is tried only with at least this many rows per polynomial term
BOOTSTRAP = 200  # resamples for the intervals
Z95 = 1.959963984540054  # two-sided 95% normal quantile


def unit_scale(points: np.ndarray, bounds: list[list[float]], logs: list[bool]) -> np.ndarray:
    """Design points (natural units) as [-1, 1] on each parameter's range (a log range in log units)."""
    points = np.array(points, dtype=float)
    points[:, logs] = np.log(points[:, logs])
    low, high = np.array(bounds, dtype=float).T
    return 2.0 * (points - low) / (high - low) - 1.0


def legendre(z: np.ndarray, degree: int) -> np.ndarray:
    """Legendre polynomials 0..degree at ``z`` in [-1, 1], orthonormal under the uniform distribution: [row, order]."""
    values = np.empty((z.size, degree + 1))
    values[:, 0] = 1.0
    if degree >= 1:
        values[:, 1] = z
    for n in range(1, degree):  # Bonnet's recursion: (n + 1) P_{n+1} = (2n + 1) z P_n - n P_{n-1}
        values[:, n + 1] = ((2 * n + 1) * z * values[:, n] - n * values[:, n - 1]) / (n + 1)
    return values * np.sqrt(2 * np.arange(degree + 1) + 1)


def multi_indices(k: int, degree: int) -> np.ndarray:
    """Every exponent vector of ``k`` parameters with total degree at most ``degree``, the constant first: [term, k]."""

    def spread(total: int, slots: int):  # every way to share ``total`` among ``slots`` parameters
        if slots == 1:
            yield (total,)
            return
        for first in range(total, -1, -1):
            for rest in spread(total - first, slots - 1):
                yield (first, *rest)

    terms = [term for total in range(degree + 1) for term in spread(total, k)]
    return np.array(terms, dtype=np.int64).reshape(-1, k)


def basis(z: np.ndarray, exponents: np.ndarray) -> np.ndarray:
    """The PCE's regressors: for each row of ``z`` [row, k], the product over parameters of their polynomials."""
    degree = int(exponents.max(initial=0))
    polys = [legendre(z[:, j], degree) for j in range(z.shape[1])]
    psi = np.ones((z.shape[0], exponents.shape[0]))
    for j, values in enumerate(polys):
        psi *= values[:, exponents[:, j]]
    return psi


def fit(psi: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares coefficients and the leave-one-out q2 (1 - PRESS / total sum of squares)."""
    q, r = np.linalg.qr(psi)
    coef = np.linalg.solve(r, q.T @ y)
    leverage = np.einsum("ij,ij->i", q, q)
    residual = (y - psi @ coef) / np.maximum(1.0 - leverage, 1e-12)
    spread = ((y - y.mean()) ** 2).sum()
    return coef, float(1.0 - (residual**2).sum() / spread) if spread > 0 else float("nan")


def sobol_of(coef: np.ndarray, exponents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First-order and total indices of each parameter from orthonormal PCE coefficients."""
    power = coef[1:] ** 2
    used = exponents[1:] > 0  # [term, parameter]
    variance = power.sum()
    if variance <= 0:
        return np.full(exponents.shape[1], np.nan), np.full(exponents.shape[1], np.nan)
    alone = used & (used.sum(axis=1) == 1)[:, None]
    return (power @ alone) / variance, (power @ used) / variance


def degrees_possible(rows: int, k: int) -> list[int]:
    """Total degrees with at least ROWS_PER_TERM rows per term (at least degree 1)."""
    fitting = [d for d in range(1, MAX_DEGREE + 1) if comb(k + d, d) * ROWS_PER_TERM <= rows]
    return fitting or [1]


def indices(z: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int, resamples: int = BOOTSTRAP) -> dict:
    """PCE Sobol' indices of ``y`` over ``z`` [row, k] in [-1, 1], with bootstrap intervals over ``groups``.

    Returns S1, ST and their 95% half-widths (arrays over the parameters), the chosen ``degree``
    and its leave-one-out ``q2``.
    """
    k = z.shape[1]
    best = None
    for degree in degrees_possible(len(y), k):
        exponents = multi_indices(k, degree)
        psi = basis(z, exponents)
        coef, q2 = fit(psi, y)
        if best is None or q2 > best[1]:
            best = (degree, q2, exponents, psi, coef)
    degree, q2, exponents, psi, coef = best
    s1, st = sobol_of(coef, exponents)
    rng = np.random.default_rng(seed)
    labels, members = np.unique(groups, return_inverse=True)
    draws = np.empty((resamples, 2 * k))
    for b in range(resamples):  # a resample of the groups, as whole-number weights on their rows
        root = np.sqrt(np.bincount(rng.integers(labels.size, size=labels.size), minlength=labels.size))[members]
        scaled = psi * root[:, None]
        try:
            coef_b = np.linalg.solve(scaled.T @ scaled, scaled.T @ (y * root))  # a.T @ a: numpy's symmetric product
        except np.linalg.LinAlgError:  # too few distinct rows drawn for this degree
            coef_b = np.linalg.lstsq(scaled, y * root, rcond=None)[0]
        draws[b] = np.concatenate(sobol_of(coef_b, exponents))
    spread = Z95 * np.nanstd(draws, axis=0, ddof=1)
    return {"S1": s1, "ST": st, "S1_conf": spread[:k], "ST_conf": spread[k:], "degree": degree, "q2": q2}
