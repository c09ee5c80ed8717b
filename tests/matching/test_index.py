"""The vector index on its own: exact and HNSW agree, HNSW takes changes beside its graph, files
are written whole; and the bigram terms match their regular-expression definition."""

import re
from collections import Counter

import numpy as np
import pytest

from app.matching.index import IndexMeta, VectorIndex
from app.matching.lexical import HASH_BUCKETS, term_counts

DIM = 24


def unit_vectors(rng, n):
    vectors = rng.normal(size=(n, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def brute_force(ids, vectors, queries, k):
    similarity = queries @ vectors.T
    best = np.argsort(-similarity, axis=1)[:, :k]
    return ids[best]


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    ids = np.arange(100, 400, dtype=np.int64)
    return rng, ids, unit_vectors(rng, len(ids))


@pytest.mark.parametrize("approximate_above", [10_000, 0])
def test_search_after_changes_equals_brute_force(data, approximate_above):
    rng, ids, vectors = data
    index = VectorIndex(DIM, approximate_above=approximate_above)
    index.build(ids, vectors)
    assert index.kind == ("exact" if approximate_above else "hnsw")

    # Replace ten vectors, delete five, add three new ids.
    replaced = ids[:10]
    deleted = ids[10:15]
    added = np.array([900, 901, 902], dtype=np.int64)
    fresh = unit_vectors(rng, 13)
    index.update(deleted, np.r_[replaced, added], fresh)

    current = dict(zip(ids.tolist(), vectors, strict=True))
    for id_ in deleted.tolist():
        del current[id_]
    current.update(zip(np.r_[replaced, added].tolist(), fresh, strict=True))
    expected_ids = np.array(sorted(current), dtype=np.int64)
    expected_vectors = np.vstack([current[i] for i in expected_ids.tolist()])

    assert len(index) == len(expected_ids)
    assert np.array_equal(index.ids(), expected_ids)
    queries = unit_vectors(rng, 20)
    _sims, found = index.search(queries, 10)
    assert np.array_equal(found, brute_force(expected_ids, expected_vectors, queries, 10))
    # A replaced vector is served in its new form, also when asked for by id.
    assert np.allclose(index.reconstruct(int(replaced[0])), fresh[0])
    assert not set(deleted.tolist()) & set(found.ravel().tolist())


def test_hnsw_asks_for_compaction_once_changes_pile_up(data):
    rng, ids, vectors = data
    index = VectorIndex(DIM, approximate_above=0, compact_above=0.05)
    index.build(ids, vectors)
    index.update(np.array([], np.int64), ids[:10], unit_vectors(rng, 10))
    assert index.pending == 20
    assert index.needs_compaction
    small = VectorIndex(DIM, approximate_above=0, compact_above=0.05)
    small.build(ids, vectors)
    small.update(ids[:3], np.array([], np.int64), np.empty((0, DIM), np.float32))
    assert small.pending == 3
    assert not small.needs_compaction
    exact = VectorIndex(DIM)
    exact.build(ids, vectors)
    exact.update(ids[:100], np.array([], np.int64), np.empty((0, DIM), np.float32))
    assert exact.pending == 0
    assert not exact.needs_compaction


def test_saved_files_round_trip_and_bad_files_are_refused(data, tmp_path):
    _rng, ids, vectors = data
    index = VectorIndex(DIM, approximate_above=0)
    index.build(ids, vectors)
    path = tmp_path / "product-test.faiss"
    meta = IndexMeta(model="m", data_version="v1", kind="hnsw", count=len(ids), dim=DIM,
                     synced_at="2026-01-01T00:00:00+00:00")
    index.save(path, meta)
    loaded, loaded_meta = VectorIndex.load(path)
    assert loaded_meta == meta
    assert loaded.kind == "hnsw"
    assert len(loaded) == len(ids)
    assert not list(tmp_path.glob(".tmp-*"))
    path.write_bytes(path.read_bytes()[: 1000])        # truncated
    assert VectorIndex.load(path) is None
    path.unlink()                                       # missing
    assert VectorIndex.load(path) is None


WORD = re.compile(r"\w+")


def regex_terms(text):
    """The definition: bigrams inside each word, one-letter words as themselves."""
    terms = Counter()
    for word in WORD.findall(text.lower()):
        terms.update([word] if len(word) == 1 else [word[i:i + 2] for i in range(len(word) - 1)])
    return terms


@pytest.mark.parametrize("text", [
    "현미 쌀국수\n밀가루 없이 현미로만 만든 글루텐프리 건면 쌀국수입니다.",
    "Green-tea cream (50 ml), SPF50+; a b c_d", "İstanbul Straße ﬁ ǅ", "😀x 𝔘𝔫𝔦 x", "", "가",
])
def test_terms_follow_the_regular_expression_definition(text):
    counts = term_counts([text, "other text", text])
    expected = regex_terms(text)
    for row in (0, 2):
        assert counts[row].sum() == sum(expected.values())
        assert counts[row].nnz <= len(expected)        # hashed: collisions may merge terms
    assert counts.shape == (3, HASH_BUCKETS)
    # Same text, same terms, in another call too (the hash is stable).
    assert (term_counts([text])[0] != counts[0]).nnz == 0
