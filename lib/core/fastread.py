"""Read whole query results into pandas fast, for the aggregates loaded once per data version.

Queries are built with SQLAlchemy as everywhere else. On PostgreSQL the results travel as Arrow
through the ADBC driver, several queries at once (the driver releases the GIL): about five
times faster than Python row objects at a million rows. SQLite is read through the stdlib
driver's plain tuples: a second SQLite library in the process (ADBC bundles one) would break
SQLite's file locks, which are per process. Any other database takes the SQLAlchemy path.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd
from sqlalchemy import Engine, Select
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect, make_url

# ADBC binds $1, $2, ... like PostgreSQL itself; this dialect writes them (with casts that keep the types).
_ADBC_DIALECT = postgresql.psycopg.dialect(paramstyle="numeric_dollar")


def read_frames(engine: Engine, statements: dict[str, Select]) -> dict[str, pd.DataFrame]:
    """Run each statement (values travel as bound parameters) and return a frame per name, columns named by the labels."""
    if engine.url.get_backend_name() == "postgresql":
        try:
            return _read_with_adbc(engine, statements)
        except ImportError:
            pass
    if engine.url.get_backend_name() == "sqlite":
        return _read_with_sqlite3(engine, statements)
    with engine.connect() as connection:
        return {
            name: pd.DataFrame(connection.execute(s).all(), columns=list(s.selected_columns.keys()))
            for name, s in statements.items()
        }


def _read_with_sqlite3(engine: Engine, statements: dict[str, Select]) -> dict[str, pd.DataFrame]:
    frames = {}
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        for name, statement in statements.items():
            cursor.execute(*positional(statement, engine.dialect))
            frames[name] = pd.DataFrame.from_records(cursor.fetchall(), columns=list(statement.selected_columns.keys()))
        cursor.close()
    return frames


def _read_with_adbc(engine: Engine, statements: dict[str, Select]) -> dict[str, pd.DataFrame]:
    import adbc_driver_postgresql.dbapi as driver

    uri = make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)

    def run(statement: Select) -> pd.DataFrame:
        with driver.connect(uri) as connection, connection.cursor() as cursor:
            cursor.execute(*positional(statement, _ADBC_DIALECT))
            frame = cursor.fetch_arrow_table().to_pandas()
        frame.columns = list(statement.selected_columns.keys())
        return frame

    with ThreadPoolExecutor(max_workers=len(statements)) as pool:
        return dict(zip(statements, pool.map(run, statements.values())))


def positional(statement: Select, dialect: Dialect) -> tuple[str, tuple]:
    """The statement's SQL for a driver's own cursor, and its values in the order of the placeholders."""
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    return str(compiled), tuple(compiled.params[name] for name in compiled.positiontup or ())
