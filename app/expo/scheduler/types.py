"""The scheduling instance and its result, read from and written to the FORMATS.md JSON."""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

Side = Literal["supplier", "buyer"]

# Why a request stayed unscheduled; stable English strings, as in the JSON output.
NO_COMMON_SLOT = "no common free slot"
NO_INTERPRETER = "no interpreter available"
NO_TABLE = "no table available"
SLOTS_FULL = "participant's slots full"
LOWER_PRIORITY = "lower priority than scheduled meetings"
REASONS = (NO_COMMON_SLOT, NO_INTERPRETER, NO_TABLE, SLOTS_FULL, LOWER_PRIORITY)


class InstanceError(ValueError):
    """The instance is malformed or its fixed placements cannot all hold; `problems` says why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Slot:
    id: str
    start: datetime
    end: datetime

    @property
    def day(self) -> date:
        return self.start.date()


@dataclass(frozen=True)
class Table:
    id: str


@dataclass(frozen=True)
class Interpreter:
    id: str
    languages: frozenset[str]
    unavailable: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Participant:
    id: str
    side: Side
    languages: frozenset[str]
    unavailable: frozenset[str] = frozenset()
    booth: str | None = None


@dataclass(frozen=True)
class Placement:
    """A fixed request's place. A table or interpreter left out of the JSON is chosen by the
    solver (`pins_table`/`pins_interpreter` false); an explicit null means "none"."""

    slot: str
    table: str | None = None
    interpreter: str | None = None
    pins_table: bool = True
    pins_interpreter: bool = True


@dataclass(frozen=True)
class Request:
    id: str
    supplier: str
    buyer: str
    weight: float
    fixed: Placement | None = None


@dataclass
class Instance:
    slots: list[Slot]
    tables: list[Table]
    interpreters: list[Interpreter]
    participants: list[Participant]
    requests: list[Request]
    by_id: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems: list[str] = []
        self.by_id = {}
        for kind, items in (("slot", self.slots), ("table", self.tables),
                            ("interpreter", self.interpreters),
                            ("participant", self.participants), ("request", self.requests)):
            for item in items:
                if (kind, item.id) in self.by_id:
                    problems.append(f"duplicate {kind} id {item.id}")
                self.by_id[kind, item.id] = item
        problems += _reference_problems(self)
        if problems:
            raise InstanceError(problems)

    def get(self, kind: str, item_id: str | None) -> Any:
        """The slot/table/interpreter/participant/request with this id, or None."""
        return self.by_id.get((kind, item_id))

    def shares_language(self, request: Request) -> bool:
        supplier, buyer = self.get("participant", request.supplier), self.get(
            "participant", request.buyer)
        return bool(supplier.languages & buyer.languages)

    def can_bridge(self, interpreter: Interpreter, request: Request) -> bool:
        """The interpreter speaks a language of each side."""
        supplier, buyer = self.get("participant", request.supplier), self.get(
            "participant", request.buyer)
        return bool(interpreter.languages & supplier.languages
                    and interpreter.languages & buyer.languages)


@dataclass(frozen=True)
class Meeting:
    request: str
    slot: str
    table: str | None = None
    interpreter: str | None = None


@dataclass(frozen=True)
class Unscheduled:
    request: str
    reason: str


@dataclass
class Schedule:
    """The solver's answer; the counts and `gaps` follow from the meetings and the instance."""

    meetings: list[Meeting]
    unscheduled: list[Unscheduled]
    objective: float
    participants_with_requests: int = 0
    participants_without_meeting: int = 0
    gaps: int = 0
    method: str = ""               # "mip", "greedy", ...: what produced the meetings
    proven: bool = False           # the first two objective levels are proven optimal
    mip_gap: float | None = None   # relative gap of the weight level when the MIP stopped
    seconds: float = 0.0


def _reference_problems(instance: Instance) -> list[str]:
    problems = []
    slots = {("slot", s.id) for s in instance.slots}
    for who in (*instance.participants, *instance.interpreters):
        problems += [f"{who.id}: unknown unavailable slot {s}" for s in sorted(who.unavailable)
                     if ("slot", s) not in slots]
    for p in instance.participants:
        if p.booth and p.side != "supplier":
            problems.append(f"{p.id}: only suppliers have booths")
    for r in instance.requests:
        for side in ("supplier", "buyer"):
            who = instance.by_id.get(("participant", getattr(r, side)))
            if who is None or who.side != side:
                problems.append(f"{r.id}: {getattr(r, side)} is not a known {side}")
        if not math.isfinite(r.weight) or r.weight < 0:
            problems.append(f"{r.id}: weight must be a finite number >= 0")
        if r.fixed and ("slot", r.fixed.slot) not in slots:
            problems.append(f"{r.id}: fixed in unknown slot {r.fixed.slot}")
        if r.fixed and r.fixed.table and ("table", r.fixed.table) not in instance.by_id:
            problems.append(f"{r.id}: fixed at unknown table {r.fixed.table}")
        if (r.fixed and r.fixed.interpreter
                and ("interpreter", r.fixed.interpreter) not in instance.by_id):
            problems.append(f"{r.id}: fixed with unknown interpreter {r.fixed.interpreter}")
    return problems


def _strings(value: Iterable[Any] | None) -> frozenset[str]:
    return frozenset(str(v) for v in value or ())


def load_instance(data: Mapping[str, Any]) -> Instance:
    """The FORMATS.md instance JSON (already parsed) as an Instance; InstanceError if invalid."""
    try:
        requests = []
        for r in data.get("requests", []):
            fixed = r.get("fixed")
            placement = None if fixed is None else Placement(
                slot=str(fixed["slot"]), table=fixed.get("table"),
                interpreter=fixed.get("interpreter"), pins_table="table" in fixed,
                pins_interpreter="interpreter" in fixed)
            requests.append(Request(id=str(r["id"]), supplier=str(r["supplier"]),
                                    buyer=str(r["buyer"]), weight=float(r.get("weight", 1.0)),
                                    fixed=placement))
        return Instance(
            slots=[Slot(id=str(s["id"]), start=datetime.fromisoformat(s["start"]),
                        end=datetime.fromisoformat(s["end"])) for s in data.get("slots", [])],
            tables=[Table(id=str(t["id"])) for t in data.get("tables", [])],
            interpreters=[Interpreter(id=str(i["id"]), languages=_strings(i.get("languages")),
                                      unavailable=_strings(i.get("unavailable")))
                          for i in data.get("interpreters", [])],
            participants=[Participant(id=str(p["id"]), side=p["side"],
                                      languages=_strings(p.get("languages")),
                                      unavailable=_strings(p.get("unavailable")),
                                      booth=p.get("booth") or None)
                          for p in data.get("participants", [])],
            requests=requests)
    except InstanceError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InstanceError([f"malformed instance: {error!r}"]) from error


def schedule_to_dict(schedule: Schedule) -> dict[str, Any]:
    """The FORMATS.md output JSON: meetings, unscheduled (with reasons) and the objective."""
    return {
        "meetings": [{"request": m.request, "slot": m.slot, "table": m.table,
                      "interpreter": m.interpreter} for m in schedule.meetings],
        "unscheduled": [{"request": u.request, "reason": u.reason}
                        for u in schedule.unscheduled],
        "objective": schedule.objective,
    }


def total_weight(instance: Instance, meetings: Iterable[Meeting]) -> float:
    """Sum of the scheduled requests' weights, rounded so that equal sums print equal."""
    weights = [instance.get("request", m.request).weight for m in meetings
               if instance.get("request", m.request)]
    return round(math.fsum(weights), 9)


def day_positions(instance: Instance) -> dict[str, tuple[date, int]]:
    """Slot id -> (day, position within the day by start time)."""
    ordered = sorted(instance.slots, key=lambda s: (s.start, s.end, s.id))
    positions: dict[str, tuple[date, int]] = {}
    counters: dict[date, int] = {}
    for slot in ordered:
        positions[slot.id] = (slot.day, counters.get(slot.day, 0))
        counters[slot.day] = counters.get(slot.day, 0) + 1
    return positions


def summarize(instance: Instance, meetings: Iterable[Meeting]) -> tuple[int, int, int]:
    """(participants with requests, those without any meeting, idle gaps in their days)."""
    meetings = list(meetings)
    positions = day_positions(instance)
    with_requests = {p for r in instance.requests for p in (r.supplier, r.buyer)}
    days: dict[tuple[str, date], list[int]] = {}
    for m in meetings:
        request = instance.get("request", m.request)
        if request is None or m.slot not in positions:
            continue
        day, position = positions[m.slot]
        for who in (request.supplier, request.buyer):
            days.setdefault((who, day), []).append(position)
    met = {who for who, _day in days}
    gaps = sum(max(p) - min(p) + 1 - len(set(p)) for p in days.values())
    return len(with_requests), len(with_requests - met), gaps


def schedule_from_dict(instance: Instance, data: Mapping[str, Any]) -> Schedule:
    """A FORMATS.md output JSON read back, with the counts worked out from the instance."""
    meetings = [Meeting(request=str(m["request"]), slot=str(m["slot"]), table=m.get("table"),
                        interpreter=m.get("interpreter")) for m in data.get("meetings", [])]
    unscheduled = [Unscheduled(request=str(u["request"]), reason=str(u["reason"]))
                   for u in data.get("unscheduled", [])]
    with_requests, without, gaps = summarize(instance, meetings)
    return Schedule(meetings=meetings, unscheduled=unscheduled,
                    objective=float(data.get("objective", 0.0)),
                    participants_with_requests=with_requests,
                    participants_without_meeting=without, gaps=gaps, method="file")
