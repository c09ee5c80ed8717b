"""What large catalogues take (with the real model, at test size): HNSW serving edits beside its
graph until the job queue compacts it, and pre-matching everyone in one batched search."""

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.jobs.models import Job
from app.matching import compaction, services
from app.matching.engine import MatchingEngine
from app.matching.models import MatchPreference, Preference
from tests.matching.test_ranking import catalogue, top_refs  # noqa: F401  (fixture)

pytestmark = pytest.mark.model


@pytest.fixture
def hnsw(matching):
    """The engine with every side above the approximate-index threshold."""
    matching.index_options["approximate_above"] = 0
    return matching


def another_worker(app, like: MatchingEngine) -> MatchingEngine:
    worker = MatchingEngine(app)
    worker.use_embedder(like.embedder)
    worker.index_options["approximate_above"] = 0
    return worker


def test_hnsw_serves_edits_beside_its_graph_until_the_job_queue_compacts_it(
        hnsw, catalogue, make_buyer, db, app):  # noqa: F811
    buyer = make_buyer(interests="Brake pads for cars.")
    assert top_refs(buyer, 1) == ["BRAKE"]
    assert hnsw.space("product").index.kind == "hnsw"
    meta_file = hnsw.path("product").with_suffix(".json")
    built = meta_file.stat().st_mtime_ns
    requested = []
    hnsw.on_compaction_needed = requested.append

    # The noodle maker now sells brake pads; the sauce maker leaves.
    product = catalogue["noodles"].products[0]
    product.name_ko, product.description_ko = "브레이크 패드", "자동차용 세라믹 브레이크 패드"
    db.session.delete(catalogue["sauce"].products[0])
    db.session.commit()
    assert set(top_refs(buyer, 2)) == {"BRAKE", "NOODLE"}
    assert "SAUCE" not in top_refs(buyer, 4)
    space = hnsw.space("product")
    assert len(space.index) == 3
    assert space.index.pending == 3  # two graph entries skipped, one vector beside the graph
    assert meta_file.stat().st_mtime_ns == built  # the graph was neither rebuilt nor rewritten
    assert requested == ["product"]  # 3 changes are more than 5% of 4

    # A worker starting now loads the saved graph and catches up the same changes.
    other = another_worker(app, hnsw)
    other.on_compaction_needed = requested.append
    assert other.space("product").index.pending == 3
    assert len(other.space("product").index) == 3

    # The compaction job builds a new graph and saves it; both workers take it on next use.
    compaction.request_compaction("product")  # tests run jobs at once (huey.immediate)
    job = db.session.scalars(select(Job).where(Job.kind == compaction.KIND)).one()
    assert job.status == "done", job.result
    assert meta_file.stat().st_mtime_ns > built
    for worker in (hnsw, other):
        space = worker.space("product")
        assert space.index.pending == 0
        assert len(space.index) == 3
    assert set(top_refs(buyer, 2)) == {"BRAKE", "NOODLE"}


def test_compaction_is_not_queued_twice(db):
    waiting = Job(kind=compaction.KIND, subject=compaction.SUBJECT)  # another worker's request
    db.session.add(waiting)
    db.session.commit()
    compaction.request_compaction("product")
    assert db.session.scalars(select(Job).where(Job.kind == compaction.KIND)).all() == [waiting]


def test_old_index_file_without_a_sync_time_is_rebuilt(hnsw, catalogue, make_buyer, app):  # noqa: F811
    make_buyer(interests="Brake pads for cars.")
    hnsw.space("product")
    meta_file = hnsw.path("product").with_suffix(".json")
    meta_file.write_text(meta_file.read_text().replace('"synced_at"', '"ignored"'))
    meta_file.write_text(meta_file.read_text().replace(', "ignored": ', ', "_": '))
    worker = another_worker(app, hnsw)
    assert len(worker.space("product").index) == 4


@pytest.mark.parametrize("approximate_above", [10_000, 0])
def test_prematching_everyone_equals_ranking_each_buyer(matching, catalogue, make_buyer,  # noqa: F811
                                                        make_user, db, approximate_above):
    matching.index_options["approximate_above"] = approximate_above
    cars = make_buyer(interests="Brake pads for cars.")
    food = make_buyer(interests="Spicy Korean sauces and noodles.", country="US")
    skin = make_buyer(interests="Face creams with natural extracts.", language="ko")
    organiser = make_user(Role.ORGANISER)
    services.set_preference(food, catalogue["sauce"], Preference.NO_THANKS, side="buyer",
                            by=organiser)
    services.record_decline(food, catalogue["noodles"], side="supplier")
    db.session.commit()
    rankings = services.prematch_all(top=3)
    assert set(rankings) == {cars.id, food.id, skin.id}
    for buyer in (cars, food, skin):
        expected = services.rank_suppliers(buyer, limit=3)
        assert [(p.company_id, round(p.score, 5)) for p in rankings[buyer.id]] == \
            [(p.company_id, round(p.score, 5)) for p in expected]
    assert catalogue["sauce"].id not in [p.company_id for p in rankings[food.id]]
    assert db.session.scalar(select(MatchPreference.choice)) == Preference.NO_THANKS


def test_an_index_that_cannot_be_saved_is_still_served(matching, catalogue, make_buyer,  # noqa: F811
                                                       tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the index folder should be")
    matching.index_dir = blocked  # as a full or read-only disk: saving raises OSError
    buyer = make_buyer(interests="Brake pads for cars.")
    assert top_refs(buyer, 1) == ["BRAKE"]
    assert not matching.path("product").exists()


def test_catch_up_leaves_no_row_locks_behind(separate_database, default_embedder, tmp_path):
    """An edit that leaves the text alone only re-stamps the stored vector: that write is
    committed by the catch-up too, so no request holds those rows while it waits for the
    engine (two workers doing so deadlocked under load)."""
    from app.catalogue.models import Company, Product
    from app.extensions import db as _db
    from app.matching.engine import engine
    from app.matching.models import ProductEmbedding

    app = separate_database
    app.config["MATCHING_INDEX_DIR"] = str(tmp_path / "index")
    with app.app_context():
        if _db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite runs one writing transaction at a time (BEGIN IMMEDIATE)")
        engine().use_embedder(default_embedder)
        company = Company(supplier_ref="S1", name_ko="횡성쌀면")
        _db.session.add(Product(company=company, product_ref="P1", name_ko="현미 쌀국수",
                                description_ko="현미로 만든 글루텐프리 쌀국수"))
        _db.session.commit()
        engine().space("product")
        product = _db.session.scalars(select(Product)).one()
        product.moq = "500 boxes"  # not part of the embedded text
        _db.session.commit()
        before = _db.session.scalar(select(ProductEmbedding.embedded_at))
        engine().space("product")
        assert not _db.session.dirty
        assert not _db.session.new
        # Another connection sees the new stamp: it was committed, not left pending.
        with _db.engine.connect() as other:
            after = other.scalar(select(ProductEmbedding.embedded_at))
        assert after > before
        _db.session.remove()


def test_buyers_for_a_supplier_equal_scoring_every_buyer_in_full(matching, catalogue,  # noqa: F811
                                                                 make_buyer, db):
    """rank_buyers explains only the buyers it shows; its scores are those of each buyer's
    own ranking (rank_suppliers: every product, the buyer's own scale)."""
    buyers = [make_buyer(interests=text, country=country) for text, country in [
        ("Gluten-free rice noodles.", "NZ"), ("Brake pads for cars.", "US"),
        ("Korean chili paste and noodles.", "VN"), ("Noodles for Asian supermarkets.", "JP")]]
    noodles = catalogue["noodles"]
    services.record_decline(buyers[3], noodles, side="supplier")
    db.session.commit()
    ranked = services.rank_buyers(noodles, limit=3)
    full = []
    for buyer in buyers:
        own = [p for p in services.rank_suppliers(buyer, limit=100)
               if p.company_id == noodles.id]
        full.append((buyer.id, round(own[0].score, 4)))
    full = sorted(full, key=lambda pair: -pair[1])[:3]
    assert [(p.buyer_id, round(p.score, 4)) for p in ranked] == full
    assert ranked[0].products  # explained
