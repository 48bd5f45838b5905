"""Shared helpers: compose the real configs in-process, as the CLI would."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

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
