"""What a scenario holds, and supply against demand per hub, phase and stage.

Shown by `allocate check` and at the start of `allocate`, with plain, quantitative
remedies where demand exceeds supply.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from allocator.problem.data import SUPPORTED_STAGES, ProblemData, School, Specialist, Stage, WorkGroup, key
from allocator.problem.rules import either_phase, group_phase_fits, offers_places, specialist_phase_fits


@dataclass(frozen=True)
class SupplyRow:
    hub: str
    phase: str
    stage: str  # "development", "embedding", "work group seats" or "focus X (first choices)"
    demand: int
    supply: int
    sentence: str

    @property
    def short(self) -> int:
        return max(0, self.demand - self.supply)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + ", or " + items[-1]


@dataclass(frozen=True)
class _Hub:
    """One hub's schools, specialists and groups (names compared as keys)."""

    name: str
    schools: list[School]
    specialists: list[Specialist]
    groups: list[WorkGroup]


def supply_demand(problem: ProblemData) -> list[SupplyRow]:
    """Places against applications per hub, phase and stage.

    Special and all-through schools may use either phase's places, so they are shown
    against the places left over by both phases' own schools.
    """
    names: dict[str, str] = {}
    for name in (
        [x.hub for x in problem.schools] + [x.hub for x in problem.specialists] + [x.hub for x in problem.work_groups]
    ):
        names.setdefault(key(name), name.strip())
    rows: list[SupplyRow] = []
    for h in sorted(names, key=lambda k: names[k]):
        hub = _Hub(
            names[h],
            [s for s in problem.schools if key(s.hub) == h],
            [p for p in problem.specialists if key(p.hub) == h],
            [g for g in problem.work_groups if key(g.hub) == h],
        )
        for stage in SUPPORTED_STAGES:
            rows += _specialist_rows(problem, hub, stage)
        rows += _seat_rows(hub)
        rows += _focus_rows(hub)
    return rows


def _specialist_rows(problem: ProblemData, hub: _Hub, stage: Stage) -> list[SupplyRow]:
    """Specialists' places for `stage` by phase, then what is left for special and
    all-through schools."""
    rows: list[SupplyRow] = []
    spare_total = 0
    for phase in ("primary", "secondary"):
        demand = sum(1 for s in hub.schools if s.stage == stage and s.phase == phase)
        mine = [p for p in hub.specialists if specialist_phase_fits(phase, p.phase)]
        offering = [p for p in mine if offers_places(p, stage)]
        supply = sum(p.capacity_for(stage) for p in offering)
        spare_total += max(0, supply - demand)
        if demand == 0 and supply == 0:
            continue
        sentence = (
            f"{hub.name} {phase} {stage}: {_plural(demand, 'school')}; "
            f"{_plural(len(offering), 'available specialist')} offer{'s' if len(offering) == 1 else ''} "
            f"{_plural(supply, stage + ' place')}"
        )
        if demand > supply:
            sentence += f"; short by {demand - supply}: " + _or_list(
                _specialist_remedies(problem, stage, phase, mine, demand - supply)
            )
        rows.append(SupplyRow(hub.name, phase, stage.value, demand, supply, sentence))
    either = sum(1 for s in hub.schools if s.stage == stage and either_phase(s.phase))
    if either:
        sentence = (
            f"{hub.name} special/all-through {stage}: {_plural(either, 'school')}; "
            f"{_plural(spare_total, 'place')} left by primary and secondary schools"
        )
        if either > spare_total:
            sentence += f"; short by {either - spare_total}: add a specialist or raise {stage.capacity_field}"
        rows.append(SupplyRow(hub.name, "special/all-through", stage.value, either, spare_total, sentence))
    return rows


def _specialist_remedies(
    problem: ProblemData, stage: Stage, phase: str, mine: list[Specialist], short: int
) -> list[str]:
    """Ways to find `short` more places: new specialists, more capacity, idle cohorts."""
    rules = problem.rules
    default = rules.departments_per_specialist if stage == Stage.DEVELOPMENT else rules.embedding_per_specialist
    remedies = [
        f"add {-(-short // max(1, default))} {phase} specialist(s)",
        f"raise {stage.capacity_field} for {_plural(short, 'place')}",
    ]
    idle = [p for p in mine if not p.available]
    for cohort in sorted({p.cohort for p in idle}):
        members = [p for p in idle if p.cohort == cohort]
        places = sum(p.capacity_for(stage) for p in members)
        if places:
            remedies.append(
                f"make cohort {cohort} available ({_plural(len(members), 'specialist')}, {_plural(places, 'place')})"
            )
    return remedies


def _seat_rows(hub: _Hub) -> list[SupplyRow]:
    """Work-group seats by group phase; special and all-through schools use what is left."""
    rows: list[SupplyRow] = []
    seekers = [s for s in hub.schools if Stage(s.stage).needs_group]
    spare_seats = 0
    for phase in ("primary", "secondary"):
        own = [s for s in seekers if s.phase == phase]
        phase_groups = [g for g in hub.groups if group_phase_fits(phase, g.phase)]
        seats = sum(g.max_schools for g in phase_groups)
        spare_seats += max(0, seats - len(own))
        if not own and not seats:
            continue
        sentence = (
            f"{hub.name} {phase} work groups: {_plural(len(own), 'embedding or sustaining school')}; "
            f"{_plural(len(phase_groups), 'group')} offer {_plural(seats, 'seat')}"
        )
        if len(own) > seats:
            short = len(own) - seats
            sentence += f"; short by {short}: add {-(-short // 8)} {phase} group(s) or raise max_schools"
        rows.append(SupplyRow(hub.name, phase, "work group seats", len(own), seats, sentence))
    flexible = [s for s in seekers if either_phase(s.phase)]
    if flexible:
        special_seats = sum(g.max_schools for g in hub.groups if g.phase == "special")
        seats = spare_seats + special_seats
        sentence = (
            f"{hub.name} special/all-through work groups: {_plural(len(flexible), 'school')}; "
            f"{_plural(spare_seats, 'seat')} left in primary and secondary groups"
            + (f", {special_seats} in special groups" if special_seats else "")
        )
        if len(flexible) > seats:
            sentence += f"; short by {len(flexible) - seats}: add a group or raise max_schools"
        rows.append(SupplyRow(hub.name, "special/all-through", "work group seats", len(flexible), seats, sentence))
    return rows


def _focus_rows(hub: _Hub) -> list[SupplyRow]:
    """First focus choices against seats in groups of that focus."""
    rows: list[SupplyRow] = []
    seekers = [s for s in hub.schools if Stage(s.stage).needs_group]
    first = Counter(s.focus_choices[0] for s in seekers if s.focus_choices)
    for focus, n in sorted(first.items()):
        seats = sum(g.max_schools for g in hub.groups if g.focus == focus)
        sentence = (
            f"{hub.name} focus {focus}: {_plural(n, 'first choice')}; {_plural(seats, 'seat')} in focus {focus} groups"
        )
        if n > seats:
            sentence += f"; {n - seats} cannot have their first choice: add a focus {focus} group"
        rows.append(SupplyRow(hub.name, "secondary", f"focus {focus}", n, seats, sentence))
    return rows


def supply_lines(rows: list[SupplyRow]) -> list[str]:
    """The supply/demand table as printed lines (shortfalls marked)."""
    out = ["Supply and demand:"]
    for r in rows:
        out.append(("  ! " if r.short else "    ") + r.sentence)
    return out


def describe(problem: ProblemData) -> list[str]:
    """Lines describing what was read: schools, specialists, groups."""
    lines = [f"{problem.name} ({problem.year})"]
    lines.append(f"Schools: {problem.num_schools}")
    by = Counter((s.hub.strip(), s.stage, s.phase) for s in problem.schools)
    for (hub, stage, phase), n in sorted(by.items()):
        lines.append(f"  {hub:<32} {stage:<12} {phase:<12} {n:>4}")
    available = [p for p in problem.specialists if p.available]
    lines.append(f"Specialists: {problem.num_specialists} ({len(available)} available)")
    cohorts = Counter((p.cohort, p.available) for p in problem.specialists)
    for (cohort, ok), n in sorted(cohorts.items()):
        lines.append(f"  cohort {cohort:<3} {'available' if ok else 'not available':<14} {n:>4}")
    not_available = sorted({p.cohort for p in problem.specialists if not p.available})
    if not_available:
        lines.append(f"  cohorts in the table that are not available: {', '.join(map(str, not_available))}")
    lines.append(f"Work groups: {problem.num_groups}")
    groups = Counter((g.hub.strip(), g.phase, g.focus or "-") for g in problem.work_groups)
    for (hub, phase, focus), n in sorted(groups.items()):
        lines.append(f"  {hub:<32} {phase:<12} focus {focus:<4} {n:>4}")
    return lines


def advocate_warnings(problem: ProblemData) -> list[tuple[int, str]]:
    """(row, message): secondary schools with fewer than two Mastery Advocates, embedding
    schools without a previous specialist. Never quotes the advocates' details."""
    out = []
    for school in problem.schools:
        if school.phase == "secondary" and len(school.advocates) < 2:
            out.append((school.row, f"school {school.urn} lists {len(school.advocates)} of 2 Mastery Advocates"))
        if school.stage == Stage.EMBEDDING and not school.previous_specialist:
            out.append((school.row, f"embedding school {school.urn} has no previous_specialist (no continuity)"))
    return out


def check_lines(problem: ProblemData, locations_level: str, warnings: list[str], schools_file: str) -> list[str]:
    """What `allocate check` prints: what was read, supply against demand, warnings."""
    lines = describe(problem)
    sources = Counter(s.location.source for s in problem.schools)
    lines.append(
        f"Locations: {locations_level} level; " + ", ".join(f"{src} {n}" for src, n in sorted(sources.items()))
    )
    if problem.calendar is not None:
        from allocator.schedule.dates import calendar_line

        lines.append(calendar_line(problem.calendar))
    lines += ["", *supply_lines(supply_demand(problem))]
    warnings = list(warnings) + [f"{schools_file}:{row}: {message}" for row, message in advocate_warnings(problem)]
    if warnings:
        lines += ["", f"Warnings ({len(warnings)}):", *(f"  {w}" for w in warnings)]
    return lines
