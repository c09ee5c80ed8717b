"""`flask --app app expo solve` is attached to the app's CLI and writes FORMATS.md output."""

import json

from app.expo.scheduler import solver as scheduler


def test_expo_solve_through_the_flask_cli(runner, tmp_path):
    instance = {
        "slots": [{"id": "d1-0900", "start": "2025-10-21T09:00", "end": "2025-10-21T09:30"},
                  {"id": "d1-0930", "start": "2025-10-21T09:30", "end": "2025-10-21T10:00"}],
        "tables": [{"id": "T01"}],
        "interpreters": [{"id": "I01", "languages": ["ko", "en"], "unavailable": []}],
        "participants": [
            {"id": "S001", "side": "supplier", "languages": ["ko"], "unavailable": []},
            {"id": "B001", "side": "buyer", "languages": ["en"], "unavailable": ["d1-0900"]},
            {"id": "B002", "side": "buyer", "languages": ["ko"], "unavailable": []}],
        "requests": [{"id": "R1", "supplier": "S001", "buyer": "B001", "weight": 3.5},
                     {"id": "R2", "supplier": "S001", "buyer": "B002", "weight": 2.0}],
    }
    source, output = tmp_path / "instance.json", tmp_path / "schedule.json"
    source.write_text(json.dumps(instance))
    result = runner.invoke(args=["expo", "solve", str(source), "--output", str(output),
                                 "--time-limit", "10"])
    assert result.exit_code == 0, result.output
    schedule = json.loads(output.read_text())
    assert set(schedule) == {"meetings", "unscheduled", "objective"}
    placed = {m["request"]: m for m in schedule["meetings"]}
    assert placed["R1"]["slot"] == "d1-0930"
    assert placed["R1"]["interpreter"] == "I01"
    assert placed["R2"]["slot"] == "d1-0900"
    assert placed["R2"]["interpreter"] is None
    problem = scheduler.load_instance(instance)
    assert scheduler.validate(problem, scheduler.schedule_from_dict(problem, schedule)) == []
