"""Shared helpers: compose the real configs in-process, as the CLI would."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from sim.core.schema import SimConfig
from sim.runner.compose import CONFIG_DIR as CONFIG_DIR  # re-exported for the tests
from sim.runner.compose import compose, load_config

compose_config = compose  # the composed DictConfig for these overrides (Hydra's own errors propagate)
make_config = load_config  # a validated SimConfig for these overrides


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
# `make test-fast` (the edit loop) sets HYPOTHESIS_PROFILE=fast: the same fixed search, cut short
settings.register_profile("fast", parent=settings.get_profile("ci"), max_examples=20)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
