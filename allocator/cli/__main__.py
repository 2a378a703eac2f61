"""python -m allocator.cli"""

from allocator.cli.main import entry

entry()
