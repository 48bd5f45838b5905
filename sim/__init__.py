"""Agent-based simulation of fashion labour markets under AI adoption (Mesa + Hydra)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fashion-sim")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"
