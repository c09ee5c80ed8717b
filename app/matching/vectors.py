"""Keeping stored vectors in step with the catalogue: only changed texts are embedded again."""

from collections.abc import Callable
from datetime import datetime

import numpy as np
from flask import g, has_request_context
from sqlalchemy import and_, func, or_, select

from app.buyers.models import Buyer
from app.catalogue.models import Certification, Product
from app.core.db import utcnow
from app.extensions import db
from app.matching.embedders import Embedder
from app.matching.models import BuyerEmbedding, DataVersion, ProductEmbedding
from app.matching.requirements import need_text, split_needs
from app.matching.texts import buyer_text, product_text, text_hash

Progress = Callable[[int, int], None]
BATCH = 512

# kind -> (model, its embedding table, the embedding's foreign key, the text of one record)
SIDES = {
    "product": (Product, ProductEmbedding, ProductEmbedding.product_id),
    "buyer": (Buyer, BuyerEmbedding, BuyerEmbedding.buyer_id),
}


def data_version(kind: str) -> str:
    """The side's change token (see versioning.py): one primary-key lookup, made once per web
    request (a page asks for it several times; a change in the request itself forgets it)."""
    memo = g.setdefault("data_versions", {}) if has_request_context() else {}
    if kind not in memo:
        memo[kind] = db.session.scalar(
            select(DataVersion.version).where(DataVersion.kind == kind)) or ""
    return memo[kind]


def sync_embeddings(kind: str, embedder: Embedder, progress: Progress | None = None, *,
                    commit: bool = False) -> int:
    """Embed records that are new or whose text changed since, and re-stamp records edited
    without a change to their text; returns how many stored vectors were written either way
    (the caller commits them, so that no row lock outlives the catch-up; a job embedding with
    a slow model passes `commit` to commit each batch instead). A buyer's text that states
    several needs gets a vector per need too."""
    model, table, foreign_key = SIDES[kind]
    # Records and their current vector in one query (no IN list: PostgreSQL caps parameters).
    stale = db.session.execute(
        select(model, table).outerjoin(table, and_(foreign_key == model.id,
                                                   table.model == embedder.name))
        .where(or_(table.id.is_(None), model.updated_at > table.embedded_at))
        .order_by(model.id)).all()
    existing = {record.id: current for record, current in stale if current is not None}
    stale = [record for record, _current in stale]
    names = list(db.session.scalars(select(Certification.name))) if kind == "buyer" else []
    # A buyer's vector is of what is sought (need_text), its needs' of the text as written.
    text_of = product_text if kind == "product" else buyer_text
    now = utcnow()
    todo = []
    for record in stale:
        text = text_of(record)
        digest = text_hash(text)
        current = existing.get(record.id)
        if current is not None and current.text_hash == digest:
            current.embedded_at = now
        else:
            todo.append((record.id, text, digest, current))
    query_kind = "query" if kind == "buyer" else "passage"
    done = 0
    batch = BATCH if not commit else 64
    for start in range(0, len(todo), batch):
        chunk = todo[start:start + batch]
        vectors = embedder.embed([need_text(text, names) if kind == "buyer" else text
                                  for _id, text, _h, _c in chunk], kind=query_kind)
        for (record_id, text, digest, current), vector in zip(chunk, vectors, strict=True):
            blob = np.asarray(vector, dtype=np.float32).tobytes()
            values = {"text_hash": digest, "vector": blob, "embedded_at": now}
            if kind == "buyer":
                needs = split_needs(text, names)
                values["needs"] = (embedder.embed(needs, kind="query").astype(np.float32)
                                   .tobytes() if len(needs) > 1 else None)
            if current is None:
                db.session.add(table(**{foreign_key.key: record_id}, model=embedder.name,
                                     **values))
            else:
                for key, value in values.items():
                    setattr(current, key, value)
        done += len(chunk)
        if commit:
            db.session.commit()
        if progress:
            progress(done, len(todo))
    db.session.flush()
    return len(stale)


def missing_count(kind: str, model_name: str) -> int:
    """Records of one side without a current vector under `model_name`."""
    model, table, foreign_key = SIDES[kind]
    return db.session.scalar(
        select(func.count(model.id)).select_from(model)
        .outerjoin(table, and_(foreign_key == model.id, table.model == model_name))
        .where(or_(table.id.is_(None), model.updated_at > table.embedded_at))) or 0


def load_needs(model_name: str, dim: int) -> dict[int, np.ndarray]:
    """Per buyer whose text states several needs: (needs, dim) vectors under one model."""
    rows = db.session.execute(select(BuyerEmbedding.buyer_id, BuyerEmbedding.needs).where(
        BuyerEmbedding.model == model_name, BuyerEmbedding.needs.is_not(None))).all()
    return {buyer_id: np.frombuffer(blob, dtype=np.float32).reshape(-1, dim)
            for buyer_id, blob in rows}


def stored_ids(kind: str, model_name: str) -> np.ndarray:
    _model, table, foreign_key = SIDES[kind]
    ids = db.session.scalars(select(foreign_key).where(table.model == model_name)).all()
    return np.asarray(ids, dtype=np.int64)


def load_vectors(kind: str, model_name: str, dim: int, since: datetime | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(ids, vectors) of one side under one model, optionally only those embedded after `since`."""
    _model, table, foreign_key = SIDES[kind]
    stmt = select(foreign_key, table.vector).where(table.model == model_name)
    if since is not None:
        stmt = stmt.where(table.embedded_at > since)
    rows = db.session.execute(stmt.order_by(foreign_key)).all()
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    vectors = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32)
    return ids, vectors.reshape(len(rows), dim) if len(rows) else np.empty((0, dim), np.float32)
