"""A damaged, missing or stale FAISS index file is rebuilt (or caught up), never served.

tests/matching/test_ranking.py covers a stale data version and a file of garbage; these add
truncated and empty files, a missing index or metadata file, metadata that does not describe
the file, and a stale file after rows were deleted and added. Each time another worker (a fresh
MatchingEngine on the real default model) must serve exactly the vectors the database holds,
and leave a sound file behind.
"""

import json

import numpy as np
import pytest

from app.matching.engine import MatchingEngine
from app.matching.index import VectorIndex
from app.matching.vectors import load_vectors

pytestmark = pytest.mark.model


@pytest.fixture
def saved(app, db, matching, make_company, make_product):
    """Three products embedded and their index saved to disk by one worker."""
    noodles = make_company(name_ko="횡성쌀면", supplier_ref="NOODLE")
    make_product(noodles, name_ko="현미 쌀국수", description_ko="글루텐프리 현미 쌀국수입니다.")
    brakes = make_company(name_ko="대구브레이크", supplier_ref="BRAKE")
    make_product(brakes, name_ko="세라믹 브레이크 패드", description_ko="승용차용 브레이크 패드.")
    cream = make_company(name_ko="제주화장품", supplier_ref="SKIN")
    make_product(cream, name_ko="녹차 수분 크림", description_ko="제주 녹차 보습 크림입니다.")
    matching.space("product")
    path = matching.path("product")
    assert path.exists()
    assert path.with_suffix(".json").exists()
    return path


def another_worker(app, matching) -> MatchingEngine:
    worker = MatchingEngine(app)
    worker.use_embedder(matching.embedder)
    return worker


def assert_serves_the_database(worker: MatchingEngine) -> None:
    """The worker's index holds exactly the stored vectors, and the file on disk loads."""
    space = worker.space("product")
    embedder = worker.embedder
    ids, vectors = load_vectors("product", embedder.name, embedder.dim)
    assert sorted(space.index.ids().tolist()) == sorted(ids.tolist())
    for product_id, vector in zip(ids.tolist(), vectors, strict=True):
        assert np.allclose(space.index.index.reconstruct(product_id), vector, atol=1e-5)
    # The file on disk is sound: it loads (the next worker catches it up from the database,
    # as this one did; only builds are written).
    loaded = VectorIndex.load(worker.path("product"))
    assert loaded is not None
    assert loaded[1].model == embedder.name


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _meta(**changes):
    def damage(path):
        meta_path = path.with_suffix(".json")
        meta = json.loads(meta_path.read_text())
        meta.update(changes)
        meta_path.write_text(json.dumps(meta))

    return damage


DAMAGE = {
    "truncated index": _truncate,
    "empty index": lambda path: path.write_bytes(b""),
    "index header only": lambda path: path.write_bytes(path.read_bytes()[:16]),
    "missing index": lambda path: path.unlink(),
    "missing metadata": lambda path: path.with_suffix(".json").unlink(),
    "both missing": lambda path: (path.unlink(), path.with_suffix(".json").unlink()),
    "metadata not json": lambda path: path.with_suffix(".json").write_text("{not json"),
    "metadata of a list": lambda path: path.with_suffix(".json").write_text("[1, 2]"),
    "metadata missing fields": lambda path: path.with_suffix(".json").write_text('{"dim": 1}'),
    "count does not match": _meta(count=99),
    "dimension does not match": _meta(dim=7),
    "another model": _meta(model="another-model"),
    "unknown kind": _meta(kind="ivf"),
    "unreadable time": _meta(synced_at="yesterday"),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_or_missing_file_is_rebuilt(app, matching, saved, damage):
    damage(saved)
    assert_serves_the_database(another_worker(app, matching))


def test_a_stale_file_is_caught_up_before_it_is_served(app, db, matching, saved, make_company,
                                                       make_product):
    from sqlalchemy import select

    from app.catalogue.models import Company
    from app.extensions import db as _db

    old = saved.read_bytes(), saved.with_suffix(".json").read_text()
    brakes = _db.session.scalar(select(Company).where(Company.supplier_ref == "BRAKE"))
    _db.session.delete(brakes.products[0])
    make_product(make_company(name_ko="순창장류", supplier_ref="SAUCE"), name_ko="고추장",
                 description_ko="매운 고추장 소스입니다.")
    db.session.commit()
    # Another worker saved the new state meanwhile; then the old files come back (a restored
    # backup, a slow disk): the data version in them is behind the database's.
    saved.write_bytes(old[0])
    saved.with_suffix(".json").write_text(old[1])
    assert_serves_the_database(another_worker(app, matching))


def test_a_flipped_byte_in_the_vectors_is_not_served(app, matching, saved):
    data = bytearray(saved.read_bytes())
    middle = len(data) // 3  # inside the float32 vectors of IndexFlatIP
    data[middle:middle + 4] = bytes(byte ^ 0xFF for byte in data[middle:middle + 4])
    saved.write_bytes(bytes(data))
    # The count and dimension still look right: the file's checksum catches it.
    assert VectorIndex.load(saved) is None
    assert_serves_the_database(another_worker(app, matching))
