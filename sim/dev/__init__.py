"""Developers' tools: the benchmark and the generated parameter table. The top layer; nothing imports it."""
