"""The demo expo lies ahead of the day it is loaded, and loading it again changes nothing."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.demo.expo import demo_start, find_demo_event, load_demo_event
from app.expo.models import Event


@pytest.mark.parametrize("today", [date(2026, 11, 26), date(2026, 12, 8), date(2027, 2, 28),
                                   date(2028, 2, 1)])
def test_the_demo_starts_on_a_tuesday_four_to_five_weeks_ahead(today):
    first = demo_start(today)
    assert first.weekday() == 1  # Tuesday
    assert today + timedelta(weeks=4) <= first < today + timedelta(weeks=5)


def test_the_demo_event_is_loaded_once_whatever_the_day(db, make_user, make_company,
                                                        make_buyer):
    organiser = make_user(Role.ORGANISER)
    make_company()
    make_buyer()
    event = load_demo_event(organiser, today=date(2026, 11, 26))
    db.session.commit()
    assert (event.starts_on, event.ends_on) == (date(2026, 12, 29), date(2026, 12, 30))
    assert (event.name_en, event.name_ko) == ("Smart Biz Expo 2026", "스마트비즈엑스포 2026")
    assert {slot.starts_at.date() for slot in event.slots} <= {event.starts_on, event.ends_on}
    assert load_demo_event(organiser, today=date(2027, 3, 1)).id == event.id
    assert find_demo_event().id == event.id
    assert db.session.scalar(select(func.count(Event.id))) == 1
