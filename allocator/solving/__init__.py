"""Searching: the one code that talks to CP-SAT, components, the solution types."""
