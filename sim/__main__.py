"""``python -m sim``: run the model with Hydra (see ``sim.cli``)."""

from sim.cli import entry

entry()
