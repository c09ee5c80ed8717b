"""A Korean supplier registers, imports a catalogue CSV and sees it, in Korean, in a browser."""

import csv
import re
from pathlib import Path

import pytest

from app.catalogue.transfer import COLUMNS

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
COMPANY = "강원쌀면(주)"
REF = "E2E-001"
PRODUCTS = [
    {"product_ref": "E2E-P1", "product_name_ko": "현미 쌀국수",
     "product_name_en": "Brown rice noodles", "description_ko": "강원도 현미로 만든 쌀국수입니다.",
     "description_en": "Rice noodles made from Gangwon brown rice.", "hs_code": "190219",
     "moq": "500 boxes", "unit_price_usd": "1.35", "certifications": "HACCP;Vegan"},
    {"product_ref": "E2E-P2", "product_name_ko": "들기름 막국수",
     "product_name_en": "Buckwheat noodles with perilla oil",
     "description_ko": "메밀과 들기름으로 만든 막국수입니다.",
     "description_en": "Buckwheat noodles with perilla oil.", "hs_code": "190230",
     "moq": "300 boxes", "unit_price_usd": "2.40", "certifications": "HACCP"},
    # Korean only: the English columns are left blank.
    {"product_ref": "E2E-P3", "product_name_ko": "감자 옹심이",
     "product_name_en": "", "description_ko": "강원도 감자로 빚은 옹심이입니다.",
     "description_en": "", "hs_code": "", "moq": "", "unit_price_usd": "", "certifications": ""},
]


def write_catalogue(path: Path) -> Path:
    company = {"supplier_ref": REF, "company_name_ko": COMPANY,
               "company_name_en": "Gangwon Rice Noodle Co.", "region_ko": "강원 횡성군",
               "export_countries": "JP;US"}
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        for product in PRODUCTS:
            writer.writerow({**company, **product})
    return path


@pytest.mark.e2e
def test_korean_supplier_registers_imports_and_sees_catalogue(live_server, browser, tmp_path):
    from playwright.sync_api import expect

    context = browser.new_context(locale="ko-KR", base_url=live_server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", "ko")
        page.locator('a[href="/register/supplier"]').first.click()
        expect(page).to_have_url(re.compile(r"/register/supplier$"))

        page.fill("#email", "e2e-supplier@example.com")
        page.fill("#password", "correct horse battery")
        page.fill("#confirm", "correct horse battery")
        page.fill("#company_name_ko", COMPANY)
        page.fill("#supplier_ref", REF)
        page.locator("main form #submit").click()

        # The dashboard redirects to the company's product list.
        expect(page).to_have_url(re.compile(r"/companies/\d+/products$"))
        expect(page.locator("h1")).to_have_text(COMPANY)
        expect(page.locator("nav a", has_text="내 카탈로그")).to_be_visible()

        upload = page.locator('form[enctype="multipart/form-data"]')
        upload.locator('input[type="file"]').set_input_files(write_catalogue(tmp_path / "c.csv"))
        upload.locator('[type="submit"]').click()

        expect(page).to_have_url(re.compile(r"/companies/\d+/import$"))
        report = page.locator("section.report")
        expect(report).to_contain_text("가져오기 완료")
        expect(report).to_contain_text("3건 생성, 0건 업데이트, 0건 변경 없음.")
        expect(page.locator("section.problems")).to_have_count(0)

        page.locator("nav a", has_text="내 카탈로그").click()
        expect(page).to_have_url(re.compile(r"/companies/\d+/products$"))
        expect(page.locator("html")).to_have_attribute("lang", "ko")
        expect(page.locator("nav a", has_text="내 카탈로그")).to_be_visible()
        table = page.locator("table")
        for product in PRODUCTS:
            expect(table.get_by_role("link", name=product["product_name_ko"], exact=True)
                   ).to_be_visible()
        expect(table).not_to_contain_text("Brown rice noodles")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "e2e-supplier-dashboard.png"), full_page=True)

        # A product with both names: Korean is the main heading, English beside it.
        table.get_by_role("link", name="현미 쌀국수", exact=True).click()
        expect(page).to_have_url(re.compile(r"/products/\d+$"))
        heading = page.locator("h1").first
        expect(heading).to_have_text("현미 쌀국수")
        expect(heading).to_have_attribute("lang", "ko")
        expect(page.locator("h1.other-lang")).to_have_text("Brown rice noodles")
    finally:
        context.close()
