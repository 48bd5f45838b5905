"""The policy question's numbers: each scenario against doing nothing about AI, and the findings they support.

Two measures per scenario and occupation, each a per-seed change against the same seed's reference
run, then the median and 90% interval across seeds:

- ``incumbents_income``: the incumbents (the workers of the first month, from ``cohorts.parquet``),
  their mean monthly income over the whole run, those who left counted at their outside option;
- ``head_count``: the mean number of active workers over the last 12 months.

The reference is ``baseline`` (AI as it comes, with no rule), else ``laissez_faire``, else ``no_ai``,
else each run's own first year: :func:`policy_reference` says which and why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pandas as pd

from sim.core import registry
from sim.report.results import (
    BASELINE,
    Results,
    paired_reference,
    relative_change,
    roles,
    seed_spread,
    totals_by_seed,
    year_means,
)
from sim.runner.years import first_year, last_year

POLICY_REFERENCES = ("baseline", "laissez_faire")  # "doing nothing about AI", in order of preference
MEASURES = {
    "incumbents_income": "incumbents' income",
    "head_count": "head count",
}
MAX_FINDINGS = 5
# the fewest seeds for "beyond seed noise": with no effect, n seeds all agree in sign by chance with probability
# 2 x 0.5**n (a sign test), under 1 in 10 from 5 seeds (6%), a coin toss with 2
MIN_SEEDS = 5
# below this many seeds the 90% interval is interpolated between the extreme seeds, so "beyond seed noise" asks that
# every seed agree in sign (the sign test above); from it on, that the interval lie on one side of zero
ALL_SEEDS_BELOW = 20
# a protection's headline warns of likenesses used without consent when its median over the run is at least half as
# many again as the reference's, the per-seed difference beyond seed noise
CONSENT_RATIO = 1.5


@dataclass(frozen=True)
class Reference:
    """What every effect is measured against: a label of the directory, or None for each run's first year."""

    label: str | None
    why: str  # one sentence for the page

    @property
    def name(self) -> str:
        return self.label if self.label else "the first year"


def policy_reference(results: Results) -> Reference:
    """The reference for the policy question: ``baseline``, else ``laissez_faire``, else ``no_ai``, else none.

    A label is a reference only beside others to compare with it (a single run is compared with its first year).
    """
    if len(results.labels) < 2:
        return Reference(
            None,
            "Against the run's own first year, as there is no other scenario to compare with: "
            "these are changes over time, not effects of a policy.",
        )
    baseline = results.find("baseline")
    if baseline:
        preset = "" if results.changes.get(baseline) else " (the moderate preset)"
        return Reference(
            baseline,
            f"Against {baseline}: AI as it comes{preset} with no rule on AI content or replicas"
            f"{_shared(results, baseline)}, measured on the same seed, so each difference is what the scenario "
            "changes: its rules, and for some (laissez_faire, generic_ai_boom) AI's price or pace too, as each "
            "scenario's line says.",
        )
    laissez_faire = results.find("laissez_faire")
    if laissez_faire:
        cost = results.configs.get(laissez_faire, {}).get("ai", {}).get("cost_per_image")
        price = f" (AI at ${float(cost):g} an image at the start)" if cost is not None else ""
        return Reference(
            laissez_faire,
            f"Against {laissez_faire}, as this directory has no baseline run: no rules at all{price}"
            f"{_shared(results, laissez_faire)}; where a scenario's AI costs more, part of its difference is the "
            "price of AI, not the policy.",
        )
    if results.has_baseline:
        return Reference(
            BASELINE,
            "Against no_ai, as this directory has neither baseline nor laissez_faire: each number is what AI "
            "changes under the scenario, not a policy's effect against doing nothing.",
        )
    return Reference(
        None,
        "Against each run's own first year, as this directory has no baseline, laissez_faire or no_ai run: "
        "these are changes over time, not effects of a policy.",
    )


def _shared(results: Results, label: str) -> str:
    """', with the changes every scenario here shares (ai=fast)' when the reference has any, else ''."""
    extra = results.changes.get(label)
    return f", before the changes every scenario here shares ({', '.join(extra)})" if extra else ""


def _incumbents(results: Results, reference: Reference) -> pd.DataFrame:
    """Per (label, seed, occupation): the incumbents' mean monthly income and the reference's."""
    cohorts = results.cohorts
    if cohorts is None or cohorts.empty:
        return pd.DataFrame(columns=["label", "seed", "occupation", "value", "reference"])
    keys = ["label", "seed", "occupation"]
    if reference.label is None:  # last year against first year of the same run
        frame = pd.DataFrame(
            {
                "value": last_year(cohorts).groupby(keys)["income_mean"].mean(),
                "reference": first_year(cohorts).groupby(keys)["income_mean"].mean(),
            }
        ).reset_index()
        return frame
    means = cohorts.groupby(keys)["income_mean"].mean().rename("value").reset_index()
    rest, paired = paired_reference(means, "value", "occupation", "mean", reference.label)
    return rest.assign(reference=paired)


def _head_count(results: Results, reference: Reference) -> pd.DataFrame:
    """Per (label, seed, occupation): active workers over the last 12 months and the reference's."""
    years = year_means(results.occupations, "active").rename(columns={"last": "value"})
    if reference.label is None:
        return years.rename(columns={"first": "reference"})
    rest, paired = paired_reference(years, "value", "occupation", "mean", reference.label)
    return rest.drop(columns="first").assign(reference=paired)


def effects_by_seed(results: Results, reference: Reference) -> pd.DataFrame:
    """Per (measure, label, seed, occupation): the value, the reference's value and the % change."""
    parts = []
    for measure, compute in (("incumbents_income", _incumbents), ("head_count", _head_count)):
        frame = compute(results, reference)
        if not frame.empty:
            parts.append(frame.assign(measure=measure))
    if not parts:
        return pd.DataFrame(columns=["measure", "label", "seed", "occupation", "value", "reference", "change"])
    frame = pd.concat(parts, ignore_index=True)
    frame["change"] = relative_change(frame["value"].astype(float), frame["reference"].astype(float))
    return frame[["measure", "label", "seed", "occupation", "value", "reference", "change"]]


def row_order(results: Results, reference: Reference) -> list[str]:
    """The heatmap's rows: every label but the reference, in the directory's order, the no-AI counterfactual last."""
    labels = [label for label in results.labels if label != reference.label]
    return sorted(labels, key=lambda label: label == BASELINE)


def heatmap(results: Results, reference: Reference) -> pd.DataFrame:
    """Per (measure, label, occupation): median and 90% interval of the change across seeds, the number of
    seeds, and the medians of the value and of the reference."""
    frame = effects_by_seed(results, reference)
    columns = ["measure", "label", "occupation", "median", "low", "high", "agree", "seeds", "value", "reference"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    grouped = frame.groupby(["measure", "label", "occupation"], sort=False)
    table = grouped["change"].apply(seed_spread).unstack()
    table["agree"] = grouped["change"].agg(lambda change: bool((change > 0).all() or (change < 0).all()))
    table["seeds"] = grouped["seed"].nunique()
    table["value"] = grouped["value"].median()
    table["reference"] = grouped["reference"].median()
    table = table.reset_index()
    order = {label: index for index, label in enumerate(row_order(results, reference))}
    occupations = {name: index for index, name in enumerate(results.occupation_names)}
    table = table.assign(
        _measure=table["measure"].map(list(MEASURES).index),
        _label=table["label"].map(order),
        _occupation=table["occupation"].map(occupations),
    )
    table = table.sort_values(["_measure", "_label", "_occupation"]).drop(columns=["_measure", "_label", "_occupation"])
    return table[columns].reset_index(drop=True)


def unconsented(results: Results, reference: Reference) -> pd.DataFrame:
    """Per label but the reference: models' likenesses used without consent over the run, the median across seeds
    of the scenario's total (``value``) and of the same seed's reference (``reference``), and the median and 90%
    interval of the per-seed difference, its ``agree`` and ``seeds`` as the heatmap has them."""
    columns = ["label", "median", "low", "high", "agree", "seeds", "value", "reference"]
    if reference.label is None or reference.label not in results.labels:
        return pd.DataFrame(columns=columns)
    totals = totals_by_seed(results, "unconsented_uses").assign(run=0)
    rest, paired = paired_reference(totals, "unconsented_uses", "run", "mean", reference.label)
    rest = rest.assign(reference=paired, difference=rest["unconsented_uses"] - paired)
    if rest.empty:
        return pd.DataFrame(columns=columns)
    grouped = rest.groupby("label", sort=False)
    table = grouped["difference"].apply(seed_spread).unstack()
    table["agree"] = grouped["difference"].agg(lambda change: bool((change > 0).all() or (change < 0).all()))
    table["seeds"] = grouped["seed"].nunique()
    table["value"] = grouped["unconsented_uses"].median()
    table["reference"] = grouped["reference"].median()
    return table.reset_index()[columns]


def beyond_noise(row: pd.Series) -> bool:
    """True for at least MIN_SEEDS seeds whose 90% interval lies on one side of zero, every seed agreeing in sign
    (``agree``) when there are fewer than ALL_SEEDS_BELOW."""
    if row["seeds"] < MIN_SEEDS or not (row["low"] > 0 or row["high"] < 0):
        return False
    return bool(row["seeds"] >= ALL_SEEDS_BELOW or row["agree"])


ROUNDING_NOTE = (
    "Percentages are rounded to two significant figures from 10% up (+120%, +6,900%) and to one decimal below "
    "(-0.8%); ±0% is a change under 0.05% either way."
)


def percent(value: float) -> str:
    """A signed percentage for the page, without spurious precision (ROUNDING_NOTE): two significant figures from
    10% up (+118.2 is +120%, 6865 is +6,900%), one decimal below (-0.8%), and ±0% for what rounds to zero
    (never -0.0%)."""
    if pd.isna(value):
        return "-"
    rounded = round(float(value), 1)
    if rounded == 0:
        return "±0%"
    if abs(rounded) < 10:
        return f"{rounded:+.1f}%"
    places = 1 - math.floor(math.log10(abs(value)))  # two significant figures: -1 for 10-99, -2 for 100-999
    return f"{round(value, places):+,.0f}%"


def people(occupation: str) -> str:
    """The occupation's name inside a sentence: 'top models', 'AI content producers'."""
    name = registry.label(occupation)
    return name if name.split()[0].isupper() else name[0].lower() + name[1:]


def displaceable(results: Results) -> set[str]:
    """The occupations AI can displace (models and crew, not AI's own operators), which the findings are about."""
    roles_of = roles(results)
    return {name for name in results.occupation_names if roles_of.get(name, "model") != "ai_producer"}


def workers(value: float, sign: bool = False) -> str:
    """A head count for a sentence: whole workers from 10 up (1,234), one decimal below (3.5), as a mean over
    months can be; ``sign`` for a difference (+53, -0.5)."""
    digits = 0 if abs(value) >= 10 else 1
    return f"{round(value, digits) + 0.0:{'+' if sign else ''},.{digits}f}"


def _head_count_levels(row: pd.Series) -> str:
    """'59 → 112 (+53, +118%)': the reference's and the scenario's head counts (medians across seeds, as the long
    table has them), their difference and the median % change; the % alone without the levels."""
    value, reference = row.get("value", float("nan")), row.get("reference", float("nan"))
    if pd.isna(value) or pd.isna(reference):
        return percent(row["median"])
    return (
        f"{workers(reference)} → {workers(value)} ({workers(value - reference, sign=True)}, "
        f"{percent(row['median'])}; medians across seeds)"
    )


def interval_text(row: pd.Series) -> str:
    """'90% interval of 5 seeds: -3.1% to +4.0%', or that a single seed has none."""
    seeds = int(row["seeds"])
    if seeds < 2:
        return "one seed, so no interval"
    return f"90% interval of {seeds} seeds: {percent(row['low'])} to {percent(row['high'])}"


@dataclass(frozen=True)
class Finding:
    """One line of the report's top, with the numbers it states (carried into the page as data-* attributes)."""

    text: str
    measure: str = ""
    label: str = ""
    occupation: str = ""
    median: float = float("nan")
    low: float = float("nan")
    high: float = float("nan")
    seeds: int = 0


def _finding(text: str, row: pd.Series) -> Finding:
    return Finding(
        text,
        str(row["measure"]),
        str(row["label"]),
        str(row["occupation"]),
        float(row["median"]),
        float(row["low"]),
        float(row["high"]),
        int(row["seeds"]),
    )


def _candidates(table: pd.DataFrame, reference: Reference, occupations: set[str]) -> pd.DataFrame:
    """The rows of scenarios a policymaker chooses between, for occupations AI can displace: not the reference,
    not no_ai, not the other do-nothing scenario (when that leaves any)."""
    usable = table[table["occupation"].isin(occupations)].dropna(subset=["median"])
    for excluded in ({reference.label, BASELINE, *POLICY_REFERENCES}, {reference.label, BASELINE}, {reference.label}):
        rows = usable[~usable["label"].isin(excluded)]
        if not rows.empty:
            return rows
    return usable.iloc[0:0]


def _sure(row: pd.Series) -> str:
    if row["seeds"] < 2:
        return "one seed, so its noise is unknown"
    if row["seeds"] < MIN_SEEDS:
        return f"too few seeds to tell from seed noise: {MIN_SEEDS} or more can"
    return "beyond seed noise" if beyond_noise(row) else "within seed noise"


def _most(rows: pd.DataFrame, score: pd.Series) -> tuple[pd.Series, str]:
    """The row with the highest score, among those beyond seed noise when there are any (a large median within
    the noise is not the finding a policymaker should read first), and ' beyond seed noise' when a larger one
    within the noise was passed over, for the finding's heading."""
    sure = rows.apply(beyond_noise, axis=1) if not rows.empty else pd.Series(dtype=bool)
    pool = score[sure] if sure.any() else score
    passed_over = bool(sure.any() and score.max() > pool.max())
    return rows.loc[pool.idxmax()], " beyond seed noise" if passed_over else ""


def _consent_warning(text: str, label: str, consent: pd.DataFrame | None, reference: Reference) -> str:
    """``text`` with a clause that the scenario raises uses of likenesses without consent, when its median over
    the run is CONSENT_RATIO times the reference's or more and the rise is beyond seed noise; else ``text``."""
    rows = consent[consent["label"] == label] if consent is not None else pd.DataFrame()
    if rows.empty:
        return text
    row = rows.iloc[0]
    if not (row["median"] > 0 and beyond_noise(row) and row["value"] > CONSENT_RATIO * row["reference"]):
        return text
    what = (
        f"raises uses of models' likenesses without their consent ({row['value']:,.0f} against "
        f"{row['reference']:,.0f} in {reference.name}, over the run, medians across seeds)"
    )
    joined = f"; it also {what}" if ", but " in text else f", but it {what}"
    return f"{text.removesuffix('.')}{joined}."


def findings(
    table: pd.DataFrame, reference: Reference, occupations: set[str], consent: pd.DataFrame | None = None
) -> list[Finding]:
    """Three to five one-line findings from the heatmap's numbers: the largest gain and the largest loss of
    incumbents' income, the largest change in head count (each beyond seed noise where any effect is), the
    broadest protection, and what removing AI would do, for scale. A gain or protection headline says so when the
    scenario raises uses of likenesses without consent (``consent``, from :func:`unconsented`)."""
    against = f"against {reference.name}"
    rows = _candidates(table, reference, occupations)
    income = rows[rows["measure"] == "incumbents_income"]
    heads = rows[rows["measure"] == "head_count"]
    found: list[Finding] = []
    gains, losses = income[income["median"] > 0], income[income["median"] < 0]
    if not gains.empty:
        best, restricted = _most(gains, gains["median"])
        text = (
            f"Largest gain{restricted}: {best['label']} raises the income of {people(best['occupation'])} "
            f"who were working at the start by {percent(best['median'])} {against} "
            f"({interval_text(best)}; {_sure(best)})."
        )
        found.append(_finding(_consent_warning(text, best["label"], consent, reference), best))
    elif not income.empty:
        best = income.loc[income["median"].idxmax()]
        found.append(
            _finding(
                f"No gain: no scenario raises any incumbents' income {against}; the least loss is "
                f"{best['label']}'s for {people(best['occupation'])}, {percent(best['median'])} "
                f"({interval_text(best)}).",
                best,
            )
        )
    if not losses.empty:
        worst, restricted = _most(losses, -losses["median"])
        found.append(
            _finding(
                f"Largest loss{restricted}: the income of {people(worst['occupation'])} who were working at the "
                f"start falls under {worst['label']}, "
                f"{percent(worst['median'])} {against} ({interval_text(worst)}; {_sure(worst)}).",
                worst,
            )
        )
    if not heads.empty:
        largest, restricted = _most(heads, heads["median"].abs())
        found.append(
            _finding(
                f"Largest change in head count{restricted}: {people(largest['occupation'])} under {largest['label']}, "
                f"{_head_count_levels(largest)} active workers in the last year {against} "
                f"({interval_text(largest)}; {_sure(largest)}).",
                largest,
            )
        )
    if not income.empty:
        broadest = _broadest(income, against)
        if broadest.text.startswith(f"Broadest protection: {broadest.label} raises"):  # a scenario named as protecting
            broadest = replace(broadest, text=_consent_warning(broadest.text, broadest.label, consent, reference))
        found.append(broadest)
    scale = table[(table["label"] == BASELINE) & (table["measure"] == "incumbents_income")]
    scale = scale[scale["occupation"].isin(occupations)].dropna(subset=["median"])
    # for scale beside the policies: not when no_ai is itself the only scenario the findings above are about
    if reference.label not in (None, BASELINE) and not scale.empty and BASELINE not in set(rows["label"]):
        row, _ = _most(scale, scale["median"].abs())
        found.append(
            _finding(
                f"For scale: without AI at all the incumbents' income of {people(row['occupation'])} would be "
                f"{percent(row['median'])} {against} ({interval_text(row)}; {_sure(row)}).",
                row,
            )
        )
    return found[:MAX_FINDINGS]


def _broadest(income: pd.DataFrame, against: str) -> Finding:
    """The scenario that raises the most occupations' incumbents' income beyond seed noise."""
    sure = income.assign(gain=income.apply(lambda row: beyond_noise(row) and row["median"] > 0, axis=1))
    counts = sure.groupby("label", sort=False).agg(gains=("gain", "sum"), mean=("median", "mean"), n=("gain", "size"))
    counts = counts.sort_values(["gains", "mean"], ascending=False)
    label, best = counts.index[0], counts.iloc[0]
    seeds = int(income["seeds"].min())
    if best["gains"] == 0 and seeds < MIN_SEEDS:
        text = (
            f"Broadest protection: not known from {seeds} seed{'s' if seeds > 1 else ''}, too few to tell an effect "
            f"from seed noise ({MIN_SEEDS} or more can); the highest mean over occupations is {label}'s, "
            f"{percent(best['mean'])}."
        )
    elif best["gains"] == 0:
        text = (
            f"Broadest protection: none; no scenario raises any occupation's incumbents' income {against} beyond "
            f"the noise of its {seeds} seeds; the highest mean over occupations is {label}'s, {percent(best['mean'])}."
        )
    else:
        text = (
            f"Broadest protection: {label} raises incumbents' income {against} in {int(best['gains'])} of "
            f"{int(best['n'])} occupations beyond seed noise"
        )
        if best["mean"] < 0:  # the gains are smaller than a loss elsewhere: say which, or the mean reads as a slip
            own = income[income["label"] == label]
            worst = own.loc[own["median"].idxmin()]
            text += (
                f", but lowers that of {people(worst['occupation'])} by {percent(worst['median'])[1:]}, so its mean "
                f"over occupations is {percent(best['mean'])}."
            )
        else:
            text += f" (mean over occupations {percent(best['mean'])})."
    return Finding(text, "incumbents_income", str(label), median=float(best["mean"]), seeds=seeds)
