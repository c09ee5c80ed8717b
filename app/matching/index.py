"""FAISS inner-product search over normalised vectors, keyed by database ids, saved atomically."""

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
    """What an index file reflects: the model, the data version and the index kind."""

    model: str
    data_version: str
    kind: str  # "exact" or "hnsw"
    count: int
    dim: int


class VectorIndex:
    """Exact inner product (cosine on normalised vectors) by default; HNSW above a size.

    The exact index takes incremental updates (remove and add by id); HNSW cannot remove, so
    `update` tells the caller to rebuild it.
    """

    def __init__(self, dim: int, *, approximate_above: int = 200_000, hnsw_m: int = 32,
                 ef_search: int = 256, ef_construction: int = 200) -> None:
        self.dim = dim
        self.approximate_above = approximate_above
        self.hnsw_m, self.ef_search, self.ef_construction = hnsw_m, ef_search, ef_construction
        self.kind = "exact"
        self.index = self._new_index("exact")

    def _new_index(self, kind: str):
        faiss = _faiss()
        if kind == "exact":
            return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        base = faiss.IndexHNSWFlat(self.dim, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        base.hnsw.efSearch = self.ef_search
        base.hnsw.efConstruction = self.ef_construction
        return faiss.IndexIDMap2(base)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def build(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self.kind = "hnsw" if len(ids) > self.approximate_above else "exact"
        self.index = self._new_index(self.kind)
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                                    np.asarray(ids, dtype=np.int64))

    def update(self, remove_ids: np.ndarray, add_ids: np.ndarray, add_vectors: np.ndarray
               ) -> bool:
        """Apply changes in place; False when this index kind needs a rebuild instead."""
        if self.kind != "exact":
            return False
        ids = np.unique(np.concatenate([np.asarray(remove_ids, dtype=np.int64),
                                        np.asarray(add_ids, dtype=np.int64)]))
        if len(ids):
            self.index.remove_ids(ids)
        if len(add_ids):
            self.index.add_with_ids(np.ascontiguousarray(add_vectors, dtype=np.float32),
                                    np.asarray(add_ids, dtype=np.int64))
        return True

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(similarities, ids) of the k nearest per query; ids are -1 where fewer exist."""
        k = max(1, min(k, len(self)))
        if not len(self):
            empty = np.empty((len(queries), 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        return self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def ids(self) -> np.ndarray:
        faiss = _faiss()
        return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def save(self, path: Path, meta: IndexMeta) -> None:
        """Write index and metadata to temporary files, then rename: readers never see half."""
        faiss = _faiss()
        path.parent.mkdir(parents=True, exist_ok=True)
        for target, write in ((path, lambda tmp: faiss.write_index(self.index, tmp)),
                              (path.with_suffix(".json"), lambda tmp: Path(tmp).write_text(
                                  json.dumps(meta.__dict__), encoding="utf-8"))):
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            os.close(fd)
            try:
                write(tmp)
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
            index = faiss.read_index(str(path))
        except (OSError, ValueError, TypeError, RuntimeError):
            return None
        if index.ntotal != meta.count or index.d != meta.dim:
            return None
        loaded = cls(meta.dim, **options)
        loaded.index, loaded.kind = index, meta.kind
        if meta.kind == "hnsw":
            faiss.downcast_index(index.index).hnsw.efSearch = loaded.ef_search
        return loaded, meta
