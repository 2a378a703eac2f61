"""Reading and validating the scenario: YAML, tables, rows, locations, cross-checks."""
