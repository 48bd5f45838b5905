"""Composing configs: the one place that knows where ``configs/`` is and registers the schema with Hydra.

The CLI, the tests, the science tools and the benchmark all compose a run's config through
:func:`compose` (Hydra's DictConfig) or :func:`load_config` (the validated ``SimConfig``).
"""

from __future__ import annotations

from pathlib import Path

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from sim.core.schema import AIConfig, PopulationConfig, RegulationConfig, SimConfig, to_schema


def config_dir() -> Path:
    """``configs/`` at the top of a source tree, else the copy an installed wheel holds in ``sim/configs``."""
    package = Path(__file__).resolve().parents[1]
    source_tree = package.parent / "configs"
    if (source_tree / "config.yaml").is_file():
        return source_tree
    return package / "configs"  # in a source tree, a link to the one above; in a wheel, the files themselves


CONFIG_DIR = str(config_dir())


def design_points(base_samples: int, parameters: list) -> int:
    """Points of a Saltelli design without second order: N (k + 2); the ``design_points`` resolver."""
    return int(base_samples) * (len(parameters) + 2)


def register_resolvers() -> None:
    """The project's OmegaConf resolvers (``${design_points:N,PARAMETERS}``)."""
    if not OmegaConf.has_resolver("design_points"):
        OmegaConf.register_new_resolver("design_points", design_points)


def register() -> None:
    """Put the schemas in Hydra's ConfigStore; the main config lists ``sim_schema`` first."""
    register_resolvers()
    store = ConfigStore.instance()
    store.store(name="sim_schema", node=SimConfig)
    store.store(group="population", name="population_schema", node=PopulationConfig)
    store.store(group="ai", name="ai_schema", node=AIConfig)
    store.store(group="regulation", name="regulation_schema", node=RegulationConfig)


def compose(*overrides: str) -> DictConfig:
    """The composed config of ``configs/`` with these overrides (Hydra's own errors propagate)."""
    register()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return hydra_compose("config", overrides=list(overrides))


def load_config(*overrides: str) -> SimConfig:
    """The validated config of ``configs/`` with these overrides, as the CLI would run it."""
    return to_schema(compose(*overrides))
