"""``python -m sim.bench [--json]``: the benchmark report (see ``sim.dev.bench``)."""

from sim.dev.bench import main

if __name__ == "__main__":
    main()
