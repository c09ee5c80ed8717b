"""Ranking suppliers for a query: a buyer's profile, or any text an SME searches partners with.

`rank_query` is the query side of the engine, with no Buyer row needed:

    rank_query(MatchQuery(text="금형 제작 파트너", language="ko", required=["ISO 9001"],
                          hs_codes=["848071"], country="KR", exclude={own_company_id}),
               limit=20) -> list[PairScore]   # suppliers, best first, with their evidence

`MatchQuery` fields: `text` (what is sought, any language), `language` (the searcher's, ISO
639-1), `required` (certification names stated as mandatory; more are read from the text),
`hs_codes` (2-6 digits), `country` (ISO 3166 alpha-2: suppliers already exporting there rank a
little higher), `exclude` (company ids not to show). A buyer's ranking (services.
rank_suppliers) is the same call with the buyer's stored vectors and facts filled in.

Which ranking is served: the fast model's alone until the second model's vectors of every
product and buyer are stored (app.matching.second), then both models' per-buyer standardised
similarities averaged (`Ranking.fused`).
"""

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select

from app.catalogue.models import Certification
from app.extensions import db
from app.matching.arrays import BuyerFacts, query_facts
from app.matching.engine import engine
from app.matching.requirements import need_text, split_needs
from app.matching.scoring import (
    WEIGHTS,
    PairScore,
    Semantic,
    Weights,
    aggregate,
    product_scores,
    scale_of,
)

EXACT_UP_TO = 20_000   # below this many products every product is scored: exact ranking
CANDIDATES = 2_000     # above it, the products nearest in meaning (to the text or a need)


@dataclass
class MatchQuery:
    text: str
    language: str = "en"
    required: list[str] = field(default_factory=list)
    hs_codes: list[str] = field(default_factory=list)
    country: str = ""
    exclude: set[int] = field(default_factory=set)
    # Filled in for a buyer (stored vectors, cached facts); computed from `text` otherwise.
    facts: BuyerFacts | None = None
    vectors: dict[bool, np.ndarray] = field(default_factory=dict)   # second? -> (dim,)
    needs: dict[bool, np.ndarray | None] = field(default_factory=dict)  # -> (needs, dim)
    scales: dict[bool, tuple] = field(default_factory=dict)  # -> ((mean, sd), need scales)
    hits: dict[bool, tuple] = field(default_factory=dict)  # -> searched (queries, sims, ids)


def candidate_count(products: int) -> int:
    return products if products <= EXACT_UP_TO else CANDIDATES


def fused_available(second: bool = True) -> bool:
    """Whether rankings now fuse both models (the match pages say which they show)."""
    matching = engine()
    return second and matching.second_ready()


def ranking_mode() -> str:
    """"both" (fused), "pending" (fast model while the second model's job runs) or "fast"
    (no second model configured): the match pages say which ranking they show."""
    matching = engine()
    if not matching.second_spec:
        return "fast"
    return "both" if matching.second_ready() else "pending"


def rank_query(query: MatchQuery, *, limit: int = 20, weights: Weights = WEIGHTS,
               second: bool = True, declined: set[int] | frozenset = frozenset()
               ) -> list[PairScore]:
    """Suppliers for `query`, best first (see the module's docstring); `second=False` ranks
    with the fast model only; `declined` companies are scored lower (services.lower_declined
    is the caller's)."""
    matching = engine()
    space = matching.space("product")
    if not len(space.index) or not ((query.text or "").strip() or query.vectors):
        return []
    table = matching.product_table()
    facts = query.facts or query_facts(
        query.text, language=query.language, idf=table.idf,
        required=[name.casefold() for name in query.required], hs_codes=query.hs_codes,
        country=query.country, certification_names=certification_names())
    models = [False, True] if fused_available(second) else [False]
    k = candidate_count(len(space.index))
    found: dict[bool, tuple[np.ndarray, np.ndarray, int]] = {}
    for model in models:
        if model in query.hits:  # searched in a batch of many queries (pre-matching)
            found[model] = query.hits[model]
            continue
        queries = stacked(*_vectors(query, model))
        sims, ids = matching.space("product", second=model).index.search(queries, k)
        found[model] = (queries, sims, ids)
    candidates = np.unique(np.concatenate([ids[ids >= 0] for _q, _s, ids in found.values()]))
    semantic = Semantic([])
    for model in models:
        queries, sims, ids = found[model]
        values = _aligned(queries, sims, ids, candidates, model)
        scales = query.scales.get(model) or _scales(queries, model)
        semantic.whole.append(values[0])
        semantic.scale.append(scales[0])
        if len(queries) > 1:
            semantic.needs.append(values[1:])
            semantic.need_scale.append(scales[1])
    rows = table.rows_of(candidates)
    features = product_scores(table, rows, semantic, facts, weights)
    skip = set(query.exclude)
    return aggregate(table, rows, features, facts, weights, limit=limit + len(declined),
                     skip=skip)


def stacked(whole: np.ndarray, needs: np.ndarray | None) -> np.ndarray:
    """The rows searched for a query: its whole text, then each need."""
    return np.vstack([whole[None, :], *([needs] if needs is not None else [])])


def certification_names() -> list[str]:
    return engine().cached("certification_names", ("product",), lambda: list(
        db.session.scalars(select(Certification.name))))


def _vectors(query: MatchQuery, second: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """The query's whole-text vector and its needs' (None for one need) under a model."""
    if second in query.vectors:
        return query.vectors[second], query.needs.get(second)
    embedder = engine().model(second)
    names = certification_names()
    needs = split_needs(query.text, names)
    text = need_text(query.text, names)
    vectors = embedder.embed([text, *needs] if len(needs) > 1 else [text], kind="query")
    return vectors[0], (vectors[1:] if len(needs) > 1 else None)


def _aligned(queries: np.ndarray, sims: np.ndarray, ids: np.ndarray, candidates: np.ndarray,
             second: bool) -> np.ndarray:
    """(queries, candidates) cosines from the searches. A candidate one query's search did
    not return (another query's did: a need, or the other model) gets that query's lowest
    returned cosine, which bounds it from above: reading its vector from an approximate
    index costs more than the rest of the ranking."""
    out = np.full((len(queries), len(candidates)), np.nan, dtype=np.float32)
    for row in range(len(queries)):
        keep = ids[row] >= 0
        at = np.searchsorted(candidates, ids[row][keep])
        out[row, at] = sims[row][keep]
        missing = np.isnan(out[row])
        if missing.any():
            out[row, missing] = sims[row][keep].min() if keep.any() else -1.0
    return out


def _scales(queries: np.ndarray, second: bool, split: bool = True) -> tuple:
    """Mean and spread of each query's similarities over the reference products: of the
    first (the whole text) and of the others (its needs), or of all when not `split`."""
    reference, _token = engine().reference(second)
    if not len(reference) or reference.shape[1] != queries.shape[1]:
        means, sds = np.zeros(len(queries)), np.ones(len(queries))
    else:
        means, sds = scale_of(queries @ reference.T)
    if not split:
        return (means, sds), None
    return (float(means[0]), float(sds[0])), (means[1:], sds[1:])


def buyer_scales(second: bool) -> dict[int, tuple]:
    """Per buyer: ((mean, sd) of the whole text, (means, sds) of its needs) over the
    reference products, computed for every buyer at once per buyer data version and
    reference sample."""
    matching = engine()

    def compute() -> dict[int, tuple]:
        vectors, needs = matching.buyer_vectors(second), matching.need_vectors(second)
        if not vectors:
            return {}
        ids = list(vectors)
        (means, sds), _none = _scales(np.vstack([vectors[i] for i in ids]), second, split=False)
        return {buyer_id: ((float(means[n]), float(sds[n])),
                           _scales(needs[buyer_id], second, split=False)[0]
                           if buyer_id in needs else None)
                for n, buyer_id in enumerate(ids)}

    name = "buyer_scales" + ("_second" if second else "")
    token = matching.reference(second)[1]
    return matching.cached(name, ("buyer",), compute, second=second, extra=(token,))


def buyer_query(buyer_id: int, facts: BuyerFacts, *, second: bool = True,
                exclude: set[int] | None = None) -> MatchQuery | None:
    """A buyer's query: stored vectors and cached facts (None when not embedded yet)."""
    matching = engine()
    query = MatchQuery(text="", language=facts.language, country=facts.country,
                       exclude=exclude or set(), facts=facts)
    for model in ([False, True] if fused_available(second) else [False]):
        vector = matching.buyer_vector(buyer_id, model)
        if vector is None:
            if not model:
                return None
            continue
        query.vectors[model] = vector
        query.needs[model] = matching.need_vectors(model).get(buyer_id)
        query.scales[model] = buyer_scales(model).get(buyer_id)
    return query
