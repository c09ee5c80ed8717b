"""Registering, logging in and out, changing passwords, creating organisers."""

from sqlalchemy import select

from app.auth.models import Role, User
from app.buyers.models import Buyer
from app.catalogue.models import Company
from tests.conftest import PASSWORD


def register_supplier(client, email="kim@gangwon-noodle.kr", **extra):
    data = {"email": email, "password": PASSWORD, "confirm": PASSWORD,
            "company_name_ko": "강원쌀면(주)", "company_name_en": "Gangwon Rice Noodle",
            **extra}
    return client.post("/register/supplier", data=data)


def test_supplier_registration_creates_company_and_logs_in(client, db):
    response = register_supplier(client, supplier_ref="GW-001")
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "kim@gangwon-noodle.kr"))
    assert user.role == Role.SUPPLIER
    assert user.password_hash != PASSWORD
    assert user.check_password(PASSWORD)
    company = db.session.get(Company, user.company_id)
    assert (company.supplier_ref, company.name_ko) == ("GW-001", "강원쌀면(주)")
    page = client.get("/dashboard", follow_redirects=True)
    assert "강원쌀면(주)" in page.text or "Gangwon Rice Noodle" in page.text
    assert "GW-001" in page.text


def test_registration_errors_are_shown_on_the_form(client, db):
    register_supplier(client)
    client.post("/logout")
    again = register_supplier(client, email="KIM@gangwon-noodle.kr")
    assert again.status_code == 200
    assert "already exists" in again.text
    mismatch = client.post("/register/supplier", data={
        "email": "lee@example.com", "password": PASSWORD, "confirm": "other password",
        "company_name_ko": "회사"})
    assert "do not match" in mismatch.text
    short = client.post("/register/supplier", data={
        "email": "lee@example.com", "password": "short", "confirm": "short",
        "company_name_ko": "회사"})
    assert "8 to 128 characters" in short.text
    assert db.session.scalar(select(User).where(User.email == "lee@example.com")) is None


def test_buyer_registration_creates_profile(client, db):
    response = client.post("/register/buyer", data={
        "email": "anna@kiwi-pantry.co.nz", "password": PASSWORD, "confirm": PASSWORD,
        "company_name": "Kiwi Pantry", "country": "NZ", "language": "en"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "anna@kiwi-pantry.co.nz"))
    buyer = db.session.get(Buyer, user.buyer_id)
    assert (buyer.company_name, buyer.country, buyer.language) == ("Kiwi Pantry", "NZ", "en")
    edit = client.post(f"/buyers/{buyer.id}/edit", data={
        "company_name": "Kiwi Pantry", "country": "NZ", "language": "en",
        "interests": "Gluten-free rice noodles", "required_certifications": "HACCP; Vegan",
        "hs_codes": "190219; 2103"})
    assert edit.status_code == 302
    db.session.refresh(buyer)
    assert buyer.hs_codes == ["190219", "2103"]
    assert [c.name for c in buyer.required_certifications] == ["HACCP", "Vegan"]
    bad = client.post(f"/buyers/{buyer.id}/edit", data={
        "company_name": "Kiwi Pantry", "country": "ZZ", "language": "en", "interests": "x",
        "hs_codes": "7777"})
    assert bad.status_code == 200
    assert "Not a valid choice" in bad.text
    assert "7777" in bad.text


def test_login_logout_and_wrong_password(client, db, make_user):
    user = make_user(Role.BUYER)
    wrong = client.post("/login", data={"email": user.email, "password": "nope nope"})
    assert "not correct" in wrong.text
    assert client.get("/account").status_code == 302
    ok = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert ok.status_code == 302
    assert client.get("/account").status_code == 200
    client.post("/logout")
    assert client.get("/account").status_code == 302


def test_login_ignores_external_next(client, db, make_user):
    user = make_user(Role.ORGANISER)
    response = client.post("/login?next=https://evil.example.com/",
                           data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_change_password(client, db, login, make_user):
    user = make_user(Role.SUPPLIER)
    login(user)
    wrong = client.post("/account", data={
        "pw-current": "not it", "pw-password": "new password 1", "pw-confirm": "new password 1",
        "pw-submit": "1"}, follow_redirects=True)
    assert "current password is not correct" in wrong.text
    client.post("/account", data={
        "pw-current": PASSWORD, "pw-password": "new password 1", "pw-confirm": "new password 1",
        "pw-submit": "1"})
    db.session.refresh(user)
    assert user.check_password("new password 1")


def test_cli_creates_organiser_and_linked_accounts(runner, db, make_company):
    result = runner.invoke(args=["users", "create", "--role", "organiser",
                                 "--password", PASSWORD, "ops@expo.example.com"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "ops@expo.example.com"))
    assert user.is_organiser
    assert user.check_password(PASSWORD)
    company = make_company(supplier_ref="SME042")
    result = runner.invoke(args=["users", "create", "--role", "supplier", "--ref", "SME042",
                                 "--password", PASSWORD, "sme@example.com"])
    assert result.exit_code == 0, result.output
    linked = db.session.scalar(select(User).where(User.email == "sme@example.com"))
    assert linked.company_id == company.id
    missing = runner.invoke(args=["users", "create", "--role", "buyer", "--ref", "NOPE",
                                  "--password", PASSWORD, "b@example.com"])
    assert missing.exit_code != 0
    assert "NOPE" in missing.output
    dup = runner.invoke(args=["users", "create", "--role", "organiser", "--password", PASSWORD,
                              "ops@expo.example.com"])
    assert dup.exit_code != 0
    assert "already exists" in dup.output
