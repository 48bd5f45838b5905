"""Command line: ``python -m sim`` / ``fashion-sim``, a thin Hydra wrapper around ``sim.runner.run.run``."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.core.schema import ConfigError
from sim.runner.compose import CONFIG_DIR, register
from sim.runner.jobs import run_job

# at import, not in entry(): a sweep's workers import this module to run their job and compose its
# config in their own process, which needs the schema in that process's ConfigStore
register()


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def main(cfg: DictConfig) -> None:
    """Run one simulation into Hydra's output directory and print where it went."""
    from sim.runner.run import run  # imported here so that `--help` and config errors stay fast

    logging.getLogger("MESA").setLevel(logging.WARNING)
    hydra_cfg = HydraConfig.get()
    out_dir = Path(hydra_cfg.runtime.output_dir)
    if hydra_cfg.mode == RunMode.MULTIRUN:  # sweep jobs: skip when done, record failures, go on
        run_job(cfg, out_dir, list(hydra_cfg.overrides.task))
        return
    try:
        run(cfg, out_dir)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    print(f"results: {out_dir}")


def entry() -> None:
    """``python -m sim`` and ``fashion-sim``: :func:`main` with every failure as one line (sim.runner.errors)."""
    from sim.runner.errors import guard

    guard(main)
