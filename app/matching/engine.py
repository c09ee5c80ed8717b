"""The matching engine of one process: the embedder and both FAISS indexes, loaded on first use.

It lives in `app.extensions["matching"]`. Before every use it compares the database's data
version with the one its indexes reflect: a moved version is caught up incrementally (or by a
rebuild, or by loading a newer index file another worker saved), never served stale.
"""

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from flask import Flask, current_app

from app.core.db import utcnow
from app.extensions import db
from app.matching.arrays import BuyerFacts, BuyerTerms, ProductTable
from app.matching.embedders import Embedder, load_embedder
from app.matching.index import IndexMeta, VectorIndex
from app.matching.vectors import (
    Progress,
    data_version,
    load_needs,
    load_vectors,
    missing_count,
    stored_ids,
    sync_embeddings,
)

KINDS = ("product", "buyer")
REFERENCE = 2_000  # products a buyer's similarities are standardised over
RESAMPLE_SHARE = 0.05  # the sample is drawn again when the catalogue grew or shrank this much
_TOKENS = itertools.count(1)


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
        self.second_spec = app.config.get("MATCHING_SECOND_EMBEDDER") or ""
        self._second: Embedder | None = None
        self.index_dir = Path(app.config["MATCHING_INDEX_DIR"])
        self.index_options = {"approximate_above": app.config["MATCHING_APPROXIMATE_ABOVE"]}
        self.on_compaction_needed: Callable[[str], None] = request_compaction
        self.threads = app.config["MATCHING_FAISS_THREADS"]
        self._embedder: Embedder | None = None
        self._spaces: dict[tuple[str, bool], Space] = {}
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

    @property
    def second_embedder(self) -> Embedder | None:
        """The second model (MATCHING_SECOND_EMBEDDER), or None when there is none."""
        if self._second is None and self.second_spec:
            with self._lock:
                if self._second is None:
                    self._second = load_embedder(self.second_spec)
        return self._second

    def model(self, second: bool = False) -> Embedder:
        return self.second_embedder if second else self.embedder

    def use_embedder(self, embedder: Embedder, second: Embedder | None = None) -> None:
        """Swap the model(s) (tests, benchmarks); indexes follow on next use."""
        with self._lock:
            self._embedder = embedder
            self._second = second
            self.second_spec = second.name if second is not None else ""
            self._spaces.clear()
            self._derived.clear()

    def second_ready(self) -> bool:
        """Whether every product and buyer has a current vector under the second model (then
        rankings fuse both models); when not, the job that embeds them is asked for once."""
        if not self.second_spec:
            return False
        def count() -> bool:
            name = self.second_embedder.name
            return missing_count("product", name) == 0 and missing_count("buyer", name) == 0

        ready = self._cached("second_ready", self._versions("product", "buyer") + (
            data_version("second"),), count)
        if not ready:
            self.on_second_needed()
        return ready

    def on_second_needed(self) -> None:
        from app.matching import second

        second.request_embedding()

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

    def cached(self, name: str, kinds: tuple[str, ...], build, second: bool = False,
               extra: tuple = ()):
        """`build()` once per data version of the given sides (for what is derived from
        them, such as the filters of the match pages), of the second model's vectors, and of
        whatever else `extra` holds."""
        extra = ((data_version("second"),) if second else ()) + extra
        return self._cached(name, self._versions(*kinds) + extra, build)

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

    def buyer_vector(self, buyer_id: int, second: bool = False) -> np.ndarray | None:
        return self.buyer_vectors(second).get(buyer_id)

    def buyer_vectors(self, second: bool = False) -> dict[int, np.ndarray]:
        versions = self._versions("buyer") + ((data_version("second"),) if second else ())
        return self._cached("buyer_vectors" + ("_second" if second else ""), versions,
                            lambda: self._load_buyer_vectors(second))

    def _load_buyer_vectors(self, second: bool) -> dict[int, np.ndarray]:
        model = self.model(second)
        ids, vectors = load_vectors("buyer", model.name, model.dim)
        return dict(zip(ids.tolist(), vectors, strict=True))

    def need_vectors(self, second: bool = False) -> dict[int, np.ndarray]:
        """Per buyer whose text states several needs: a vector per need."""
        model = self.model(second)
        versions = self._versions("buyer") + ((data_version("second"),) if second else ())
        return self._cached("needs" + ("_second" if second else ""), versions,
                            lambda: load_needs(model.name, model.dim))

    def product_vectors(self, product_ids: np.ndarray, second: bool = False) -> np.ndarray:
        index = self.space("product", second=second).index
        return np.vstack([index.reconstruct(int(pid)) for pid in product_ids])

    def reference(self, second: bool = False) -> tuple[np.ndarray, int]:
        """Vectors of up to REFERENCE products (a fixed sample), over which a buyer's
        similarities are standardised (the same scale whichever side asks), and a token that
        moves when they do: drawn again only when the catalogue's size moved by more than
        RESAMPLE_SHARE since (one edit does not move a catalogue's spread of similarities,
        and recomputing every buyer's scale per edit would cost every edit)."""
        name = "reference" + ("_second" if second else "")
        index = self.space("product", second=second).index
        cached = self._derived.get(name)
        if cached is not None and cached[0][0] == self.model(second).name and \
                abs(len(index) - cached[0][1]) <= RESAMPLE_SHARE * max(cached[0][1], 1) and \
                (len(index) > 0) == (cached[0][1] > 0):
            return cached[1]
        with self._lock:
            ids = index.ids()
            if len(ids) > REFERENCE:
                ids = np.sort(np.random.default_rng(0).choice(ids, REFERENCE, replace=False))
            vectors = self.product_vectors(ids, second) if len(ids) else np.zeros((0, 1))
            value = (vectors, next(_TOKENS))
            self._derived[name] = ((self.model(second).name, len(index)), value)
            return value

    def path(self, kind: str, second: bool = False) -> Path:
        name = self.model(second).name
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        return self.index_dir / f"{kind}-{safe}.faiss"

    def loaded_space(self, kind: str, second: bool = False) -> Space | None:
        """This process's index of one side as it is, without catching up."""
        return self._spaces.get((kind, second))

    def space(self, kind: str, progress: Progress | None = None, second: bool = False
              ) -> Space:
        """The up-to-date index of one side (embedding whatever changed first; the second
        model's only from the vectors its job stored)."""
        version = data_version(kind) + ("+" + data_version("second") if second else "")
        space = self._spaces.get((kind, second))
        if space is not None and space.version == version and \
                not self._newer_file(kind, space, second):
            return space
        with self._lock:
            return self._catch_up(kind, version, progress, second)

    def _newer_file(self, kind: str, space: Space, second: bool = False) -> bool:
        """Whether a compacted index was saved (by the job queue) since this one was loaded:
        only asked while this process holds changes beside its HNSW graph."""
        if not space.index.pending:
            return False
        try:
            return self.path(kind, second).with_suffix(".json").stat().st_mtime > \
                space.file_mtime
        except OSError:
            return False

    def _catch_up(self, kind: str, version: str, progress: Progress | None,
                  second: bool = False) -> Space:
        embedder = self.model(second)
        space = self._spaces.get((kind, second))
        if space is None or self._newer_file(kind, space, second):
            space = self._from_disk(kind, second) or space
        if space is not None and space.version == version:
            self._spaces[(kind, second)] = space
            return space
        started = utcnow()
        if not second and sync_embeddings(kind, embedder, progress):
            # Stored vectors are the index's source of truth: commit them before the index
            # file that reflects them is written, and release their row locks before other
            # threads of this process (waiting on this engine's lock) need those rows.
            db.session.commit()
        if space is None:
            space = self._build(kind, version, started, second)
        else:
            changed_ids, changed = load_vectors(kind, embedder.name, embedder.dim,
                                                since=space.synced_at)
            removed = np.setdiff1d(space.index.ids(), stored_ids(kind, embedder.name))
            space.index.update(removed, changed_ids, changed)
            # Not saved: a starting worker loads the last built file and catches up from the
            # database the same way, and an edit costs no file write per worker.
            space = Space(space.index, version, started, space.file_mtime)
        self._spaces[(kind, second)] = space
        if space.index.needs_compaction:
            self.on_compaction_needed(kind)
        return space

    def _build(self, kind: str, version: str, started: datetime, second: bool = False
               ) -> Space:
        """A new index of every stored vector of one side, saved for the other workers."""
        model = self.model(second)
        ids, vectors = load_vectors(kind, model.name, model.dim)
        index = VectorIndex(model.dim, **self.index_options)
        index.build(ids, vectors)
        space = Space(index, version, started)
        space.file_mtime = self._save(kind, space, second)
        return space

    def _save(self, kind: str, space: Space, second: bool = False) -> float:
        """Save for the other workers; a disk that refuses (full, read-only) costs them a
        rebuild of their own, not this request."""
        path = self.path(kind, second)
        model = self.model(second)
        try:
            space.index.save(path, IndexMeta(
                model=model.name, data_version=space.version, kind=space.index.kind,
                count=int(space.index.index.ntotal), dim=model.dim,
                synced_at=space.synced_at.isoformat()))
            return path.with_suffix(".json").stat().st_mtime
        except OSError:
            current_app.logger.warning("matching index %s not saved", path, exc_info=True)
            return 0.0

    def _from_disk(self, kind: str, second: bool = False) -> Space | None:
        """The saved index of this model, whatever data version it reflects (the caller
        catches it up), or None when there is none or it cannot be read."""
        path = self.path(kind, second)
        loaded = VectorIndex.load(path, **self.index_options)
        if loaded is None:
            return None
        index, meta = loaded
        if meta.model != self.model(second).name or not meta.synced_at:
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
        self.need_vectors()
        from app.matching.ranking import buyer_scales, certification_names

        certification_names()
        buyer_scales(False)

    def rebuild(self, progress: Callable[[str, int, int], None] | None = None,
                kinds: tuple[str, ...] = KINDS, second: bool = False) -> dict[str, int]:
        """Embed what changed and build the indexes anew from the stored vectors; the files
        are replaced only when the new ones are written, so workers keep serving meanwhile.
        With `second`, the second model's (each batch committed as it is embedded)."""
        sizes = {}
        with self._lock:
            for kind in kinds:
                started = utcnow()
                if sync_embeddings(kind, self.model(second), (
                        (lambda done, total, k=kind: progress(k, done, total))
                        if progress else None), commit=second):
                    db.session.commit()
                version = data_version(kind) + ("+" + data_version("second") if second else "")
                space = self._build(kind, version, started, second)
                self._spaces[(kind, second)] = space
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
