"""The meeting scheduler on hand-made instances: rules, objective, reasons, formats, CLI."""

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

from app.expo.scheduler.solver import (
    InstanceError,
    Meeting,
    Schedule,
    Unscheduled,
    greedy_schedule,
    load_instance,
    schedule_from_dict,
    schedule_to_dict,
    solve,
    validate,
)
from app.expo.scheduler.types import (
    LOWER_PRIORITY,
    NO_COMMON_SLOT,
    NO_INTERPRETER,
    NO_TABLE,
    SLOTS_FULL,
)

LIMIT = 10.0  # generous: every instance here solves in well under a second


def make(slots: int = 4, tables: int = 2, interpreters: list[dict] | None = None,
         participants: list[dict] | None = None, requests: list[dict] | None = None,
         days: int = 1) -> dict:
    """A FORMATS.md instance: `slots` half-hour slots a day from 09:00, tables T1.., etc."""
    return {
        "slots": [{"id": f"d{d + 1}-{k}", "start": f"2025-10-{21 + d}T{9 + k // 2:02d}:"
                   f"{30 * (k % 2):02d}", "end": f"2025-10-{21 + d}T{9 + (k + 1) // 2:02d}:"
                   f"{30 * ((k + 1) % 2):02d}"} for d in range(days) for k in range(slots)],
        "tables": [{"id": f"T{k + 1}"} for k in range(tables)],
        "interpreters": interpreters or [],
        "participants": participants or [],
        "requests": requests or [],
    }


def sup(pid: str, languages: tuple[str, ...] = ("ko", "en"), booth: str | None = None,
        unavailable: tuple[str, ...] = ()) -> dict:
    data = {"id": pid, "side": "supplier", "languages": list(languages),
            "unavailable": list(unavailable)}
    return data | ({"booth": booth} if booth else {})


def buy(pid: str, languages: tuple[str, ...] = ("en",), unavailable: tuple[str, ...] = ()) -> dict:
    return {"id": pid, "side": "buyer", "languages": list(languages),
            "unavailable": list(unavailable)}


def req(rid: str, supplier: str, buyer: str, weight: float = 1.0, **extra) -> dict:
    return {"id": rid, "supplier": supplier, "buyer": buyer, "weight": weight, **extra}


def run(data: dict, **options) -> tuple:
    instance = load_instance(data)
    schedule = solve(instance, time_limit=LIMIT, **options)
    assert validate(instance, schedule) == []
    return instance, schedule, {m.request: m for m in schedule.meetings}, {
        u.request: u.reason for u in schedule.unscheduled}


def test_participant_is_never_double_booked():
    data = make(slots=1, participants=[sup("S1"), buy("B1"), buy("B2")],
                requests=[req("R1", "S1", "B1", 2), req("R2", "S1", "B2", 1)])
    _, schedule, met, why = run(data)
    assert set(met) == {"R1"}
    assert why == {"R2": SLOTS_FULL}
    assert schedule.participants_with_requests == 3
    assert schedule.participants_without_meeting == 1


def test_tables_are_never_double_booked_but_booths_need_none():
    people = [sup("S1"), sup("S2"), sup("S3", booth="A-1"), buy("B1"), buy("B2"), buy("B3")]
    data = make(slots=1, tables=1, participants=people,
                requests=[req("R1", "S1", "B1", 2), req("R2", "S2", "B2", 1),
                          req("R3", "S3", "B3", 1)])
    _, _, met, why = run(data)
    assert set(met) == {"R1", "R3"}
    assert met["R1"].table == "T1"
    assert met["R3"].table is None  # at the booth
    assert why == {"R2": NO_TABLE}


def test_interpreters_are_never_double_booked():
    people = [sup("S1", ("ko",)), sup("S2", ("ko",)), buy("B1"), buy("B2")]
    data = make(slots=1, interpreters=[{"id": "I1", "languages": ["ko", "en"]}],
                participants=people,
                requests=[req("R1", "S1", "B1", 2), req("R2", "S2", "B2", 1)])
    _, _, met, why = run(data)
    assert set(met) == {"R1"}
    assert met["R1"].interpreter == "I1"
    assert why == {"R2": NO_INTERPRETER}


def test_interpreter_exactly_when_no_shared_language_and_speaking_both():
    interpreters = [{"id": "I1", "languages": ["ko", "ja"]},
                    {"id": "I2", "languages": ["en", "ko"]},
                    {"id": "I3", "languages": ["en", "ja"]}]
    people = [sup("S1", ("ko",)), sup("S2", ("ko", "en")), buy("B1", ("en",))]
    data = make(slots=2, interpreters=interpreters, participants=people,
                requests=[req("R1", "S1", "B1"), req("R2", "S2", "B1")])
    _, _, met, _ = run(data)
    assert met["R1"].interpreter == "I2"  # the only one with ko and en
    assert met["R2"].interpreter is None  # they share English


def test_interpreters_are_matched_within_a_slot():
    """One slot, I1 speaks en+ja, I2 only en: the ja meeting must get I1, the en one I2."""
    interpreters = [{"id": "I1", "languages": ["ko", "en", "ja"]},
                    {"id": "I2", "languages": ["ko", "en"]}]
    people = [sup("S1", ("ko",)), sup("S2", ("ko",)), buy("B1", ("en",)), buy("B2", ("ja",))]
    data = make(slots=1, interpreters=interpreters, participants=people,
                requests=[req("R1", "S1", "B1", 5), req("R2", "S2", "B2", 1)])
    _, _, met, _ = run(data)
    assert (met["R1"].interpreter, met["R2"].interpreter) == ("I2", "I1")


def test_suppliers_keep_their_table():
    people = [sup("S1"), sup("S2"), buy("B1"), buy("B2"), buy("B3"), buy("B4")]
    data = make(slots=3, tables=3, participants=people, requests=[
        req("R1", "S1", "B1"), req("R2", "S1", "B2"), req("R3", "S1", "B3"),
        req("R4", "S2", "B4", fixed={"slot": "d1-1", "table": "T1", "interpreter": None})])
    _, _, met, _ = run(data)
    assert len({met[r].table for r in ("R1", "R2", "R3")}) == 1
    assert met["R4"].table == "T1"


def test_unavailable_slots_are_avoided():
    people = [sup("S1", unavailable=("d1-0", "d1-1")), buy("B1", unavailable=("d1-3",)),
              sup("S2", unavailable=("d1-0",)), buy("B2", unavailable=("d1-1", "d1-2", "d1-3"))]
    interpreters = [{"id": "I1", "languages": ["ko", "ja"], "unavailable": ["d1-0"]}]
    people += [sup("S3", ("ko",)), buy("B3", ("ja",))]
    data = make(slots=4, interpreters=interpreters, participants=people,
                requests=[req("R1", "S1", "B1"), req("R2", "S2", "B2"), req("R3", "S3", "B3")])
    _, _, met, why = run(data)
    assert met["R1"].slot == "d1-2"
    assert met["R3"].slot != "d1-0"
    assert why == {"R2": NO_COMMON_SLOT}


def test_fixed_placements_are_honoured():
    people = [sup("S1"), sup("S2"), sup("S3", ("ko",)), buy("B1"), buy("B2"), buy("B3")]
    interpreters = [{"id": "I1", "languages": ["ko", "en"]},
                    {"id": "I2", "languages": ["ko", "en"]}]
    data = make(slots=4, tables=3, interpreters=interpreters, participants=people, requests=[
        req("R1", "S1", "B1", 1, fixed={"slot": "d1-3", "table": "T3", "interpreter": None}),
        req("R2", "S2", "B2", 1, fixed={"slot": "d1-2"}),
        req("R3", "S3", "B3", 1, fixed={"slot": "d1-1", "table": "T2", "interpreter": "I2"}),
        req("R4", "S1", "B2", 9), req("R5", "S3", "B1", 9)])
    _, _, met, why = run(data)
    assert met["R1"] == Meeting("R1", "d1-3", "T3", None)
    assert met["R2"].slot == "d1-2"
    assert met["R2"].table is not None
    assert met["R3"] == Meeting("R3", "d1-1", "T2", "I2")
    assert set(met) == {"R1", "R2", "R3", "R4", "R5"}
    assert not why


def test_fixed_placements_that_break_a_rule_are_refused():
    people = [sup("S1"), buy("B1", unavailable=("d1-0",)), buy("B2")]
    data = make(slots=2, participants=people, requests=[
        req("R1", "S1", "B1", fixed={"slot": "d1-0", "table": "T1", "interpreter": None}),
        req("R2", "S1", "B2", fixed={"slot": "d1-1", "table": None, "interpreter": None})])
    with pytest.raises(InstanceError) as caught:
        solve(load_instance(data), time_limit=LIMIT)
    assert len(caught.value.problems) == 2
    assert "unavailable" in caught.value.problems[0]
    assert "needs a table" in caught.value.problems[1]


def test_coverage_comes_before_weight():
    """By weight alone R1 (10) goes first and leaves S2 and B2 without a meeting."""
    people = [sup("S1"), sup("S2"), buy("B1"), buy("B2")]
    data = make(slots=1, participants=people, requests=[
        req("R1", "S1", "B1", 10), req("R2", "S1", "B2", 1), req("R3", "S2", "B1", 1)])
    _, schedule, met, why = run(data)
    assert set(met) == {"R2", "R3"}
    assert schedule.participants_without_meeting == 0
    assert schedule.objective == 2
    assert why == {"R1": SLOTS_FULL}


def test_weight_decides_among_equal_coverage_and_solver_beats_greedy():
    """Greedy covers scarce participants first; the optimiser then still finds more weight."""
    people = [sup("S1"), sup("S2"), buy("B1"), buy("B2")]
    data = make(slots=2, tables=1, participants=people, requests=[
        req("R1", "S1", "B1", 1), req("R2", "S2", "B2", 1), req("R3", "S1", "B2", 5),
        req("R4", "S2", "B1", 5)])
    instance, schedule, met, why = run(data)
    assert set(met) == {"R3", "R4"}
    assert schedule.objective == 10
    assert set(why.values()) == {SLOTS_FULL}
    assert schedule.proven
    greedy = greedy_schedule(instance)
    assert validate(instance, greedy) == []
    assert greedy.objective <= schedule.objective


def test_idle_gaps_are_closed():
    people = [sup("S1"), buy("B1", unavailable=("d1-1", "d1-2", "d1-3")), buy("B2"), buy("B3")]
    data = make(slots=6, tables=3, participants=people, requests=[
        req("R1", "S1", "B1"), req("R2", "S1", "B2"), req("R3", "S1", "B3")])
    _, schedule, met, _ = run(data)
    assert met["R1"].slot == "d1-0"
    assert {met["R2"].slot, met["R3"].slot} == {"d1-1", "d1-2"}
    assert schedule.gaps == 0


def test_gaps_count_empty_slots_between_meetings_of_one_day():
    people = [sup("S1"), buy("B1"), buy("B2"), buy("B3")]
    data = make(slots=4, days=2, participants=people, requests=[
        req("R1", "S1", "B1"), req("R2", "S1", "B2"), req("R3", "S1", "B3")])
    instance = load_instance(data)

    def gaps(*slots: str) -> int:
        meetings = [{"request": f"R{k + 1}", "slot": slot, "table": "T1", "interpreter": None}
                    for k, slot in enumerate(slots)]
        return schedule_from_dict(instance, {"meetings": meetings, "unscheduled": [],
                                             "objective": len(slots)}).gaps

    assert gaps("d1-0", "d1-1", "d1-2") == 0
    assert gaps("d1-0", "d1-3") == 2          # S1 idle in d1-1 and d1-2
    assert gaps("d1-0", "d1-2", "d1-3") == 1
    assert gaps("d1-3", "d2-0") == 0          # another day: no gap overnight
    assert gaps("d1-0", "d2-3", "d1-1") == 0


def test_reasons_for_unscheduled_requests():
    interpreters = [{"id": "I1", "languages": ["ko", "zh"]}]
    people = [sup("S1", ("ko",)), buy("B1", ("es",)), sup("S2"), buy("B2", unavailable=("d1-0",)),
              sup("S3"), buy("B3"), buy("B4"), sup("S4"), buy("B5")]
    data = make(slots=1, tables=1, interpreters=interpreters, participants=people, requests=[
        req("R1", "S1", "B1"),            # nobody speaks Spanish and Korean
        req("R2", "S2", "B2"),            # B2 is away the only slot
        req("R3", "S3", "B3", 5),         # takes the only table
        req("R4", "S3", "B4", 1),         # S3 is busy in the only slot
        req("R5", "S4", "B5", 1)])        # the table is taken
    _, _, met, why = run(data)
    assert set(met) == {"R3"}
    assert why == {"R1": NO_INTERPRETER, "R2": NO_COMMON_SLOT, "R4": SLOTS_FULL,
                   "R5": NO_TABLE}


def test_mixed_blockers_read_lower_priority():
    """R3 could take d1-1 if R2 gave up the only table: the optimiser chose R2."""
    people = [sup("S1"), buy("B1"), sup("S2"), buy("B2"), sup("S4", booth="B-2",
                                                               unavailable=("d1-1",)), buy("B3")]
    data = make(slots=2, tables=1, participants=people, requests=[
        req("R1", "S1", "B1", 5, fixed={"slot": "d1-0", "table": "T1", "interpreter": None}),
        req("R2", "S2", "B2", 5), req("R3", "S1", "B3", 1), req("R4", "S4", "B3", 5)])
    _, _, met, why = run(data)
    assert set(met) == {"R1", "R2", "R4"}
    assert why == {"R3": LOWER_PRIORITY}


def test_incremental_rescheduling_keeps_confirmed_meetings():
    people = [sup(f"S{k}") for k in range(1, 4)] + [buy(f"B{k}") for k in range(1, 4)]
    requests = [req(f"R{s}{b}", f"S{s}", f"B{b}", float(s + b)) for s in range(1, 4)
                for b in range(1, 4)]
    data = make(slots=4, tables=2, participants=people, requests=requests)
    instance, first, _, _ = run(data)
    moved = Meeting("R11", "d1-3", "T2", None)  # organiser moved it: keep it there
    kept = [moved, *[m for m in first.meetings[:2] if m.request != "R11"
                     and m.slot != "d1-3"]]
    second = solve(instance, time_limit=LIMIT, keep=kept)
    assert validate(instance, second) == []
    met = {m.request: m for m in second.meetings}
    for meeting in kept:
        assert met[meeting.request] == meeting
    assert len(second.meetings) >= len(kept)


def test_keeping_a_meeting_that_breaks_a_rule_is_refused():
    people = [sup("S1"), buy("B1"), buy("B2")]
    data = make(slots=2, participants=people,
                requests=[req("R1", "S1", "B1"), req("R2", "S1", "B2")])
    with pytest.raises(InstanceError):
        solve(load_instance(data), time_limit=LIMIT,
              keep=[Meeting("R1", "d1-0", "T1"), Meeting("R2", "d1-0", "T2")])


def test_validate_catches_hand_broken_schedules():
    interpreters = [{"id": "I1", "languages": ["ko", "en"], "unavailable": ["d1-1"]},
                    {"id": "I2", "languages": ["ja", "zh"]}]
    people = [sup("S1", ("ko",)), sup("S2", ("ko", "en"), booth="A-1"), buy("B1"),
              buy("B2", unavailable=("d1-1",))]
    data = make(slots=2, tables=2, interpreters=interpreters, participants=people, requests=[
        req("R1", "S1", "B1", 2), req("R2", "S2", "B2", 1),
        req("R3", "S1", "B2", 1, fixed={"slot": "d1-0", "table": "T2", "interpreter": "I1"})])
    instance = load_instance(data)
    good = solve(instance, time_limit=LIMIT)
    assert validate(instance, good) == []

    def broken(*meetings: Meeting, objective: float | None = None) -> list[str]:
        weight = sum(instance.get("request", m.request).weight for m in meetings
                     if instance.get("request", m.request))
        listed = {m.request for m in meetings}
        return validate(instance, Schedule(
            meetings=list(meetings), objective=weight if objective is None else objective,
            unscheduled=[u for u in good.unscheduled if u.request not in listed]))

    fixed = Meeting("R3", "d1-0", "T2", "I1")
    cases = {
        "scheduled more than once": [fixed, Meeting("R1", "d1-1", "T1", "I1"),
                                     Meeting("R1", "d1-1", "T2", "I1")],
        "not where it is fixed": [Meeting("R3", "d1-1", "T2", "I1")],
        "participant S1 is double-booked": [fixed, Meeting("R1", "d1-0", "T1", "I2")],
        "table T2 is double-booked": [fixed, Meeting("R2", "d1-0", "T2", None)],
        "interpreter I1 is double-booked": [fixed, Meeting("R1", "d1-0", "T1", "I1")],
        "B2 is unavailable": [fixed, Meeting("R2", "d1-1", None, None)],
        "meets at booth": [fixed, Meeting("R2", "d1-1", "T1", None)],
        "has no table": [fixed, Meeting("R1", "d1-1", None, "I2")],
        "no interpreter although": [fixed, Meeting("R1", "d1-1", "T1", None)],
        "booked although the sides share": [fixed, Meeting("R2", "d1-0", None, "I2")],
        "does not speak a language": [fixed, Meeting("R1", "d1-1", "T1", "I2")],
        "interpreter I1 is unavailable": [fixed, Meeting("R1", "d1-1", "T1", "I1")],
        "unknown table T9": [fixed, Meeting("R1", "d1-1", "T9", "I1")],
        "unknown request R9": [fixed, Meeting("R9", "d1-1", "T1", None)],
        "fixed in d1-0 but not scheduled": [],
    }
    for expected, meetings in cases.items():
        problems = broken(*meetings)
        assert any(expected in p for p in problems), (expected, problems)
    assert any("is not the total weight" in p for p in broken(fixed, objective=99.0))
    assert [u.request for u in good.unscheduled] == ["R1", "R2"]  # I1 and B2 are taken
    assert validate(instance, replace(good, unscheduled=[])) == [
        "R1 is neither scheduled nor listed as unscheduled",
        "R2 is neither scheduled nor listed as unscheduled"]
    both = replace(good, unscheduled=[*good.unscheduled, Unscheduled("R3", SLOTS_FULL)])
    assert validate(instance, both) == ["R3 is both scheduled and listed as unscheduled"]
    odd = replace(good, unscheduled=[Unscheduled("R1", "bad luck"), good.unscheduled[1]])
    assert validate(instance, odd) == ["R1: unknown reason 'bad luck'"]


FORMATS_EXAMPLE = {
    "slots": [{"id": "d1-0900", "start": "2025-10-21T09:00", "end": "2025-10-21T09:30"},
              {"id": "d1-0930", "start": "2025-10-21T09:30", "end": "2025-10-21T10:00"}],
    "tables": [{"id": "T01"}, {"id": "T03"}],
    "interpreters": [{"id": "I01", "languages": ["ko", "en"], "unavailable": ["d1-0900"]}],
    "participants": [
        {"id": "S001", "side": "supplier", "languages": ["ko"], "unavailable": [],
         "booth": "A-12"},
        {"id": "S002", "side": "supplier", "languages": ["en"], "unavailable": []},
        {"id": "B001", "side": "buyer", "languages": ["en"], "unavailable": ["d1-0900"]}],
    "requests": [
        {"id": "R1", "supplier": "S001", "buyer": "B001", "weight": 3.5},
        {"id": "R2", "supplier": "S002", "buyer": "B001", "weight": 2.0,
         "fixed": {"slot": "d1-0930", "table": "T03", "interpreter": None}}],
}


def test_json_round_trip_matches_formats():
    instance = load_instance(json.loads(json.dumps(FORMATS_EXAMPLE)))
    schedule = solve(instance, time_limit=LIMIT)
    data = json.loads(json.dumps(schedule_to_dict(schedule)))
    assert data == {
        "meetings": [{"request": "R2", "slot": "d1-0930", "table": "T03", "interpreter": None}],
        "unscheduled": [{"request": "R1", "reason": SLOTS_FULL}],
        "objective": 2.0}
    again = schedule_from_dict(instance, data)
    assert again.meetings == schedule.meetings
    assert again.unscheduled == schedule.unscheduled
    assert validate(instance, again) == []


def test_malformed_instances_are_refused():
    bad = json.loads(json.dumps(FORMATS_EXAMPLE))
    bad["requests"].append({"id": "R3", "supplier": "B001", "buyer": "S404", "weight": 1})
    bad["participants"][2]["unavailable"] = ["d9-9999"]
    with pytest.raises(InstanceError) as caught:
        load_instance(bad)
    assert len(caught.value.problems) == 3


def test_without_greedy_seed_the_result_is_the_same():
    people = [sup("S1"), sup("S2"), buy("B1"), buy("B2")]
    data = make(slots=1, participants=people, requests=[
        req("R1", "S1", "B1", 10), req("R2", "S1", "B2", 1), req("R3", "S2", "B1", 1)])
    instance = load_instance(data)
    assert schedule_to_dict(solve(instance, time_limit=LIMIT, seed_greedy=False)) == \
        schedule_to_dict(solve(instance, time_limit=LIMIT))


def test_cli_solves_a_file(tmp_path):
    from app import create_app
    from app.config import TestConfig
    from app.expo.solve_cli import solve_command

    app = create_app(TestConfig)
    source, target = tmp_path / "instance.json", tmp_path / "schedule.json"
    source.write_text(json.dumps(FORMATS_EXAMPLE), encoding="utf-8")
    with app.app_context():
        result = CliRunner().invoke(solve_command, [str(source), "--output", str(target),
                                                    "--time-limit", "5"])
        assert result.exit_code == 0, result.output
        assert "1 meetings scheduled, 1 unscheduled, 1 of 3 participants" in result.output
        assert json.loads(target.read_text(encoding="utf-8"))["objective"] == 2.0

        broken = json.loads(json.dumps(FORMATS_EXAMPLE))
        broken["requests"][1]["fixed"]["slot"] = "d1-0900"  # B001 is away then
        source.write_text(json.dumps(broken), encoding="utf-8")
        result = CliRunner().invoke(solve_command, [str(source), "-o", str(tmp_path / "x.json")])
        assert result.exit_code == 1
        assert "unavailable" in result.output
        assert not (tmp_path / "x.json").exists()
