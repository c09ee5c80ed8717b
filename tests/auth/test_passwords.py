"""Passwords people guess first are refused everywhere one is set: registration, a change on
the account page, the command line and the service itself; so is the account's own e-mail."""

import pytest
from sqlalchemy import select

from app.auth import services
from app.auth.models import Role, User
from app.auth.passwords import CommonPassword, PasswordIsEmail, check_password
from tests.conftest import PASSWORD

KO = {"Accept-Language": "ko"}


@pytest.mark.parametrize("password", ["password1", "Qwer1234", "1q2w3e4r", "iloveyou",
                                      "12345678", " 1q2w3e4r!", "expomatch"])
def test_common_passwords_are_refused(password):
    with pytest.raises(CommonPassword):
        check_password(password, "kim@example.com")


@pytest.mark.parametrize("password", ["kim@example.com", "KIM@example.com", "kimchi.lover"])
def test_the_email_is_refused(password):
    with pytest.raises(PasswordIsEmail):
        check_password(password, "kimchi.lover@example.com" if "lover" in password
                       else "kim@example.com")


def test_an_uncommon_password_passes():
    check_password(PASSWORD, "kim@example.com")
    check_password("강원도 메밀국수 2026", "kim@example.com")


def test_registration_refuses_a_common_password_in_the_users_language(client, db):
    response = client.post("/register/supplier", headers=KO, data={
        "email": "lee@example.com", "password": "password1", "confirm": "password1",
        "company_name_ko": "회사"})
    assert response.status_code == 200
    assert "가장 흔한 비밀번호" in response.text
    same = client.post("/register/buyer", headers=KO, data={
        "email": "lee.foods@example.com", "password": "lee.foods@example.com",
        "confirm": "lee.foods@example.com", "company_name": "Lee Foods", "country": "NZ",
        "language": "en", "interests": "Rice"})
    assert "이메일 주소" in same.text
    assert db.session.scalars(select(User)).all() == []


def test_a_password_change_and_a_reset_refuse_it_too(client, login, db, make_user, runner):
    user = make_user(Role.SUPPLIER)
    login(user)
    response = client.post("/account", data={
        "pw-current": PASSWORD, "pw-password": "qwertyuiop", "pw-confirm": "qwertyuiop",
        "pw-submit": "1"})
    assert response.status_code == 200
    assert "most common" in response.text
    email_name = user.email.split("@")[0]
    client.post("/account", data={"pw-current": PASSWORD, "pw-password": email_name,
                                  "pw-confirm": email_name, "pw-submit": "1"})
    db.session.refresh(user)
    assert user.check_password(PASSWORD)
    result = runner.invoke(args=["users", "set-password", user.email, "--password",
                                 "password123"])
    assert result.exit_code != 0
    assert "most common" in result.output
    with pytest.raises(CommonPassword):
        services.create_user("new@example.com", "sunshine1", Role.ORGANISER)
