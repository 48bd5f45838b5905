"""Bad configs fail early with a message that names the key."""

from __future__ import annotations

import pytest
from hydra.errors import ConfigCompositionException
from omegaconf.errors import ValidationError

from sim.core.schema import ConfigError
from tests.conftest import compose_config, make_config


@pytest.mark.parametrize(
    "group",
    [
        "population=classroom",
        "population=city",
        "population=national",
        "ai=slow",
        "ai=moderate",
        "ai=fast",
        "regulation=none",
        "regulation=fashion_workers_act",
        "regulation=eu_ai_act",
    ],
)
def test_every_shipped_config_composes_and_validates(group):
    assert make_config(group).steps == 120


def test_misspelt_key_is_rejected_when_composing():
    with pytest.raises(ConfigCompositionException) as caught:
        compose_config("ai.adoption_rat=0.1")
    assert "adoption_rat" in str(caught.value.__cause__) or "adoption_rat" in str(caught.value)


def test_wrong_type_is_rejected_naming_the_key():
    with pytest.raises((ConfigCompositionException, ValidationError)) as caught:
        compose_config("population.workers.top_model=many")
    text = str(caught.value) + str(caught.value.__cause__)
    assert "population.workers.top_model" in text


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("ai.cost_per_image=-1", "ai.cost_per_image = -1.0 is out of range: allowed a number > 0"),
        ("ai.adoption_p=1.5", "ai.adoption_p = 1.5 is out of range: allowed 0 <= value <= 1"),
        ("steps=0", "steps = 0 is out of range: allowed 1 <= value <= 1200"),
        ("regulation.start=2025-13", "regulation.start = '2025-13' is not a month"),
        ("occupations.stylist.rate_floor=5000", "occupations.stylist.rate_floor = 5000 is above rate_ceiling"),
    ],
)
def test_out_of_range_value_fails_with_one_line_naming_key_value_and_range(override, expected):
    with pytest.raises(ConfigError) as caught:
        make_config(override)
    message = str(caught.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_empty_population_is_rejected():
    zero = [
        f"population.workers.{k}=0"
        for k in ("top_model", "ecommerce_model", "photographer", "stylist", "makeup_artist", "ai_content_producer")
    ]
    with pytest.raises(ConfigError, match="has no workers"):
        make_config(*zero)
