#!/usr/bin/env python3
"""Meeting scheduler quality and speed against a proven optimum, on seeded synthetic events.

    .venv/bin/python bench/schedule.py [--sizes small,medium,large] [--time-limit 60]
                                       [--reference-limit 0] [--keep DIR]

For every size a FORMATS.md scheduling instance is generated deterministically (Zipf-like
supplier popularity, ~30% of suppliers with booths, Korean suppliers and foreign buyers,
interpreters with 2-3 languages and absences, participants with absences, a few fixed
requests), then:

1. the greedy pass alone (`greedy_schedule`);
2. the scheduler (`solve`, the default 60 s limit), as the organiser's pages run it;
3. the optimum of the first two objective levels, proven by a HiGHS MIP without a time limit
   through scipy.optimize.milp: an independent model with one assignment variable per
   (request, slot, interpreter), phase 1 maximising the participants with a meeting, phase 2
   the total weight with that count fixed;

and checks the targets: participants without a meeting <= optimum + 1% of all participants,
total weight >= 99% of the optimum's, scheduler time <= 60 s, and 0 broken rules (validate())
on every schedule printed.
"""

import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


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
    _fix(rng, slots, interps, participants, reqs[:fixed])
    return {"slots": slots, "tables": [{"id": f"T{k + 1:02d}"} for k in range(tables)],
            "interpreters": interps, "participants": participants,
            "requests": sorted(reqs, key=lambda r: r["id"])}


def _fix(rng: random.Random, slots: list, interps: list, participants: list,
         chosen: list) -> None:
    """Fix some requests, as confirmed meetings, where they can really be (no double use)."""
    people = {p["id"]: p for p in participants}
    used: set[tuple[str, str]] = set()
    for n, req in enumerate(chosen):
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
            table = None if sup.get("booth") else f"T{n + 1:02d}"
            req["fixed"] = ({"slot": slot} if n % 2 else
                            {"slot": slot, "table": table, "interpreter": interp})
            used |= {(sup["id"], slot), (buy["id"], slot), (interp, slot)}
            break
