"""allocator: place schools with Mastery Specialists and Work Groups, provably optimally."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("allocator")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"
