"""Fast bulk writes of whole frames: COPY on PostgreSQL, one executemany on SQLite.

Statements are built by SQLAlchemy (SQLite) and psycopg's sql composition (COPY), with the table
and column names from lib.core.models as quoted identifiers and every value as a bound parameter.
"""

from __future__ import annotations

import math

import pandas as pd
from sqlalchemy import Connection, Table, column, func, insert, select
from sqlalchemy import table as table_clause


def insert_frame(connection: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Insert every row of the frame (columns named as the table's) inside the caller's transaction."""
    if frame.empty:
        return 0
    columns = list(frame.columns)
    if connection.dialect.name == "postgresql":
        _copy_into_postgres(connection, table, frame, columns)
    else:
        # A bare table of just these columns: the model's Python-side defaults would add columns of their own.
        target = table_clause(table.name, *(column(c) for c in columns))
        compiled = insert(target).compile(dialect=connection.dialect, column_keys=columns)
        cursor = connection.connection.driver_connection.cursor()
        cursor.executemany(str(compiled), _python_rows(frame[list(compiled.positiontup)]))
        cursor.close()
    return len(frame)


def _python_rows(frame: pd.DataFrame) -> list[tuple]:
    """Rows of plain Python values with None for missing ones, built column-wise for speed."""
    columns = []
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
        columns.append(values)
    return list(zip(*columns))


def _copy_into_postgres(connection: Connection, table: Table, frame: pd.DataFrame, columns: list[str]) -> None:
    from psycopg import sql

    statement = sql.SQL("COPY {table} ({columns}) FROM STDIN").format(
        table=sql.Identifier(table.name), columns=sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(statement) as copy:
        for row in _python_rows(frame):
            copy.write_row(row)
    cursor.close()


def reset_id_sequences(connection: Connection, tables: list[Table]) -> None:
    """After inserting explicit ids on PostgreSQL, move each id sequence past the largest id."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        largest = select(func.coalesce(func.max(table.c.id), 0)).scalar_subquery()
        connection.execute(select(func.setval(func.pg_get_serial_sequence(table.name, "id"), largest + 1, False)))
