"""Shared helpers: compose the real configs in-process, as the CLI would."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hypothesis import HealthCheck, settings

from sim.config import SimConfig, register, to_schema

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "configs")
register()


def compose_config(*overrides: str):
    """The composed DictConfig for these overrides (Hydra's own errors propagate)."""
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return compose("config", overrides=list(overrides))


def make_config(*overrides: str) -> SimConfig:
    """A validated SimConfig for these overrides."""
    return to_schema(compose_config(*overrides))


@pytest.fixture
def classroom() -> SimConfig:
    return make_config("population=classroom", "steps=36")


# Property tests (tests/test_properties.py): one fixed profile, so CI is deterministic and bounded.
# `HYPOTHESIS_PROFILE=thorough pytest tests/test_properties.py` searches longer, locally.
settings.register_profile(
    "ci",
    derandomize=True,  # the same examples on every machine and every run
    database=None,  # no .hypothesis/ folder: nothing carried between runs
    max_examples=150,
    deadline=None,  # a model run's time varies with the machine's load; bound it by max_examples
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("thorough", parent=settings.get_profile("ci"), derandomize=False, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
