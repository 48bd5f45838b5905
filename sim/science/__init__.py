"""Science tools over runs of the model: calibration, the history experiment, validation against facts
used for calibration and held out, the long run against projections, sensitivity and robust policy ranking.

Imports the core and the runner only.
"""
