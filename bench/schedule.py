#!/usr/bin/env python3
"""Meeting scheduler quality and speed against a proven optimum, on seeded synthetic events.

    .venv/bin/python bench/schedule.py [--sizes small,medium,large] [--seed 7]
                                       [--time-limit 60] [--reference-limit 0] [--keep DIR]

For every size a FORMATS.md scheduling instance is generated deterministically (Zipf-like
supplier popularity, ~30% of suppliers with booths, Korean suppliers and foreign buyers,
interpreters with 2-3 languages and absences, participants with absences, a few fixed
requests), then:

1. the greedy pass alone (`greedy_schedule`);
2. the scheduler (`solve`, the default 60 s limit), as the organiser's pages run it;
3. the optimum of the first two objective levels, proven by a HiGHS MIP without a time limit
   on the full model, built here from the instance apart from the scheduler's code (see
   `optimum`): phase 1 maximises the participants with a meeting, phase 2 the total weight
   with that count kept;

and checks the targets: participants without a meeting <= optimum + 1% of all participants,
total weight >= 99% of the optimum's, scheduler time <= 60 s, and 0 broken rules (validate())
on every schedule printed.
"""

import argparse
import json
import math
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import highspy
import numpy as np
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.expo.scheduler.solver import (  # noqa: E402
    Instance,
    Schedule,
    greedy_schedule,
    load_instance,
    solve,
    validate,
)

SIZES = {  # suppliers, buyers, days, slots a day, tables, interpreters, requests, fixed
    "small": (60, 40, 1, 16, 10, 3, 600, 2),
    "medium": (200, 120, 2, 16, 25, 6, 2500, 4),
    "large": (500, 300, 4, 16, 50, 12, 6000, 8),
}
TIME_TARGET_S = 60.0
WITHOUT_SLACK = 0.01   # of all participants
WEIGHT_TARGET = 0.99   # of the optimum's total weight

SUPPLIER_LANGUAGES = ((["ko"], 60), (["ko", "en"], 35), (["ko", "zh"], 3), (["ko", "ja"], 2))
BUYER_LANGUAGES = ((["en"], 45), (["ja"], 12), (["zh"], 12), (["es"], 6), (["vi"], 5),
                   (["ko"], 5), (["en", "es"], 5), (["en", "ja"], 5), (["en", "zh"], 5))
FOREIGN = ("en", "ja", "zh", "es", "vi")
FOREIGN_DEMAND = (50, 15, 15, 10, 5)


def _pick(rng: random.Random, table: tuple) -> list[str]:
    return list(rng.choices([t[0] for t in table], weights=[t[1] for t in table])[0])


def _absence(rng: random.Random, days: int, per_day: int) -> list[int]:
    """Slot numbers someone is away: nothing, a block of 2-6 slots, or a whole day."""
    roll = rng.random()
    if roll < 0.65:
        return []
    day = rng.randrange(days)
    if roll < 0.8 and days > 1:
        return [day * per_day + k for k in range(per_day)]
    length = rng.randint(2, 6)
    first = rng.randrange(per_day - length + 1)
    return [day * per_day + first + k for k in range(length)]


def generate(size: str, seed: int = 7) -> dict:
    """A FORMATS.md instance for `size`; the same seed always gives the same JSON."""
    suppliers, buyers, days, per_day, tables, interpreters, requests, fixed = SIZES[size]
    rng = random.Random(f"{size}-{seed}")
    start = datetime(2025, 10, 21, 9, 0)
    slots = [{"id": f"d{d + 1}-{(start + timedelta(minutes=30 * k)):%H%M}",
              "start": (start + timedelta(days=d, minutes=30 * k)).isoformat(timespec="minutes"),
              "end": (start + timedelta(days=d, minutes=30 * k + 30)).isoformat(
                  timespec="minutes")}
             for d in range(days) for k in range(per_day)]
    ids = [s["id"] for s in slots]
    interps = []
    for k in range(interpreters):
        languages = ["ko"] if rng.random() < 0.85 else []
        while len(languages) < rng.choice((2, 2, 3)):
            extra = rng.choices(FOREIGN, weights=FOREIGN_DEMAND)[0]
            if extra not in languages:
                languages.append(extra)
        away = _absence(rng, days, per_day) if rng.random() < 0.6 else []
        interps.append({"id": f"I{k + 1:02d}", "languages": languages,
                        "unavailable": [ids[s] for s in away]})
    participants = []
    for k in range(suppliers):
        participants.append({"id": f"S{k + 1:03d}", "side": "supplier",
                             "languages": _pick(rng, SUPPLIER_LANGUAGES),
                             "unavailable": [ids[s] for s in _absence(rng, days, per_day)]})
        if rng.random() < 0.3:
            participants[-1]["booth"] = f"{'ABCDEFGH'[k % 8]}-{k // 8 + 1:02d}"
    for k in range(buyers):
        participants.append({"id": f"B{k + 1:03d}", "side": "buyer",
                             "languages": _pick(rng, BUYER_LANGUAGES),
                             "unavailable": [ids[s] for s in _absence(rng, days, per_day)]})
    popularity = [1.0 / (k + 1) ** 0.7 for k in range(suppliers)]  # Zipf-like demand
    order = list(range(suppliers))
    rng.shuffle(order)  # popularity is not tied to the id
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < requests:
        buyer = rng.randrange(buyers)
        pairs.add((order[rng.choices(range(suppliers), weights=popularity)[0]], buyer))
    reqs = [{"id": f"R{n + 1:05d}", "supplier": f"S{s + 1:03d}", "buyer": f"B{b + 1:03d}",
             "weight": round(rng.uniform(0.5, 5.0), 2)}
            for n, (s, b) in enumerate(sorted(pairs, key=lambda p: (p[1], p[0])))]
    rng.shuffle(reqs)
    _fix(rng, slots, interps, participants, reqs, fixed)
    return {"slots": slots, "tables": [{"id": f"T{k + 1:02d}"} for k in range(tables)],
            "interpreters": interps, "participants": participants,
            "requests": sorted(reqs, key=lambda r: r["id"])}


def _fix(rng: random.Random, slots: list, interps: list, participants: list, requests: list,
         count: int) -> None:
    """Fix `count` requests, as confirmed meetings, where they can really be (no double use)."""
    people = {p["id"]: p for p in participants}
    used: set[tuple[str, str]] = set()
    for req in requests:
        if count == 0:
            return
        sup, buy = people[req["supplier"]], people[req["buyer"]]
        shared = set(sup["languages"]) & set(buy["languages"])
        for slot in rng.sample([s["id"] for s in slots], len(slots)):
            if (slot in sup["unavailable"] or slot in buy["unavailable"]
                    or (sup["id"], slot) in used or (buy["id"], slot) in used):
                continue
            interp = None
            if not shared:
                interp = next((i["id"] for i in interps if slot not in i["unavailable"]
                               and (i["id"], slot) not in used
                               and set(i["languages"]) & set(sup["languages"])
                               and set(i["languages"]) & set(buy["languages"])), None)
                if interp is None:
                    continue
            table = None if sup.get("booth") else f"T{count:02d}"
            req["fixed"] = ({"slot": slot} if count % 2 else
                            {"slot": slot, "table": table, "interpreter": interp})
            used |= {(sup["id"], slot), (buy["id"], slot), (interp, slot)}
            count -= 1
            break


# ---------------------------------------------------------------------------------------------
# The reference: a MIP of the full model, built here from the instance, apart from the scheduler
# ---------------------------------------------------------------------------------------------


def optimum(instance: Instance, limit: float | None, start: Schedule) -> dict:
    """Participants without a meeting, then total weight, proven by a HiGHS MIP.

    x[r,s] for every slot both sides are free in (only the fixed slot for a fixed request);
    u[r] = sum of x[r,.]; per slot one meeting per participant, non-booth meetings <= tables,
    and interpreters as a flow: meetings grouped by the interpreters able to bridge them (the
    one fixed, for a fixed interpreter), f[g,i,s] >= 0 with sum over i = the group's meetings
    in s and sum over g <= 1. z[p] <= sum of p's u. Phase 1 maximises sum z; phase 2 keeps it
    and maximises the weight. Both start from the scheduler's schedule, which HiGHS checks
    against this model; the bounds that prove optimality are HiGHS's own.
    """
    begun = time.monotonic()
    people = {p.id: p for p in instance.participants}
    slot_ix = {s.id: k for k, s in enumerate(instance.slots)}
    interps = instance.interpreters
    cols: list[tuple[int, int]] = []       # x columns: (request, slot)
    group_of: dict[int, tuple[int, ...]] = {}
    for n, r in enumerate(instance.requests):
        sup, buy = people[r.supplier], people[r.buyer]
        slots = [slot_ix[r.fixed.slot]] if r.fixed else [
            k for k, s in enumerate(instance.slots)
            if s.id not in sup.unavailable and s.id not in buy.unavailable]
        if not sup.languages & buy.languages:
            able = tuple(k for k, i in enumerate(interps)
                         if i.languages & sup.languages and i.languages & buy.languages)
            if r.fixed and r.fixed.pins_interpreter and r.fixed.interpreter:
                able = (next(k for k, i in enumerate(interps) if i.id == r.fixed.interpreter),)
            slots = [k for k in slots if any(instance.slots[k].id not in interps[i].unavailable
                                             for i in able)]
            group_of[n] = able
        cols += [(n, k) for k in slots]
    n_x, n_req = len(cols), len(instance.requests)
    groups = sorted({(group_of[n], k) for n, k in cols if n in group_of})
    f_cols = [(g, i, k) for g, k in groups for i in g
              if instance.slots[k].id not in interps[i].unavailable]
    part_ix = {p.id: k for k, p in enumerate(instance.participants)}
    n_f, n_p = len(f_cols), len(part_ix)
    u0, f0, z0 = n_x, n_x + n_req, n_x + n_req + n_f
    n_cols = z0 + n_p
    rows, cols_, vals, lo, hi = [], [], [], [], []

    def row(entries: list[tuple[int, float]], low: float, high: float) -> None:
        for c, v in entries:
            rows.append(len(lo))
            cols_.append(c)
            vals.append(v)
        lo.append(low)
        hi.append(high)

    by_request: dict[int, list[int]] = {}
    by_person_slot: dict[tuple[str, int], list[int]] = {}
    tabled: dict[int, list[int]] = {}
    by_group: dict[tuple, list[tuple[int, float]]] = {}
    for c, (n, k) in enumerate(cols):
        r = instance.requests[n]
        by_request.setdefault(n, []).append(c)
        by_person_slot.setdefault((r.supplier, k), []).append(c)
        by_person_slot.setdefault((r.buyer, k), []).append(c)
        if not people[r.supplier].booth:
            tabled.setdefault(k, []).append(c)
        if n in group_of:
            by_group.setdefault((group_of[n], k), []).append((c, 1.0))
    for n in range(n_req):
        row([(c, 1.0) for c in by_request.get(n, [])] + [(u0 + n, -1.0)], 0.0, 0.0)
    for members in by_person_slot.values():
        row([(c, 1.0) for c in members], -np.inf, 1.0)
    for members in tabled.values():
        row([(c, 1.0) for c in members], -np.inf, len(instance.tables))
    by_interp: dict[tuple[int, int], list[tuple[int, float]]] = {}
    for c, (g, i, k) in enumerate(f_cols):
        by_group[g, k].append((f0 + c, -1.0))
        by_interp.setdefault((i, k), []).append((f0 + c, 1.0))
    for entries in by_group.values():
        row(entries, 0.0, 0.0)
    for entries in by_interp.values():
        row(entries, -np.inf, 1.0)
    mine: dict[int, list[int]] = {}
    for n, r in enumerate(instance.requests):
        mine.setdefault(part_ix[r.supplier], []).append(n)
        mine.setdefault(part_ix[r.buyer], []).append(n)
    for p, requests in mine.items():
        row([(z0 + p, 1.0)] + [(u0 + n, -1.0) for n in requests], -np.inf, 0.0)
    matrix = sparse.csc_matrix((vals, (rows, cols_)), shape=(len(lo), n_cols))
    lower = np.zeros(n_cols)
    lower[[u0 + n for n, r in enumerate(instance.requests) if r.fixed]] = 1.0
    upper = np.ones(n_cols)
    upper[z0 + np.array([p for p in range(n_p) if p not in mine], dtype=int)] = 0.0
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")  # faster on this model, measured
    h.setOptionValue("mip_rel_gap", 1e-6)
    if limit:
        h.setOptionValue("time_limit", limit)
    h.passModel(n_cols, len(lo), matrix.nnz, int(highspy.MatrixFormat.kColwise),
                int(highspy.ObjSense.kMinimize), 0.0, np.zeros(n_cols), lower, upper,
                np.array(lo, dtype=float), np.array(hi, dtype=float),
                matrix.indptr.astype(np.int32), matrix.indices.astype(np.int32),
                matrix.data.astype(float), (np.arange(n_cols) < n_x).astype(np.int32))
    # the start: the scheduler's schedule in this model's columns (HiGHS checks it)
    x_col = {pair: c for c, pair in enumerate(cols)}
    f_col = {key: f0 + c for c, key in enumerate(f_cols)}
    req_ix = {r.id: n for n, r in enumerate(instance.requests)}
    interp_ix = {i.id: k for k, i in enumerate(interps)}
    seed = np.zeros(n_cols)
    for m in start.meetings:
        n, k = req_ix[m.request], slot_ix[m.slot]
        seed[[x_col[n, k], u0 + n]] = 1.0
        if m.interpreter is not None:
            seed[f_col[group_of[n], interp_ix[m.interpreter], k]] += 1.0
        r = instance.requests[n]
        seed[[z0 + part_ix[r.supplier], z0 + part_ix[r.buyer]]] = 1.0
    everything = np.arange(n_cols, dtype=np.int32)

    def run(cost: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, float, float]:
        h.changeColsCost(n_cols, everything, cost)
        h.setSolution(n_cols, everything, values)
        h.run()
        info = h.getInfo()
        return np.array(h.getSolution().col_value), info.mip_gap, -info.mip_dual_bound

    cost = np.zeros(n_cols)
    cost[z0:] = -1.0                                     # phase 1: participants with a meeting
    first, gap1, bound1 = run(cost, seed)
    covered = int(round(first[z0:].sum()))
    status1 = h.modelStatusToString(h.getModelStatus())
    h.addRow(float(covered), np.inf, n_p, np.arange(z0, n_cols, dtype=np.int32), np.ones(n_p))
    cost = np.zeros(n_cols)
    cost[u0:u0 + n_req] = [-r.weight for r in instance.requests]
    second, gap2, _bound = run(cost, first)              # phase 2: that many, most weight
    return {"without": len(mine) - covered, "weight": float(-cost @ second),
            "cover_proven": math.floor(bound1 + 1e-6) <= covered, "gap1": gap1, "gap2": gap2,
            "status": f"{status1} / {h.modelStatusToString(h.getModelStatus())}",
            "seconds": time.monotonic() - begun}


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def _row(name: str, without: str, weight: str, gaps: str, seconds: str, broken: str,
         note: str = "") -> None:
    print(f"  {name:<20}{without:>16}{weight:>14}{gaps:>7}{seconds:>9}{broken:>8}  {note}")


def bench(size: str, seed: int, time_limit: float, reference_limit: float | None,
          keep: Path | None) -> bool:
    data = generate(size, seed)
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
        (keep / f"{size}.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    instance = load_instance(data)
    booths = sum(1 for p in instance.participants if p.booth)
    suppliers = sum(1 for p in instance.participants if p.side == "supplier")
    need = sum(1 for r in instance.requests if not instance.shares_language(r))
    print(f"\n== {size} (seed {seed}): {suppliers} suppliers ({booths / suppliers:.0%} with a "
          f"booth), {len(instance.participants) - suppliers} buyers, {len(instance.slots)} slots "
          f"(days: {len({s.day for s in instance.slots})}), {len(instance.tables)} tables, "
          f"{len(instance.interpreters)} interpreters, {len(instance.requests)} requests "
          f"({need / len(instance.requests):.0%} need an interpreter, "
          f"{sum(1 for r in instance.requests if r.fixed)} fixed)")
    _row("", "without meeting", "total weight", "gaps", "time s", "broken")
    greedy = greedy_schedule(instance)
    scheduled = solve(instance, time_limit=time_limit)
    broken = {name: validate(instance, s) for name, s in (("greedy", greedy),
                                                          ("scheduler", scheduled))}
    for name, s in (("greedy", greedy), ("scheduler", scheduled)):
        note = "" if name == "greedy" else (
            f"{s.method}; " + (f"weight {s.mip_gap:.4%} below the full LP bound" if s.mip_gap
                               is not None else "no full LP bound")
            + f"; {'proven optimal within 0.01%' if s.proven else 'not proven'}")
        _row(name, f"{s.participants_without_meeting} / {s.participants_with_requests}",
             f"{s.objective:.2f}", str(s.gaps), f"{s.seconds:.1f}", str(len(broken[name])), note)
    best = optimum(instance, reference_limit, scheduled)
    _row("optimum (HiGHS MIP)", f"{best['without']} / {scheduled.participants_with_requests}",
         f"{best['weight']:.2f}", "-", f"{best['seconds']:.1f}", "-",
         f"MIP gap phase 1 {best['gap1']:.4%} (count "
         f"{'proven' if best['cover_proven'] else 'NOT proven'}), phase 2 {best['gap2']:.4%}")
    return _checks(instance, greedy, scheduled, best, broken, time_limit)


def _checks(instance: Instance, greedy: Schedule, scheduled: Schedule, best: dict,
            broken: dict[str, list[str]], time_limit: float) -> bool:
    slack = WITHOUT_SLACK * len(instance.participants)
    ratio = scheduled.objective / best["weight"] if best["weight"] else 1.0
    greedy_ratio = greedy.objective / best["weight"] if best["weight"] else 1.0
    checks = [
        (f"without a meeting {scheduled.participants_without_meeting} <= optimum "
         f"{best['without']} + {slack:.1f} (1% of {len(instance.participants)})",
         scheduled.participants_without_meeting <= best["without"] + slack),
        (f"priority {ratio:.4f} of optimum >= {WEIGHT_TARGET} (greedy {greedy_ratio:.4f}, "
         f"{greedy.participants_without_meeting} without a meeting)",
         ratio >= WEIGHT_TARGET),
        (f"scheduler time {scheduled.seconds:.1f} s <= {TIME_TARGET_S:.0f} s "
         f"(limit given {time_limit:.0f} s)", scheduled.seconds <= TIME_TARGET_S),
        (f"broken rules: greedy {len(broken['greedy'])}, scheduler {len(broken['scheduler'])}",
         not broken["greedy"] and not broken["scheduler"]),
    ]
    for text, ok in checks:
        print(f"  [{'ok' if ok else 'MISSED'}] {text}")
    for name, problems in broken.items():
        for problem in problems[:10]:
            print(f"    {name}: {problem}")
    return all(ok for _text, ok in checks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="small,medium,large",
                        help="comma-separated subset of " + ",".join(SIZES))
    parser.add_argument("--time-limit", type=float, default=60.0,
                        help="the scheduler's time limit in seconds (default 60)")
    parser.add_argument("--reference-limit", type=float, default=0.0,
                        help="time limit per phase of the reference MIP; 0: none (default)")
    parser.add_argument("--seed", type=int, default=7, help="instance seed (default 7)")
    parser.add_argument("--keep", type=Path, help="also write the instances (JSON) here")
    args = parser.parse_args()
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s): {', '.join(unknown)}")
    print("Meeting scheduler: greedy, scheduler and proven optimum (participants without a "
          "meeting, then total weight; then idle gaps)")
    results = [bench(size, args.seed, args.time_limit, args.reference_limit or None, args.keep)
               for size in sizes]
    print(f"\n{sum(results)} of {len(results)} sizes met every target.")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
