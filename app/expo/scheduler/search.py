"""The instance in integer indexes, and a schedule being built under the rules; the greedy.

`State` keeps the rules as invariants: a meeting is only placed where both sides are free and
available, a table is left (non-booth meetings per slot <= tables) and, for meetings that need
one, the interpreters of the slot can be re-matched (augmenting path) so that everyone has one.
"""

import math
from collections.abc import Iterable, Mapping

from app.expo.scheduler.types import (
    LOWER_PRIORITY,
    NO_COMMON_SLOT,
    NO_INTERPRETER,
    NO_TABLE,
    SLOTS_FULL,
    Instance,
    Placement,
)

ANY = -2   # a pin that lets the solver choose the table or interpreter
NONE = -1  # a pin that says "no table" / "no interpreter"


class Problem:
    """Integer indexes: slots in time order, participants, requests and their candidate slots."""

    def __init__(self, instance: Instance, pins: Mapping[str, Placement]) -> None:
        self.instance = instance
        slots = sorted(instance.slots, key=lambda s: (s.start, s.end, s.id))
        self.slot_ids = [s.id for s in slots]
        slot_ix = {s.id: k for k, s in enumerate(slots)}
        day_ix = {d: k for k, d in enumerate(sorted({s.day for s in slots}))}
        self.day = [day_ix[s.day] for s in slots]
        self.pos = [sum(1 for t in slots[:k] if t.day == s.day) for k, s in enumerate(slots)]
        self.n_slots, self.n_tables = len(slots), len(instance.tables)
        self.table_ids = [t.id for t in instance.tables]
        table_ix = {t: k for k, t in enumerate(self.table_ids)}
        self.interp_ids = [i.id for i in instance.interpreters]
        interp_ix = {i: k for k, i in enumerate(self.interp_ids)}
        everywhere = frozenset(range(self.n_slots))
        self.interp_free = [everywhere - {slot_ix[s] for s in i.unavailable}
                            for i in instance.interpreters]
        self.part_ids = [p.id for p in instance.participants]
        part_ix = {p: k for k, p in enumerate(self.part_ids)}
        self.free = [everywhere - {slot_ix[s] for s in p.unavailable}
                     for p in instance.participants]
        requests = instance.requests
        self.req_ids = [r.id for r in requests]
        self.sup = [part_ix[r.supplier] for r in requests]
        self.buy = [part_ix[r.buyer] for r in requests]
        self.weight = [r.weight for r in requests]
        self.booth = [bool(instance.get("participant", r.supplier).booth) for r in requests]
        self.need = [not instance.shares_language(r) for r in requests]
        self.eligible = [tuple(k for k, i in enumerate(instance.interpreters)
                               if instance.can_bridge(i, r)) if need else ()
                         for r, need in zip(requests, self.need, strict=True)]
        self.candidates = [
            tuple(s for s in sorted(self.free[self.sup[r]] & self.free[self.buy[r]])
                  if not self.need[r] or any(s in self.interp_free[i] for i in self.eligible[r]))
            for r in range(len(requests))]
        self.requests_of: list[list[int]] = [[] for _ in self.part_ids]
        for r in range(len(requests)):
            self.requests_of[self.sup[r]].append(r)
            self.requests_of[self.buy[r]].append(r)
        self.with_requests = [p for p, rs in enumerate(self.requests_of) if rs]
        self.pins: dict[int, tuple[int, int, int]] = {}
        req_ix = {r: k for k, r in enumerate(self.req_ids)}
        for request_id, place in pins.items():
            table = (table_ix[place.table] if place.table else NONE) if place.pins_table else ANY
            interp = ((interp_ix[place.interpreter] if place.interpreter else NONE)
                      if place.pins_interpreter else ANY)
            self.pins[req_ix[request_id]] = (slot_ix[place.slot], table, interp)


def _gaps(positions: list[int]) -> int:
    return positions[-1] - positions[0] + 1 - len(positions) if positions else 0


class State:
    """A partial schedule that always keeps the rules."""

    def __init__(self, problem: Problem) -> None:
        self.pb = problem
        self.slot_of: dict[int, int] = {}
        self.busy: list[dict[int, int]] = [{} for _ in problem.part_ids]
        self.days: list[dict[int, list[int]]] = [{} for _ in problem.part_ids]
        self.tables_used = [0] * problem.n_slots
        self.holder: list[dict[int, int]] = [{} for _ in range(problem.n_slots)]
        self.interp_of: dict[int, int] = {}
        self.locked: set[int] = set()       # pinned interpreter: never re-matched
        self.table_pin: dict[int, int] = {}
        # per slot, interpreter sets known to have no augmenting path (until a removal there)
        self.no_path: list[set[tuple[int, ...]]] = [set() for _ in range(problem.n_slots)]

    def copy(self) -> "State":
        other = State.__new__(State)
        other.pb = self.pb
        other.slot_of, other.interp_of = dict(self.slot_of), dict(self.interp_of)
        other.busy = [dict(b) for b in self.busy]
        other.days = [{d: list(v) for d, v in days.items()} for days in self.days]
        other.tables_used = list(self.tables_used)
        other.holder = [dict(h) for h in self.holder]
        other.locked, other.table_pin = set(self.locked), dict(self.table_pin)
        other.no_path = [set(n) for n in self.no_path]
        return other

    # -- queries -------------------------------------------------------------------------
    def sides_free(self, r: int, s: int) -> bool:
        return s not in self.busy[self.pb.sup[r]] and s not in self.busy[self.pb.buy[r]]

    def covered(self) -> int:
        return sum(1 for p in self.pb.with_requests if self.busy[p])

    def weight(self) -> float:
        return math.fsum(self.pb.weight[r] for r in self.slot_of)

    def key(self) -> tuple[int, float]:
        """Smaller is better: (participants left without a meeting, -total weight)."""
        return len(self.pb.with_requests) - self.covered(), -round(self.weight(), 9)

    def total_gaps(self) -> int:
        return sum(_gaps(v) for days in self.days for v in days.values())

    def _path(self, s: int, r: int, seen: set[int]) -> list[int] | None:
        """Interpreters along an augmenting path that gives r one in slot s (Kuhn)."""
        for i in self.pb.eligible[r]:
            if i in seen or s not in self.pb.interp_free[i]:
                continue
            seen.add(i)
            holder = self.holder[s].get(i)
            if holder is None:
                return [i]
            if holder not in self.locked and (rest := self._path(s, holder, seen)) is not None:
                return [i, *rest]
        return None

    def _route(self, s: int, r: int) -> list[int] | None:
        """_path from the top, remembering failures (placing meetings never creates paths)."""
        if self.pb.eligible[r] in self.no_path[s]:
            return None
        path = self._path(s, r, set())
        if path is None:
            self.no_path[s].add(self.pb.eligible[r])
        return path

    def blocker(self, r: int, s: int) -> str | None:
        """What keeps r out of slot s now: "participant", "table", "interpreter" or None."""
        pb = self.pb
        if not self.sides_free(r, s) or s not in pb.free[pb.sup[r]] or s not in pb.free[
                pb.buy[r]]:
            return "participant"
        if not pb.booth[r] and self.tables_used[s] >= pb.n_tables:
            return "table"
        if pb.need[r] and self._route(s, r) is None:
            return "interpreter"
        return None

    # -- changes -------------------------------------------------------------------------
    def place(self, r: int, s: int) -> bool:
        """Schedule r in s if the rules allow, re-matching the slot's interpreters if needed."""
        pb = self.pb
        if not self.sides_free(r, s) or (not pb.booth[r] and self.tables_used[s] >= pb.n_tables):
            return False
        if pb.need[r]:
            path = self._route(s, r)
            if path is None:
                return False
            moving = r
            for i in path:
                previous = self.holder[s].get(i)
                self.holder[s][i] = moving
                self.interp_of[moving] = i
                if previous is None:
                    break
                moving = previous
        self.occupy(r, s)
        return True

    def occupy(self, r: int, s: int) -> None:
        """Book r into s (participants, table count); interpreters are the caller's."""
        pb = self.pb
        self.slot_of[r] = s
        if not pb.booth[r]:
            self.tables_used[s] += 1
        for p in (pb.sup[r], pb.buy[r]):
            self.busy[p][s] = r
            positions = self.days[p].setdefault(pb.day[s], [])
            positions.append(pb.pos[s])
            positions.sort()

    def remove(self, r: int) -> int:
        """Unschedule r; returns the slot it had."""
        pb = self.pb
        s = self.slot_of.pop(r)
        if not pb.booth[r]:
            self.tables_used[s] -= 1
        if r in self.interp_of:
            del self.holder[s][self.interp_of.pop(r)]
            self.no_path[s].clear()
        for p in (pb.sup[r], pb.buy[r]):
            del self.busy[p][s]
            positions = self.days[p][pb.day[s]]
            positions.remove(pb.pos[s])
            if not positions:
                del self.days[p][pb.day[s]]
        return s

    def place_pins(self) -> list[str]:
        """Put the fixed (and kept) meetings in place; the rules they break, if any."""
        pb, problems = self.pb, []
        order = sorted(pb.pins, key=lambda r: (pb.pins[r][2] == ANY, pb.pins[r][1] == ANY, r))
        for r in order:
            s, table, interp = pb.pins[r]
            broken = self._pin_problems(r, s, table, interp)
            problems += [f"{pb.req_ids[r]} in {pb.slot_ids[s]}: {b}" for b in broken]
            if broken:
                continue
            if table >= 0:
                self.table_pin[r] = table
            if interp >= 0:
                self.holder[s][interp] = r
                self.interp_of[r] = interp
                self.locked.add(r)
            if interp == ANY and pb.need[r]:
                self.place(r, s)
            else:
                self.occupy(r, s)
        return problems

    def _pin_problems(self, r: int, s: int, table: int, interp: int) -> list[str]:
        pb, broken = self.pb, []
        if s not in pb.free[pb.sup[r]] or s not in pb.free[pb.buy[r]]:
            broken.append("a participant is unavailable")
        if not self.sides_free(r, s):
            broken.append("a participant has another fixed meeting")
        if pb.booth[r] and table not in (ANY, NONE):
            broken.append("the supplier meets at its booth, not at a table")
        if not pb.booth[r] and table == NONE:
            broken.append("the meeting needs a table")
        if table >= 0 and any(self.table_pin.get(h) == table for h in self.busy_in(s)):
            broken.append(f"table {pb.table_ids[table]} is taken")
        if not pb.booth[r] and self.tables_used[s] >= pb.n_tables:
            broken.append("no table is left")
        if interp == ANY:
            if pb.need[r] and self._route(s, r) is None:
                broken.append("no interpreter is left")
        elif (interp >= 0) != pb.need[r]:
            broken.append("an interpreter is needed exactly when the sides share no language")
        elif interp >= 0 and (interp not in pb.eligible[r] or s not in pb.interp_free[interp]
                              or interp in self.holder[s]):
            broken.append(f"interpreter {pb.interp_ids[interp]} cannot take it")
        return broken

    def busy_in(self, s: int) -> list[int]:
        """The requests scheduled in slot s."""
        return [r for r, t in self.slot_of.items() if t == s]

    # -- heuristics ----------------------------------------------------------------------
    def gap_delta(self, p: int, add: int, drop: int | None = None) -> int:
        """Change in p's idle gaps if a meeting moves from slot `drop` (or nowhere) to `add`."""
        pb, days = self.pb, self.days[p]
        b, removal = pb.pos[add], 0
        if drop is not None:
            a, here = pb.pos[drop], days[pb.day[drop]]
            if len(here) > 1:
                lo = here[1] if here[0] == a else here[0]
                hi = here[-2] if here[-1] == a else here[-1]
                if pb.day[drop] == pb.day[add]:
                    return max(hi, b) - min(lo, b) - (here[-1] - here[0])
                removal = hi - lo - (here[-1] - here[0]) + 1
            elif pb.day[drop] == pb.day[add]:
                return 0
        there = days.get(pb.day[add])
        if not there:
            return removal
        return removal + max(there[-1], b) - min(there[0], b) - (there[-1] - there[0]) - 1

    def place_best(self, r: int) -> bool:
        """Place r where it adds the fewest gaps (earliest on ties); False if nowhere fits."""
        pb = self.pb
        options = sorted(
            (self.gap_delta(pb.sup[r], s) + self.gap_delta(pb.buy[r], s), s)
            for s in pb.candidates[r]
            if self.sides_free(r, s) and (pb.booth[r] or self.tables_used[s] < pb.n_tables))
        return any(self.place(r, s) for _delta, s in options)

    def greedy(self) -> None:
        """Cover participants with the fewest options first, then add by descending weight."""
        pb = self.pb
        open_requests = [r for r in range(len(pb.req_ids))
                         if r not in self.slot_of and r not in pb.pins and pb.candidates[r]]
        options = [0] * len(pb.part_ids)
        for r in open_requests:
            options[pb.sup[r]] += 1
            options[pb.buy[r]] += 1
        mine: list[list[int]] = [[] for _ in pb.part_ids]
        for r in open_requests:
            mine[pb.sup[r]].append(r)
            mine[pb.buy[r]].append(r)
        for p in sorted((p for p in pb.with_requests if options[p]), key=lambda p: (options[p], p)):
            if self.busy[p]:
                continue
            ranked = sorted(mine[p], key=lambda r: (
                bool(self.busy[pb.sup[r] if pb.buy[r] == p else pb.buy[r]]), -pb.weight[r], r))
            for r in ranked:
                if self.place_best(r):
                    break
        self.fill(open_requests)

    def fill(self, requests: Iterable[int]) -> None:
        """Add every request that still fits and helps: covers someone, or has a weight."""
        pb = self.pb
        for r in sorted(requests, key=lambda r: (-pb.weight[r], r)):
            if r in self.slot_of or r in pb.pins:
                continue
            if pb.weight[r] > 0 or not self.busy[pb.sup[r]] or not self.busy[pb.buy[r]]:
                self.place_best(r)

    # -- results ---------------------------------------------------------------------------
    def reason(self, r: int) -> str:
        """Why r is unscheduled, given what the schedule holds now."""
        pb = self.pb
        common = sorted(pb.free[pb.sup[r]] & pb.free[pb.buy[r]])
        if not common:
            return NO_COMMON_SLOT
        if pb.need[r] and not pb.candidates[r]:
            return NO_INTERPRETER
        if not pb.booth[r] and pb.n_tables == 0:
            return NO_TABLE
        blockers = {self.blocker(r, s) if s in pb.candidates[r] else "interpreter"
                    for s in common}
        return {frozenset({"participant"}): SLOTS_FULL, frozenset({"table"}): NO_TABLE,
                frozenset({"interpreter"}): NO_INTERPRETER}.get(frozenset(blockers),
                                                                LOWER_PRIORITY)

    def tables(self) -> dict[int, int | None]:
        """A concrete table for every non-booth meeting: pinned ones first, then the table the
        supplier had in its previous meeting, then a free one, the least pinned first."""
        pb = self.pb
        pinned = [0] * pb.n_tables
        for t in self.table_pin.values():
            pinned[t] += 1
        order = sorted(range(pb.n_tables), key=lambda t: (pinned[t], t))
        result: dict[int, int | None] = {r: None for r in self.slot_of if pb.booth[r]}
        last: dict[int, int] = {}
        by_slot: dict[int, list[int]] = {}
        for r, s in self.slot_of.items():
            if not pb.booth[r]:
                by_slot.setdefault(s, []).append(r)
        for s in sorted(by_slot):
            requests = sorted(by_slot[s])
            chosen = {r: self.table_pin[r] for r in requests if r in self.table_pin}
            for r in requests:
                if r not in chosen and last.get(pb.sup[r], -1) not in (-1, *chosen.values()):
                    chosen[r] = last[pb.sup[r]]
            spare = iter(t for t in order if t not in chosen.values())
            for r in requests:
                result[r] = chosen[r] if r in chosen else next(spare)
                last[pb.sup[r]] = result[r]
        return result
