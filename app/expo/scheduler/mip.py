"""HiGHS over x[r,s] binaries: column generation on the LP, then a MIP on the generated columns.

Model. x[r,s] = 1 when request r meets in slot s; candidates only where both sides are free
and available (and an interpreter could be). u[r] = sum of x[r,.] <= 1. Per slot: a participant
meets at most once; non-booth meetings <= free tables (tables are interchangeable; concrete
ones are handed out afterwards). Interpreters are a flow per slot: requests are grouped by the
set of interpreters able to bridge them ("type"); f[t,i,s] >= 0 is how many type-t meetings
interpreter i takes in s, sum over i = the type's meetings, sum over t <= 1. With integral x
this transport problem has an integral solution, so the concrete assignment (augmenting paths
in State) always succeeds. z[p] <= sum of p's u: p has a meeting.

Phases, lexicographic: (1) maximise sum z, (2) keep that count as a constraint and maximise
the total weight. Each phase prices all candidate columns against the LP duals until none
improves (so its LP bound holds for the full model), rounds the LP solution (greedy repair),
and runs the MIP on the columns generated, from the best solution known, unless that one
already meets the LP bound.
"""

import functools
import math
import os
import sys
import time
from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

from app.expo.scheduler.search import State

INITIAL_SLOTS = 6   # candidate slots per request in the first restricted LP
COVER_GAP = 0.99    # phase 1 stops once the coverage count is proven (it is an integer)
PRICE_TOL = 1e-7


@dataclass
class MipResult:
    slots: dict[int, int]          # request -> slot
    covered_proven: bool           # level 1 proven optimal for the full model
    proven: bool                   # level 2 proven within the relative gap `mip_gap` as well
    mip_gap: float | None          # (LP bound - weight) / LP bound of the full model
    status: str


@functools.cache
def _banner_muted() -> bool:
    """HiGHS prints a banner when the first solver of a process is made: make that one with
    stdout muted at the file-descriptor level, so the CLI and bench output stay clean."""
    try:
        sys.stdout.flush()
        saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return False
    try:
        os.dup2(null, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    return True


def _highs(threads: int | None, log: bool) -> highspy.Highs:
    _banner_muted()
    h = highspy.Highs()
    h.setOptionValue("output_flag", log)
    h.setOptionValue("random_seed", 0)
    if threads:
        h.setOptionValue("threads", threads)
    return h


class _Master:
    """The LP over a growing set of x columns; every other column and row is made up front."""

    def __init__(self, state: State, threads: int | None, log: bool) -> None:
        pb = self.pb = state.pb
        n_slots, n_requests = pb.n_slots, len(pb.req_ids)
        self.threads, self.log = threads, log
        locked_in = [{i for i, h in state.holder[s].items() if h in state.locked}
                     for s in range(n_slots)]
        pairs = [(r, s) for r, candidates in enumerate(pb.candidates) if r not in pb.pins
                 for s in candidates
                 if state.sides_free(r, s)
                 and (pb.booth[r] or state.tables_used[s] < pb.n_tables)
                 and (not pb.need[r] or any(s in pb.interp_free[i] and i not in locked_in[s]
                                            for i in pb.eligible[r]))]
        self.cr = np.array([r for r, _s in pairs], dtype=np.int64)
        self.cs = np.array([s for _r, s in pairs], dtype=np.int64)
        self.key = self.cr * n_slots + self.cs          # sorted: pairs come in (r, s) order
        types: dict[tuple[int, ...], int] = {}
        type_of = np.full(n_requests, -1, dtype=np.int64)
        for r in range(n_requests):
            if pb.need[r]:
                type_of[r] = types.setdefault(pb.eligible[r], len(types))
        self.type_of = type_of
        self.ct = type_of[self.cr]
        self.tabled = ~np.array(pb.booth, dtype=bool)[self.cr]
        self.psup = np.array(pb.sup, dtype=np.int64)[self.cr] * n_slots + self.cs
        self.pbuy = np.array(pb.buy, dtype=np.int64)[self.cr] * n_slots + self.cs
        self.col_of = np.full(len(pairs), -1, dtype=np.int64)

        # fixed columns: u per request, f per (type, interpreter, slot), z per participant
        requests = np.unique(self.cr)
        self.u_col = np.full(n_requests, -1, dtype=np.int64)
        self.u_col[requests] = np.arange(len(requests))
        demand: dict[int, int] = {}  # type * slots + slot -> fixed meetings needing one
        for s in range(n_slots):
            for r in state.holder[s].values():
                if r not in state.locked:
                    k = int(type_of[r]) * n_slots + s
                    demand[k] = demand.get(k, 0) + 1
        flow_keys = sorted(set(demand) | set((self.ct * n_slots + self.cs)[self.ct >= 0].tolist()))
        members = {t: key for key, t in types.items()}
        f_cols: list[tuple[int, int, int]] = []  # (flow row, interpreter*slots+slot, column)
        self.f_col: dict[tuple[int, int, int], int] = {}  # (type, interpreter, slot) -> column
        n_u = len(requests)
        for row, k in enumerate(flow_keys):
            t, s = divmod(k, n_slots)
            for i in members[t]:
                if s in pb.interp_free[i] and i not in locked_in[s]:
                    self.f_col[t, i, s] = n_u + len(f_cols)
                    f_cols.append((row, i * n_slots + s, n_u + len(f_cols)))
        z_parts = sorted({p for r in requests.tolist() for p in (pb.sup[r], pb.buy[r])
                          if not state.busy[p]})
        self.z_col = {p: n_u + len(f_cols) + k for k, p in enumerate(z_parts)}
        n_fixed = n_u + len(f_cols) + len(z_parts)

        # rows: link (u - sum x = 0), tables, flow, interpreters, coverage
        rows, cols, vals, lower, upper = [], [], [], [], []

        def row(entries: list[tuple[int, float]], lo: float, hi: float) -> int:
            for col, val in entries:
                rows.append(len(lower))
                cols.append(col)
                vals.append(val)
            lower.append(lo)
            upper.append(hi)
            return len(lower) - 1

        link = [row([(c, 1.0)], 0.0, 0.0) for c in range(n_u)]
        self.link_row = np.full(n_requests, -1, dtype=np.int64)
        self.link_row[requests] = link
        self.table_row = np.array([row([], -math.inf, pb.n_tables - state.tables_used[s])
                                   for s in range(n_slots)], dtype=np.int64)
        flow_row = [row([], -float(demand.get(k, 0)), -float(demand.get(k, 0)))
                    for k in flow_keys]
        self.flow_row = np.full(max(len(types), 1) * n_slots, -1, dtype=np.int64)
        self.flow_row[flow_keys] = flow_row
        per_interp: dict[int, list[tuple[int, float]]] = {}
        for flow, i_s, col in f_cols:
            rows.append(flow_row[flow])
            cols.append(col)
            vals.append(-1.0)
            per_interp.setdefault(i_s, []).append((col, 1.0))
        for entries in per_interp.values():
            row(entries, -math.inf, 1.0)
        for p, col in self.z_col.items():
            row([(col, 1.0)] + [(int(self.u_col[r]), -1.0) for r in pb.requests_of[p]
                                if self.u_col[r] >= 0], -math.inf, 0.0)
        self.ps_row = np.full(len(pb.part_ids) * n_slots, -1, dtype=np.int64)
        self.cover_row: int | None = None
        self.lp_values: np.ndarray | None = None
        matrix = sparse.coo_matrix((vals, (rows, cols)), shape=(len(lower), n_fixed)).tocsc()
        self.h = _highs(threads, log)
        self.h.passModel(n_fixed, len(lower), matrix.nnz, int(highspy.MatrixFormat.kColwise),
                         int(highspy.ObjSense.kMinimize), 0.0, np.zeros(n_fixed),
                         np.zeros(n_fixed), np.ones(n_fixed), np.array(lower), np.array(upper),
                         matrix.indptr.astype(np.int32), matrix.indices.astype(np.int32),
                         matrix.data.astype(float), np.zeros(n_fixed, dtype=np.int32))
        self.n_rows, self.n_cols = len(lower), n_fixed
        self.weights = np.array(pb.weight, dtype=float)[requests]
        self.u_cols = np.arange(n_u, dtype=np.int32)
        self.z_cols = np.array(list(self.z_col.values()), dtype=np.int32)

    # -- columns -----------------------------------------------------------------------------
    def index(self, pairs: dict[int, int]) -> np.ndarray:
        """Candidate indexes of (request, slot) pairs; non-candidates are left out."""
        keys = np.array([r * self.pb.n_slots + s for r, s in pairs.items()], dtype=np.int64)
        where = np.searchsorted(self.key, keys)
        where = where[where < len(self.key)]
        return where[np.isin(self.key[where], keys)]

    def initial(self) -> np.ndarray:
        """INITIAL_SLOTS candidates per request, spread over its candidate slots."""
        starts = np.searchsorted(self.cr, self.cr, side="left")
        counts = np.bincount(self.cr, minlength=len(self.pb.req_ids))[self.cr]
        rank = np.arange(len(self.cr)) - starts
        stride = np.maximum(counts // INITIAL_SLOTS, 1)
        return np.flatnonzero((rank + self.cr) % stride == 0)

    def add(self, idx: np.ndarray) -> None:
        idx = idx[self.col_of[idx] < 0]
        if len(idx) == 0:
            return
        keys = np.unique(np.concatenate([self.psup[idx], self.pbuy[idx]]))
        missing = keys[self.ps_row[keys] < 0]
        if len(missing):
            self.h.addRows(len(missing), np.full(len(missing), -math.inf),
                           np.ones(len(missing)), 0, np.zeros(0, dtype=np.int32),
                           np.zeros(0, dtype=np.int32), np.zeros(0))
            self.ps_row[missing] = self.n_rows + np.arange(len(missing))
            self.n_rows += len(missing)
        n = len(idx)
        flow = np.where(self.ct[idx] >= 0,
                        self.flow_row[np.maximum(self.ct[idx], 0) * self.pb.n_slots
                                      + self.cs[idx]], -1)
        table = np.where(self.tabled[idx], self.table_row[self.cs[idx]], -1)
        entries = np.stack([self.link_row[self.cr[idx]], self.ps_row[self.psup[idx]],
                            self.ps_row[self.pbuy[idx]], table, flow], axis=1)
        values = np.tile([-1.0, 1.0, 1.0, 1.0, 1.0], (n, 1))
        keep = entries >= 0
        starts = np.concatenate([[0], np.cumsum(keep.sum(axis=1))[:-1]]).astype(np.int32)
        self.h.addCols(n, np.zeros(n), np.zeros(n), np.ones(n), int(keep.sum()), starts,
                       entries[keep].astype(np.int32), values[keep])
        self.col_of[idx] = self.n_cols + np.arange(n)
        self.n_cols += n

    def price(self) -> np.ndarray:
        """Inactive candidates whose reduced cost improves the LP."""
        dual = np.append(np.array(self.h.getSolution().row_dual), 0.0)  # index -1: no row
        flow = np.where(self.ct >= 0, self.flow_row[np.maximum(self.ct, 0) * self.pb.n_slots
                                                    + self.cs], -1)
        reduced = (dual[self.link_row[self.cr]] - dual[self.ps_row[self.psup]]
                   - dual[self.ps_row[self.pbuy]]
                   - np.where(self.tabled, dual[self.table_row[self.cs]], 0.0) - dual[flow])
        return np.flatnonzero((self.col_of < 0) & (reduced < -PRICE_TOL))

    def generate(self, deadline: float) -> tuple[bool, float]:
        """Solve the LP, adding priced columns until none is left; (converged, LP objective).
        `lp_values` keeps the last optimal solution of the LP over the columns then known."""
        self.lp_values = None
        while True:
            # HiGHS compares time_limit with the run time summed over this object's runs
            self.h.setOptionValue("time_limit", self.h.getRunTime()
                                  + max(deadline - time.monotonic(), 0.1))
            self.h.run()
            if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return False, math.nan
            self.lp_values = np.array(self.h.getSolution().col_value)
            new = self.price()
            objective = -self.h.getInfo().objective_function_value
            if len(new) == 0:
                return True, objective
            if time.monotonic() >= deadline:
                return False, objective
            self.add(new)

    # -- objectives and MIP ------------------------------------------------------------------
    def cover_objective(self) -> None:
        self.h.changeColsCost(len(self.z_cols), self.z_cols, -np.ones(len(self.z_cols)))

    def weight_objective(self, covered: int) -> None:
        self.h.changeColsCost(len(self.u_cols), self.u_cols, -self.weights)
        self.h.changeColsCost(len(self.z_cols), self.z_cols, np.zeros(len(self.z_cols)))
        if self.cover_row is None:
            self.h.addRow(float(covered), math.inf, len(self.z_cols), self.z_cols,
                          np.ones(len(self.z_cols)))
            self.cover_row, self.n_rows = self.n_rows, self.n_rows + 1
        else:
            self.h.changeRowBounds(self.cover_row, float(covered), math.inf)

    def values(self, start: State) -> np.ndarray:
        """Column values of a schedule (whose columns are active), as a MIP start."""
        values = np.zeros(self.n_cols)
        placed = {r: s for r, s in start.slot_of.items() if r not in self.pb.pins}
        idx = self.index(placed)
        values[self.col_of[idx]] = 1.0
        values[self.u_col[self.cr[idx]]] = 1.0
        for s, holders in enumerate(start.holder):
            for i, r in holders.items():
                if r not in start.locked:
                    values[self.f_col[int(self.type_of[r]), i, s]] += 1.0
        for p, col in self.z_col.items():
            values[col] = 1.0 if start.busy[p] else 0.0
        return values

    def mip(self, start: np.ndarray | None, limit: float, abs_gap: float, rel_gap: float
            ) -> tuple[np.ndarray | None, str]:
        h = _highs(self.threads, self.log)
        h.passModel(self.h.getLp())
        active = self.col_of[self.col_of >= 0].astype(np.int32)
        h.changeColsIntegrality(len(active), active, np.ones(len(active), dtype=np.int32))
        h.setOptionValue("time_limit", max(limit, 0.1))
        h.setOptionValue("mip_abs_gap", abs_gap)
        h.setOptionValue("mip_rel_gap", rel_gap)
        if start is not None:
            padded = np.concatenate([start, np.zeros(self.n_cols - len(start))])
            h.setSolution(self.n_cols, np.arange(self.n_cols, dtype=np.int32), padded)
        h.run()
        status = h.modelStatusToString(h.getModelStatus())
        if h.getInfo().primal_solution_status != 2:  # 2: feasible
            return None, status
        return np.array(h.getSolution().col_value), status

    def rounded(self, base: State) -> np.ndarray | None:
        """The last LP solution rounded: its x near 1 placed (largest first) on `base`, then
        repaired and completed by the greedy; as column values."""
        if self.lp_values is None:
            return None
        values = np.concatenate([self.lp_values, np.zeros(self.n_cols - len(self.lp_values))])
        active = np.flatnonzero(self.col_of >= 0)
        order = active[np.argsort(-values[self.col_of[active]], kind="stable")]
        state = base.copy()
        for k in order[values[self.col_of[order]] > 0.5].tolist():
            state.place(int(self.cr[k]), int(self.cs[k]))
        state.greedy()
        self.add(self.index(state.slot_of))
        return self.values(state)

    def better(self, known: np.ndarray | None, status: str, found: np.ndarray | None,
               found_status: str) -> tuple[np.ndarray | None, str]:
        """The lexicographically better solution (covered, then weight), with its origin."""
        if found is None or (known is not None and (
                self.covered(found), self.weight(found) + 1e-9) < (
                self.covered(known), self.weight(known))):
            return known, status
        return found, found_status

    def covered(self, values: np.ndarray) -> int:
        return int(np.round(values[self.z_cols]).sum())

    def weight(self, values: np.ndarray) -> float:
        return float(self.weights @ values[self.u_cols])

    def slots(self, values: np.ndarray) -> dict[int, int]:
        values = np.concatenate([values, np.zeros(self.n_cols - len(values))])
        active = np.flatnonzero(self.col_of >= 0)
        chosen = active[values[self.col_of[active]] > 0.5]
        return dict(zip(self.cr[chosen].tolist(), self.cs[chosen].tolist(), strict=True))


def solve_mip(state: State, *, time_limit: float | None, start: State | None = None,
              rel_gap: float = 1e-4, threads: int | None = None, log: bool = False
              ) -> MipResult | None:
    """Both phases on top of the pinned `state`, from `start`; None if nothing was found."""
    begun = time.monotonic()
    end = math.inf if time_limit is None else begun + time_limit
    master = _Master(state, threads, log)
    if len(master.cr) == 0:
        return MipResult({}, True, True, 0.0, "empty")
    master.add(master.initial())
    if start is not None:
        master.add(master.index(start.slot_of))
    # phase 1: participants with a meeting
    master.cover_objective()
    converged, bound = master.generate(begun + 0.3 * (end - begun))
    known = master.values(start) if start is not None else None
    status = "start"
    known, status = master.better(known, status, master.rounded(state), "LP rounded")
    cover_bound = math.floor(bound + 1e-6) if converged else None
    if known is None or cover_bound is None or master.covered(known) < cover_bound:
        found, found_status = master.mip(known, 0.4 * (end - time.monotonic()), COVER_GAP, 0.0)
        known, status = master.better(known, status, found, found_status)
    if known is None:
        return None
    covered = master.covered(known)
    covered_proven = cover_bound is not None and covered >= cover_bound
    # phase 2: total weight, with that many participants covered
    master.weight_objective(covered)
    converged, bound = master.generate(time.monotonic() + 0.3 * (end - time.monotonic()))
    known, status = master.better(known, status, master.rounded(state), "LP rounded")
    if not converged or master.weight(known) < bound * (1 - rel_gap) - 1e-9:
        found, found_status = master.mip(known, end - time.monotonic(), 1e-6, rel_gap)
        known, status = master.better(known, status, found, found_status)
    weight = master.weight(known)
    gap = max(bound - weight, 0.0) / max(abs(bound), 1e-9) if converged else None
    proven = covered_proven and gap is not None and gap <= rel_gap + 1e-9
    return MipResult(master.slots(known), covered_proven, proven, gap, status)
