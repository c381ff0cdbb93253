"""Bulk writes of whole frames through SQLAlchemy's executemany, inside the caller's transaction.

One INSERT built by SQLAlchemy and every row as bound parameters: the driver's executemany on
SQLite, psycopg's pipelined executemany on PostgreSQL (as fast as COPY was at the demo's sizes).
ADBC's ingest would be faster still on PostgreSQL, but it writes through a connection of its own,
outside the transaction that must replace the portfolio all or nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import pandas as pd
from sqlalchemy import Connection, Table, column, func, insert, select
from sqlalchemy import table as table_clause

BATCH_ROWS = 100_000  # rows handed to one executemany: bounded memory at millions of rows


def insert_frame(connection: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Insert every row of the frame (columns named as the table's) inside the caller's transaction."""
    if frame.empty:
        return 0
    # A bare table of just these columns: the model's Python-side defaults would add columns of their own.
    target = insert(table_clause(table.name, *(column(name) for name in frame.columns)))
    for start in range(0, len(frame), BATCH_ROWS):
        connection.execute(target, list(_records(frame.iloc[start : start + BATCH_ROWS])))
    return len(frame)


def _records(frame: pd.DataFrame) -> Iterator[dict]:
    """Rows as dicts of plain Python values with None for missing ones, built column-wise for speed."""
    columns = {}
    for name in frame.columns:
        series = frame[name]
        if series.dtype.kind == "f":
            values = [None if math.isnan(v) else v for v in series.tolist()]
        elif series.dtype.kind in "iub" and not series.hasnans:
            values = series.tolist()
        elif series.dtype.kind == "M":
            values = [None if pd.isna(v) else v.isoformat(sep=" ") for v in series]
        else:
            values = series.astype(object).where(series.notna(), None).tolist()
        columns[name] = values
    names = list(columns)
    return (dict(zip(names, row)) for row in zip(*columns.values()))


def reset_id_sequences(connection: Connection, tables: list[Table]) -> None:
    """After inserting explicit ids on PostgreSQL, move each id sequence past the largest id."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        largest = select(func.coalesce(func.max(table.c.id), 0)).scalar_subquery()
        connection.execute(select(func.setval(func.pg_get_serial_sequence(table.name, "id"), largest + 1, False)))
