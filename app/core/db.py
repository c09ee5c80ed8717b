"""What every table shares: the model base and its constraint names, the time in UTC, and the
column types for UTC times and closed sets of values (a StrEnum)."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, MetaData, String
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, MappedColumn, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive one is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class UTCDateTime(TypeDecorator):
    """A moment, stored in UTC and read back in UTC with its zone, on every database.

    PostgreSQL keeps the zone (timestamptz) but answers in the session's; SQLite keeps none
    and would hand back naive datetimes that cannot be compared with aware ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else utc(value)


def enum_column(column: str, values: type[StrEnum], *, check: str, length: int = 20,
                **options: Any) -> MappedColumn:
    """A string column that holds one of `values`, with the CHECK constraint that says so
    (named ck_<table>_<check>; the values in the enum's order)."""
    allowed = ", ".join(f"'{member.value}'" for member in values)
    return mapped_column(String(length), CheckConstraint(f"{column} IN ({allowed})", name=check),
                         **options)

