"""Agent-based simulation of fashion labour markets under AI adoption (Mesa + Hydra).

From Python (see ``sim.runner.api``)::

    import sim

    cfg = sim.load_config("scenario=laissez_faire", "seed=3")
    result = sim.simulate(cfg)  # result.occupations, result.market, result.cohorts
    sweep = sim.load_results("outputs/my_sweep")  # a sweep's combined tables

The names are imported on first use, so ``import sim`` (which ``python -m sim.report`` and
``python -m sim.collect`` also do) loads neither the model nor Hydra nor matplotlib.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fashion-sim")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

_API = {  # public name -> the module that defines it, imported when the name is first used
    "load_config": "sim.runner.api",
    "simulate": "sim.runner.api",
    "load_results": "sim.runner.api",
    "validate": "sim.runner.api",
    "Result": "sim.runner.api",
    "SweepResults": "sim.runner.api",
    "ResultsError": "sim.runner.api",
    "ConfigError": "sim.core.schema",
}
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        value = getattr(import_module(_API[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
