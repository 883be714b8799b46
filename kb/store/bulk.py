"""Fast bulk inserts: one executemany through the DBAPI (COPY on PostgreSQL).

SQLAlchemy's per-row parameter handling in ``conn.execute(insert(t), rows)`` costs
more than SQLite's own insert (about 3 s of the 123,000-message corpus ingest), so
hot paths compile the INSERT once per dialect, table and set of keys, apply each
column type's public ``bind_processor`` (of its dialect implementation) themselves, and hand the rows to the
driver's executemany in the dialect's parameter style.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection, Dialect


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    keys: tuple[str, ...]  # row keys, then constant keys
    processors: tuple[Callable[[Any], Any] | None, ...]  # one per key
    order: tuple[int, ...] | None  # positions in ``keys`` of the positional parameters, None for named


@lru_cache(maxsize=256)
def _plan(dialect: Dialect, table: Table, row_keys: tuple[str, ...], constant_keys: tuple[str, ...]) -> _Plan:
    keys = row_keys + constant_keys
    compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
    processors = tuple(table.c[key].type.dialect_impl(dialect).bind_processor(dialect) for key in keys)
    positions = compiled.positiontup
    order = tuple(keys.index(name) for name in positions) if positions is not None else None
    return _Plan(str(compiled), keys, processors, order)


def _getter(indices: Sequence[Any]) -> Callable[[Any], tuple[Any, ...]]:
    """itemgetter that always returns a tuple, even for one index or key."""
    if len(indices) == 1:
        index = indices[0]
        return lambda values: (values[index],)
    return itemgetter(*indices)


def insert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]],
                constants: Mapping[str, Any] | None = None) -> None:
    """Insert rows (mappings with the same keys), each completed by ``constants``, in one executemany.

    On PostgreSQL through psycopg the rows go through COPY instead, in the same transaction:
    an INSERT per row costs a round of the pipeline each, COPY streams them.
    """
    if not rows:
        return
    constants = dict(constants or {})
    row_keys = tuple(rows[0])
    plan = _plan(conn.dialect, table, row_keys, tuple(constants))
    n = len(row_keys)
    constant_values = [
        processor(value) if processor else value
        for value, processor in zip(constants.values(), plan.processors[n:])
    ]
    fetch = _getter(row_keys)
    to_process = [(i, processor) for i, processor in enumerate(plan.processors[:n]) if processor]

    def prepared() -> Iterator[list[Any]]:
        """Each row's values in ``plan.keys`` order, bind processors applied."""
        for row in rows:
            values = list(fetch(row))
            for i, processor in to_process:
                values[i] = processor(values[i])
            values.extend(constant_values)
            yield values

    if conn.dialect.driver == "psycopg":
        _copy(conn, table, plan.keys, prepared())
    elif plan.order is not None:
        reorder = _getter(plan.order)
        conn.exec_driver_sql(plan.sql, [reorder(values) for values in prepared()])
    else:
        keys = plan.keys
        conn.exec_driver_sql(plan.sql, [dict(zip(keys, values)) for values in prepared()])


def _copy(conn: Connection, table: Table, keys: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY rows into a PostgreSQL table with psycopg 3, on the connection's own transaction."""
    quote = conn.dialect.identifier_preparer
    columns = ", ".join(quote.quote(table.c[key].name) for key in keys)
    with conn.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f"COPY {quote.format_table(table)} ({columns}) FROM STDIN") as copy:
            for values in rows:
                copy.write_row(values)
