"""One small hand-made case per failure class of issue 12, with the real fast model (each
failed on the scoring before it: raw cosine plus small fixed bonuses)."""

import pytest

from app.buyers.models import BuyerHSCode
from app.catalogue.certifications import CertificationRegistry
from app.catalogue.models import Company
from app.extensions import db as _db
from app.matching import services

pytestmark = pytest.mark.model


def distractors(make_company, make_product):
    """Unrelated suppliers: a catalogue against which a buyer's signals are standardised."""
    for ref, name, text in (("BRAKE", "브레이크 패드", "Ceramic brake pads for passenger cars."),
                            ("MOULD", "사출 금형", "Multi-cavity injection moulds for caps."),
                            ("PCB", "PCB 조립", "PCB assembly and wire harnesses."),
                            ("SOCKS", "압박 스타킹", "Medical compression stockings.")):
        make_product(make_company(name_ko=ref, supplier_ref=ref), name_ko=name,
                     description_en=text)


def ranked(buyer, n=10):
    return [_db.session.get(Company, p.company_id).supplier_ref
            for p in services.rank_suppliers(buyer, limit=n)]


def test_korean_buyer_finds_the_supplier_naming_what_they_ask_for(matching, make_company,
                                                                  make_product, make_buyer):
    """Class 1: a buyer writing Korean names 포기김치 and 깍두기; the supplier whose products
    are literally called so comes first, above other foods and other Korean products."""
    registry = CertificationRegistry()
    kimchi = make_company(name_ko="해남김치", supplier_ref="KIMCHI")
    for name, text in (("포기김치", "해남 배추로 담근 전통 포기김치, 10kg 업소용"),
                       ("깍두기", "무를 깍둑썰기해 담근 아삭한 깍두기")):
        product = make_product(kimchi, name_ko=name, hs_code="200599", description_ko=text)
        product.certifications = registry.many(["FDA"])
    others = [("MANDU", "냉동 고기 만두", "돼지고기와 부추를 넣은 냉동 만두, 미국 수출용 FDA 등록"),
              ("SUN", "무기자차 선크림", "징크옥사이드 선크림 SPF50, 직수입 바이어 환영"),
              ("BOX", "스테인리스 김치통", "김치와 장아찌를 보관하는 스테인리스 밀폐 용기"),
              ("RAMEN", "김치라면", "김치 맛 국물의 라면, 대용량 수출 포장"),
              ("GIM", "조미김 스낵", "바삭하게 구운 조미김 스낵, 직수입 가능"),
              ("SAUCE", "액상 조미료", "국물 요리에 넣는 액상 조미료와 멸치 소스")]
    for ref, name, text in others:
        make_product(make_company(name_ko=ref, supplier_ref=ref), name_ko=name,
                     description_ko=text)
    buyer = make_buyer(language="ko", country="US",
                       interests="포기김치와 깍두기, 액젓을 직수입 합니다. FDA 등록 필수")
    assert ranked(buyer)[0] == "KIMCHI"


@pytest.mark.parametrize("interests", [
    "Sweet chili sauce for our supermarkets. Halal certification is mandatory.",
    "슈퍼마켓에 납품할 달콤한 칠리 소스를 찾습니다. 할랄 인증은 필수입니다.",
])
def test_a_requirement_stated_only_in_the_text_decides(matching, make_company, make_product,
                                                       make_buyer, interests):
    """Class 2: the required-certifications column is empty; "Halal is mandatory" in the
    text (English or Korean) puts the Halal maker of the same sauce first, and the page can
    say what was read."""
    registry = CertificationRegistry()
    distractors(make_company, make_product)
    plain = make_company(name_ko="부산소스", supplier_ref="PLAIN")
    make_product(plain, name_ko="스위트 칠리 소스", name_en="Sweet chili sauce",
                 description_en="Sweet chili sauce in 1 kg bottles.")
    halal = make_company(name_ko="전주소스", supplier_ref="HALAL")
    product = make_product(halal, name_ko="칠리 디핑 소스", name_en="Chili dipping sauce",
                           description_en="Sweet chili dipping sauce in 1 kg bottles.")
    product.certifications = registry.many(["Halal"])
    buyer = make_buyer(interests=interests)
    assert ranked(buyer, 2) == ["HALAL", "PLAIN"]
    facts = matching.buyer_facts()[buyer.id]
    assert facts.required == ["halal"]
    assert facts.from_text == ["halal"]


def test_a_certificate_never_makes_an_irrelevant_product_relevant(matching, make_company,
                                                                  make_product, make_buyer):
    """Class 3: a Halal skincare buyer gets the Halal skincare maker first, and the Halal
    chicken-soup maker not above the relevant skincare maker without Halal."""
    registry = CertificationRegistry()
    distractors(make_company, make_product)
    skin = make_company(name_ko="제주스킨", supplier_ref="SKIN-HALAL")
    cream = make_product(skin, name_ko="수분 크림", name_en="Moisturising face cream",
                         description_en="Hydrating face cream with centella for dry skin.")
    cream.certifications = registry.many(["Halal"])
    other = make_company(name_ko="서울코스메틱", supplier_ref="SKIN")
    make_product(other, name_ko="진정 크림", name_en="Soothing skin cream",
                 description_en="Soothing cream and toner for sensitive skin, skincare line.")
    soup = make_company(name_ko="할랄푸드", supplier_ref="SOUP-HALAL")
    broth = make_product(soup, name_ko="닭고기 수프", name_en="Halal chicken soup",
                         description_en="Halal certified chicken soup, ready to eat.")
    broth.certifications = registry.many(["Halal"])
    buyer = make_buyer(interests="Halal skincare: face creams and toners. Halal is mandatory.")
    buyer.required_certifications = registry.many(["Halal"])
    _db.session.commit()
    order = ranked(buyer)
    assert order[0] == "SKIN-HALAL"
    assert order.index("SKIN") < order.index("SOUP-HALAL")


def test_the_supplier_of_a_second_need_appears(matching, make_company, make_product,
                                               make_buyer):
    """Class 5: "vision inspection ..., and a partner for MES integration": the MES
    supplier is in the top 5 although eight suppliers fit the first need better."""
    vision = [("VIS1", "전극 코팅 비전 검사기", "Vision inspection system for battery electrode "
               "coating defects"),
              ("VIS2", "AI 외관 검사 카메라", "AI camera for surface defect inspection on "
               "coating lines"),
              ("VIS3", "머신비전 조명", "Machine vision lighting and cameras for inspection"),
              ("VIS4", "롤투롤 필름 검사", "Roll-to-roll film inspection with line-scan "
               "cameras"),
              ("VIS5", "2차전지 X-ray 검사", "X-ray inspection of battery cells and electrodes"),
              ("VIS6", "비전 센서", "Vision sensors for inspection of coated parts"),
              ("VIS7", "코팅 두께 측정기", "Inline coating thickness and defect inspection"),
              ("VIS8", "전극 결함 검사 AI", "AI software for electrode defect inspection")]
    for ref, name, text in vision:
        make_product(make_company(name_ko=ref, supplier_ref=ref), name_ko=name,
                     description_en=text)
    make_product(make_company(name_ko="스마트팩토리", supplier_ref="MES"),
                 name_ko="생산관리 시스템 (MES)",
                 description_ko="공장 생산 실적 관리와 설비 데이터 수집, ERP 연동 소프트웨어")
    buyer = make_buyer(interests="We need vision inspection systems for battery electrode "
                                 "coating lines: line-scan cameras, defect detection and AI "
                                 "classification. As well as a partner for MES integration.")
    assert "MES" in ranked(buyer, 5)


def test_hs_agreement_outweighs_same_chapter_similarity(matching, make_company, make_product,
                                                        make_buyer):
    """HS: the supplier with the buyer's subheading ranks above one of the same chapter whose
    text is as close."""
    exact = make_company(name_ko="순창", supplier_ref="EXACT")
    distractors(make_company, make_product)
    make_product(exact, name_ko="고추장", hs_code="210390",
                 description_en="Gochujang: fermented red chili paste.")
    chapter = make_company(name_ko="부산", supplier_ref="CHAPTER")
    make_product(chapter, name_ko="고추 수프 베이스", hs_code="210410",
                 description_en="Spicy Korean red pepper soup base paste and condiments.")
    buyer = make_buyer(interests="Spicy Korean red pepper paste and condiments.")
    buyer.hs_interests = [BuyerHSCode(code="210390")]
    _db.session.commit()
    assert ranked(buyer, 2) == ["EXACT", "CHAPTER"]
