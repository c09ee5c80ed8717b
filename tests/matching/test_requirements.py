"""Reading what a buyer's text asks for: certifications mandatory or preferred, in English and
Korean, and the separate needs of one text (no model needed)."""

import pytest

from app.matching.requirements import extract, need_text, split_needs

NAMES = ["HACCP", "Halal", "FDA", "CE", "ISO 9001", "ISO 13485", "GMP", "Vegan", "KC"]


@pytest.mark.parametrize(("text", "mandatory", "preferred"), [
    ("Sweet chili sauce for supermarkets. Halal is mandatory.", ["Halal"], []),
    ("Electric kettles, CE and UL listed.", ["CE", "UL"], []),
    ("Looking for halal-certified sauces.", ["Halal"], []),
    ("The facility must be GMP-certified; organic a plus.", ["GMP"], ["Organic"]),
    ("Dental implants. ISO 13485 required, FDA clearance is a plus.", ["ISO 13485"], ["FDA"]),
    ("Vegan-certified products preferred.", [], ["Vegan"]),
    ("Kimchi for US stores. Kosher ideally.", [], ["Kosher"]),
    ("포기김치와 깍두기, 액젓을 직수입 합니다. FDA 등록 필수", ["FDA"], []),
    ("유기농 인증 제품이면 더 좋습니다.", [], ["Organic"]),
    ("할랄 인증은 반드시 있어야 합니다. 해썹 인증 우대.", ["Halal"], ["HACCP"]),
    ("비건 제품만 취급합니다.", ["Vegan"], []),
    ("코셔 인증 선호", [], ["Kosher"]),
])
def test_certifications_are_read_as_mandatory_or_preferred(text, mandatory, preferred):
    read = extract(text, NAMES)
    assert sorted(read.mandatory) == sorted(mandatory)
    assert sorted(read.preferred) == sorted(preferred)


@pytest.mark.parametrize("text", [
    "Toner pads and sheet masks. We handle FDA notification ourselves.",
    "선크림을 찾습니다. EAC 인증은 저희가 현지에서 진행합니다.",
    "Fresh produce at a fair price.",          # no certification named
    "A price list in CE format please?",       # "ce" inside words or lower case is no CE
    "Ultra-thin film for culture dishes.",     # "ul" inside "ultra", "culture"
])
def test_certifications_not_asked_of_the_supplier_are_not_read(text):
    read = extract(text, NAMES)
    assert read.mandatory == [] or read.mandatory == ["CE"] and "CE" in text
    assert read.preferred == []
    if "ourselves" in text or "저희가" in text:
        assert read.mandatory == []


def test_a_names_spelling_follows_the_database():
    assert extract("HALAL only.", ["halal"]).mandatory == ["halal"]
    assert extract("iso 9001 certified toolmaker required", NAMES).mandatory == ["ISO 9001"]


@pytest.mark.parametrize(("text", "needs"), [
    ("Vision inspection for electrode coating, and a partner for MES integration",
     ["Vision inspection for electrode coating", "partner for MES integration"]),
    ("We need bamboo toothbrushes under our private label; children's toothpaste is also of "
     "interest.", ["We need bamboo toothbrushes under our private label",
                   "children's toothpaste is also of interest"]),
    ("Sourcing servo motors for robot arms, plus electric grippers for cobots.",
     ["Sourcing servo motors for robot arms", "electric grippers for cobots"]),
    ("배터리 전극 코팅 비전 검사 장비를 찾습니다. 그리고 MES 연동 파트너도 찾고 있습니다.",
     ["배터리 전극 코팅 비전 검사 장비를 찾습니다", "MES 연동 파트너도 찾고 있습니다"]),
])
def test_a_text_of_several_needs_is_split(text, needs):
    assert split_needs(text, NAMES) == needs


@pytest.mark.parametrize("text", [
    "Gluten-free rice noodles for supermarkets.",
    "Plant-based wholesaler. We need vegan kimchi for UK retail. Vegan is mandatory.",
    "포기김치와 깍두기, 액젓을 직수입 합니다. FDA 등록 필수",
    "Halal skincare: face creams and toners. Halal is mandatory.",
])
def test_context_and_requirement_sentences_are_no_needs(text):
    assert split_needs(text, NAMES) == [text]


def test_what_is_embedded_leaves_requirements_out():
    assert need_text("Halal skincare: face creams and toners. Halal is mandatory.", NAMES) == \
        "skincare: face creams and toners."
    assert need_text("포기김치와 깍두기, 액젓을 직수입 합니다. FDA 등록 필수", NAMES) == \
        "포기김치와 깍두기, 액젓을 직수입 합니다."
    # A sentence that asks for a product and states a condition is kept.
    assert "브레이크 패드" in need_text(
        "브레이크 패드를 수입하려고 하며 ECE R90 인증을 받은 제품을 우선 검토합니다.", NAMES)
    assert need_text("Halal is mandatory", NAMES) == "Halal is mandatory"  # nothing else
