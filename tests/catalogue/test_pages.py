"""Supplier dashboard, product editing and the public directory, through the web client."""

from decimal import Decimal

from sqlalchemy import select

from app.auth.models import Role
from app.catalogue.models import Company, Product
from app.catalogue.services import DirectoryFilters, company_search, product_search
from tests.conftest import csv_bytes


def test_supplier_adds_edits_and_deletes_a_product(client, db, login, make_user):
    user = make_user(Role.SUPPLIER)
    login(user)
    response = client.post(f"/companies/{user.company_id}/products/new", data={
        "product_ref": "RN-400", "name_ko": "현미 쌀국수 400g", "name_en": "Brown rice noodles",
        "description_ko": "현미로 만든 건면", "hs_code": "1902.19", "moq": "500 boxes",
        "unit_price_usd": "1.35", "certifications": "HACCP, Vegan"})
    assert response.status_code == 302
    product = db.session.scalar(select(Product).where(Product.product_ref == "RN-400"))
    assert product.hs_code == "190219"
    assert product.unit_price_usd == Decimal("1.35")
    assert [c.name for c in product.certifications] == ["HACCP", "Vegan"]

    duplicate = client.post(f"/companies/{user.company_id}/products/new", data={
        "product_ref": "RN-400", "name_ko": "다른 제품", "description_ko": "설명"},
        headers={"Referer": f"http://localhost/companies/{user.company_id}/products/new"},
        follow_redirects=True)
    assert "already uses this product reference" in duplicate.text

    bad = client.post(f"/products/{product.id}/edit", data={
        "product_ref": "RN-400", "name_ko": "현미 쌀국수", "description_ko": "설명",
        "hs_code": "123456", "unit_price_usd": "-1"})
    assert bad.status_code == 200
    assert "existing HS code" in bad.text
    assert "at least 0" in bad.text or "0" in bad.text

    client.post(f"/products/{product.id}/edit", data={
        "product_ref": "RN-400", "name_ko": "현미 쌀국수 (개선)", "description_ko": "새 설명",
        "hs_code": "", "certifications": ""})
    db.session.refresh(product)
    assert (product.name_ko, product.hs_code, product.certifications) == (
        "현미 쌀국수 (개선)", None, [])

    listing = client.get(f"/companies/{user.company_id}/products?q=개선")
    assert f'href="/products/{product.id}"' in listing.text
    assert "Brown rice noodles" in listing.text  # English UI: the English name first
    assert f"/products/{product.id}\"" not in client.get(
        f"/companies/{user.company_id}/products?q=없음").text
    product_id = product.id
    client.post(f"/products/{product_id}/delete")
    assert db.session.scalar(select(Product).where(Product.id == product_id)) is None


def test_supplier_uploads_own_catalogue_and_sees_report(client, db, login, make_user):
    user = make_user(Role.SUPPLIER)
    company = db.session.get(Company, user.company_id)
    login(user)
    header = ["supplier_ref", "company_name_ko", "product_ref", "product_name_ko",
              "description_ko", "hs_code"]
    good = csv_bytes(header, [[company.supplier_ref, "강원쌀면(주)", "A1", "메밀면", "100% 메밀",
                               "190219"]])
    response = client.post(f"/companies/{company.id}/import", data={"file": (good, "c.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "1 created, 0 updated, 0 unchanged" in response.text
    bad = csv_bytes(header, [[company.supplier_ref, "강원쌀면(주)", "A2", "", "설명", "1902"],
                             ["SOMEONE-ELSE", "남의회사", "A3", "이름", "설명", ""]])
    response = client.post(f"/companies/{company.id}/import", data={"file": (bad, "c.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "product_name_ko is required" in response.text
    assert "SOMEONE-ELSE" in response.text
    assert db.session.scalar(select(Product.product_ref).where(Product.product_ref == "A2")) \
        is None
    wrong_type = client.post(f"/companies/{company.id}/import",
                             data={"file": (csv_bytes(header, []), "c.pdf")},
                             content_type="multipart/form-data")
    assert wrong_type.status_code == 400
    assert "Upload a .csv or .xlsx file." in wrong_type.text


def test_oversized_upload_is_refused_with_a_message(app, client, db, login, make_user):
    user = make_user(Role.SUPPLIER)
    login(user)
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    try:
        response = client.post(f"/companies/{user.company_id}/import",
                               data={"file": (csv_bytes(["a"], [["x" * 20_000]]), "c.csv")},
                               content_type="multipart/form-data")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 5 * 1024 * 1024
    assert response.status_code == 413
    assert "larger than the limit" in response.text


def test_directory_search_finds_korean_inside_words(db, make_company, make_product):
    gangwon = make_company(name_ko="강원메밀(주)", region_ko="강원 평창군")
    busan = make_company(name_ko="부산어묵", region_ko="부산 사상구")
    make_product(gangwon, name_ko="메밀면을 위한 육수", hs_code="210410",
                 description_ko="메밀로 만든 면에 어울립니다")
    make_product(gangwon, name_ko="순메밀국수", name_en="Buckwheat soba", hs_code="190219")
    make_product(busan, name_ko="어묵탕", description_ko="부산식 어묵", hs_code="160420")

    def names(**filters):
        return [p.name_ko for p in db.session.scalars(product_search(DirectoryFilters(**filters)))]

    assert names(q="메밀") == ["메밀면을 위한 육수", "순메밀국수"]
    assert names(q="SOBA") == ["순메밀국수"]
    assert names(q="메밀 국수") == ["순메밀국수"]
    assert names(q="100%") == []
    assert names(chapter="19") == ["순메밀국수"]
    assert names(region="부산") == ["어묵탕"]
    companies = db.session.scalars(company_search(DirectoryFilters(q="어묵"))).all()
    assert [c.name_ko for c in companies] == ["부산어묵"]
    assert db.session.scalars(company_search(DirectoryFilters(chapter="16"))).all() == [busan]


def test_certification_filter_on_pages(client, db, make_company, make_product):
    from app.catalogue.certifications import CertificationRegistry

    company = make_company(name_ko="할랄소스")
    product = make_product(company, name_ko="할랄 고추장")
    product.certifications = CertificationRegistry().many(["Halal"])
    make_product(make_company(name_ko="일반소스"), name_ko="일반 고추장")
    db.session.commit()
    page = client.get("/products?certification=Halal")
    assert "할랄 고추장" in page.text
    assert "일반 고추장" not in page.text
    suppliers = client.get("/suppliers?certification=Halal")
    assert "할랄소스" in suppliers.text
    assert "일반소스" not in suppliers.text
