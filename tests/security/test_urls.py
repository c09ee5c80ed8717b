"""Web addresses are http(s) only, wherever one is taken, and pages link nothing else, also
when an older row holds one."""

import pytest

from app.auth.models import Role
from app.buyers.models import Buyer
from app.catalogue.models import Company
from app.urls import is_web_url
from tests.test_authorisation import buyer_form, company_form

HOSTILE = ["javascript:alert(document.domain)", "JavaScript:alert(1)", " javascript:alert(1)",
           "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
           "vbscript:msgbox(1)", "//evil.example/x", "http:///no-host", "https://[::1"]


@pytest.mark.parametrize("address", HOSTILE)
def test_only_absolute_web_addresses_pass(address):
    assert not is_web_url(address)


@pytest.mark.parametrize("address", ["https://example.com", "http://예시.한국/path?q=1",
                                     "HTTPS://EXAMPLE.COM"])
def test_web_addresses_pass(address):
    assert is_web_url(address)


@pytest.mark.parametrize("address", HOSTILE[:4])
def test_company_and_buyer_forms_refuse_other_schemes(client, login, db, make_user, address):
    supplier, buyer = make_user(Role.SUPPLIER), make_user(Role.BUYER)
    login(supplier)
    response = client.post(f"/companies/{supplier.company_id}/edit",
                           data={**company_form(), "website": address},
                           headers={"Accept-Language": "ko"})
    assert response.status_code == 200  # the form again, with the error
    assert "http:// 또는 https://" in response.text
    assert db.session.get(Company, supplier.company_id).website is None
    client.post("/logout")
    login(buyer)
    client.post(f"/buyers/{buyer.buyer_id}/edit", data={**buyer_form(), "website": address})
    assert db.session.get(Buyer, buyer.buyer_id).website is None
    # A real address is kept.
    client.post(f"/buyers/{buyer.buyer_id}/edit",
                data={**buyer_form(), "website": " https://kiwi.example "})
    assert db.session.get(Buyer, buyer.buyer_id).website == "https://kiwi.example"


def test_pages_never_link_a_stored_hostile_address(client, login, db, make_company, make_user):
    company = make_company(website="javascript:alert(document.domain)")
    organiser = make_user(Role.ORGANISER)
    buyer_user = make_user(Role.BUYER)
    db.session.get(Buyer, buyer_user.buyer_id).website = "javascript:alert(1)"
    db.session.commit()
    page = client.get(f"/suppliers/{company.id}")
    assert page.status_code == 200
    assert "javascript:alert(document.domain)" in page.text  # shown as text
    assert 'href="javascript:' not in page.text
    login(organiser)
    detail = client.get(f"/buyers/{buyer_user.buyer_id}")
    assert detail.status_code == 200
    assert 'href="javascript:' not in detail.text
