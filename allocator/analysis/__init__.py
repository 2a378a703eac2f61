"""Analysts' tools: the Python API, compare, sweep, supply and demand, generators."""
