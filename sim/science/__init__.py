"""Science tools over runs of the model: calibration, sensitivity, validation against stylised facts.

Imports the core and the runner only.
"""
