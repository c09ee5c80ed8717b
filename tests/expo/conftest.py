"""An event with sessions, tables, an interpreter and registered participants."""

from datetime import date, time

import pytest

from app.auth.models import Role
from app.expo import events as setup
from app.expo import participation


@pytest.fixture
def expo(db, make_user, make_company, make_buyer, make_product):
    organiser = make_user(Role.ORGANISER)
    event = setup.create_event(organiser, name_ko="테스트 엑스포", name_en="Test Expo",
                               starts_on=date(2025, 10, 21), ends_on=date(2025, 10, 21),
                               max_requests=3)
    setup.add_session(event, organiser, date(2025, 10, 21), time(10), time(12))
    setup.add_tables(event, organiser, 2)
    setup.add_interpreter(event, organiser, "김통역", ["ko", "en"])
    noodle = make_company(name_ko="횡성쌀면", supplier_ref="NOODLE")
    make_product(noodle, name_ko="현미 쌀국수")
    sauce = make_company(name_ko="순창장류", supplier_ref="SAUCE")
    make_product(sauce, name_ko="고추장")
    kiwi = make_buyer(company_name="Kiwi Pantry", buyer_ref="KIWI")
    hanoi = make_buyer(company_name="하노이식품", buyer_ref="HANOI", language="ko", country="VN")
    users = {
        "organiser": organiser,
        "noodle": make_user(Role.SUPPLIER, company=noodle),
        "sauce": make_user(Role.SUPPLIER, company=sauce),
        "kiwi": make_user(Role.BUYER, buyer=kiwi),
        "hanoi": make_user(Role.BUYER, buyer=hanoi),
    }
    for company in (noodle, sauce):
        participation.register(event, organiser, company=company)
    for buyer in (kiwi, hanoi):
        participation.register(event, organiser, buyer=buyer)
    db.session.commit()
    return {"event": event, "noodle": noodle, "sauce": sauce, "kiwi": kiwi, "hanoi": hanoi,
            "users": users, "slots": list(event.slots)}
