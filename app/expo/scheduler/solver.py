"""The optimal meeting scheduler: solve() a FORMATS.md instance, validate() any schedule.

Objective, in order: fewest participants (of those with requests) left without a meeting, the
largest total weight, fewest idle gaps. A greedy pass seeds a two-phase HiGHS MIP (see
scheduler_mip) and is the fallback; the meetings chosen are then laid out again compactly and
improved by local moves, without changing which requests are scheduled (scheduler_compact).
Pure Python: no Flask, no database.
"""

import math
import time
from collections.abc import Iterable

from app.expo.scheduler.compact import close_gaps, reslot
from app.expo.scheduler.mip import solve_mip
from app.expo.scheduler.search import Problem, State
from app.expo.scheduler.types import (
    REASONS,
    Instance,
    InstanceError,
    Interpreter,
    Meeting,
    Participant,
    Placement,
    Request,
    Schedule,
    Slot,
    Table,
    Unscheduled,
    load_instance,
    schedule_from_dict,
    schedule_to_dict,
    summarize,
    total_weight,
)

__all__ = ["REASONS", "Instance", "InstanceError", "Interpreter", "Meeting", "Participant",
           "Placement", "Request", "Schedule", "Slot", "Table", "Unscheduled", "greedy_schedule",
           "load_instance", "schedule_from_dict", "schedule_to_dict", "solve", "validate"]


def _pinned_state(instance: Instance, keep: Iterable[Meeting]) -> State:
    """A state holding the fixed and kept meetings; InstanceError if they break a rule."""
    pins = {r.id: r.fixed for r in instance.requests if r.fixed}
    problems = []
    for m in keep:
        request = instance.get("request", m.request)
        place = Placement(m.slot, m.table, m.interpreter)
        if request is None:
            problems.append(f"kept meeting for unknown request {m.request}")
        elif any(instance.get(kind, value) is None for kind, value in (
                ("slot", m.slot), ("table", m.table or None),
                ("interpreter", m.interpreter or None)) if value):
            problems.append(f"kept meeting {m.request} names an unknown slot/table/interpreter")
        elif request.fixed and _broken_fix(request.fixed, m):
            problems.append(f"kept meeting {m.request} is not where the request is fixed")
        else:
            pins[m.request] = place
    if problems:
        raise InstanceError(problems)
    state = State(Problem(instance, pins))
    if problems := state.place_pins():
        raise InstanceError(problems)
    return state


def _broken_fix(fixed: Placement, m: Meeting) -> bool:
    return (m.slot != fixed.slot or (fixed.pins_table and m.table != fixed.table)
            or (fixed.pins_interpreter and m.interpreter != fixed.interpreter))


def _schedule(state: State, method: str, begun: float, **extra: object) -> Schedule:
    pb = state.pb
    tables = state.tables()
    meetings = [
        Meeting(request=pb.req_ids[r], slot=pb.slot_ids[s],
                table=None if tables[r] is None else pb.table_ids[tables[r]],
                interpreter=pb.interp_ids[state.interp_of[r]] if r in state.interp_of else None)
        for s, r in sorted((s, r) for r, s in state.slot_of.items())]
    unscheduled = [Unscheduled(request=pb.req_ids[r], reason=state.reason(r))
                   for r in range(len(pb.req_ids)) if r not in state.slot_of]
    with_requests, without, gaps = summarize(pb.instance, meetings)
    return Schedule(meetings=meetings, unscheduled=unscheduled,
                    objective=total_weight(pb.instance, meetings),
                    participants_with_requests=with_requests, participants_without_meeting=without,
                    gaps=gaps, method=method, seconds=time.monotonic() - begun, **extra)


def greedy_schedule(instance: Instance, *, keep: Iterable[Meeting] = ()) -> Schedule:
    """The greedy pass alone: scarce participants first, then by weight; no optimiser."""
    begun = time.monotonic()
    state = _pinned_state(instance, keep)
    state.greedy()
    return _schedule(state, "greedy", begun)


def solve(instance: Instance, *, time_limit: float | None = 60, seed_greedy: bool = True,
          keep: Iterable[Meeting] = (), threads: int | None = None) -> Schedule:
    """The best schedule found within `time_limit` seconds (None: until proven optimal).

    Fixed requests and `keep` (confirmed meetings) stay exactly where they are; only the
    rest is scheduled around them. InstanceError if those placements break a rule.
    """
    begun = time.monotonic()
    keep = list(keep)
    base = _pinned_state(instance, keep)
    greedy = None
    if seed_greedy:
        greedy = base.copy()
        greedy.greedy()
    # the optimiser gets 80% of the time, the gap closing up to 93%, the reasons the rest
    budget = None if time_limit is None else max(0.8 * time_limit - (time.monotonic() - begun),
                                                 0.1)
    result = solve_mip(base, time_limit=budget, start=greedy, threads=threads)
    best, method, extra = greedy, "greedy", {}
    if result is not None:
        state = base.copy()
        for r, s in sorted(result.slots.items()):
            state.place(r, s)
        before = state.key()
        state.fill(range(len(state.pb.req_ids)))
        if best is None or state.key() <= best.key():
            best, method = state, "mip"
            extra = {"proven": result.proven and state.key() == before,
                     "mip_gap": result.mip_gap}
    if best is None:  # no seed and the MIP found nothing in time: heuristics alone
        best = base.copy()
        best.greedy()
    deadline = begun + (0.93 * time_limit if time_limit is not None else math.inf)
    return _schedule(_compact(base, best, deadline), method, begun, **extra)


def _compact(base: State, chosen: State, deadline: float) -> State:
    """The same meetings with fewer idle gaps: laid out again compactly, then improved by
    local moves, beside local moves alone; the fewer gaps win."""
    layouts = []
    again = reslot(base, {r: s for r, s in chosen.slot_of.items() if r not in base.pb.pins})
    if again is not None:
        close_gaps(again, deadline)
        layouts.append(again)
    close_gaps(chosen, deadline)
    layouts.append(chosen)
    return min(layouts, key=State.total_gaps)


def validate(instance: Instance, schedule: Schedule) -> list[str]:
    """Every rule of FORMATS.md that the schedule breaks, as sentences; [] when it is valid."""
    broken: list[str] = []
    seen: set[str] = set()
    taken: dict[tuple[str, str, str], str] = {}
    for m in schedule.meetings:
        request = instance.get("request", m.request)
        slot = instance.get("slot", m.slot)
        unknown = [f"{kind} {value}" for kind, value, item in (
            ("request", m.request, request), ("slot", m.slot, slot),
            ("table", m.table, instance.get("table", m.table)),
            ("interpreter", m.interpreter, instance.get("interpreter", m.interpreter)))
            if value is not None and item is None]
        if unknown:
            broken.append(f"meeting {m.request} in {m.slot}: unknown " + ", ".join(unknown))
            continue
        if m.request in seen:
            broken.append(f"{m.request} is scheduled more than once")
        seen.add(m.request)
        broken += _meeting_problems(instance, m, request)
        for kind, who in (("participant", request.supplier), ("participant", request.buyer),
                          ("table", m.table), ("interpreter", m.interpreter)):
            if who is None:
                continue
            if (kind, who, m.slot) in taken:
                broken.append(f"{kind} {who} is double-booked in {m.slot}: "
                              f"{taken[kind, who, m.slot]} and {m.request}")
            taken[kind, who, m.slot] = m.request
    for r in instance.requests:
        if r.fixed and r.id not in seen:
            broken.append(f"{r.id} is fixed in {r.fixed.slot} but not scheduled")
    listed = [u.request for u in schedule.unscheduled]
    broken += [f"{u} is both scheduled and listed as unscheduled" for u in listed if u in seen]
    broken += [f"unscheduled {u} is not a known request" for u in listed
               if instance.get("request", u) is None]
    missing = {r.id for r in instance.requests} - seen - set(listed)
    broken += [f"{r} is neither scheduled nor listed as unscheduled" for r in sorted(missing)]
    broken += [f"{u.request}: unknown reason {u.reason!r}" for u in schedule.unscheduled
               if u.reason not in REASONS]
    weight = total_weight(instance, schedule.meetings)
    if abs(weight - schedule.objective) > 1e-6 * max(1.0, abs(weight)):
        broken.append(f"objective {schedule.objective} is not the total weight {weight}")
    return broken


def _meeting_problems(instance: Instance, m: Meeting, request: Request) -> list[str]:
    """The rules a single meeting breaks on its own (availability, booth, interpreter)."""
    broken = []
    supplier = instance.get("participant", request.supplier)
    buyer = instance.get("participant", request.buyer)
    where = f"{m.request} in {m.slot}"
    if request.fixed and _broken_fix(request.fixed, m):
        broken.append(f"{where}: not where it is fixed ({request.fixed.slot})")
    broken += [f"{where}: {p.id} is unavailable" for p in (supplier, buyer)
               if m.slot in p.unavailable]
    if supplier.booth and m.table is not None:
        broken.append(f"{where}: {supplier.id} meets at booth {supplier.booth}, not at a table")
    if not supplier.booth and m.table is None:
        broken.append(f"{where}: the meeting has no table")
    interpreter = instance.get("interpreter", m.interpreter)
    if instance.shares_language(request) and interpreter is not None:
        broken.append(f"{where}: interpreter {m.interpreter} booked although the sides share a "
                      "language")
    if not instance.shares_language(request) and interpreter is None:
        broken.append(f"{where}: no interpreter although the sides share no language")
    if interpreter is not None and not instance.can_bridge(interpreter, request):
        broken.append(f"{where}: interpreter {m.interpreter} does not speak a language of each "
                      "side")
    if interpreter is not None and m.slot in interpreter.unavailable:
        broken.append(f"{where}: interpreter {m.interpreter} is unavailable")
    return broken

