"""The live dashboard: ``python -m sim.dashboard [--port N]`` (or ``make dashboard``) for class and briefings.

Sliders and switches for the main knobs, a scenario picker, a seed, Play/Step/Reset, and charts
of head count and incumbents' income per occupation and of the AI share, updated month by month
as the model steps (``session.py``: the model and its series; ``app.py``: the page).

Why Panel and not Mesa's SolaraViz: the page must work with no internet from the project's own
install. Panel (with Bokeh) serves every script and stylesheet from its installed package and
installs from the registry beside numpy 2 and Mesa 3.5 without pins (tests/test_dashboard.py
records every request the page makes: all go to localhost). SolaraViz loads its front end from
a CDN unless ``solara-assets`` is installed, and offline it needed exact pins
(``mesa[viz]==3.5.1 solara==1.64.1 solara-assets==1.58.2 ipyvue<3 ipyvuetify<3``), aliases for
three Vega bundles and telemetry switched off: more to break in a classroom with no network.
Each browser session (tab) builds its own model, and a model left playing in a closed tab stops
with its session.
"""
