"""``python -m sim``: run the model with Hydra (see ``sim.runner.cli``)."""

import sys

ENVIRONMENT = 3  # the exit status for what the machine lacks (sim.runner.errors.ENVIRONMENT)

if sys.version_info < (3, 12):  # noqa: UP036 (pyproject requires 3.12, but a student may run another python)
    print(
        f"error: python {sys.version.split()[0]} ({sys.executable}) is not the project's Python: allowed 3.12 or "
        "newer, as in the project's environment (source .venv/bin/activate, or make setup first)",
        file=sys.stderr,
    )
    sys.exit(ENVIRONMENT)
try:
    from sim.runner.cli import entry
except ModuleNotFoundError as error:  # a Python without the project's packages
    print(
        f"error: {error.name} is not installed for {sys.executable}: allowed the project's environment "
        "(source .venv/bin/activate, or make setup first)",
        file=sys.stderr,
    )
    sys.exit(ENVIRONMENT)

entry()
