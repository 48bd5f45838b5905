"""``python -m sim.report DIR``: one self-contained HTML page for a sweep or a single run directory.

Reads the files of the outputs contract only (never the model), so it works on results copied
from a cluster. Writes ``DIR/report.html`` (figures embedded as base64 PNG, no network needed)
and the figures as PNG in ``DIR/report_figures/``.
"""

from __future__ import annotations

import argparse
import base64
import html
import sys
from pathlib import Path

import pandas as pd
import yaml

from sim.core import registry
from sim.report import fanplots
from sim.report.results import BASELINE, ReportError, Results, headline, load
from sim.runner import io
from sim.runner.years import last_year

FIGURE_FOLDER = "report_figures"
SECTIONS = {
    "headline": "Who gains and who loses",
    "employment": "Employment by occupation",
    "income": "Income by occupation",
    "ai-share": "AI share of shoots",
    "twins": "Digital twins: royalties, lost days, consent",
    "diversity": "Diversity shown and income earned",
    "configurations": "Runs and configurations",
}
FAN = (
    "The line is the median across seeds; the dark band holds the middle 50% of seeds and the light band 90%, "
    "so a wide band means the outcome depends on chance."
)
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1200px;
padding:1.5rem;color:#222;line-height:1.45;background:#fff}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #ddd;padding-bottom:.2rem}
nav a{margin-right:1rem}figure{margin:1.2rem 0 2rem}img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.95rem;color:#333;max-width:70rem}table{border-collapse:collapse;font-size:.9rem}
th,td{padding:.3rem .6rem;border-bottom:1px solid #e4e4e4;text-align:right}td{white-space:nowrap}th{background:#f3f3f3}
td.text,th.text{text-align:left}td.loss{background:#fbe3d6}td.gain{background:#d6e9f5}
code,pre{font-size:.85rem;background:#f6f6f6}pre{padding:.6rem;overflow-x:auto}.note{color:#555}
"""


def _seeds_text(results: Results) -> str:
    counts = {label: results.seeds(label) for label in results.labels}
    sizes = sorted({len(seeds) for seeds in counts.values()})
    if len(sizes) == 1 and len({tuple(s) for s in counts.values()}) == 1:
        seeds = next(iter(counts.values()))
        listed = ", ".join(map(str, seeds)) if len(seeds) <= 6 else f"{seeds[0]}-{seeds[-1]}"
        return f"{sizes[0]} seed{'s' if sizes[0] > 1 else ''} per scenario ({listed})"
    return f"{sizes[0]}-{sizes[-1]} seeds per scenario (see Runs and configurations)"


def _config_text(results: Results) -> str:
    settings = []
    for key, read in (("population", lambda c: c.get("population", {}).get("name")), ("steps", None), ("start", None)):
        values = {str(read(c) if read else c.get(key, "unknown")) for c in results.configs.values()}
        settings.append(f"{key}={values.pop()}" if len(values) == 1 else f"{key} varies")
    return "Config: " + ", ".join(settings) + "; each scenario's overrides are under Runs and configurations."


def _fan_text(results: Results) -> str:
    return FAN if results.max_seeds > 1 else "With one seed the line is that run; there are no bands."


def _caption(text: str, results: Results) -> str:
    return f"{text} {_seeds_text(results)}. {_config_text(results)}"


def _image(path: Path, alt: str) -> str:
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{encoded}" alt="{html.escape(alt)}">'


def _figure(path: Path, alt: str, caption: str) -> str:
    return f"<figure>{_image(path, alt)}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _percent(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{value:+.1f}%"


def _cell(text: str, css: str = "", **values: float) -> str:
    """A table cell; its exact numbers ride along as data-* attributes for machines (and tests)."""
    data = "".join(f' data-{key}="{float(value)!r}"' for key, value in values.items() if not pd.isna(value))
    return f'<td class="{css}"{data}>{html.escape(text)}</td>'


def _change_cells(row: pd.Series, prefix: str) -> str:
    median, low, high = (row[f"{prefix}_change_{name}"] for name in ("median", "low", "high"))
    css = "" if row["seeds"] < 2 else "loss" if high < 0 else "gain" if low > 0 else ""
    interval = "n/a" if pd.isna(low) else "one seed" if row["seeds"] < 2 else f"{low:+.1f} to {high:+.1f}"
    return _cell(_percent(median), css, value=median) + _cell(interval, css, low=low, high=high)


def headline_html(table: pd.DataFrame, results: Results) -> str:
    """The headline table as HTML: one row per scenario and occupation, biggest losers first."""
    reference = (
        f"the last 12 months of the {BASELINE} run with the same seed"
        if results.has_baseline
        else ("its own first 12 months")
    )
    header = (
        '<tr><th class="text">Scenario</th><th class="text">Occupation</th><th>Employment change</th>'
        "<th>90% interval</th><th>Median income change</th><th>90% interval</th>"
        "<th>Incumbents' income change</th><th>90% interval</th>"
        "<th>Active workers, last year (reference)</th><th>Median income, last year (reference), USD/month</th>"
        "<th>Seeds</th></tr>"
    )
    rows = []
    for _, row in table.iterrows():
        rows.append(
            f'<tr data-label="{html.escape(row["label"])}" data-occupation="{row["occupation"]}">'
            f'<td class="text">{html.escape(row["label"])}</td>'
            f'<td class="text">{registry.label(row["occupation"])}</td>'
            + _change_cells(row, "employment")
            + _change_cells(row, "income")
            + _change_cells(row, "incumbents")
            + _cell(
                f"{row['employment_last_year']:,.1f} ({row['employment_reference']:,.1f})",
                value=row["employment_last_year"],
                reference=row["employment_reference"],
            )
            + _cell(
                f"{row['income_last_year']:,.0f} ({row['income_reference']:,.0f})",
                value=row["income_last_year"],
                reference=row["income_reference"],
            )
            + f"<td>{row['seeds']}</td></tr>"
        )
    text = (
        f"Each row compares a scenario's last 12 months with {reference}: the change in active workers and "
        "in the median monthly income of an active worker (USD, net of agency commission), as the median "
        "across seeds with the interval that holds 90% of seeds. Rows are sorted by the worse of the two "
        "changes, biggest losers first. Incumbents' income follows the workers of the first month, wherever "
        "they went: their mean monthly income over the whole run against the same workers without AI, those "
        "who left counted at their outside option, so an occupation that loses its poorest does not look "
        "richer (the median income of active workers does). The last columns give the levels behind the "
        "changes (medians across seeds), the reference in brackets. Shaded cells: the whole interval is "
        "below zero (loss, orange) or above zero (gain, blue). n/a: the reference is zero in at least one "
        "seed (for example an occupation that does not exist without AI), or no no_ai run to compare with."
    )
    if results.has_baseline:
        text += f" The {BASELINE} scenario is the reference, so it has no rows of its own."
    caption = html.escape(_caption(text, results))
    return f'<table id="headline-table">{header}{"".join(rows)}</table><p class="note">{caption}</p>'


def _biggest_change(table: pd.DataFrame, occupation: str, prefix: str) -> str:
    rows = table[table["occupation"] == occupation].dropna(subset=[f"{prefix}_change_median"])
    if rows.empty:
        return ""
    row = rows.loc[rows[f"{prefix}_change_median"].abs().idxmax()]
    against = f"against {BASELINE}" if BASELINE in set(table.attrs.get("labels", [])) else "against the first year"
    low, high = row[f"{prefix}_change_low"], row[f"{prefix}_change_high"]
    spread = f" (90% of seeds: {low:+.1f}% to {high:+.1f}%)" if row["seeds"] > 1 else ""
    median = _percent(row[f"{prefix}_change_median"])
    return f"The largest change {against} is under {row['label']}: {median} by the last year{spread}."


def _last_year_shares(results: Results, column: str) -> str:
    last = last_year(results.market)
    per_seed = last.groupby(["label", "seed"])[column].mean().groupby("label").median()
    return "; ".join(f"{label} {100 * per_seed[label]:.0f}%" for label in results.labels)


def _sections(results: Results, table: pd.DataFrame, figures: dict[str, Path]) -> dict[str, str]:
    fan = _fan_text(results)
    baseline_note = (
        f" The dashed grey line repeats the {BASELINE} median in every panel." if results.has_baseline else ""
    )
    table.attrs["labels"] = results.labels
    body = {"headline": headline_html(table, results)}
    for key, measure, unit in (
        ("employment", "How many {} are active each month", "workers at the end of the month"),
        (
            "income",
            "The mean monthly income of an active worker among {}",
            f"USD per month, net of agency commission, averaged over the last {fanplots.SMOOTHING_MONTHS} months "
            "to smooth out the two fashion seasons",
        ),
    ):
        parts = []
        for occupation in results.occupation_names:
            name = registry.label(occupation)
            change = _biggest_change(table, occupation, "employment" if key == "employment" else "income")
            if key == "income":
                change = change.replace("largest change", "largest change in the median income")
            text = f"{measure.format(name.lower())} ({unit}), one panel per scenario. {fan}{baseline_note} {change}"
            parts.append(
                f"<h3>{name}</h3>" + _figure(figures[f"{key}_{occupation}"], f"{key}: {name}", _caption(text, results))
            )
        body[key] = "".join(parts)
    body["ai-share"] = _figure(
        figures["ai_share"],
        "AI share of shoots",
        _caption(
            "The share of campaign (blue) and e-commerce (orange) shoots made with AI, a licensed digital twin or a "
            f"generic synthetic model, each month. {fan} Mean e-commerce AI share in the last year, median over "
            f"seeds: {_last_year_shares(results, 'ai_share_ecommerce')}.",
            results,
        ),
    )
    reference = f"the same seed's {BASELINE} run" if results.has_baseline else "their own first-year monthly mean"
    body["twins"] = _figure(
        figures["twins"],
        "Twin royalties, lost day income and unconsented uses",
        _caption(
            "Left: over the whole run, the royalties top models received for uses of their digital twins (green) "
            f"next to the day income they lost compared with {reference} (orange: pay for shoot days they no "
            "longer work; negative means they earned more). Right: how many times brands used a model's likeness "
            "without her consent. Bars are medians across seeds; whiskers hold 90% of seeds.",
            results,
        ),
    )
    share = results.configs.get(results.labels[0], {}).get("market", {}).get("underrepresented_share")
    reference_share = f" For reference, {100 * share:.0f}% of real models belong to these groups." if share else ""
    body["diversity"] = _figure(
        figures["diversity"],
        "Content diversity and underrepresented models' income share",
        _caption(
            "Blue: the share of faces from underrepresented groups across all shoots, human and synthetic. Orange: "
            "the share of all models' income earned by models from those groups. Where blue rises while orange "
            f"falls, AI shows diversity that the real models are not paid for.{reference_share} {fan}",
            results,
        ),
    )
    body["configurations"] = _configurations(results)
    return body


def _configurations(results: Results) -> str:
    rows = []
    for label in results.labels:
        missing = results.missing.get(label, [])
        if label in results.overrides:
            overrides = " ".join(results.overrides[label]) or "(defaults)"
        else:
            overrides = "MISSING (no .hydra/overrides.yaml)"
        seeds = ", ".join(map(str, results.seeds(label)))
        config = yaml.safe_dump(results.configs.get(label, {}), sort_keys=False)
        warning = (
            '<p class="note"><strong>Warning: provenance missing:</strong> '
            f".hydra/{html.escape(', .hydra/'.join(missing))} not found, so what produced these results "
            "cannot be shown in full.</p>"
            if missing
            else ""
        )
        config_title = "Full composed config" if "config.yaml" not in missing else "Config: MISSING (from summary.json)"
        rows.append(
            f"<h3>{html.escape(label)}</h3>{warning}<p>Overrides: <code>{html.escape(overrides)}</code>; "
            f"seeds: {seeds}.</p><details><summary>{config_title}</summary><pre>{html.escape(config)}</pre></details>"
        )
    if BASELINE in results.labels and not results.has_baseline:
        rows.insert(
            0,
            f'<p class="note"><strong>Warning:</strong> the runs named {BASELINE} do not declare AI unavailable '
            "(ai.adoption_p and ai.adoption_q both 0) in their config, so they are not used as the reference.</p>",
        )
    if results.jobs is not None:
        counts = results.jobs["status"].value_counts()
        summary = ", ".join(f"{count} {status}" for status, count in counts.items())
        rows.insert(0, f"<p>Jobs in the sweep: {html.escape(summary)}.</p>")
        broken = results.jobs[results.jobs["status"] != "complete"]
        if not broken.empty:
            items = "".join(
                f"<li>job {html.escape(str(job.job))} ({html.escape(str(job.scenario))}, seed {job.seed}): "
                f"{html.escape(str(job.status))} {'' if pd.isna(job.error) else html.escape(str(job.error))}</li>"
                for job in broken.itertuples()
            )
            rows.insert(1, f"<p>Left out of every figure and table:</p><ul>{items}</ul>")
    return "".join(rows)


def render(directory: Path, results: Results, figures: dict[str, Path]) -> str:
    """The whole page as one HTML string."""
    table = headline(results)
    body = _sections(results, table, figures)
    nav = "".join(f'<a href="#{key}">{title}</a>' for key, title in SECTIONS.items())
    sections = "".join(f'<section id="{key}"><h2>{SECTIONS[key]}</h2>{body[key]}</section>' for key in SECTIONS)
    kind = "sweep" if results.kind == "sweep" else "single run"
    if results.partial:
        kind = "PARTIAL sweep (some jobs failed or are missing: see Runs and configurations)"
    intro = (
        f"{kind.capitalize()} in <code>{html.escape(str(directory))}</code>: scenarios "
        f"{html.escape(', '.join(results.labels))}; {html.escape(_seeds_text(results))}; "
        f"{results.occupations['step'].nunique()} months from {results.occupations['date'].min():%Y-%m}."
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Fashion labour market under AI: report</title><style>{STYLE}</style></head><body>"
        f"<h1>Fashion labour market under AI: who gains, who loses</h1><p>{intro}</p><nav>{nav}</nav>"
        f"{sections}</body></html>\n"
    )


def build(directory: str | Path) -> Path:
    """Write ``DIR/report.html`` and ``DIR/report_figures/*.png``; return the page's path."""
    directory = Path(directory)
    results = load(directory)
    import matplotlib

    # labels are text, never mathtext: a scenario called '$x$' must not be parsed as a formula
    with matplotlib.rc_context({"text.parse_math": False}):
        figures = fanplots.report_figures(results, directory / FIGURE_FOLDER)
    page = render(directory, results, figures)
    path = directory / "report.html"
    io.write_atomic(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line: build the report and print its path; any failure is one line on stderr.

    Exit status (sim.runner.errors): 0 written; 2 a DIR that is not a complete, intact, current
    sweep or run; 3 the environment (disk full, no permission, out of memory); 1 anything
    unexpected; 130/143 interrupted.
    """
    from sim.runner import errors

    parser = argparse.ArgumentParser(prog="python -m sim.report", description=__doc__.splitlines()[0])
    parser.add_argument("directory", metavar="DIR", help="a sweep directory or a single run directory")
    arguments = parser.parse_args(argv)
    try:
        path = build(arguments.directory)
    except ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return errors.BAD_INPUT
    except KeyboardInterrupt as stop:
        return errors.interrupted(stop)
    except Exception as error:
        if errors.is_environment(error):
            print(f"error: {errors.one_line(error)}", file=sys.stderr)
            return errors.ENVIRONMENT
        print(f"error: report failed: {type(error).__name__}: {' '.join(str(error).split())}", file=sys.stderr)
        return errors.FAILED
    print(f"report: {path}")
    return errors.OK


if __name__ == "__main__":
    sys.exit(main())
