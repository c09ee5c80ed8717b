"""What the security tests compare: the whole database, table by table."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.extensions import db


def database_state(session: Session) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: equal states mean nothing changed."""
    session.expire_all()
    state = {}
    for table in db.metadata.sorted_tables:
        rows = session.execute(select(table)).all()
        state[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return state


def row_counts(session: Session, *models) -> dict[str, int]:
    return {model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in models}
