"""Running the model: composing configs, a run and its directory, run figures, the CLI, errors, sweeps.

Imports the core only.
"""
