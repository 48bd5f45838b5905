"""``python -m sim.report DIR``: write DIR/report.html (see ``sim.report.page``)."""

import sys

from sim.report.page import main

sys.exit(main())
