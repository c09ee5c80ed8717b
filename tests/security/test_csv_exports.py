"""Every CSV export opens in Korean Excel as UTF-8 (a byte-order mark first) and says its
charset once; the XLSX twin is a workbook. Walked from the URL map: an export route added
later is checked too."""

import io

import pytest

from tests.conftest import PASSWORD
from tests.security.test_routes import url_for_world
from tests.test_authorisation import world  # noqa: F401  (the fixture)

BOM = b"\xef\xbb\xbf"


def export_endpoints(app) -> list[str]:
    return sorted({rule.endpoint for rule in app.url_map.iter_rules()
                   if "<any(csv, xlsx):file_format>" in rule.rule})


def test_every_csv_export_has_a_bom_and_one_charset(app, client, world):  # noqa: F811
    organiser = app.test_client()
    organiser.post("/login", data={"email": world["users"]["organiser"].email,
                                   "password": PASSWORD})
    checked = []
    for endpoint in export_endpoints(app):
        url = url_for_world(app, world, endpoint)
        if "999999" in url:  # no such record in the world (live sessions): see test_live_reports
            continue
        response = organiser.get(url.replace(".xlsx", ".csv"))
        assert response.status_code == 200, endpoint
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8", endpoint
        assert response.data.startswith(BOM), endpoint
        assert not response.data[3:].startswith(BOM)
        workbook = organiser.get(url.replace(".csv", ".xlsx"))
        assert workbook.headers["Content-Type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        assert workbook.data.startswith(b"PK")
        checked.append(endpoint)
    assert len(checked) >= 4, checked


@pytest.mark.parametrize("name", ["catalogue.csv"])
def test_an_exported_csv_imports_again_unchanged(client, login, db, make_user, make_company,
                                                  make_product, name):
    from app.auth.models import Role

    company = make_company(name_ko="강원쌀면(주)")
    make_product(company, name_ko="현미 쌀국수")
    user = make_user(Role.SUPPLIER, company=company)
    login(user)
    exported = client.get(f"/companies/{company.id}/export.csv").data
    assert exported.startswith(BOM)
    assert "강원쌀면(주)" in exported.decode("utf-8-sig")
    response = client.post(f"/companies/{company.id}/import",
                           data={"file": (io.BytesIO(exported), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.text[:500]
