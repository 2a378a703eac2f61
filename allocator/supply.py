"""What a scenario holds, and supply against demand per hub and phase (for `allocate check`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from allocator.problem import ProblemData, key


@dataclass(frozen=True)
class SupplyRow:
    hub: str
    phase: str
    what: str  # "development", "embedding", "group seats" or "group seats, focus X"
    demand: int
    supply: int
    remedy: str = ""

    @property
    def short(self) -> int:
        return max(0, self.demand - self.supply)


def _phases_of_school(phase: str) -> tuple[str, ...]:
    return ("primary", "secondary") if phase in ("special", "all-through") else (phase,)


def supply_demand(problem: ProblemData) -> list[SupplyRow]:
    """Places against applications per hub and phase, with a plain remedy where short.

    Special and all-through schools count against the primary and secondary supply
    alike (they may take either), so they are listed under their own phase.
    """
    hub_names: dict[str, str] = {}
    for item in (*problem.schools, *problem.specialists, *problem.work_groups):
        hub_names.setdefault(key(item.hub), item.hub.strip())
    rows: list[SupplyRow] = []
    demand: dict[tuple[str, str, str], int] = Counter()
    for school in problem.schools:
        h = key(school.hub)
        if school.stage in ("development", "embedding"):
            demand[h, school.phase, school.stage] += 1
        if school.stage in ("embedding", "sustaining"):
            demand[h, school.phase, "group seats"] += 1
    for (h, phase, what), n in sorted(demand.items()):
        phases = _phases_of_school(phase)
        if what == "group seats":
            groups = [
                g for g in problem.work_groups
                if key(g.hub) == h and (g.phase in phases or (phase == "special" and g.phase == "special"))
            ]
            if phase != "special":
                groups = [g for g in groups if g.phase != "special"]
            supply = sum(g.max_schools for g in groups)
            remedy = ""
            if n > supply:
                remedy = (
                    f"add {-(-(n - supply) // 8)} {phase} work group(s) or raise max_schools"
                )
        else:
            specialists = [
                p for p in problem.specialists
                if key(p.hub) == h and p.phase in phases and p.available
            ]
            per = (lambda p: p.capacity) if what == "development" else (lambda p: p.embedding_capacity)
            supply = sum(per(p) for p in specialists)
            remedy = ""
            if n > supply:
                short = n - supply
                default = (
                    problem.rules.departments_per_specialist
                    if what == "development"
                    else problem.rules.embedding_per_specialist
                )
                extra = -(-short // max(1, default))
                idle = [
                    p for p in problem.specialists
                    if key(p.hub) == h and p.phase in phases and not p.available
                ]
                bits = [f"add {extra} {'/'.join(phases)} specialist(s)", f"raise {what} capacity"]
                if idle:
                    cohorts = sorted({p.cohort for p in idle})
                    bits.append(
                        f"make cohort{'s' if len(cohorts) > 1 else ''} "
                        f"{', '.join(map(str, cohorts))} available ({len(idle)} specialists)"
                    )
                remedy = ", ".join(bits[:-1]) + " or " + bits[-1] if len(bits) > 1 else bits[0]
        rows.append(SupplyRow(hub_names.get(h, h), phase, what, n, supply, remedy))
    # Focus seats for secondary sustaining schools by first choice.
    by_focus: dict[tuple[str, str], int] = defaultdict(int)
    for school in problem.schools:
        if school.stage == "sustaining" and school.focus_choices:
            by_focus[key(school.hub), school.focus_choices[0]] += 1
    for (h, focus), n in sorted(by_focus.items()):
        seats = sum(g.max_schools for g in problem.work_groups if key(g.hub) == h and g.focus == focus)
        remedy = "" if n <= seats else f"not every first choice of focus {focus} can be met"
        rows.append(SupplyRow(hub_names.get(h, h), "secondary", f"first choice {focus}", n, seats, remedy))
    return rows


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
        lines.append(
            f"  cohorts in the table that are not available: {', '.join(map(str, not_available))}"
        )
    lines.append(f"Work groups: {problem.num_groups}")
    groups = Counter((g.hub.strip(), g.phase, g.focus or "-") for g in problem.work_groups)
    for (hub, phase, focus), n in sorted(groups.items()):
        lines.append(f"  {hub:<32} {phase:<12} focus {focus:<4} {n:>4}")
    return lines


def supply_lines(rows: list[SupplyRow]) -> list[str]:
    out = ["Supply and demand:", f"  {'hub':<32} {'phase':<12} {'what':<18} {'demand':>6} {'supply':>6}"]
    for r in rows:
        flag = f"  SHORT {r.short}: {r.remedy}" if r.short else ""
        out.append(f"  {r.hub:<32} {r.phase:<12} {r.what:<18} {r.demand:>6} {r.supply:>6}{flag}")
    return out


def advocate_warnings(problem: ProblemData) -> list[tuple[int, str]]:
    """(row, message) for secondary schools with fewer than two Mastery Advocates."""
    out = []
    for school in problem.schools:
        if school.phase == "secondary" and len(school.advocates) < 2:
            out.append((school.row, f"school {school.urn} lists {len(school.advocates)} of 2 Mastery Advocates"))
        if school.stage == "embedding" and not school.previous_specialist:
            out.append((school.row, f"embedding school {school.urn} has no previous_specialist (no continuity)"))
    return out
