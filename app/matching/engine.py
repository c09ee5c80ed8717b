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

from app.auth.models import utcnow
from app.extensions import db
from app.matching.embedders import Embedder, load_embedder
from app.matching.index import IndexMeta, VectorIndex
from app.matching.tables import BuyerFacts, ProductTable, all_buyer_facts
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
    """One side's index and the data version and time it reflects."""

    index: VectorIndex
    version: str
    synced_at: datetime


class MatchingEngine:
    def __init__(self, app: Flask) -> None:
        self.spec = app.config["MATCHING_EMBEDDER"]
        self.index_dir = Path(app.config["MATCHING_INDEX_DIR"])
        self.index_options = {"approximate_above": app.config["MATCHING_APPROXIMATE_ABOVE"]}
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

    def _cached(self, name: str, kinds: tuple[str, ...], build):
        """`build()` once per data version of the given sides."""
        key = tuple(self.space(kind).version for kind in kinds)
        cached = self._derived.get(name)
        if cached is None or cached[0] != key:
            with self._lock:
                cached = (key, build())
                self._derived[name] = cached
        return cached[1]

    def product_table(self) -> ProductTable:
        return self._cached("products", ("product",), ProductTable.load)

    def buyer_facts(self) -> dict[int, BuyerFacts]:
        table = self.product_table()
        return self._cached("buyers", ("product", "buyer"),
                            lambda: {f.id: f for f in all_buyer_facts(table.idf)})

    def buyer_vector(self, buyer_id: int) -> np.ndarray | None:
        return self._cached("buyer_vectors", ("buyer",), self._load_buyer_vectors).get(buyer_id)

    def _load_buyer_vectors(self) -> dict[int, np.ndarray]:
        ids, vectors = load_vectors("buyer", self.embedder.name, self.embedder.dim)
        return dict(zip(ids.tolist(), vectors, strict=True))

    def product_vectors(self, product_ids: np.ndarray) -> np.ndarray:
        index = self.space("product").index.index
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
        if space is not None and space.version == version:
            return space
        with self._lock:
            return self._catch_up(kind, version, progress)

    def _catch_up(self, kind: str, version: str, progress: Progress | None) -> Space:
        embedder = self.embedder
        space = self._spaces.get(kind) or self._from_disk(kind, version)
        if space is not None and space.version == version:
            self._spaces[kind] = space
            return space
        started = utcnow()
        embedded = sync_embeddings(kind, embedder, progress)
        if embedded:
            # Stored vectors are the index's source of truth: commit them before the index
            # file that reflects them is written.
            db.session.commit()
        if space is not None:
            changed_ids, changed = load_vectors(kind, embedder.name, embedder.dim,
                                                since=space.synced_at)
            removed = np.setdiff1d(space.index.ids(), stored_ids(kind, embedder.name))
            if not space.index.update(removed, changed_ids, changed):
                space = None
        if space is None:
            ids, vectors = load_vectors(kind, embedder.name, embedder.dim)
            index = VectorIndex(embedder.dim, **self.index_options)
            index.build(ids, vectors)
            space = Space(index, version, started)
        space = Space(space.index, version, started)
        space.index.save(self.path(kind), IndexMeta(
            model=embedder.name, data_version=version, kind=space.index.kind,
            count=len(space.index), dim=embedder.dim))
        self._spaces[kind] = space
        return space

    def _from_disk(self, kind: str, version: str) -> Space | None:
        loaded = VectorIndex.load(self.path(kind), **self.index_options)
        if loaded is None:
            return None
        index, meta = loaded
        if meta.model != self.embedder.name or meta.data_version != version:
            return None
        return Space(index, version, utcnow())

    def rebuild(self, progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
        """Re-embed what changed and rebuild both indexes from the stored vectors."""
        sizes = {}
        with self._lock:
            self._spaces.clear()
            for kind in KINDS:
                self.path(kind).unlink(missing_ok=True)
                space = self._catch_up(kind, data_version(kind), (
                    (lambda done, total, k=kind: progress(k, done, total)) if progress else None))
                sizes[kind] = len(space.index)
        return sizes


def engine() -> MatchingEngine:
    return current_app.extensions["matching"]


def init_app(app: Flask) -> None:
    from app.matching import versioning

    versioning.install()
    app.extensions["matching"] = MatchingEngine(app)
