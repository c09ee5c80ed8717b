"""Matching for the pages, the CLI and the benchmarks: rank, filter, remember preferences."""

from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, select

from app.auth.models import User
from app.auth.permissions import ensure_buyer_editor, ensure_company_editor, ensure_organiser
from app.buyers.models import Buyer
from app.catalogue import services as catalogue
from app.catalogue.models import Certification, Company, Product
from app.core.db import utcnow
from app.core.errors import DomainError
from app.extensions import db
from app.i18n import _l
from app.matching.engine import engine
from app.matching.models import (
    DeclinedPair,
    MatchPreference,
    MatchResult,
    MatchRun,
    Preference,
)
from app.matching.ranking import (  # noqa: F401 - EXACT_UP_TO, CANDIDATES: benchmarks
    CANDIDATES,
    EXACT_UP_TO,
    buyer_query,
    buyer_scales,
    candidate_count,
    fused_available,
    rank_query,
    stacked,
)
from app.matching.scoring import (
    WEIGHTS,
    PairScore,
    Rows,
    Semantic,
    Weights,
    aggregate,
    product_scores,
    score_matrix,
)

DECLINE_PENALTY = 0.15  # a declined request costs about what a held certification earns
PREMATCH_BATCH = 256   # buyers per index search when pre-matching everyone


class RunAlreadyPublished(DomainError):
    message = _l("This pre-matching is already published.")


@dataclass
class MatchFilters:
    region: str = ""
    certification: str = ""
    chapter: str = ""
    max_moq: int | None = None


def excluded_companies(buyer_id: int) -> set[int]:
    """Suppliers this buyer will not be shown: "no thanks" from either side."""
    return set(db.session.scalars(select(MatchPreference.company_id).where(
        MatchPreference.buyer_id == buyer_id, MatchPreference.choice == Preference.NO_THANKS)))


def excluded_buyers(company_id: int) -> set[int]:
    return set(db.session.scalars(select(MatchPreference.buyer_id).where(
        MatchPreference.company_id == company_id, MatchPreference.choice == Preference.NO_THANKS)))


def rank_suppliers(buyer: Buyer, *, limit: int = 20, weights: Weights = WEIGHTS,
                   exclude: set[int] | None = None, second: bool = True) -> list[PairScore]:
    """The suppliers best for `buyer`, best first: `ranking.rank_query` with the buyer's
    stored vectors (both models' once the second is complete, unless `second=False`)."""
    facts = engine().buyer_facts().get(buyer.id)
    query = None if facts is None else buyer_query(
        buyer.id, facts, second=second, exclude=excluded_companies(buyer.id) | (exclude or set()))
    if query is None:
        return []
    declined = declined_companies(buyer.id)
    pairs = rank_query(query, limit=limit, weights=weights, second=second, declined=declined)
    return lower_declined(pairs, declined, key="company_id")[:limit]


def rank_buyers(company: Company, *, limit: int = 20, weights: Weights = WEIGHTS
                ) -> list[PairScore]:
    """The buyers best for `company`, scored exactly as the buyers' own rankings score it."""
    matching = engine()
    matching.space("product")
    table = matching.product_table()
    rows = table.company_rows.get(company.id)
    buyer_space = matching.space("buyer")
    if rows is None or not len(buyer_space.index):
        return []
    vectors = matching.product_vectors(table.ids[rows])
    k = min(len(buyer_space.index), 1_000)
    _sims, candidate_ids = buyer_space.index.search(vectors, k)
    candidates = np.unique(candidate_ids[candidate_ids >= 0])
    facts, buyer_vectors = matching.buyer_facts(), matching.buyer_vectors()
    excluded = excluded_buyers(company.id)
    kept = [buyer_id for buyer_id in candidates.tolist()
            if buyer_id not in excluded and buyer_id in facts and buyer_id in buyer_vectors]
    if not kept:
        return []
    models = [False, True] if fused_available() else [False]
    semantics = semantics_of(table.ids[rows], kept, models)
    declined = declined_buyers(company.id)
    markets = table.export_countries.get(company.id, frozenset())
    # Every candidate's score first, all at once; the explained pairs (evidence per product)
    # only for the ones shown: building evidence for hundreds of buyers took most of the time.
    sliced = Rows.of(table, rows)
    kept_facts = [facts[buyer_id] for buyer_id in kept]
    scores = (score_matrix(table, sliced, semantics, kept_facts, weights).max(axis=0)
              + weights.export * np.array([b.country in markets for b in kept_facts])
              - DECLINE_PENALTY * np.array([b.id in declined for b in kept_facts]))
    pairs = []
    for column in np.argsort(-scores, kind="stable")[:limit].tolist():
        buyer = facts[kept[column]]
        features = product_scores(table, sliced, semantics[column], buyer, weights)
        pairs.extend(aggregate(table, rows, features, buyer, weights))
    return lower_declined(pairs, declined, key="buyer_id")


def semantics_of(product_ids: np.ndarray, buyer_ids: list[int], models: list[bool]
                 ) -> list[Semantic]:
    """Per buyer, the Semantic of these products, as the buyer's own ranking computes it."""
    matching = engine()
    out = [Semantic([]) for _buyer in buyer_ids]
    for model in models:
        products = matching.product_vectors(product_ids, model)
        vectors, needs = matching.buyer_vectors(model), matching.need_vectors(model)
        scales = buyer_scales(model)
        whole = products @ np.vstack([vectors[b] for b in buyer_ids]).T  # products x buyers
        for column, buyer_id in enumerate(buyer_ids):
            semantic = out[column]
            semantic.whole.append(whole[:, column])
            semantic.scale.append(scales[buyer_id][0])
            if buyer_id in needs:
                semantic.needs.append(needs[buyer_id] @ products.T)
                semantic.need_scale.append(scales[buyer_id][1])
    return out


def declined_companies(buyer_id: int) -> set[int]:
    return set(db.session.scalars(select(DeclinedPair.company_id).where(
        DeclinedPair.buyer_id == buyer_id)))


def declined_buyers(company_id: int) -> set[int]:
    return set(db.session.scalars(select(DeclinedPair.buyer_id).where(
        DeclinedPair.company_id == company_id)))


def lower_declined(pairs: list[PairScore], declined: set[int], key: str) -> list[PairScore]:
    """Pairs whose meeting request was declined rank lower, best first."""
    for pair in pairs:
        if getattr(pair, key) in declined:
            pair.score -= DECLINE_PENALTY
    return sorted(pairs, key=lambda pair: -pair.score)


def record_decline(buyer: Buyer, company: Company, side: str) -> None:
    """Called by the expo when a meeting request between the two is declined."""
    if db.session.get(DeclinedPair, (buyer.id, company.id)) is None:
        db.session.add(DeclinedPair(buyer_id=buyer.id, company_id=company.id, declined_by=side))
    db.session.flush()


def filter_choices() -> dict[str, list[str]]:
    """What a buyer can filter matches by (regions, certifications and HS chapters that
    suppliers have), read once per product data version rather than on every page."""
    return engine().cached("filter_choices", ("product",), lambda: {
        "regions": catalogue.region_names(), "chapters": catalogue.chapters_in_use(),
        "certifications": catalogue.certifications_in_use()})


def filter_pairs(pairs: list[PairScore], filters: MatchFilters) -> list[PairScore]:
    """Keep pairs whose supplier fits the buyer's filters (region, certification, HS, MOQ)."""
    if not (filters.region or filters.certification or filters.chapter or filters.max_moq):
        return pairs
    stmt = select(Company.id).where(Company.id.in_([p.company_id for p in pairs]))
    if filters.region:
        stmt = stmt.where(Company.region_ko.startswith(filters.region, autoescape=True))
    product_conditions = []
    if filters.certification:
        product_conditions.append(Product.certifications.any(
            Certification.name == filters.certification))
    if filters.chapter:
        product_conditions.append(Product.hs_code.startswith(filters.chapter, autoescape=True))
    if product_conditions:
        stmt = stmt.where(Company.products.any(*product_conditions))
    allowed = set(db.session.scalars(stmt))
    pairs = [p for p in pairs if p.company_id in allowed]
    if filters.max_moq:
        quantities = {p.id: leading_number(p.moq) for p in db.session.scalars(select(Product).where(
            Product.id.in_([e.product_id for pair in pairs for e in pair.products])))}
        pairs = [p for p in pairs if (q := quantities.get(p.best.product_id)) is None
                 or q <= filters.max_moq]
    return pairs


def leading_number(text: str | None) -> int | None:
    """The quantity of an MOQ such as "500 boxes" or "1,000 units"; None if there is none."""
    digits = ""
    for char in (text or "").replace(",", "").strip():
        if char.isdigit():
            digits += char
        elif digits:
            break
    return int(digits) if digits else None


def set_preference(buyer: Buyer, company: Company, choice: Preference | None, *, side: str,
                   by: User) -> None:
    """Meet / Must meet / No thanks from one side; None clears it."""
    if side == "buyer":
        ensure_buyer_editor(by, buyer.id)
    else:
        ensure_company_editor(by, company.id)
    db.session.execute(delete(MatchPreference).where(
        MatchPreference.buyer_id == buyer.id, MatchPreference.company_id == company.id,
        MatchPreference.side == side))
    if choice is not None:
        db.session.add(MatchPreference(buyer_id=buyer.id, company_id=company.id, side=side,
                                       choice=Preference(choice)))
    db.session.flush()


def preferences_of_buyer(buyer_id: int) -> dict[int, str]:
    return dict(db.session.execute(select(MatchPreference.company_id, MatchPreference.choice)
                                   .where(MatchPreference.buyer_id == buyer_id,
                                          MatchPreference.side == "buyer")).all())


def preferences_of_company(company_id: int) -> dict[int, str]:
    return dict(db.session.execute(select(MatchPreference.buyer_id, MatchPreference.choice)
                                   .where(MatchPreference.company_id == company_id,
                                          MatchPreference.side == "supplier")).all())


def prematch_all(*, top: int = 10, weights: Weights = WEIGHTS) -> dict[int, list[PairScore]]:
    """Every buyer's ranking, for runs and exports: batched index searches for all buyers
    (their texts and needs), preferences and declines read once, then scored exactly as
    `rank_suppliers` does."""
    matching = engine()
    space = matching.space("product")
    buyer_ids = db.session.scalars(select(Buyer.id).order_by(Buyer.id)).all()
    facts = matching.buyer_facts()
    rankings: dict[int, list[PairScore]] = {buyer_id: [] for buyer_id in buyer_ids}
    if not len(space.index):
        return rankings
    skip, declined = _pairs_by_buyer(MatchPreference, MatchPreference.choice
                                     == Preference.NO_THANKS), _pairs_by_buyer(DeclinedPair)
    queries = {buyer_id: query for buyer_id in buyer_ids if buyer_id in facts and (
        query := buyer_query(buyer_id, facts[buyer_id], exclude=skip.get(buyer_id, set())))}
    searched = list(queries)
    k = candidate_count(len(space.index))
    for start in range(0, len(searched), PREMATCH_BATCH):
        chunk = searched[start:start + PREMATCH_BATCH]
        for model in queries[chunk[0]].vectors if chunk else ():
            rows = [stacked(queries[b].vectors[model], queries[b].needs.get(model))
                    for b in chunk]
            sims, ids = matching.space("product", second=model).index.search(np.vstack(rows), k)
            at = 0
            for buyer_id, searched_rows in zip(chunk, rows, strict=True):
                end = at + len(searched_rows)
                queries[buyer_id].hits[model] = (searched_rows, sims[at:end], ids[at:end])
                at = end
        for buyer_id in chunk:
            refused = declined.get(buyer_id, set())
            pairs = rank_query(queries[buyer_id], limit=top, weights=weights, declined=refused)
            rankings[buyer_id] = lower_declined(pairs, refused, key="company_id")[:top]
    return rankings


def _pairs_by_buyer(model, *conditions) -> dict[int, set[int]]:
    pairs: dict[int, set[int]] = {}
    for buyer_id, company_id in db.session.execute(
            select(model.buyer_id, model.company_id).where(*conditions)):
        pairs.setdefault(buyer_id, set()).add(company_id)
    return pairs


def create_run(by: User, *, top: int = 10) -> MatchRun:
    """Pre-match every buyer into a draft run for the organiser to review."""
    ensure_organiser(by)
    rankings = prematch_all(top=top)
    run = MatchRun(model=engine().embedder.name, top_n=top, created_by_id=by.id,
                   data_version=engine().space("product").version, status="draft")
    db.session.add(run)
    for buyer_id, pairs in rankings.items():
        for rank, pair in enumerate(pairs, start=1):
            run.results.append(MatchResult(buyer_id=buyer_id, company_id=pair.company_id,
                                           rank=rank, score=pair.score))
    db.session.flush()
    return run


def remove_result(result: MatchResult, by: User) -> None:
    ensure_organiser(by)
    if result.run.status == "published":
        raise RunAlreadyPublished()
    db.session.delete(result)
    db.session.flush()


def publish_run(run: MatchRun, by: User) -> None:
    """Publish one run; an earlier published run goes back to draft."""
    ensure_organiser(by)
    for other in db.session.scalars(select(MatchRun).where(MatchRun.status == "published")):
        other.status, other.published_at = "draft", None
    run.status, run.published_at = "published", utcnow()
    db.session.flush()


def published_picks(buyer_id: int | None = None, company_id: int | None = None) -> set[int]:
    """Counterparts the organisers recommend in the published run."""
    stmt = select(MatchResult).join(MatchRun).where(MatchRun.status == "published")
    if buyer_id is not None:
        return set(db.session.scalars(stmt.where(MatchResult.buyer_id == buyer_id)
                                      .with_only_columns(MatchResult.company_id)))
    return set(db.session.scalars(stmt.where(MatchResult.company_id == company_id)
                                  .with_only_columns(MatchResult.buyer_id)))


def pair_choices(buyer_id: int, company_id: int) -> list[str]:
    """What either side said of the pair (Must meet, Meet, No thanks)."""
    return list(db.session.scalars(select(MatchPreference.choice).where(
        MatchPreference.buyer_id == buyer_id, MatchPreference.company_id == company_id)))


def published_runs() -> list[MatchRun]:
    return list(db.session.scalars(select(MatchRun).where(MatchRun.status == "published")))


def export_rankings(top: int) -> dict[str, list[str]]:
    """{buyer_ref: [supplier_ref, ...]} as FORMATS.md's match export."""
    refs = dict(db.session.execute(select(Company.id, Company.supplier_ref)).all())
    buyer_refs = dict(db.session.execute(select(Buyer.id, Buyer.buyer_ref)).all())
    return {buyer_refs[buyer_id]: [refs[p.company_id] for p in pairs]
            for buyer_id, pairs in prematch_all(top=top).items()}


def index_status() -> list[dict]:
    """Per side: vectors indexed, the data version they reflect, and whether that is current."""
    from app.matching.vectors import data_version

    matching = engine()
    rows = []
    for kind in ("product", "buyer"):
        space = matching.loaded_space(kind)
        rows.append({"kind": kind, "model": matching.spec,
                     "indexed": len(space.index) if space else None,
                     "index_kind": space.index.kind if space else None,
                     "current": space is not None and space.version == data_version(kind)})
    return rows
