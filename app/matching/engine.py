"""The matching engine of one process: the embedder and both FAISS indexes, loaded on first use.

It lives in `app.extensions["matching"]`. Before every use it compares the database's data
version with the one its indexes reflect: a moved version is caught up incrementally (or by a
rebuild, or by loading a newer index file another worker saved), never served stale.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from flask import Flask, current_app

from app.core.db import utcnow
from app.extensions import db
from app.matching.embedders import Embedder, load_embedder
from app.matching.index import IndexMeta, VectorIndex
from app.matching.tables import BuyerFacts, BuyerTerms, ProductTable
from app.matching.vectors import (
    Progress,
    data_version,
    load_vectors,
    stored_ids,
    sync_embeddings,
)

KINDS = ("product", "buyer")


@dataclass
class Space:
    """One side's index, the data version it reflects, when its vectors were read, and the
    modification time of the index file it was loaded from or saved as."""

    index: VectorIndex
    version: str
    synced_at: datetime
    file_mtime: float = 0.0


class MatchingEngine:
    def __init__(self, app: Flask) -> None:
        self.spec = app.config["MATCHING_EMBEDDER"]
        self.index_dir = Path(app.config["MATCHING_INDEX_DIR"])
        self.index_options = {"approximate_above": app.config["MATCHING_APPROXIMATE_ABOVE"]}
        self.on_compaction_needed: Callable[[str], None] = request_compaction
        self.threads = app.config["MATCHING_FAISS_THREADS"]
        self._embedder: Embedder | None = None
        self._spaces: dict[str, Space] = {}
        self._derived: dict[str, tuple[tuple[str, ...], object]] = {}
        self._lock = threading.RLock()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    import faiss

                    faiss.omp_set_num_threads(self.threads)
                    self._embedder = load_embedder(self.spec)
        return self._embedder

    def use_embedder(self, embedder: Embedder) -> None:
        """Swap the model (tests, benchmarks); indexes follow on next use."""
        with self._lock:
            self._embedder = embedder
            self._spaces.clear()
            self._derived.clear()

    def _cached(self, name: str, key: tuple, build):
        """`build()` once per `key` (data versions): threads that waited for the lock while
        another built it take that one instead of building it again."""
        cached = self._derived.get(name)
        if cached is None or cached[0] != key:
            with self._lock:
                cached = self._derived.get(name)
                if cached is None or cached[0] != key:
                    cached = (key, build())
                    self._derived[name] = cached
        return cached[1]

    def _versions(self, *kinds: str) -> tuple[str, ...]:
        return tuple(self.space(kind).version for kind in kinds)

    def cached(self, name: str, kinds: tuple[str, ...], build):
        """`build()` once per data version of the given sides (for what is derived from
        them, such as the filters of the match pages)."""
        return self._cached(name, self._versions(*kinds), build)

    def product_table(self) -> ProductTable:
        def load() -> ProductTable:
            previous = self._derived.get("products")
            return ProductTable.load(previous[1] if previous else None)

        return self._cached("products", self._versions("product"), load)

    def buyer_facts(self) -> dict[int, BuyerFacts]:
        """Every buyer's facts: their terms are read once per buyer data version, and weighted
        again only when the products' term statistics (IDF) change, not on every edit."""
        table = self.product_table()
        terms = self._cached("buyer_terms", self._versions("buyer"), BuyerTerms.load)
        return self._cached("buyers", (*self._versions("buyer"), table.lexical_generation),
                            lambda: {f.id: f for f in terms.facts(table.idf)})

    def buyer_vector(self, buyer_id: int) -> np.ndarray | None:
        return self.buyer_vectors().get(buyer_id)

    def buyer_vectors(self) -> dict[int, np.ndarray]:
        return self._cached("buyer_vectors", self._versions("buyer"), self._load_buyer_vectors)

    def _load_buyer_vectors(self) -> dict[int, np.ndarray]:
        ids, vectors = load_vectors("buyer", self.embedder.name, self.embedder.dim)
        return dict(zip(ids.tolist(), vectors, strict=True))

    def product_vectors(self, product_ids: np.ndarray) -> np.ndarray:
        index = self.space("product").index
        return np.vstack([index.reconstruct(int(pid)) for pid in product_ids])

    def path(self, kind: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.embedder.name)
        return self.index_dir / f"{kind}-{safe}.faiss"

    def loaded_space(self, kind: str) -> Space | None:
        """This process's index of one side as it is, without catching up."""
        return self._spaces.get(kind)

    def space(self, kind: str, progress: Progress | None = None) -> Space:
        """The up-to-date index of one side (embedding whatever changed first)."""
        version = data_version(kind)
        space = self._spaces.get(kind)
        if space is not None and space.version == version and not self._newer_file(kind, space):
            return space
        with self._lock:
            return self._catch_up(kind, version, progress)

    def _newer_file(self, kind: str, space: Space) -> bool:
        """Whether a compacted index was saved (by the job queue) since this one was loaded:
        only asked while this process holds changes beside its HNSW graph."""
        if not space.index.pending:
            return False
        try:
            return self.path(kind).with_suffix(".json").stat().st_mtime > space.file_mtime
        except OSError:
            return False

    def _catch_up(self, kind: str, version: str, progress: Progress | None) -> Space:
        embedder = self.embedder
        space = self._spaces.get(kind)
        if space is None or self._newer_file(kind, space):
            space = self._from_disk(kind) or space
        if space is not None and space.version == version:
            self._spaces[kind] = space
            return space
        started = utcnow()
        if sync_embeddings(kind, embedder, progress):
            # Stored vectors are the index's source of truth: commit them before the index
            # file that reflects them is written, and release their row locks before other
            # threads of this process (waiting on this engine's lock) need those rows.
            db.session.commit()
        if space is None:
            space = self._build(kind, version, started)
        else:
            changed_ids, changed = load_vectors(kind, embedder.name, embedder.dim,
                                                since=space.synced_at)
            removed = np.setdiff1d(space.index.ids(), stored_ids(kind, embedder.name))
            space.index.update(removed, changed_ids, changed)
            # Not saved: a starting worker loads the last built file and catches up from the
            # database the same way, and an edit costs no file write per worker.
            space = Space(space.index, version, started, space.file_mtime)
        self._spaces[kind] = space
        if space.index.needs_compaction:
            self.on_compaction_needed(kind)
        return space

    def _build(self, kind: str, version: str, started: datetime) -> Space:
        """A new index of every stored vector of one side, saved for the other workers."""
        ids, vectors = load_vectors(kind, self.embedder.name, self.embedder.dim)
        index = VectorIndex(self.embedder.dim, **self.index_options)
        index.build(ids, vectors)
        space = Space(index, version, started)
        space.file_mtime = self._save(kind, space)
        return space

    def _save(self, kind: str, space: Space) -> float:
        """Save for the other workers; a disk that refuses (full, read-only) costs them a
        rebuild of their own, not this request."""
        path = self.path(kind)
        try:
            space.index.save(path, IndexMeta(
                model=self.embedder.name, data_version=space.version, kind=space.index.kind,
                count=int(space.index.index.ntotal), dim=self.embedder.dim,
                synced_at=space.synced_at.isoformat()))
            return path.with_suffix(".json").stat().st_mtime
        except OSError:
            current_app.logger.warning("matching index %s not saved", path, exc_info=True)
            return 0.0

    def _from_disk(self, kind: str) -> Space | None:
        """The saved index of this model, whatever data version it reflects (the caller
        catches it up), or None when there is none or it cannot be read."""
        path = self.path(kind)
        loaded = VectorIndex.load(path, **self.index_options)
        if loaded is None:
            return None
        index, meta = loaded
        if meta.model != self.embedder.name or not meta.synced_at:
            return None
        try:
            synced_at = datetime.fromisoformat(meta.synced_at)
            mtime = path.with_suffix(".json").stat().st_mtime
        except (ValueError, OSError):
            return None
        return Space(index, meta.data_version, synced_at, mtime)

    def warm_up(self) -> None:
        """Load the model, both indexes and the match tables now rather than in the first
        requests that need them (app.warm_up, as each gunicorn worker starts)."""
        self.embedder.embed(["warm up"], kind="query")  # its tokenizer loads on first use
        for kind in KINDS:
            self.space(kind)
        self.buyer_facts()
        self.buyer_vectors()

    def rebuild(self, progress: Callable[[str, int, int], None] | None = None,
                kinds: tuple[str, ...] = KINDS) -> dict[str, int]:
        """Embed what changed and build the indexes anew from the stored vectors; the files
        are replaced only when the new ones are written, so workers keep serving meanwhile."""
        sizes = {}
        with self._lock:
            for kind in kinds:
                started = utcnow()
                if sync_embeddings(kind, self.embedder, (
                        (lambda done, total, k=kind: progress(k, done, total))
                        if progress else None)):
                    db.session.commit()
                space = self._build(kind, data_version(kind), started)
                self._spaces[kind] = space
                sizes[kind] = len(space.index)
        return sizes


def request_compaction(kind: str) -> None:
    """Rebuild an HNSW index that holds many changes beside its graph, in the job queue (once:
    not while such a job is queued or running)."""
    from app.matching import compaction

    compaction.request_compaction(kind)


def engine() -> MatchingEngine:
    return current_app.extensions["matching"]


def warm_up(app: Flask) -> None:
    """`MatchingEngine.warm_up` for a starting web worker: a database that is not there yet
    costs a warning, not the worker (the first requests then load what they need)."""
    with app.app_context():
        try:
            engine().warm_up()
        except Exception:  # noqa: BLE001 - any failure here is retried by the first request
            app.logger.warning("matching engine not warmed up", exc_info=True)
        finally:
            db.session.remove()


def init_app(app: Flask) -> None:
    from app.matching import versioning

    versioning.install()
    app.extensions["matching"] = MatchingEngine(app)
