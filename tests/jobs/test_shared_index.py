"""Several web workers (here two apps in one process, as two gunicorn workers would be) share
one database and one index folder: a catalogue change made through one is seen by the other,
which catches its index up when the data version moves."""

from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from app.buyers.models import Buyer
from app.catalogue.models import Company, Product
from app.config import TestConfig
from app.extensions import db
from app.matching import services
from app.matching.models import ProductEmbedding

pytestmark = pytest.mark.model


def _top(app, buyer_ref: str, limit: int = 1) -> list[str]:
    with app.app_context():
        buyer = db.session.scalar(select(Buyer).where(Buyer.buyer_ref == buyer_ref))
        pairs = services.rank_suppliers(buyer, limit=limit)
        refs = {c.id: c.supplier_ref for c in db.session.scalars(select(Company))}
        return [refs[p.company_id] for p in pairs]


def _product_version(app) -> str:
    with app.app_context():
        return app.extensions["matching"].space("product").version


def test_second_worker_follows_a_catalogue_change(separate_database, tmp_path,
                                                  default_embedder):
    url = separate_database.config["SQLALCHEMY_DATABASE_URI"]
    first, second = (create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url,
                                MATCHING_INDEX_DIR=str(tmp_path / "shared-index"))
                     for _ in range(2))
    for app in (first, second):
        app.extensions["matching"].use_embedder(default_embedder)
    try:
        with first.app_context():
            noodles = Company(supplier_ref="NOODLE", name_ko="횡성쌀면")
            sauce = Company(supplier_ref="SAUCE", name_ko="순창장류")
            db.session.add_all([
                Product(company=noodles, product_ref="P1", name_ko="현미 쌀국수",
                        description_ko="글루텐프리 현미 쌀국수"),
                Product(company=sauce, product_ref="P2", name_ko="고추장",
                        description_ko="전통 발효 고추장"),
                Buyer(buyer_ref="B-RICE", company_name="Kiwi Pantry", country="NZ",
                      language="en", interests="Gluten-free rice noodles."),
                Buyer(buyer_ref="B-CAR", company_name="Auto Parts NZ", country="NZ",
                      language="en", interests="Ceramic brake pads for cars.")])
            db.session.commit()
        assert _top(first, "B-RICE") == ["NOODLE"]  # embeds, builds and saves the index
        version = _product_version(first)
        assert _top(second, "B-RICE") == ["NOODLE"]
        assert _product_version(second) == version

        with first.app_context():  # a supplier edits its catalogue through the first worker
            brakes = Company(supplier_ref="BRAKE", name_ko="대구브레이크")
            db.session.add(Product(company=brakes, product_ref="P3", name_ko="브레이크 패드",
                                   description_ko="자동차용 세라믹 브레이크 패드"))
            db.session.commit()
        # The second worker has not seen it, but its next query follows the new version.
        assert _top(second, "B-CAR") == ["BRAKE"]
        assert _product_version(second) != version
        assert _product_version(first) == _product_version(second)
        assert _top(first, "B-CAR") == ["BRAKE"]
        with second.app_context():
            assert len(db.session.scalars(select(ProductEmbedding)).all()) == 3  # once each
    finally:
        for app in (first, second):
            with app.app_context():
                db.engine.dispose()


def test_a_starting_worker_loads_everything_before_its_first_request(separate_database,
                                                                     tmp_path):
    """gunicorn.conf.py's post_worker_init: the model, both indexes, the match tables and the
    templates are loaded (and a text nobody embedded yet is embedded) in a thread started as
    the worker starts."""
    import runpy
    import threading
    from types import SimpleNamespace

    hooks = runpy.run_path(str(Path(__file__).parents[2] / "gunicorn.conf.py"))
    url = separate_database.config["SQLALCHEMY_DATABASE_URI"]
    with separate_database.app_context():
        db.session.add_all([
            Product(company=Company(supplier_ref="NOODLE", name_ko="횡성쌀면"),
                    product_ref="P1", name_ko="현미 쌀국수", description_ko="글루텐프리 쌀국수"),
            Buyer(buyer_ref="B-RICE", company_name="Kiwi Pantry", country="NZ",
                  language="en", interests="Gluten-free rice noodles.")])
        db.session.commit()
    worker = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url,
                        MATCHING_INDEX_DIR=str(tmp_path / "index"))
    try:
        hooks["post_worker_init"](SimpleNamespace(wsgi=worker))  # what gunicorn passes: .wsgi
        warming = next(t for t in threading.enumerate() if t.name == "matching-warm-up")
        warming.join(timeout=120)
        assert not warming.is_alive()
        assert "matching/for_buyer.html" in {key[1] for key in worker.jinja_env.cache}
        matching = worker.extensions["matching"]
        assert matching._embedder is not None
        assert len(matching.loaded_space("product").index) == 1
        assert len(matching.loaded_space("buyer").index) == 1
        assert {"products", "buyer_terms", "buyers", "buyer_vectors"} <= set(matching._derived)
        with worker.app_context():
            assert len(db.session.scalars(select(ProductEmbedding)).all()) == 1
    finally:
        with worker.app_context():
            db.engine.dispose()


def test_a_worker_starting_without_its_database_still_starts(tmp_path, caplog):
    """A database that is not reachable yet costs a warning; the first requests load later."""
    from app.matching.engine import warm_up

    worker = create_app(TestConfig, MATCHING_INDEX_DIR=str(tmp_path / "index"),
                        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    warm_up(worker)
    assert "matching engine not warmed up" in caplog.text
    assert worker.extensions["matching"].loaded_space("product") is None
