"""allocator: place schools with Mastery Specialists and Work Groups, provably optimally.

The analysts' API (see `allocator.analysis.api`)::

    import allocator

    demo = allocator.load_scenario("scenarios/demo/scenario.yml", locations="sector")
    outcome = allocator.allocate(demo.with_rules(max_travel_km=40), time_limit_s=20)
    outcome.allocations            # pandas DataFrame, as allocations.csv
    outcome.terms                  # the objective by term
    allocator.compare_runs(demo.solve(), outcome).moved
    allocator.run_sweep(demo, {"weights.travel_per_km": [0, 1, 2, 5]})
    demo.without_schools("917030").solve(previous=outcome).changes   # a re-run
    allocator.verify(demo, "out/scenario/allocations.csv")           # check a hand-edited table

Names are imported on first use, so ``import allocator`` (and the command line's
``--help``) stays quick. `allocate` (and `Scenario.solve`) run the whole job,
`allocator.pipeline.run`, and return an `Outcome`; ``compare_runs`` and ``run_sweep``
are not called ``compare`` and ``sweep`` because those are modules of this package.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("allocator")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

if TYPE_CHECKING:
    from allocator.analysis.api import Scenario as Scenario
    from allocator.analysis.api import allocate as allocate
    from allocator.analysis.api import fewest_specialists as fewest_specialists
    from allocator.analysis.api import load_scenario as load_scenario
    from allocator.analysis.compare import Comparison as Comparison
    from allocator.analysis.compare import compare_runs as compare_runs
    from allocator.analysis.sweep import pareto_front as pareto_front
    from allocator.analysis.sweep import run_sweep as run_sweep
    from allocator.diagnose.verify import Verification as Verification
    from allocator.diagnose.verify import verify as verify
    from allocator.inputs.issues import InputError as InputError
    from allocator.outcome import Outcome as Outcome
    from allocator.problem.variants import RuleDefaults as RuleDefaults
    from allocator.problem.variants import VariantError as VariantError

_PUBLIC = {
    "Comparison": "allocator.analysis.compare",
    "InputError": "allocator.inputs.issues",
    "Outcome": "allocator.outcome",
    "RuleDefaults": "allocator.problem.variants",
    "Scenario": "allocator.analysis.api",
    "VariantError": "allocator.problem.variants",
    "allocate": "allocator.analysis.api",
    "compare_runs": "allocator.analysis.compare",
    "fewest_specialists": "allocator.analysis.api",
    "load_scenario": "allocator.analysis.api",
    "pareto_front": "allocator.analysis.sweep",
    "run_sweep": "allocator.analysis.sweep",
    "verify": "allocator.diagnose.verify",
    "Verification": "allocator.diagnose.verify",
}

__all__ = ["__version__", *sorted(_PUBLIC)]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'allocator' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
