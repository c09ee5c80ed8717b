"""Both languages everywhere: catalogs complete, pages in ko and en, locale precedence."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.auth.models import Role

ROOT = Path(__file__).resolve().parent.parent
KO_PO = ROOT / "translations" / "ko" / "LC_MESSAGES" / "messages.po"


def source_messages(tmp_path) -> set[tuple[str | None, str]]:
    """(context, message) of every translatable string in the code and templates."""
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext", "-k", "_lp:1c,2",
                    "-k", "lazy_pgettext:1c,2", "-o", str(pot), "--no-location", "."],
                   check=True, capture_output=True, cwd=ROOT)
    with pot.open("rb") as f:
        return {(m.context, m.id if isinstance(m.id, str) else m.id[0])
                for m in read_po(f) if m.id}


def test_every_message_is_translated_into_korean(tmp_path):
    """Fails when a string in the code or templates has no Korean translation."""
    with KO_PO.open("rb") as f:
        catalog = read_po(f)
    translated = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings):
            translated[message.context, key] = strings
    missing = sorted(source_messages(tmp_path) - set(translated))
    assert not missing, f"untranslated (run `make update-messages`, translate, compile): {missing}"


def test_placeholders_survive_translation():
    with KO_PO.open("rb") as f:
        for message in read_po(f):
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            wanted = set(re.findall(r"%\(\w+\)[sd]", ids[0]))
            for text in strings:
                assert set(re.findall(r"%\(\w+\)[sd]", text)) == wanted, message.id


@pytest.fixture
def pages(db, make_company, make_product, make_buyer, make_user):
    company = make_company(name_ko="강원쌀면(주)", name_en="Gangwon Rice Noodle",
                           region_ko="강원 횡성군")
    product = make_product(company, name_ko="현미 쌀국수", name_en="Brown rice noodles",
                           description_ko="현미로 만든 건면", description_en="Dried noodles",
                           hs_code="190219")
    buyer = make_buyer(country="NZ")
    return {
        "company": company, "product": product, "buyer": buyer,
        "supplier": make_user(Role.SUPPLIER, company=company),
        "buyer_user": make_user(Role.BUYER, buyer=buyer),
        "organiser": make_user(Role.ORGANISER),
    }


PUBLIC = ["/", "/suppliers", "/products", "/suppliers/{company}", "/products/{product}",
          "/login", "/register/supplier", "/register/buyer", "/nowhere"]
PRIVATE = {
    "supplier": ["/companies/{company}/products", "/companies/{company}/edit",
                 "/companies/{company}/products/new", "/products/{product}/edit",
                 "/companies/{company}/import", "/account"],
    "buyer_user": ["/buyers/{buyer}", "/buyers/{buyer}/edit", "/account"],
    "organiser": ["/buyers", "/buyers/import", "/catalogue/import", "/account"],
}


def _sentences(side: str) -> list[str]:
    """msgids (side="id") or Korean msgstrs ("string") of 3+ words without placeholders."""
    with KO_PO.open("rb") as f:
        texts = [getattr(m, side) for m in read_po(f) if isinstance(m.id, str) and m.id]
    return [t for t in texts if t.count(" ") >= 2 and "%(" not in t]


def leftovers(html: str, side: str) -> list[str]:
    """UI sentences of the other language that appear in a page."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return [sentence for sentence in _sentences(side) if sentence in text]


def urls(pages, templates):
    ids = {"company": pages["company"].id, "product": pages["product"].id,
           "buyer": pages["buyer"].id}
    return [t.format(**ids) for t in templates]


@pytest.mark.parametrize("role", [None, "supplier", "buyer_user", "organiser"])
def test_pages_in_korean_and_english(client, login, pages, role):
    if role:
        login(pages[role])
    for url in urls(pages, PRIVATE.get(role, PUBLIC)):
        korean = client.get(url, headers={"Accept-Language": "ko-KR,ko;q=0.9"})
        assert korean.status_code in (200, 404), url
        assert '<html lang="ko">' in korean.text, url
        assert leftovers(korean.text, "id") == [], url
        english = client.get(url, headers={"Accept-Language": "en-US"})
        assert '<html lang="en">' in english.text, url
        assert leftovers(english.text, "string") == [], url


def test_product_page_shows_viewer_language_first(client, pages):
    product_url = f"/products/{pages['product'].id}"
    korean = client.get(product_url, headers={"Accept-Language": "ko"}).text
    english = client.get(product_url, headers={"Accept-Language": "en"}).text
    assert korean.index("현미 쌀국수") < korean.index("Brown rice noodles")
    assert english.index("Brown rice noodles") < english.index("현미 쌀국수")
    assert 'lang="en" class="other-lang"' in korean.replace("\n", "")
    assert "US$1.20" in korean
    assert "$1.20" in english


def test_country_names_and_dates_are_localized(client, login, pages):
    login(pages["organiser"])
    buyer_url = f"/buyers/{pages['buyer'].id}"
    assert "뉴질랜드" in client.get(buyer_url, headers={"Accept-Language": "ko"}).text
    assert "New Zealand" in client.get(buyer_url, headers={"Accept-Language": "en"}).text


def test_locale_precedence(client, login, pages, db):
    """The user's setting, else the language switch (cookie), else Accept-Language."""
    assert '<html lang="ko">' in client.get("/", headers={"Accept-Language": "ko"}).text
    client.post("/language/en")
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "ko"}).text
    user = pages["supplier"]
    user.locale = "ko"
    db.session.commit()
    login(user)
    assert '<html lang="ko">' in client.get("/", headers={"Accept-Language": "en"}).text


def test_korean_only_company_is_shown_in_korean_to_english_viewers(client, db, make_company):
    company = make_company(name_ko="메밀방앗간")
    page = client.get(f"/suppliers/{company.id}", headers={"Accept-Language": "en"}).text
    assert '<h1 lang="ko">메밀방앗간</h1>' in page


def test_unknown_buyer_and_company_are_404_in_korean(client, db):
    response = client.get("/suppliers/999999", headers={"Accept-Language": "ko"})
    assert response.status_code == 404
    assert '<html lang="ko">' in response.text


def test_leftover_check_sees_sentences(client, db):
    """The check above is not vacuous: it finds each language's sentences in its own page."""
    assert leftovers(client.get("/", headers={"Accept-Language": "en"}).text, "id")
    assert leftovers(client.get("/", headers={"Accept-Language": "ko"}).text, "string")
