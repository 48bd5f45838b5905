"""``python -m sim.collect DIR [DIR ...]``: write a sweep's combined tables again (see ``sim.runner.collect``)."""

import sys

from sim.runner.collect import main

if __name__ == "__main__":
    sys.exit(main())
