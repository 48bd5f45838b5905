"""The HTML report of a sweep or run directory, from its files only (``python -m sim.report DIR``).

Imports the core and the runner only.
"""
