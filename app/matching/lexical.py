"""Character bigrams: a lexical signal that works for Korean without a tokenizer.

A term is a character bigram inside a word (a one-letter word counts as itself), lower-cased;
"word" is what `re`'s `\\w` matches. Terms are hashed into HASH_BUCKETS columns and scored as
BM25 (k1, b below) in sparse matrices.

Written by hand, with numpy over the code points of the whole corpus at once: pairs are scored
in both directions over candidate subsets, which BM25 libraries (bm25s, rank-bm25) that score a
whole corpus per query do not offer, and a per-word Python loop took 13-28 s for 100k products,
where this takes about one.
"""

import numpy as np
from scipy import sparse

K1 = 1.2
B = 0.75
HASH_BUCKETS = 1 << 20
_SHIFT = np.uint64(64 - 20)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: stable across processes
_PLANES = 0x110000  # code points


def _word_table() -> np.ndarray:
    """Per code point of the Basic Multilingual Plane: is it a `\\w` character?"""
    table = np.zeros(0x10000, dtype=bool)
    for point in range(0x10000):
        char = chr(point)
        table[point] = char.isalnum() or char == "_"
    return table


_WORD_BMP = _word_table()


def _is_word(points: np.ndarray) -> np.ndarray:
    inside = points < 0x10000
    word = np.zeros(len(points), dtype=bool)
    word[inside] = _WORD_BMP[points[inside]]
    for index in np.flatnonzero(~inside):  # rare: other planes (historic scripts, emoji)
        char = chr(int(points[index]))
        word[index] = char.isalnum() or char == "_"
    return word


def term_counts(texts: list[str]) -> sparse.csr_matrix:
    """(len(texts), HASH_BUCKETS) counts of each text's hashed bigram terms."""
    n = len(texts)
    lowered = [text.lower() for text in texts]
    joined = "\n".join(lowered)  # "\n" is no word character
    encoded = joined.encode("utf-32-le", "surrogatepass")
    points = np.frombuffer(encoded, dtype=np.uint32).astype(np.int64)
    if not len(points):
        return sparse.csr_matrix((n, HASH_BUCKETS), dtype=np.float32)
    word = _is_word(points)
    before = np.r_[False, word[:-1]]
    after = np.r_[word[1:], False]
    pair_at = np.flatnonzero(word & after)                 # first letter of each bigram
    single_at = np.flatnonzero(word & ~before & ~after)    # one-letter words
    keys = np.concatenate([points[pair_at] * _PLANES + points[pair_at + 1] + _PLANES,
                           points[single_at]]).astype(np.uint64)
    buckets = ((keys * _GOLDEN) >> _SHIFT).astype(np.int64)
    # The document of a position, from the texts' lengths (texts may hold "\n" themselves).
    lengths = np.fromiter((len(text) for text in lowered), dtype=np.int64, count=n)
    starts = np.r_[0, np.cumsum(lengths + 1)[:-1]]
    docs = np.searchsorted(starts, np.concatenate([pair_at, single_at]), side="right") - 1
    matrix = sparse.csr_matrix((np.ones(len(buckets), np.float32), (docs, buckets)),
                               shape=(n, HASH_BUCKETS))
    matrix.sum_duplicates()
    return matrix


def bm25_weights(counts: sparse.csr_matrix) -> tuple[sparse.csr_matrix, np.ndarray]:
    """BM25 document weights of term counts, and the terms' inverse document frequency."""
    n = counts.shape[0]
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    average = lengths.mean() if n else 1.0
    df = np.bincount(counts.indices, minlength=HASH_BUCKETS).astype(np.float32)
    idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
    norm = K1 * (1 - B + B * lengths / (average or 1.0))
    row_norm = np.repeat(norm, np.diff(counts.indptr)).astype(np.float32)
    weights = counts.copy()
    weights.data = counts.data * (K1 + 1) / (counts.data + row_norm)
    return weights, idf


def query_terms(texts: list[str]) -> sparse.csr_matrix:
    """1 where a query holds a term (queries score terms present or not, not counted)."""
    present = term_counts(texts)
    present.data[:] = 1.0
    return present


def query_vectors(texts: list[str], idf: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Each query's IDF-weighted terms, and its score against itself."""
    return weigh_queries(query_terms(texts), idf)


def weigh_queries(present: sparse.csr_matrix, idf: np.ndarray
                  ) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Query terms weighted by IDF, and each query's score against itself."""
    vectors = present.multiply(idf[None, :]).tocsr().astype(np.float32)
    # A document that is the query itself, at average length, scores about the idf sum.
    return vectors, np.asarray(vectors.sum(axis=1)).ravel()
