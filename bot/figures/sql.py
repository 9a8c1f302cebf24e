"""SQL alike on SQLite and PostgreSQL: a naive UTC DateTime column as whole
seconds since 1970 or as whole days of a given length since a moment; and rows
read straight from the driver where there are many of them."""
from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, literal
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class epoch_seconds(FunctionElement):  # noqa: N801 (reads like the SQL function it is)
    """Whole seconds since 1970 of a naive UTC DateTime column."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


class _WholeDays(FunctionElement):
    type = Integer()
    inherit_cache = True
    name = "whole_days"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler, **kw) -> str:
    # SQLAlchemy stores 'YYYY-MM-DD HH:MM:SS.ffffff'; strftime would round the fraction up.
    return f"CAST(strftime('%s', substr({compiler.process(element.clauses, **kw)}, 1, 19)) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler, **kw) -> str:
    return f"CAST(floor(extract(epoch FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@compiles(_WholeDays)
def _whole_days(element: _WholeDays, compiler, **kw) -> str:
    column, origin, length = element.clauses
    return (f"(({compiler.process(epoch_seconds(column), **kw)} - {compiler.process(origin, **kw)})"
            f" / {compiler.process(length, **kw)})")  # both integers: the division is whole


def whole_days(column: ColumnElement, origin: float, seconds: int) -> ColumnElement:
    """SQL: floor((column - origin) / seconds), for times at or after `origin`
    (epoch seconds), days being `seconds` long."""
    return _WholeDays(column, literal(int(origin), BigInteger), literal(seconds, Integer))


def plain_rows(connection: Connection, query: Select) -> list[tuple[Any, ...]]:
    """The rows as the driver gives them (tuples): for 10^4-10^5 rows of plain
    numbers and strings, where SQLAlchemy's per-row work would double the time."""
    return connection.execute(query).cursor.fetchall()
