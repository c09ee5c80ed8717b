"""Every mutating (and every private) route against every role: owners and organisers may,
other roles get 403, anonymous visitors are sent to log in."""

import pytest

from app.auth.models import Role
from app.catalogue.transfer import COLUMNS
from tests.conftest import csv_bytes

# Who is asking: anonymous, the owner of the data, another of the same role, or the organiser.
ACTORS = ["anonymous", "own_supplier", "other_supplier", "own_buyer", "other_buyer", "organiser"]


def product_form(ref="NEW-1"):
    return {"product_ref": ref, "name_ko": "새 제품", "description_ko": "설명입니다.",
            "hs_code": "190219", "unit_price_usd": "2.50", "certifications": "HACCP"}


def company_form():
    return {"name_ko": "강원쌀면(주)", "name_en": "Gangwon Rice", "export_countries": "JP; US"}


def buyer_form():
    return {"company_name": "Kiwi Pantry", "country": "NZ", "language": "en",
            "interests": "Rice noodles", "required_certifications": "", "hs_codes": "19"}


def catalogue_upload(ref):
    row = [ref, "강원쌀면(주)", "", "", "UP-1", "쌀국수", "", "설명", "", "", "", "", "", ""]
    return {"file": (csv_bytes(COLUMNS, [row]), "catalogue.csv")}


def buyers_upload():
    return {"file": (csv_bytes(["buyer_ref", "company_name", "country", "language", "interests"],
                               [["UPB-1", "Oslo Foods", "NO", "en", "Kimchi"]]), "buyers.csv")}


# (method, url template, form builder, who may) -- {company}, {product}, {buyer} are the
# owned records; allowed actors succeed (2xx or 3xx), the others are refused.
ROUTES = [
    ("POST", "/companies/{company}/edit", lambda w: company_form(), {"own_supplier", "organiser"}),
    ("POST", "/companies/{company}/products/new", lambda w: product_form(),
     {"own_supplier", "organiser"}),
    ("POST", "/products/{product}/edit", lambda w: product_form("P-OWN"),
     {"own_supplier", "organiser"}),
    ("POST", "/products/{product}/delete", lambda w: {}, {"own_supplier", "organiser"}),
    ("POST", "/companies/{company}/import", lambda w: catalogue_upload(w["company_ref"]),
     {"own_supplier", "organiser"}),
    ("POST", "/catalogue/import", lambda w: catalogue_upload("ANY-1"), {"organiser"}),
    ("POST", "/buyers/{buyer}/edit", lambda w: buyer_form(), {"own_buyer", "organiser"}),
    ("POST", "/buyers/import", lambda w: buyers_upload(), {"organiser"}),
    ("GET", "/companies/{company}/products", None, {"own_supplier", "organiser"}),
    ("GET", "/companies/{company}/edit", None, {"own_supplier", "organiser"}),
    ("GET", "/companies/{company}/export.csv", None, {"own_supplier", "organiser"}),
    ("GET", "/catalogue/export.xlsx", None, {"organiser"}),
    ("GET", "/buyers", None, {"organiser"}),
    ("GET", "/buyers/{buyer}", None, {"own_buyer", "organiser"}),
    ("GET", "/buyers/export.csv", None, {"organiser"}),
    ("POST", "/buyers/{buyer}/matches/{company}", lambda w: {"choice": "must_meet"},
     {"own_buyer", "organiser"}),
    ("POST", "/companies/{company}/matches/{buyer}", lambda w: {"choice": "meet"},
     {"own_supplier", "organiser"}),
    ("POST", "/prematching", lambda w: {"top": "3"}, {"organiser"}),
    ("POST", "/prematching/{run}/publish", lambda w: {}, {"organiser"}),
    ("POST", "/prematching/reindex", lambda w: {}, {"organiser"}),
    ("GET", "/jobs/{job}", None, {"organiser"}),
    ("POST", "/prematching/results/{result}/remove", lambda w: {}, {"organiser"}),
    ("GET", "/buyers/{buyer}/matches", None, {"own_buyer", "organiser"}),
    ("GET", "/companies/{company}/matches", None, {"own_supplier", "organiser"}),
    ("GET", "/prematching", None, {"organiser"}),
    ("GET", "/prematching/{run}", None, {"organiser"}),
]
# Routes any logged-in user may post to for their own account only.
SELF_SERVICE = {"/logout", "/account", "/login", "/register/supplier", "/register/buyer",
                "/language/<any(en, ko):code>"}


@pytest.fixture
def world(db, matching, make_company, make_product, make_buyer, make_user):
    from app.matching.models import MatchResult, MatchRun

    company = make_company()
    product = make_product(company, product_ref="P-OWN")
    buyer = make_buyer()
    from app.jobs.models import Job

    job = Job(kind="reindex", status="done")
    db.session.add(job)
    run = MatchRun(model="usem3", data_version="x", top_n=1, status="draft")
    run.results.append(MatchResult(buyer_id=buyer.id, company_id=company.id, rank=1, score=1))
    db.session.add(run)
    db.session.commit()
    users = {
        "own_supplier": make_user(Role.SUPPLIER, company=company),
        "other_supplier": make_user(Role.SUPPLIER),
        "own_buyer": make_user(Role.BUYER, buyer=buyer),
        "other_buyer": make_user(Role.BUYER),
        "organiser": make_user(Role.ORGANISER),
    }
    return {"company": company.id, "product": product.id, "buyer": buyer.id, "run": run.id,
            "job": job.id, "result": run.results[0].id,
            "company_ref": company.supplier_ref, "users": users}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("method", "template", "form", "allowed"), ROUTES,
                         ids=[f"{m} {t}" for m, t, _f, _a in ROUTES])
def test_route_against_role(client, login, world, actor, method, template, form, allowed):
    if actor != "anonymous":
        login(world["users"][actor])
    url = template.format(**world)
    if method == "POST":
        response = client.post(url, data=form(world), content_type="multipart/form-data")
    else:
        response = client.get(url)
    if actor == "anonymous":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    elif actor in allowed:
        assert response.status_code in (200, 302), response.text[:2000]
    else:
        assert response.status_code == 403


def test_every_route_that_changes_data_is_covered(app):
    """A new POST route must be added to ROUTES (or be an account self-service route)."""
    covered = {template.split("{")[0] for _m, template, _f, _a in ROUTES}
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule in SELF_SERVICE:
            continue
        prefix = rule.rule.split("<")[0]
        assert prefix in covered, f"{rule.rule} has no authorisation test"


def test_csrf_is_enforced(app, client, world, login):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/login", data={"email": "x@example.com", "password": "y"})
        assert response.status_code == 400
        response = client.post("/language/ko")
        assert response.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
