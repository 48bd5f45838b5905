"""``python -m sim.check KEY=VALUE ...``: validate a config without running it (``sim.runner.cli.check``)."""

import sys

from sim.runner.cli import check

if __name__ == "__main__":
    sys.exit(check())
