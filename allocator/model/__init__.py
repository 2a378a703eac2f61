"""The CP-SAT model: variables, one function per SPEC rule, one per objective term."""

from allocator.model.cpmodel import AllocationModel

__all__ = ["AllocationModel"]
