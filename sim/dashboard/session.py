"""One visitor's market: the settings the page shows, the model they build, and the monthly series it charts.

Nothing here knows about the web page, so the tests drive it directly. A change of settings
rebuilds the model from month 0 with the same seed and replays it to the month the page had
reached (a classroom month takes about 3 ms), so the charts always show one run of one config:
the market as it would have been under the new settings, not a splice of two runs.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from dataclasses import dataclass

import numpy as np
from omegaconf import OmegaConf

from sim.core.model import FashionMarket
from sim.core.schema import SimConfig, to_schema
from sim.runner.compose import compose, config_dir

POPULATIONS = ("classroom", "city")  # the sizes a page steps live: under 10 ms a month
CHARTS = ("headcount", "income", "ai_share")  # one data source per chart, named so the browser test finds them
AI_SHARES = ("ai_share_campaign", "ai_share_ecommerce")


def describe(scenario: str) -> str:
    """One line on the scenario: its config's ``description`` when it has one, else its file's opening comment."""
    text = _composed(scenario, POPULATIONS[0]).get("description")
    if text:
        return str(text)
    comment = []
    for line in (config_dir() / "scenario" / f"{scenario}.yaml").read_text(encoding="utf-8").splitlines():
        if line.startswith("# @package"):
            continue
        if not line.startswith("#"):
            break
        comment.append(line.lstrip("# ").strip())
    return " ".join(comment)


def scenarios() -> list[str]:
    """The scenario names of ``configs/scenario/``, baseline first."""
    names = sorted(path.stem for path in (config_dir() / "scenario").glob("*.yaml"))
    return sorted(names, key=lambda name: name != "baseline")


@functools.cache
def _composed(scenario: str, population: str) -> dict:
    """The scenario's composed config as plain data (cached: Hydra's compose takes about 0.2 s)."""
    cfg = compose(f"scenario={scenario}", f"population={population}")
    return OmegaConf.to_container(cfg, resolve=True)


@dataclass(frozen=True)
class Settings:
    """What the page's controls set: a scenario and its main knobs (each a config key, named in ``overrides``)."""

    scenario: str = "baseline"
    population: str = "classroom"
    seed: int = 0
    cost_per_image: float = 3.0  # ai.cost_per_image, USD in the first month
    adoption_speed: float = 1.0  # times the scenario's Bass p and q (ai.adoption_p, ai.adoption_q)
    consent: bool = False  # regulation.consent_required
    royalty_floor: float = 0.0  # regulation.royalty_floor, share of the model's day rate
    disclosure: bool = False  # regulation.disclosure_required
    levy: float = 0.0  # regulation.ai_levy, share of regulation.ai_levy_base
    ban: bool = False  # regulation.generic_ai_ban

    @classmethod
    def of_scenario(cls, scenario: str, population: str = "classroom", seed: int = 0) -> Settings:
        """The controls as the scenario's own config sets them (adoption speed 1)."""
        if population not in POPULATIONS:
            raise ValueError(f"population = {population!r} is not offered here: allowed {', '.join(POPULATIONS)}")
        if scenario not in scenarios():
            raise ValueError(f"scenario = {scenario!r} is not a known scenario: allowed {', '.join(scenarios())}")
        base = _composed(scenario, population)
        ai, regulation = base["ai"], base["regulation"]
        return cls(
            scenario=scenario,
            population=population,
            seed=seed,
            cost_per_image=ai["cost_per_image"],
            consent=regulation["consent_required"],
            royalty_floor=regulation["royalty_floor"],
            disclosure=regulation["disclosure_required"],
            levy=regulation["ai_levy"],
            ban=regulation["generic_ai_ban"],
        )

    def overrides(self) -> list[str]:
        """The same settings as command-line overrides, so a student can rerun them with ``python -m sim``."""
        ai = _composed(self.scenario, self.population)["ai"]
        return [
            f"scenario={self.scenario}",
            f"population={self.population}",
            f"seed={self.seed}",
            f"ai.cost_per_image={self.cost_per_image:g}",
            f"ai.adoption_p={ai['adoption_p'] * self.adoption_speed:g}",
            f"ai.adoption_q={ai['adoption_q'] * self.adoption_speed:g}",
            f"regulation.consent_required={str(self.consent).lower()}",
            f"regulation.royalty_floor={self.royalty_floor:g}",
            f"regulation.disclosure_required={str(self.disclosure).lower()}",
            f"regulation.ai_levy={self.levy:g}",
            f"regulation.generic_ai_ban={str(self.ban).lower()}",
        ]

    def config(self) -> SimConfig:
        """The validated config these settings give (a bad value raises ConfigError naming the key)."""
        tree = copy.deepcopy(_composed(self.scenario, self.population))
        ai, regulation = tree["ai"], tree["regulation"]
        tree["seed"] = self.seed
        ai["cost_per_image"] = self.cost_per_image
        ai["adoption_p"] = min(1.0, ai["adoption_p"] * self.adoption_speed)  # a hazard stays a probability
        ai["adoption_q"] = min(1.0, ai["adoption_q"] * self.adoption_speed)
        regulation.update(
            consent_required=self.consent,
            royalty_floor=self.royalty_floor,
            disclosure_required=self.disclosure,
            ai_levy=self.levy,
            generic_ai_ban=self.ban,
        )
        return to_schema(tree)


class MarketSession:
    """The model of one browser session, stepped a month at a time."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.of_scenario("baseline")
        self.reset()

    def reset(self) -> None:
        """A new model at month 0 under the current settings."""
        self.cfg = self.settings.config()
        self.model = FashionMarket(self.cfg)

    def apply(self, settings: Settings) -> None:
        """New settings: rebuild the model and replay it to the month it had reached."""
        months = self.months
        self.settings = settings
        self.reset()
        self.step(months)

    def change(self, **values) -> None:
        """``apply`` with some settings changed (``session.change(cost_per_image=1.0)``)."""
        self.apply(dataclasses.replace(self.settings, **values))

    @property
    def months(self) -> int:
        """Months run so far."""
        return self.model.steps

    @property
    def finished(self) -> bool:
        """True when the run has reached its last month (``steps`` in the config, 120 by default)."""
        return self.months >= self.cfg.steps

    @property
    def occupations(self) -> tuple[str, ...]:
        return self.model.occupations.names

    def span(self) -> tuple[np.datetime64, np.datetime64]:
        """The first and the last month of the whole run, so the charts' time axis stays put as lines grow."""
        first = np.datetime64(self.cfg.start, "M")
        return first.astype("datetime64[ms]"), (first + self.cfg.steps - 1).astype("datetime64[ms]")

    def step(self, months: int = 1) -> int:
        """Run up to ``months`` more months, never past the last; return how many ran."""
        count = max(0, min(months, self.cfg.steps - self.months))
        for _ in range(count):
            self.model.step()
        return count

    def series(self, since: int = 0) -> dict[str, dict[str, list]]:
        """Each chart's columns for the months from ``since`` on: ``month`` (a date) and one column per line.

        ``headcount``: active workers per occupation at the month's end; ``income``: the incumbents'
        (the first month's workers') mean monthly income per starting occupation, USD, with those who
        left counted at their outside option (cohorts.parquet); ``ai_share``: the share of campaign
        and of e-commerce shoots made with AI (market.parquet).
        """
        count, names = len(self.occupations), self.occupations
        occupation_rows = self.model.occupation_rows[since * count :]
        cohort_rows = self.model.cohort_rows[since * count :]
        market_rows = self.model.market_rows[since:]
        months = np.array([row["date"] for row in market_rows], dtype="datetime64[ms]")  # Bokeh's time unit

        def per_occupation(rows: list[dict], column: str) -> dict[str, list]:
            return {name: [row[column] for row in rows[code::count]] for code, name in enumerate(names)}

        return {
            "headcount": {"month": months, **per_occupation(occupation_rows, "active")},
            "income": {"month": months.copy(), **per_occupation(cohort_rows, "income_mean")},
            "ai_share": {"month": months.copy(), **{key: [row[key] for row in market_rows] for key in AI_SHARES}},
        }
