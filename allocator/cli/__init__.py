"""The command line: parses, calls the library, maps outcomes to exit codes."""
