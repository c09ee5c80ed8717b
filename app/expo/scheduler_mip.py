"""The HiGHS model: x[r,s] binaries, coverage first, then weight (two lexicographic phases).

Variables exist only where both sides are available and free of fixed meetings. Tables are
interchangeable, so a slot only caps its non-booth meetings. Interpreters are a flow per slot:
requests are grouped by the set of interpreters able to bridge them ("type"); f[t,i,s] is how
many type-t meetings interpreter i takes in slot s (continuous: with integral x the transport
problem has an integral solution, so the concrete assignment afterwards always succeeds).
"""

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

from app.expo.scheduler_search import State

COVER_GAP = 0.49  # phase 1 stops once the coverage count is proven (weights add at most 0.5)


@dataclass
class MipResult:
    slots: dict[int, int]          # request -> slot
    covered_proven: bool           # level 1 (participants without a meeting) proven optimal
    proven: bool                   # level 2 (total weight) proven within `mip_gap` too
    mip_gap: float | None
    status: str


@dataclass
class _Model:
    xr: np.ndarray
    xs: np.ndarray
    z_of: dict[int, int]
    f_key: dict[tuple[int, int, int], int]
    type_of: dict[int, int]
    n_cols: int
    matrix: sparse.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray


def _build(state: State) -> _Model:
    pb, n_slots = state.pb, state.pb.n_slots
    locked_in = [{i for i, h in state.holder[s].items() if h in state.locked}
                 for s in range(n_slots)]
    xr, xs = [], []
    for r, candidates in enumerate(pb.candidates):
        if r in pb.pins:
            continue
        for s in candidates:
            if (state.sides_free(r, s)
                    and (pb.booth[r] or state.tables_used[s] < pb.n_tables)
                    and (not pb.need[r] or any(s in pb.interp_free[i] and i not in locked_in[s]
                                               for i in pb.eligible[r]))):
                xr.append(r)
                xs.append(s)
    xr_a, xs_a = np.array(xr, dtype=np.int64), np.array(xs, dtype=np.int64)
    n_x = len(xr)
    types: dict[tuple[int, ...], int] = {}
    type_of = {r: types.setdefault(pb.eligible[r], len(types))
               for r in range(len(pb.req_ids)) if pb.need[r]}
    demand: dict[tuple[int, int], int] = {}  # (type, slot) -> meetings of fixed pins
    for s in range(n_slots):
        for r in state.holder[s].values():
            if r not in state.locked:
                demand[type_of[r], s] = demand.get((type_of[r], s), 0) + 1
    for r, s in zip(xr, xs, strict=True):
        if pb.need[r]:
            demand.setdefault((type_of[r], s), 0)
    members = {t: key for key, t in types.items()}
    f_key: dict[tuple[int, int, int], int] = {}
    for t, s in sorted(demand):
        for i in members[t]:
            if s in pb.interp_free[i] and i not in locked_in[s]:
                f_key[t, i, s] = n_x + len(f_key)
    z_parts = sorted({p for r in set(xr) for p in (pb.sup[r], pb.buy[r]) if not state.busy[p]})
    z_of = {p: n_x + len(f_key) + k for k, p in enumerate(z_parts)}
    n_cols = n_x + len(f_key) + len(z_of)

    rows, cols, vals, lower, upper = [], [], [], [], []

    def add(keys: np.ndarray, columns: np.ndarray, values: np.ndarray,
            lo: np.ndarray | float, hi: np.ndarray | float, min_count: int = 1) -> None:
        """Rows grouping `columns` by `keys`, kept only when a row has >= min_count entries."""
        unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        keep = counts >= min_count
        number = np.cumsum(keep) - 1 + len(lower)
        mask = keep[inverse]
        rows.append(number[inverse][mask])
        cols.append(columns[mask])
        vals.append(values[mask])
        n_new = int(keep.sum())
        lower.extend(np.broadcast_to(lo, unique.shape)[keep].tolist() if n_new else [])
        upper.extend(np.broadcast_to(hi, unique.shape)[keep].tolist() if n_new else [])

    x_cols, ones = np.arange(n_x), np.ones(n_x)
    sup = np.array(pb.sup)[xr_a] if n_x else xr_a
    buy = np.array(pb.buy)[xr_a] if n_x else xr_a
    add(xr_a, x_cols, ones, -np.inf, 1.0, 2)                       # each request at most once
    add(np.concatenate([sup * n_slots + xs_a, buy * n_slots + xs_a]),
        np.concatenate([x_cols, x_cols]), np.ones(2 * n_x), -np.inf, 1.0, 2)  # one per slot
    tabled = ~np.array(pb.booth, dtype=bool)[xr_a] if n_x else np.zeros(0, dtype=bool)
    spare = pb.n_tables - np.array(state.tables_used, dtype=float)
    keys = np.unique(xs_a[tabled])
    add(xs_a[tabled], x_cols[tabled], ones[tabled], -np.inf, spare[keys])  # tables per slot
    # interpreter flow: sum of x of a type in a slot (+ fixed ones) == sum of f
    flow_keys = sorted(demand)
    flow_ix = {k: n for n, k in enumerate(flow_keys)}
    needing = np.array([pb.need[r] for r in xr], dtype=bool)
    x_flow = np.array([flow_ix[type_of[r], s] for r, s in zip(xr, xs, strict=True)
                       if pb.need[r]], dtype=np.int64)
    f_items = list(f_key.items())
    f_flow = np.array([flow_ix[t, s] for (t, _i, s), _c in f_items], dtype=np.int64)
    f_cols = np.array([c for _k, c in f_items], dtype=np.int64)
    rhs = -np.array([demand[k] for k in flow_keys], dtype=float)
    add(np.concatenate([x_flow, f_flow]), np.concatenate([x_cols[needing], f_cols]),
        np.concatenate([np.ones(len(x_flow)), -np.ones(len(f_flow))]),
        rhs[np.unique(np.concatenate([x_flow, f_flow]))] if flow_keys else 0.0,
        rhs[np.unique(np.concatenate([x_flow, f_flow]))] if flow_keys else 0.0)
    f_slot_interp = np.array([i * n_slots + s for (_t, i, s), _c in f_items], dtype=np.int64)
    add(f_slot_interp, f_cols, np.ones(len(f_cols)), -np.inf, 1.0, 2)  # interpreter per slot
    # coverage: z[p] <= sum of p's x
    z_parts_a = np.array(z_parts, dtype=np.int64)
    z_cols = np.array([z_of[p] for p in z_parts], dtype=np.int64)
    mask_s, mask_b = np.isin(sup, z_parts_a), np.isin(buy, z_parts_a)
    add(np.concatenate([z_parts_a, sup[mask_s], buy[mask_b]]),
        np.concatenate([z_cols, x_cols[mask_s], x_cols[mask_b]]),
        np.concatenate([np.ones(len(z_cols)), -np.ones(int(mask_s.sum() + mask_b.sum()))]),
        -np.inf, 0.0)
    matrix = sparse.coo_matrix(
        (np.concatenate(vals) if vals else [], (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(lower), n_cols)).tocsc()
    return _Model(xr_a, xs_a, z_of, f_key, type_of, n_cols, matrix,
                  np.array(lower, dtype=float), np.array(upper, dtype=float))


def _start(model: _Model, state: State, start: State) -> np.ndarray:
    """Column values of a schedule built by the heuristics, as a MIP start."""
    pb = state.pb
    values = np.zeros(model.n_cols)
    placed = {(r, s) for r, s in start.slot_of.items() if r not in pb.pins}
    for col, (r, s) in enumerate(zip(model.xr.tolist(), model.xs.tolist(), strict=True)):
        if (r, s) in placed:
            values[col] = 1.0
    for s, holders in enumerate(start.holder):
        for i, r in holders.items():
            if r not in start.locked and (key := (model.type_of[r], i, s)) in model.f_key:
                values[model.f_key[key]] += 1.0
    for p, col in model.z_of.items():
        values[col] = 1.0 if start.busy[p] else 0.0
    return values


def solve_mip(state: State, *, time_limit: float | None, start: State | None = None,
              rel_gap: float = 1e-4, threads: int | None = None, log: bool = False
              ) -> MipResult | None:
    """Two HiGHS phases on top of the pinned `state`; None if no solution was found."""
    begun = time.monotonic()
    pb, model = state.pb, _build(state)
    n_x = len(model.xr)
    if n_x == 0:
        return MipResult({}, True, True, 0.0, "empty")
    weights = np.array(pb.weight)[model.xr]
    epsilon = 0.5 / (float(weights.sum()) + 1.0)
    cost = np.zeros(model.n_cols)
    cost[:n_x] = -epsilon * weights
    cost[list(model.z_of.values())] = -1.0
    lower, upper = np.zeros(model.n_cols), np.ones(model.n_cols)
    integrality = np.zeros(model.n_cols, dtype=np.int32)
    integrality[:n_x] = 1
    h = highspy.Highs()
    h.setOptionValue("output_flag", log)
    h.setOptionValue("random_seed", 0)
    if threads:
        h.setOptionValue("threads", threads)
    m = model.matrix
    h.passModel(model.n_cols, m.shape[0], m.nnz, int(highspy.MatrixFormat.kColwise),
                int(highspy.ObjSense.kMinimize), 0.0, cost, lower, upper, model.row_lower,
                model.row_upper, m.indptr.astype(np.int32), m.indices.astype(np.int32),
                m.data.astype(float), integrality)

    def run(limit: float | None, seed: np.ndarray | None) -> np.ndarray | None:
        h.setOptionValue("time_limit", max(limit, 0.1) if limit is not None else math.inf)
        if seed is not None:
            h.setSolution(model.n_cols, np.arange(model.n_cols, dtype=np.int32), seed)
        h.run()
        if h.getInfo().primal_solution_status != 2:  # 2: a feasible solution is known
            return None
        return np.array(h.getSolution().col_value)

    def remaining() -> float | None:
        return None if time_limit is None else time_limit - (time.monotonic() - begun)

    seed = _start(model, state, start) if start is not None else None
    h.setOptionValue("mip_abs_gap", COVER_GAP)
    h.setOptionValue("mip_rel_gap", 0.0)
    left = remaining()
    phase1 = run(None if left is None else 0.6 * left, seed)
    if phase1 is None:
        return None
    z_cols = np.array(list(model.z_of.values()), dtype=np.int64)
    covered = int(round(phase1[z_cols].sum()))
    bound = -h.getInfo().mip_dual_bound
    covered_proven = math.floor(bound + 1e-6) <= covered
    # phase 2: keep the coverage, maximise the weight
    h.addRow(float(covered), math.inf, len(z_cols), z_cols.astype(np.int32), np.ones(len(z_cols)))
    h.changeColsCost(model.n_cols, np.arange(model.n_cols, dtype=np.int32),
                     np.concatenate([-weights, np.zeros(model.n_cols - n_x)]))
    h.setOptionValue("mip_abs_gap", 1e-6)
    h.setOptionValue("mip_rel_gap", rel_gap)
    phase2 = run(remaining(), phase1)
    info, status = h.getInfo(), h.modelStatusToString(h.getModelStatus())
    best = phase1
    if phase2 is not None and weights @ phase2[:n_x] >= weights @ phase1[:n_x] - 1e-9:
        best = phase2
    chosen = best[:n_x] > 0.5
    slots = dict(zip(model.xr[chosen].tolist(), model.xs[chosen].tolist(), strict=True))
    proven = covered_proven and h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    gap = float(info.mip_gap) if phase2 is not None else None
    return MipResult(slots, covered_proven, proven, gap, status)
