"""Fewer idle gaps for a set of meetings that stays the same: lay it out again, then local moves.

Interpreters are the scarce resource, so a new layout keeps, per slot, the number of meetings
of each interpreter kind (the set of interpreters able to bridge them) that a valid layout had:
any layout within those quotas can be given interpreters.
"""

import time
from collections.abc import Mapping

from app.expo.scheduler.search import State

Quota = dict[tuple[tuple[int, ...], int], int]   # (interpreter kind, slot) -> meetings left


class _Layout:
    """A state being filled within per-slot quotas of interpreter meetings."""

    def __init__(self, state: State, quota: Quota) -> None:
        self.state, self.quota = state, quota

    def put(self, r: int, s: int) -> bool:
        if not self.state.place(r, s):
            return False
        if self.state.pb.need[r]:
            self.quota[self.state.pb.eligible[r], s] -= 1
        return True

    def take(self, r: int) -> None:
        s = self.state.remove(r)
        if self.state.pb.need[r]:
            self.quota[self.state.pb.eligible[r], s] += 1

    def move(self, r: int, avoid: set[int], depth: int) -> bool:
        """Place the unplaced r outside `avoid`, fewest gaps first, within the quotas; with
        depth > 0 also where the meetings in its way can be moved on (depth - 1)."""
        st, pb = self.state, self.state.pb
        options = sorted((st.gap_delta(pb.sup[r], s) + st.gap_delta(pb.buy[r], s), s)
                         for s in pb.candidates[r] if s not in avoid)
        for _delta, s in options:
            if (st.sides_free(r, s) and (pb.booth[r] or st.tables_used[s] < pb.n_tables)
                    and (not pb.need[r] or self.quota.get((pb.eligible[r], s), 0) > 0)
                    and self.put(r, s)):
                return True
        for _delta, s in options if depth else ():
            for in_way in self.in_way(r, s):
                saved = self.state.copy(), dict(self.quota)
                for m in in_way:
                    self.take(m)
                if self.put(r, s) and all(self.move(m, avoid | {s}, depth - 1)
                                          for m in sorted(in_way)):
                    return True
                self.state, self.quota = saved
        return False

    def in_way(self, r: int, s: int, most: int = 4) -> list[set[int]]:
        """Sets of movable meetings whose leaving s would let r in: the sides' meetings, and
        one that holds the last table or the last quota of r's kind."""
        st, pb = self.state, self.state.pb
        sides = {st.busy[p][s] for p in (pb.sup[r], pb.buy[r]) if s in st.busy[p]}
        if sides & pb.pins.keys():
            return []
        need_table = (not pb.booth[r] and st.tables_used[s] >= pb.n_tables
                      and all(pb.booth[m] for m in sides))
        need_quota = (pb.need[r] and self.quota.get((pb.eligible[r], s), 0) <= 0
                      and all(pb.eligible[m] != pb.eligible[r] for m in sides))
        if not (need_table or need_quota):
            return [sides]
        extra = [m for m in st.busy_in(s) if m not in pb.pins and m not in sides
                 and (not need_table or not pb.booth[m])
                 and (not need_quota or pb.eligible[m] == pb.eligible[r])]
        return [sides | {m} for m in extra[:most]]


def reslot(base: State, reference: Mapping[int, int]) -> State | None:
    """`base` (the pins) plus the meetings of `reference` (request -> slot, a valid layout
    around the same pins) laid out again: most loaded participants first, each where it adds
    the fewest gaps. A meeting that finds no place makes room by moving the meetings in its
    way, two levels deep; None if even that fails."""
    pb = base.pb
    quota: Quota = {}
    count = [0] * len(pb.part_ids)
    for r, s in reference.items():
        count[pb.sup[r]] += 1
        count[pb.buy[r]] += 1
        if pb.need[r]:
            quota[pb.eligible[r], s] = quota.get((pb.eligible[r], s), 0) + 1
    load = [count[p] - len(pb.free[p]) for p in range(len(pb.part_ids))]
    order = sorted(reference, key=lambda r: (-max(load[pb.sup[r]], load[pb.buy[r]]),
                                             len(pb.candidates[r]), r))
    layout = _Layout(base.copy(), quota)
    failed = [r for r in order if not layout.move(r, set(), 0)]
    return layout.state if all(layout.move(r, set(), 2) for r in failed) else None


def _swap(st: State, r: int, m: int) -> None:
    """Exchange the slots (and interpreters) of two meetings of the same kind."""
    s, t = st.slot_of[r], st.slot_of[m]
    ir, im = st.interp_of.get(r), st.interp_of.get(m)
    st.remove(r)
    st.remove(m)
    st.occupy(r, t)
    st.occupy(m, s)
    if ir is not None and im is not None:
        st.holder[t][im], st.interp_of[r] = r, im
        st.holder[s][ir], st.interp_of[m] = m, ir


def _options(st: State, r: int) -> list[tuple[int, int, int]]:
    """(gap change, slot, meeting to swap with or -1) for r's gap-reducing moves. A swap is
    with the one meeting in r's way there, of the same kind (booth, interpreters able to
    bridge it): the two trade tables and interpreters, so the resources always suffice."""
    pb, s = st.pb, st.slot_of[r]
    options = []
    for t in pb.candidates[r]:
        if t == s:
            continue
        there = {st.busy[p][t] for p in (pb.sup[r], pb.buy[r]) if t in st.busy[p]}
        if not there:
            delta = st.gap_delta(pb.sup[r], t, s) + st.gap_delta(pb.buy[r], t, s)
            if delta < 0:
                options.append((delta, t, -1))
            continue
        m = there.pop()
        if (there or m in pb.pins or pb.booth[m] != pb.booth[r]
                or pb.eligible[m] != pb.eligible[r] or s not in pb.candidates[m]
                or any(st.busy[p].get(s, r) != r for p in (pb.sup[m], pb.buy[m]))):
            continue
        shared = {pb.sup[r], pb.buy[r]} & {pb.sup[m], pb.buy[m]}
        delta = (sum(st.gap_delta(p, t, s) for p in (pb.sup[r], pb.buy[r]) if p not in shared)
                 + sum(st.gap_delta(q, s, t) for q in (pb.sup[m], pb.buy[m]) if q not in shared))
        if delta < 0:
            options.append((delta, t, m))
    return sorted(options)


def close_gaps(st: State, deadline: float) -> None:
    """Move a meeting to another slot, or swap two of a kind, while that lowers idle gaps."""
    improved = True
    while improved and time.monotonic() < deadline:
        improved = False
        for r in sorted(st.slot_of):
            if r in st.pb.pins or r not in st.slot_of:
                continue
            s = st.slot_of[r]
            for _delta, t, m in _options(st, r):
                if m >= 0:
                    _swap(st, r, m)
                    improved = True
                    break
                st.remove(r)
                if st.place(r, t):
                    improved = True
                    break
                if not st.place(r, s):  # always fits: it was there a moment ago
                    raise AssertionError("could not put a meeting back")
            if time.monotonic() >= deadline:
                return
