"""Whole numbers from URLs, query strings and forms, bounded so that no database query sees
one it cannot hold (SQLite stops at 2**63 - 1 and raises; PostgreSQL's integer columns hold
2**31 - 1): ids beyond that exist nowhere and are answered 404, not a server error.

- `int` route parameters match only 0..MAX_ID (`BoundedIntConverter`): /products/99999999999
  is 404 before any view runs;
- `request.args.get(..., type=int)` and `request.form.get(..., type=int)` give the default for
  a number outside MIN_INT..MAX_ID, as for one that is not a number (`BoundedRequest`);
- `db.get_or_404` answers 404 for an out-of-range id and `db.paginate` 404 for an
  out-of-range page (`BoundedSQLAlchemy`).
"""

from flask import Request, abort, request
from flask_sqlalchemy import SQLAlchemy
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter
from wtforms import IntegerField

MAX_ID = 2**31 - 1
MIN_INT = -(2**31)


def in_range(value: object) -> bool:
    return not isinstance(value, int) or MIN_INT <= value <= MAX_ID


def whole_number(raw: str | None, default: int | None = None) -> int | None:
    """An ASCII whole number of at most MAX_ID, else `default` ("²" or "1e9" are not one)."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(MAX_ID)):
        return default
    value = int(raw)
    return value if value <= MAX_ID else default


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in routes: 0..MAX_ID only."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class BoundedArgs(ImmutableMultiDict):
    def get(self, key, default=None, type=None):
        value = super().get(key, default, type)
        if type is int and not in_range(value):
            return default
        return value


class BoundedRequest(Request):
    parameter_storage_class = BoundedArgs


class BoundedSQLAlchemy(SQLAlchemy):
    def get_or_404(self, entity, ident, *, description=None):
        if not in_range(ident):
            abort(404, description=description)
        return super().get_or_404(entity, ident, description=description)

    def paginate(self, select, *, page=None, **kwargs):
        if page is None and request:
            raw = request.args.get("page", "1").strip()
            page = whole_number(raw)
            if page is None:
                if raw.isascii() and raw.isdigit():  # a page number beyond any page
                    abort(404)
                page = 1  # not a number: the first page, as Flask-SQLAlchemy does
        per_page = kwargs.get("per_page") or 20
        if page is not None and (page - 1) * per_page > MAX_ID:  # an OFFSET no database takes
            abort(404)
        return super().paginate(select, page=page, **kwargs)


class WholeNumberField(IntegerField):
    """An IntegerField that takes no number beyond MIN_INT..MAX_ID: such a number is the
    field's error, never a value a query is built with."""

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        if not in_range(self.data):
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))
