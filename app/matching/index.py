"""FAISS inner-product search over normalised vectors, keyed by database ids, saved atomically."""

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def _faiss():
    import faiss  # imported on first use: web workers that never match never load it

    return faiss


@dataclass
class IndexMeta:
    """What an index file reflects: the model, the data version, when the vectors it holds were
    read (later changes are caught up from the database) and the index kind."""

    model: str
    data_version: str
    kind: str  # "exact" or "hnsw"
    count: int
    dim: int
    synced_at: str = ""  # ISO time; "" in files written before it was recorded
    sha256: str = ""     # of the index file: a damaged file is rebuilt, never served


class VectorIndex:
    """Exact inner product (cosine on normalised vectors) by default; HNSW above a size.

    Both take incremental updates. The exact index removes and adds in place. HNSW cannot
    remove, so changes go to a small exact "delta" index beside it, and the HNSW entries they
    replace or delete are skipped during its search (a FAISS ID selector); `needs_compaction`
    says when the delta has grown enough that a rebuild (in the job queue) pays.
    """

    def __init__(self, dim: int, *, approximate_above: int = 50_000, hnsw_m: int = 32,
                 ef_search: int = 256, ef_construction: int = 200,
                 compact_above: float = 0.05) -> None:
        self.dim = dim
        self.approximate_above = approximate_above
        self.hnsw_m, self.ef_search, self.ef_construction = hnsw_m, ef_search, ef_construction
        self.compact_above = compact_above
        self.kind = "exact"
        self.index = self._new_index("exact")
        self._reset_delta()

    def _reset_delta(self) -> None:
        self.delta = None                            # exact index of changed vectors (HNSW only)
        self.skipped = np.empty(0, dtype=np.int64)   # HNSW ids replaced or deleted since build
        self._params = None

    def _new_index(self, kind: str):
        faiss = _faiss()
        if kind == "exact":
            return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        base = faiss.IndexHNSWFlat(self.dim, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        base.hnsw.efSearch = self.ef_search
        base.hnsw.efConstruction = self.ef_construction
        return faiss.IndexIDMap2(base)

    def __len__(self) -> int:
        delta = int(self.delta.ntotal) if self.delta is not None else 0
        return int(self.index.ntotal) - len(self.skipped) + delta

    @property
    def pending(self) -> int:
        """Changes held beside the HNSW graph since it was built."""
        return len(self.skipped) + (int(self.delta.ntotal) if self.delta is not None else 0)

    @property
    def needs_compaction(self) -> bool:
        return self.kind == "hnsw" and self.pending > self.compact_above * self.index.ntotal

    def build(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self.kind = "hnsw" if len(ids) > self.approximate_above else "exact"
        self.index = self._new_index(self.kind)
        self._reset_delta()
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                                    np.asarray(ids, dtype=np.int64))

    def update(self, remove_ids: np.ndarray, add_ids: np.ndarray, add_vectors: np.ndarray
               ) -> None:
        """Remove `remove_ids`, and add (or replace) `add_ids` with their vectors."""
        add_ids = np.asarray(add_ids, dtype=np.int64)
        gone = np.unique(np.concatenate([np.asarray(remove_ids, dtype=np.int64), add_ids]))
        vectors = np.ascontiguousarray(add_vectors, dtype=np.float32)
        if self.kind == "exact":
            if len(gone):
                self.index.remove_ids(gone)
            if len(add_ids):
                self.index.add_with_ids(vectors, add_ids)
            return
        graph_ids = self._graph_ids()
        if len(add_ids):
            # Vectors re-stamped but unchanged (e.g. those embedded by the very sync the graph
            # was built after) stay in the graph.
            live = np.isin(add_ids, graph_ids) & ~np.isin(add_ids, self.skipped)
            same = np.zeros(len(add_ids), dtype=bool)
            for i in np.flatnonzero(live):
                same[i] = np.array_equal(self.index.reconstruct(int(add_ids[i])), vectors[i])
            add_ids, vectors = add_ids[~same], vectors[~same]
            gone = np.unique(np.concatenate([np.asarray(remove_ids, np.int64), add_ids]))
        in_graph = gone[np.isin(gone, graph_ids)]
        self.skipped = np.union1d(self.skipped, in_graph)
        if self.delta is None:
            self.delta = self._new_index("exact")
        if len(gone):
            self.delta.remove_ids(gone)
        if len(add_ids):
            self.delta.add_with_ids(vectors, add_ids)
        self._params = None

    def set_ef_search(self, ef_search: int) -> None:
        """HNSW's breadth of search: recall against speed (bench/match_speed.py sweeps it)."""
        self.ef_search, self._params = ef_search, None

    def _search_params(self):
        """HNSW search parameters skipping replaced and deleted entries (built once per
        change; the selector objects must outlive the search, so they are kept here)."""
        faiss = _faiss()
        if self._params is None:
            params = faiss.SearchParametersHNSW()
            params.efSearch = self.ef_search
            if len(self.skipped):
                batch = faiss.IDSelectorBatch(self.skipped)
                selector = faiss.IDSelectorNot(batch)
                params.sel = selector
                self._selectors = (batch, selector)
            self._params = params
        return self._params

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(similarities, ids) of the k nearest per query; ids are -1 where fewer exist."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        k = max(1, min(k, len(self)))
        if not len(self):
            empty = np.empty((len(queries), 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        if self.kind == "exact":
            return self.index.search(queries, k)
        sims, ids = self.index.search(queries, k, params=self._search_params())
        if self.delta is None or not self.delta.ntotal:
            return sims, ids
        delta_sims, delta_ids = self.delta.search(queries, min(k, int(self.delta.ntotal)))
        sims = np.hstack([sims, delta_sims])
        ids = np.hstack([ids, delta_ids])
        sims[ids < 0] = -np.inf
        best = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        sims, ids = np.take_along_axis(sims, best, 1), np.take_along_axis(ids, best, 1)
        sims[ids < 0] = -1.0
        return sims, ids

    def _graph_ids(self) -> np.ndarray:
        return _faiss().vector_to_array(self.index.id_map).astype(np.int64)

    def ids(self) -> np.ndarray:
        ids = np.setdiff1d(self._graph_ids(), self.skipped)
        if self.delta is not None:
            delta = _faiss().vector_to_array(self.delta.id_map).astype(np.int64)
            ids = np.union1d(ids, delta)
        return ids

    def reconstruct(self, id_: int) -> np.ndarray:
        if self.delta is not None and id_ in set(self._delta_ids()):
            return self.delta.reconstruct(id_)
        return self.index.reconstruct(id_)

    def _delta_ids(self) -> np.ndarray:
        return _faiss().vector_to_array(self.delta.id_map).astype(np.int64)

    def save(self, path: Path, meta: IndexMeta) -> None:
        """Write index and metadata to temporary files, then rename: readers never see half.

        Only a freshly built index is saved (changes since are caught up from the database by
        whoever loads it), so the file is the graph as built and `meta.count` its size.
        """
        faiss = _faiss()
        path.parent.mkdir(parents=True, exist_ok=True)
        data = faiss.serialize_index(self.index).tobytes()
        meta.sha256 = hashlib.sha256(data).hexdigest()
        for target, content in ((path, data),
                                (path.with_suffix(".json"), json.dumps(meta.__dict__).encode())):
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as stream:
                    stream.write(content)
                os.replace(tmp, target)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)

    @classmethod
    def load(cls, path: Path, **options) -> tuple["VectorIndex", IndexMeta] | None:
        """The saved index and what it reflects, or None when missing, corrupt or mismatched."""
        faiss = _faiss()
        meta_path = path.with_suffix(".json")
        try:
            meta = IndexMeta(**json.loads(meta_path.read_text(encoding="utf-8")))
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() != meta.sha256:
                return None
            index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        except (OSError, ValueError, TypeError, RuntimeError):
            return None
        if index.ntotal != meta.count or index.d != meta.dim or meta.kind not in ("exact",
                                                                                   "hnsw"):
            return None
        loaded = cls(meta.dim, **options)
        loaded.index, loaded.kind = index, meta.kind
        if meta.kind == "hnsw":
            faiss.downcast_index(index.index).hnsw.efSearch = loaded.ef_search
        return loaded, meta
