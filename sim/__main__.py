"""``python -m sim``: run the model with Hydra (see ``sim.runner.cli``)."""

from sim.runner.cli import entry

entry()
