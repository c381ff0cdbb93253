"""Fast bulk writes of whole frames: COPY on PostgreSQL, one executemany on SQLite."""

from __future__ import annotations

import math

import pandas as pd
from sqlalchemy import Connection, Table, text


def insert_frame(connection: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Insert every row of the frame (columns named as the table's) inside the caller's transaction."""
    if frame.empty:
        return 0
    columns = list(frame.columns)
    if connection.dialect.name == "postgresql":
        _copy_into_postgres(connection, table, frame, columns)
    else:
        placeholders = ", ".join("?" for _ in columns)
        quoted = ", ".join(connection.dialect.identifier_preparer.quote(c) for c in columns)
        cursor = connection.connection.driver_connection.cursor()
        cursor.executemany(f"INSERT INTO {table.name} ({quoted}) VALUES ({placeholders})", _python_rows(frame))
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
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(c) for c in columns)
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
        for row in _python_rows(frame):
            copy.write_row(row)
    cursor.close()


def reset_id_sequences(connection: Connection, tables: list[Table]) -> None:
    """After inserting explicit ids on PostgreSQL, move each id sequence past the largest id."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
        )
