"""The page: controls on the left, three charts on the right, one :class:`MarketSession` per browser session.

``page()`` is called by the server once for each browser session (each tab), so every visitor
steps a model of her own. Play runs one month per tick of a periodic callback of that session.
A tick finds a closed tab (no connection left) and stops the run, and so does the end of the
session (the server drops a closed tab's session within about 2 s, see ``__main__``); either
says so on the server's stderr.
"""

from __future__ import annotations

import sys

import panel as pn
from bokeh.models import ColumnDataSource, DataRange1d, HoverTool, NumeralTickFormatter, Range1d
from bokeh.plotting import figure
from panel.io.resources import LOCAL_DIST

from sim.core.registry import OKABE_ITO, label
from sim.core.schema import ConfigError
from sim.dashboard.session import POPULATIONS, MarketSession, Settings, describe, scenarios

TICK_MS = 150  # a month every 0.15 s while playing: ten years in about 20 s
DASHES = ("solid", "dashed", "solid", "dotdash", "dotted", "dashdot")  # lines that overlap stay apart
AI_LABELS = {"ai_share_campaign": "Campaign shoots", "ai_share_ecommerce": "E-commerce shoots"}


def _chart(name: str, title: str, y_label: str, columns: dict[str, str], source: ColumnDataSource) -> figure:
    """A line chart of ``columns`` (column -> legend) over the months, its y axis from zero."""
    chart = figure(
        name=f"{name}_chart",
        title=title,
        x_axis_type="datetime",
        x_range=Range1d(0, 1),  # the run's ten years, set by Dashboard._draw
        height=260,
        sizing_mode="stretch_width",
        toolbar_location=None,
        # a level is read from zero (the report's habit); a share from 0 to 100%
        y_range=Range1d(0, 1) if name == "ai_share" else DataRange1d(start=0),
    )
    for index, (column, legend) in enumerate(columns.items()):
        chart.line(
            "month",
            column,
            source=source,
            legend_label=legend,
            color=OKABE_ITO[index % len(OKABE_ITO)],
            line_dash=DASHES[index % len(DASHES)],
            line_width=2.5,
        )
    if name == "ai_share":
        chart.yaxis.formatter = NumeralTickFormatter(format="0%")
    chart.yaxis.axis_label = y_label
    chart.legend.label_text_font_size = "12px"
    chart.add_layout(chart.legend[0], "right")  # beside the plot, never over the lines
    chart.add_tools(HoverTool(tooltips=[("month", "@month{%Y-%m}")], formatters={"@month": "datetime"}))
    return chart


class Dashboard:
    """The controls, the charts and the session's model, wired together."""

    def __init__(self) -> None:
        self.session = MarketSession()
        names = self.session.occupations
        self.sources = {name: ColumnDataSource(data=data, name=name) for name, data in self.session.series().items()}
        labels = {name: label(name) for name in names}
        self.charts = [
            _chart("headcount", "Head count per occupation", "active workers", labels, self.sources["headcount"]),
            _chart(
                "income",
                "Incumbents' mean monthly income (leavers at their outside option)",
                "USD a month",
                labels,
                self.sources["income"],
            ),
            _chart("ai_share", "Share of shoots made with AI", "share of shoots", AI_LABELS, self.sources["ai_share"]),
        ]
        self._build_controls()
        self._timer = None
        self._document = pn.state.curdoc  # the session's Bokeh document (None outside a server)
        self._run, self._drawn_run, self._drawn_months = 0, -1, 0  # the session's run, and what the charts show
        self._show_settings(self.session.settings)
        self._draw()

    # -- the controls ----------------------------------------------------------------------
    def _build_controls(self) -> None:
        widgets = pn.widgets
        self.scenario = widgets.Select(name="Scenario", options=scenarios(), value="baseline")
        self.population = widgets.Select(name="Population", options=list(POPULATIONS), value="classroom")
        self.seed = widgets.IntInput(name="Seed", value=0, start=0, end=2**31 - 1)
        self.cost = widgets.FloatSlider(name="AI cost per image (USD, first month)", start=0.5, end=20, step=0.5)
        self.speed = widgets.FloatSlider(name="Adoption speed (x the scenario's)", start=0, end=4, step=0.25, value=1)
        self.royalty = widgets.FloatSlider(name="Royalty floor (day rates per twin use)", start=0, end=3, step=0.25)
        self.levy = widgets.FloatSlider(name="AI levy (share of its base)", start=0, end=0.5, step=0.05)
        self.consent = widgets.Checkbox(name="Consent required to use a model's twin")
        self.disclosure = widgets.Checkbox(name="AI images labelled as AI")
        self.ban = widgets.Checkbox(name="Generic synthetic humans banned")
        self.description = pn.pane.Markdown("", styles={"font-size": "90%"}, sizing_mode="stretch_width")
        self.play = widgets.Toggle(name="▶ Play", button_type="success", width=90)
        self.step_button = widgets.Button(name="Step", button_type="primary", width=90)
        self.reset_button = widgets.Button(name="Reset", width=90)
        self.status = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.message = pn.pane.Markdown("", styles={"color": "#b00020"})

        self.scenario.param.watch(self._on_scenario, "value")
        self.population.param.watch(self._on_scenario, "value")
        for widget in (self.cost, self.speed, self.royalty, self.levy):
            widget.param.watch(self._on_knob, "value_throttled")  # on release, not at every pixel of a drag
        for widget in (self.seed, self.consent, self.disclosure, self.ban):
            widget.param.watch(self._on_knob, "value")
        self.play.param.watch(self._on_play, "value")
        self.step_button.on_click(self._on_step)
        self.reset_button.on_click(self._on_reset)

    def _show_settings(self, settings: Settings) -> None:
        """Put ``settings`` in the controls without triggering a rebuild for each one."""
        self._quiet = True
        self.description.object = describe(settings.scenario)
        try:
            for widget, value in (
                (self.cost, settings.cost_per_image),
                (self.speed, settings.adoption_speed),
                (self.royalty, settings.royalty_floor),
                (self.levy, settings.levy),
            ):
                widget.value = value  # value_throttled, the trigger, moves only when a person lets go
            self.consent.value, self.disclosure.value, self.ban.value = (
                settings.consent,
                settings.disclosure,
                settings.ban,
            )
        finally:
            self._quiet = False

    def _settings_from_controls(self) -> Settings:
        return Settings(
            scenario=self.scenario.value,
            population=self.population.value,
            seed=int(self.seed.value or 0),  # an emptied box counts as seed 0
            cost_per_image=float(self.cost.value),
            adoption_speed=float(self.speed.value),
            consent=bool(self.consent.value),
            royalty_floor=float(self.royalty.value),
            disclosure=bool(self.disclosure.value),
            levy=float(self.levy.value),
            ban=bool(self.ban.value),
        )

    # -- what the controls do --------------------------------------------------------------
    def _apply(self, settings: Settings) -> None:
        try:
            self.session.apply(settings)
        except (ConfigError, ValueError) as error:  # a value the schema refuses: say which, keep the last run
            self.message.object = f"error: {error}"
            return
        self.message.object = ""
        self._run_replaced()

    def _on_scenario(self, _event) -> None:
        settings = Settings.of_scenario(self.scenario.value, self.population.value, int(self.seed.value or 0))
        self._show_settings(settings)
        self._apply(settings)

    def _on_knob(self, _event) -> None:
        if not self._quiet:
            self._apply(self._settings_from_controls())

    def _on_reset(self, _event) -> None:
        self.play.value = False
        self.session.reset()
        self._run_replaced()

    def _on_play(self, event) -> None:
        if event.new and self._timer is None:
            if self.session.finished:  # Play at the end starts the run again
                self.session.reset()
                self._run_replaced()
            self._timer = pn.state.add_periodic_callback(self._tick, period=TICK_MS)
            self.play.name = "⏸ Pause"
        elif not event.new:
            self.stop()

    @property
    def playing(self) -> bool:
        return self._timer is not None

    def stop(self, reason: str = "") -> None:
        """Stop playing (a paused or finished run, or a tab that has gone: ``reason`` then goes to the server's log)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
            if reason:
                print(
                    f"dashboard: stopped playing at month {self.session.months}: {reason}", file=sys.stderr, flush=True
                )
        self.play.name = "▶ Play"
        if self.play.value:
            self.play.value = False

    def _on_step(self, _event) -> None:
        self.session.step(1)
        self._later(self._draw)

    def _tick(self) -> None:
        """Play: one month more a tick (a periodic callback holds the document's lock); at the last month it stops.

        A tab closed while playing stops its model at the next tick, before Bokeh drops the session.
        """
        if not self._connected():
            self.stop(reason="its tab has closed")
            return
        self.session.step(1)
        self._draw()
        if self.session.finished:
            self.stop()

    def _connected(self) -> bool:
        """False once the session's browser tab has gone (True outside a server)."""
        context = self._document.session_context if self._document is not None else None
        session = context.session if context is not None else None
        return session is None or session.connection_count > 0

    def _run_replaced(self) -> None:
        """The session has a new run (reset or new settings): the charts are drawn again from its first month."""
        self._run += 1
        self._later(self._draw)

    def _later(self, draw) -> None:
        """Run ``draw`` on the next tick of the session's document, under its lock.

        Panel calls widget watchers without the Bokeh document's lock, and a chart's data source
        changed there breaks the session (Bokeh: "_pending_writes should be non-None").
        """
        document = pn.state.curdoc
        if document is not None and document.session_context is not None:
            document.add_next_tick_callback(draw)
        else:  # built outside a server (a test, a notebook): no lock to take
            draw()

    def _draw(self) -> None:
        """Bring the charts up to the session's run: all of it after a new run, else the months not yet shown."""
        if self._drawn_run != self._run:
            first, last = self.session.span()
            for chart in self.charts:
                chart.x_range.start, chart.x_range.end = first, last
            for name, data in self.session.series().items():
                self.sources[name].data = data
            self._drawn_run = self._run
        elif self._drawn_months < self.session.months:
            for name, data in self.session.series(since=self._drawn_months).items():
                self.sources[name].stream(data)
        self._drawn_months = self.session.months
        self._show_status()

    def _show_status(self) -> None:
        session = self.session
        month = str(session.model.market_rows[-1]["date"])[:7] if session.months else "not started"
        command = " ".join(["python -m sim", *session.settings.overrides()])
        self.status.object = (
            f"**Month {session.months} of {session.cfg.steps}** ({month}), seed {session.settings.seed}, "
            f"{session.cfg.population.name} population.  \nThe same run on the command line: `{command}`"
        )

    # -- the page --------------------------------------------------------------------------
    def view(self) -> pn.viewable.Viewable:
        controls = pn.Column(
            "## Controls",
            self.scenario,
            self.description,
            self.population,
            self.seed,
            pn.Row(self.play, self.step_button, self.reset_button),
            self.cost,
            self.speed,
            self.consent,
            self.royalty,
            self.disclosure,
            self.levy,
            self.ban,
            self.message,
            width=320,
        )
        charts = pn.Column(
            self.status,
            *[pn.pane.Bokeh(chart, sizing_mode="stretch_width") for chart in self.charts],
            sizing_mode="stretch_width",
        )
        return pn.Row(controls, charts, sizing_mode="stretch_width")


def page() -> pn.viewable.Viewable:
    """The page of one browser session, with a model of its own."""
    document = pn.state.curdoc
    if document is not None:
        # Panel's components name their stylesheets by CDN address and rewrite them to the server's copies once
        # the page is rendered; with the local address known before they are made, none can be left on the CDN
        document.template_variables["dist_url"] = LOCAL_DIST
    dashboard = Dashboard()

    def session_ended(context) -> None:
        dashboard.stop(reason="its session has ended")
        print(f"dashboard: a session ended at month {dashboard.session.months}", file=sys.stderr, flush=True)

    pn.state.on_session_destroyed(session_ended)
    return dashboard.view()
