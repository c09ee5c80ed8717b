"""Numbers are read one way in forms and imports: a point for decimals, commas only to group
thousands where that cannot be misread; "2,40", "1.234,56" and "1,200" are errors naming the
field or cell, never 240, 1.23 or 1200 stored silently."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.catalogue.models import Product
from app.catalogue.transfer import import_catalogue
from app.numbers import NumberError, parse_decimal
from app.spreadsheets.importing import ImportRejected
from tests.catalogue.test_import import row, table_of
from tests.test_authorisation import product_form

READ = {"2.40": Decimal("2.40"), "1234.56": Decimal("1234.56"), "1,234.56": Decimal("1234.56"),
        "1,250,000": Decimal("1250000"), "$ 3": Decimal("3"), ".5": Decimal("0.5"),
        "-1": Decimal("-1")}
REFUSED = ["2,40", "1.234,56", "1,200", "12,5", "1,2345.6", "abc", "1e5", "NaN", "Infinity",
           "1..2", "--1", "0x10", "١٢"]


@pytest.mark.parametrize(("raw", "value"), READ.items())
def test_what_is_read(raw, value):
    assert parse_decimal(raw) == value


@pytest.mark.parametrize("raw", REFUSED)
def test_what_is_refused(raw):
    with pytest.raises(NumberError):
        parse_decimal(raw)


@pytest.mark.parametrize("raw", ["2,40", "1.234,56", "1,200"])
def test_the_import_names_the_cell_of_an_ambiguous_price(db, raw):
    with pytest.raises(ImportRejected) as error:
        import_catalogue(table_of([row(), row(product_ref="P2", unit_price_usd=raw)]))
    problems = error.value.report.problems
    assert [(p.row, p.column) for p in problems] == [(3, "unit_price_usd")]
    assert raw in problems[0].message
    assert "1234.56" in problems[0].message


@pytest.mark.parametrize(("raw", "stored"), [("1,234.56", Decimal("1234.56")),
                                             ("2.40", Decimal("2.40"))])
def test_the_import_and_the_form_read_the_same(client, login, db, make_user, raw, stored):
    import_catalogue(table_of([row(unit_price_usd=raw)]))
    assert db.session.scalars(select(Product)).one().unit_price_usd == stored
    user = make_user(Role.SUPPLIER)
    login(user)
    response = client.post(f"/companies/{user.company_id}/products/new",
                           data={**product_form("FORM-1"), "unit_price_usd": raw})
    assert response.status_code == 302
    product = db.session.scalars(select(Product).filter_by(product_ref="FORM-1")).one()
    assert product.unit_price_usd == stored


@pytest.mark.parametrize("raw", ["2,40", "1,200"])
def test_the_form_refuses_what_the_import_refuses(client, login, db, make_user, raw):
    user = make_user(Role.SUPPLIER)
    login(user)
    response = client.post(f"/companies/{user.company_id}/products/new",
                           data={**product_form("FORM-2"), "unit_price_usd": raw},
                           headers={"Accept-Language": "ko"})
    assert response.status_code == 200
    assert "1234.56" in response.text
    assert db.session.scalars(select(Product).filter_by(product_ref="FORM-2")).all() == []
