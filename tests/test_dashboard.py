"""The live dashboard (python -m sim.dashboard): its model, its command line, and the page in a real browser.

The browser tests start the server in a subprocess on a free port and drive the system's
Chromium with Playwright (no browser download); without Chromium or Playwright they skip and
say why. They record every request the page makes, read the charts' data from Bokeh's documents
in the page, and compare it with the same run made here in the test's own process.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

from sim.core.schema import ConfigError
from sim.dashboard.__main__ import parse
from sim.dashboard.session import MarketSession, Settings, describe, scenarios
from sim.runner.api import load_config

ROOT = Path(__file__).resolve().parents[1]


# -- the session's model, in this process ----------------------------------------------------
def test_the_page_runs_what_the_command_line_runs():
    settings = dataclasses.replace(
        Settings.of_scenario("fashion_workers_act"),
        seed=3,
        cost_per_image=1.5,
        adoption_speed=2.0,
        royalty_floor=0.75,
        disclosure=True,
        levy=0.1,
        ban=True,
    )
    assert settings.consent  # the scenario's own rule shows in the controls
    assert settings.config() == load_config(*settings.overrides())
    assert "ai.adoption_p=0.01" in settings.overrides()  # twice the scenario's 0.005


def test_a_scenario_sets_the_controls_and_has_a_description():
    assert scenarios()[0] == "baseline" and "no_ai" in scenarios()
    assert Settings.of_scenario("laissez_faire").cost_per_image == 1.0
    assert Settings.of_scenario("just_transition").levy > 0
    assert all(describe(name) for name in scenarios())
    with pytest.raises(ValueError, match="scenario = 'utopia' is not a known scenario"):
        Settings.of_scenario("utopia")


def test_a_change_of_settings_replays_the_same_months_under_the_new_settings():
    session = MarketSession()
    session.step(4)
    session.change(adoption_speed=4.0, cost_per_image=0.5)
    assert session.months == 4
    fresh = MarketSession(dataclasses.replace(Settings.of_scenario("baseline"), adoption_speed=4.0, cost_per_image=0.5))
    fresh.step(4)
    assert _same(session.series(), fresh.series())
    assert len(session.series(since=3)["headcount"]["month"]) == 1


def test_a_run_stops_at_its_last_month_and_reset_starts_again():
    session = MarketSession()
    assert session.step(500) == session.cfg.steps == 120 and session.finished
    assert session.step() == 0
    session.reset()
    assert session.months == 0 and all(len(columns["month"]) == 0 for columns in session.series().values())


def test_a_refused_value_names_its_key():
    session = MarketSession()
    with pytest.raises(ConfigError, match=r"ai.cost_per_image = -1.0 is out of range"):
        session.change(cost_per_image=-1.0)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "abc"], "error: --port = 'abc' is not a port: allowed a whole number 0-65535"),
        (["--port", "70000"], "error: --port = '70000' is not a port"),
        (["--prot", "1"], "error: unrecognized arguments: --prot 1"),
    ],
)
def test_bad_command_line_input_gets_one_line_and_status_2(capsys, argv, message):
    with pytest.raises(SystemExit) as stopped:
        parse(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1, err


def _same(left: dict, right: dict) -> bool:
    """Two charts' data (dicts of columns, per chart) hold the same numbers."""
    return left.keys() == right.keys() and all(
        left[chart].keys() == right[chart].keys()
        and all(
            len(left[chart][c]) == len(right[chart][c])
            and np.allclose(np.asarray(left[chart][c], float), np.asarray(right[chart][c], float))
            for c in left[chart]
        )
        for chart in left
    )


# -- the page in a real browser ------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# the data of each chart, read from the page's Bokeh documents (the sources are named after the charts)
CHART_DATA = """names => Object.fromEntries(names.map(name => {
    for (const doc of Bokeh.documents) {
        const source = doc.get_model_by_name(name);
        if (source) {
            const data = source.data instanceof Map ? Object.fromEntries(source.data) : source.data;
            return [name, Object.fromEntries(Object.entries(data).map(([key, values]) => [key, Array.from(values)]))];
        }
    }
    return [name, null];
}))"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """``python -m sim.dashboard --port N`` in a subprocess; yields its URL and the lines of its stderr so far."""
    if CHROMIUM is None:
        pytest.skip("no Chromium on PATH (apt-get install chromium; .ci/run installs it): browser tests skipped")
    pytest.importorskip("playwright.sync_api", reason="Playwright is in the dev extra: pip install -e '.[dev]'")
    port = _free_port()
    command = [sys.executable, "-m", "sim.dashboard", "--port", str(port)]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        errors: list[str] = []  # appended to by the reader thread as the server writes
        reader = threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True)
        reader.start()
        try:
            line = process.stdout.readline()  # printed once the server listens
            assert line.startswith(f"dashboard: http://localhost:{port}/"), line + "".join(errors)
            yield f"http://localhost:{port}/", errors
        finally:
            process.terminate()
            process.wait(timeout=10)
            reader.join(timeout=5)


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def _open(browser, url: str):
    """A new browser context (its own cookies: a separate session) with the page loaded and every request recorded."""
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("websocket", lambda socket: page.requests.append(socket.url))  # Bokeh's live connection
    page.goto(url, wait_until="networkidle")
    page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0")
    page.get_by_text(re.compile(r"Month \d+ of \d+")).wait_for()
    page.locator("canvas").nth(2).wait_for()  # the third chart drew
    return context, page


def _charts(page) -> dict:
    return page.evaluate(CHART_DATA, ["headcount", "income", "ai_share"])


def _months(page) -> int:
    return len(_charts(page)["headcount"]["month"])


# true once all three charts show n months (at least n with at_least): each chart's data arrives in a message of its own
MONTHS_SHOWN = """([n, at_least]) => Bokeh.documents.some(doc => ["headcount", "income", "ai_share"].every(name => {
    const source = doc.get_model_by_name(name);
    return source !== null && (at_least ? source.get_length() >= n : source.get_length() === n);
}))"""


def _wait_for_months(page, months: int, at_least: bool = False) -> None:
    page.wait_for_function(MONTHS_SHOWN, arg=[months, at_least])


def _step(page, times: int) -> None:
    """Press Step ``times`` times and wait until the charts have that many more months."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    start = _months(page)
    for _ in range(times):
        page.get_by_role("button", name="Step").click()
    try:
        _wait_for_months(page, start + times)
    except PlaywrightTimeout:
        pytest.fail(f"after {times} presses of Step from month {start} the charts show {_months(page)} months")


@pytest.mark.slow
def test_the_page_loads_everything_from_this_machine(browser, server):
    url, _ = server
    context, page = _open(browser, url)
    try:
        # blob: URLs are scripts the page made itself (their origin follows "blob:"); data: URLs are inline
        hosts = {urlparse(url.removeprefix("blob:")).hostname for url in page.requests if not url.startswith("data:")}
        assert hosts == {"localhost"}, f"requests to other hosts: {page.requests}"
        assert any(url.startswith("ws://localhost") for url in page.requests)  # the live connection was recorded too
        assert len(page.requests) >= 5  # the page, Bokeh's and Panel's scripts, ...: all recorded
        assert page.title() == "fashion-sim dashboard"
        assert page.locator("canvas").count() >= 3  # the three charts drew
        assert "Traceback" not in page.content()
        assert _months(page) == 0
    finally:
        context.close()


@pytest.mark.slow
def test_a_slider_change_and_a_step_change_the_charts(browser, server):
    url, _ = server
    base = Settings.of_scenario("baseline")
    # enough months for AI to have appeared in this seed's run, so that adoption speed 0 must change the chart
    reference = MarketSession(base)
    while not any(reference.series(since=reference.months - 1)["ai_share"]["ai_share_campaign"]) or (
        reference.months < 2
    ):
        assert reference.step(), "no AI shoot in the whole baseline run of seed 0"
    months = reference.months
    context, page = _open(browser, url)
    try:
        _step(page, months)
        before = _charts(page)
        assert _same(before, reference.series())  # the page shows the model's run, month for month
        assert max(before["ai_share"]["ai_share_campaign"]) > 0

        handle = page.locator(".noUi-handle").nth(1)  # the adoption-speed slider (the cost's is first)
        handle.focus()
        handle.press("Home")  # speed 0: no brand ever adopts
        page.get_by_text("ai.adoption_p=0 ").wait_for()  # the status line shows the new settings' command
        _step(page, 1)
        after = _charts(page)
        assert len(after["ai_share"]["month"]) == months + 1
        assert max(after["ai_share"]["ai_share_campaign"]) == 0 == max(after["ai_share"]["ai_share_ecommerce"])
        expected = MarketSession(dataclasses.replace(base, adoption_speed=0.0))
        expected.step(months + 1)
        assert _same(after, expected.series())
        reference.step(1)  # the same months under the old settings had AI
        assert not _same({"ai_share": after["ai_share"]}, {"ai_share": reference.series()["ai_share"]})
    finally:
        context.close()


@pytest.mark.slow
def test_two_sessions_do_not_share_a_model(browser, server):
    url, _ = server
    first_context, first = _open(browser, url)
    second_context, second = _open(browser, url)
    try:
        _step(first, 3)
        assert _months(second) == 0
        _step(second, 1)
        assert (_months(first), _months(second)) == (3, 1)
        first.get_by_role("button", name="Reset").click()
        _wait_for_months(first, 0)
        assert _months(second) == 1
    finally:
        first_context.close()
        second_context.close()


@pytest.mark.slow
def test_a_model_left_playing_in_a_closed_tab_stops(browser, server):
    url, errors = server
    context, page = _open(browser, url)
    page.get_by_role("button", name="▶ Play").click()
    _wait_for_months(page, 3, at_least=True)
    context.close()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the server drops a session about 2 s after its tab has gone
        found = re.findall(r"stopped playing at month (\d+): its (?:tab has closed|session has ended)", "".join(errors))
        if found:
            assert 3 <= int(found[0]) < 120  # stopped while playing, well before the end of the run
            return
        time.sleep(0.5)
    pytest.fail(f"the server never said that the closed tab's model stopped playing: {errors}")


@pytest.mark.slow
def test_the_server_logged_no_error(browser, server):
    """Last of the browser tests: whatever they did, the server wrote no traceback or error."""
    _, errors = server
    assert not [line for line in errors if "Traceback" in line or "ERROR" in line or "Error" in line], "".join(errors)
