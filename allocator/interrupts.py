"""Ctrl-C and SIGTERM during a run: stop the search, never lose an allocation already found.

The first Ctrl-C (SIGINT) or SIGTERM raises KeyboardInterrupt where the run is: the
search catches it, stops, and keeps the best allocation (before any allocation exists
it ends the run, exit 4). Once an allocation exists the run only winds down, so the
work that must finish whole (the independent checker, the summary, the writing) runs
`held()`: a signal arriving then is remembered, never raised. A second signal is never
raised either: the run is already stopping and will write what it has. The explanations
(recommendations) are skipped once a stop was asked for, and cut short by one arriving
while they run.

Without `handling_stops()` (library use) Python's own Ctrl-C handling applies and
`held()` changes nothing.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequests:
    """Counts stop signals; raises KeyboardInterrupt for the first unless held."""

    def __init__(self) -> None:
        self.count = 0
        self.holding = 0
        self.finished = False  # the work is done: keep counting (not raising) until exit

    def finish(self) -> None:
        """The work is done and written: a stop arriving from now until the process
        exits changes nothing, so it is remembered, never raised, and the handlers stay."""
        self.holding += 1
        self.finished = True
        if threading.current_thread() is threading.main_thread():
            # Ignored rather than counted: Python puts back the default handler (which
            # kills the process) while it shuts down, but leaves an ignored signal ignored.
            for sig in _SIGNALS:
                signal.signal(sig, signal.SIG_IGN)

    @property
    def requested(self) -> bool:
        return self.count > 0

    def handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1
        if self.holding or self.count > 1:
            return
        raise KeyboardInterrupt


_active: StopRequests | None = None


@contextlib.contextmanager
def handling_stops() -> Iterator[StopRequests]:
    """Handle SIGINT and SIGTERM as described above for the duration of the block
    (from the main thread only; elsewhere nothing is installed)."""
    global _active
    stops = StopRequests()
    if threading.current_thread() is not threading.main_thread():
        yield stops
        return
    previous = {sig: signal.signal(sig, stops.handle) for sig in _SIGNALS}
    outer, _active = _active, stops
    try:
        yield stops
    finally:
        _active = outer
        if not stops.finished:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Signals arriving inside the block are remembered (see `stop_requested`), not raised.
    Only the main thread, where Python runs signal handlers, holds; elsewhere a no-op."""
    stops = _active
    if stops is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    stops.holding += 1
    try:
        yield
    finally:
        stops.holding -= 1


def stop_requested() -> bool:
    """True once Ctrl-C or SIGTERM arrived under `handling_stops()`."""
    return _active is not None and _active.requested


@contextlib.contextmanager
def released() -> Iterator[None]:
    """Inside `held()`, the one stretch where a stop may raise again (the wait for CP-SAT,
    which catches it and keeps the best allocation); everywhere else stays held."""
    stops = _active
    if stops is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    holding, stops.holding = stops.holding, 0
    try:
        yield
    finally:
        stops.holding = holding
