"""Shared by the benchmarks: an app on a throw-away SQLite database, and the shared scorer."""

import importlib.util
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO))


def scratch_app(**config):
    """A fresh app and database in a temporary folder, schema built by the migrations."""
    import flask_migrate

    from app import create_app
    from app.config import Config

    folder = Path(tempfile.mkdtemp(prefix="expomatch-bench-"))
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'bench.db'}",
                     MATCHING_INDEX_DIR=str(folder / "index"), IMPORT_MAX_ROWS=1_000_000,
                     MAX_CONTENT_LENGTH=1 << 30, **config)
    with app.app_context():
        flask_migrate.upgrade()
    return app


def scorer():
    """../shared/tools/score_matches.py as a module, so figures compare with everyone's."""
    spec = importlib.util.spec_from_file_location("score_matches",
                                                  SHARED / "tools" / "score_matches.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def evaluate(qrels: dict, run: dict[str, list[str]]) -> tuple[float, float, float, float]:
    """nDCG@10, Recall@10, MRR@10, P@5 averaged over judged buyers, as score_matches.py does."""
    score = scorer()
    totals = [0.0] * 4
    for buyer, judged in qrels.items():
        for i, value in enumerate(score.score_one(judged, score.dedupe(run.get(buyer, [])))):
            totals[i] += value
    return tuple(t / len(qrels) for t in totals)
