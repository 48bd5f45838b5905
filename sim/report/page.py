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
from PIL import Image

from sim.core import registry
from sim.report import fanplots, top
from sim.report.effects import people
from sim.report.results import BASELINE, ReportError, Results, load, twin_occupations
from sim.report.table import table_html
from sim.runner import io
from sim.runner.years import last_year

FIGURE_FOLDER = "report_figures"
SECTIONS = {
    "answer": "The answer in a minute",
    "how-sure": "How sure",
    "table": "Every scenario and occupation",
    "employment": "Head count by occupation",
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
DOC_SEEDS = 20  # the seeds per scenario of the figures docs/ quotes (configs/experiment/policy_comparison.yaml)
DOC_COMMAND = "python -m sim -m experiment=policy_comparison"
LEGIBLE_PX = 9.5  # the least height in CSS px of any chart text on any screen (charts scroll sideways below that)
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1200px;
padding:1.5rem;color:#222;line-height:1.45;background:#fff;-webkit-text-size-adjust:100%;text-size-adjust:100%}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #ddd;padding-bottom:.2rem}
nav a{margin-right:1rem;display:inline-block}figure{margin:1.2rem 0 2rem}
.chart{overflow-x:auto}
.chart img{display:block;box-sizing:border-box;max-width:100%;min-width:var(--legible,0);height:auto}
.chart img{border:1px solid #eee}
figcaption{font-size:.95em;color:#333;max-width:70rem}
.scroll{overflow-x:auto;max-width:100%}table{border-collapse:collapse;font-size:.9rem}
th,td{padding:.3rem .6rem;border-bottom:1px solid #e4e4e4;text-align:right;vertical-align:top}
td{white-space:nowrap}th{background:#f3f3f3;font-weight:600}th.span{text-align:center}
td.text,th.text{text-align:left}td.loss{background:#fbe3d6}td.gain{background:#d6e9f5}td.none{color:#555}
.v{display:block}.sub{display:block;font-size:.85em;color:#333;white-space:nowrap}.name{font-weight:700}
.desc{display:block;font-weight:400;font-size:.94em;color:#333;max-width:26rem;white-space:normal}
tr.group th{background:#e9eef3;padding-top:.6rem}tr.group .desc{display:inline;max-width:none}
#long-table tbody th[scope=row]{position:sticky;left:0;background:#fafafa;font-weight:400}
table.heatmap td{min-width:4.2rem;text-align:center}table.heatmap td.sure .v{font-weight:700}
table.heatmap th[scope=row]{min-width:12rem}table.heatmap thead th:not(.text){text-align:center}
#findings{padding-left:1.2rem}#findings li{margin:.35rem 0}.lead{font-size:1.02em}
code,pre{font-size:.85rem;background:#f6f6f6}pre{padding:.6rem;overflow-x:auto}.note{color:#444;font-size:.92em}
@media (max-width:640px){
body{padding:.7rem}h1{font-size:1.35rem}h2{font-size:1.2rem}
table.heatmap,table.heatmap tbody{display:block}table.heatmap thead{display:none}
table.heatmap tr{display:grid;grid-template-columns:repeat(3,1fr);gap:3px;margin-bottom:.8rem}
table.heatmap th[scope=row]{grid-column:1/-1;min-width:0}
table.heatmap td{min-width:0;padding:.25rem .2rem;white-space:normal}
table.heatmap td::before{content:attr(data-occ-label);display:block;font-size:.85em;color:#222}
}
@media print{
@page{size:A4;margin:12mm}
body{max-width:none;padding:0;font-size:10pt}nav{display:none}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
.scroll,.chart{overflow:visible}.chart img{min-width:0;max-width:100%}
table{font-size:8pt;width:100%}th,td{padding:.15rem .25rem}td{white-space:normal}
thead{display:table-header-group}tr,figure,li,.finding{break-inside:avoid}h2,h3{break-after:avoid}
#long-table tbody th[scope=row]{position:static}details{display:none}
}
"""


def _seeds_text(results: Results) -> str:
    counts = {label: results.seeds(label) for label in results.labels}
    sizes = sorted({len(seeds) for seeds in counts.values()})
    if len(sizes) == 1 and len({tuple(s) for s in counts.values()}) == 1:
        seeds = next(iter(counts.values()))
        listed = ", ".join(map(str, seeds)) if len(seeds) <= 6 else f"{seeds[0]}-{seeds[-1]}"
        return f"{sizes[0]} seed{'s' if sizes[0] > 1 else ''} per scenario ({listed})"
    return f"{sizes[0]}-{sizes[-1]} seeds per scenario (see Runs and configurations)"


def preview(seed_counts: list[int]) -> str:
    """One sentence for the top of the page when every label ran fewer than DOC_SEEDS seeds, else ''."""
    if not seed_counts or max(seed_counts) >= DOC_SEEDS:
        return ""
    low, high = min(seed_counts), max(seed_counts)
    seeds = f"{high} seed{'s' if high > 1 else ''}" if low == high else f"{low}-{high} seeds"
    return f"This is a preview with {seeds}: the figures quoted in docs/ come from {DOC_SEEDS} seeds ({DOC_COMMAND})."


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


def legible_width(path: Path) -> float:
    """The least CSS width at which an image's smallest text is ``LEGIBLE_PX`` tall: its pixel width times
    LEGIBLE_PX over that text's height in pixels (points at the PNG's own dpi)."""
    with Image.open(path) as image:
        width = image.width
        dpi = float(image.info.get("dpi", (72.0, 72.0))[0])
    return width * LEGIBLE_PX / (fanplots.SMALLEST_TEXT_PT * dpi / 72.0)


def _image(path: Path, alt: str) -> str:
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    minimum = legible_width(path)
    return (
        f'<div class="chart"><img src="data:image/png;base64,{encoded}" alt="{html.escape(alt)}" '
        f'style="--legible:{minimum:.0f}px" data-legible-width="{minimum:.1f}"></div>'
    )


def _figure(path: Path, alt: str, caption: str) -> str:
    return f"<figure>{_image(path, alt)}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _last_year_shares(results: Results, column: str) -> str:
    last = last_year(results.market)
    per_seed = last.groupby(["label", "seed"])[column].mean().groupby("label").median()
    return "; ".join(f"{label} {100 * per_seed[label]:.0f}%" for label in results.labels)


def _sections(results: Results, directory: Path, figures: dict[str, Path]) -> dict[str, str]:
    fan = _fan_text(results)
    baseline_note = (
        f" The dashed grey line repeats the {BASELINE} median in every panel." if results.has_baseline else ""
    )
    answer, _, _ = top.answer(results)
    body = {"answer": answer, "how-sure": top.how_sure(results, directory), "table": table_html(results)}
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
            text = (
                f"{measure.format(name.lower())} ({unit}), one panel per scenario; the axis starts at zero. "
                f"{fan}{baseline_note} The numbers are in the table above."
            )
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
    licensing = " and ".join(people(name) for name in twin_occupations(results)) or "the occupations with twins"
    body["twins"] = _figure(
        figures["twins"],
        "Twin royalties, lost day income and unconsented uses",
        _caption(
            f"Left, one panel each for {licensing}: over the whole run and summed over all their workers, the "
            "royalties they received for uses of their own digital twins (green) next to the day income they lost "
            f"compared with {reference} (orange: pay for shoot days they no longer work; negative means they "
            "earned more). Right: how many times brands used a model's likeness without her consent. Bars are "
            "medians across seeds; whiskers hold 90% of seeds.",
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
            f"{'seed' if len(results.seeds(label)) == 1 else 'seeds'}: {seeds}.</p>"
            f"<details><summary>{config_title}</summary><pre>{html.escape(config)}</pre></details>"
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
    body = _sections(results, directory, figures)
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
    notice = preview([len(results.seeds(label)) for label in results.labels])
    lead = f'<p class="lead" id="preview"><strong>{html.escape(notice)}</strong></p>' if notice else ""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Fashion labour market under AI: report{' (preview)' if notice else ''}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>Fashion labour market under AI: who gains, who loses</h1>{lead}<p>{intro}</p><nav>{nav}</nav>"
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
