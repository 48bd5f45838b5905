"""The model: names, schema, state tables, rules, economic kernels, the month's stages and the reporters.

The lowest layer: it imports nothing from the rest of ``sim`` (tests/test_layers.py checks it).
"""
