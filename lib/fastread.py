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
from sqlalchemy.engine import make_url


def read_frames(engine: Engine, statements: dict[str, Select]) -> dict[str, pd.DataFrame]:
    """Run each statement (no bound parameters) and return a frame per name, columns named by the labels."""
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
            cursor.execute(str(statement.compile(engine, compile_kwargs={"literal_binds": True})))
            frames[name] = pd.DataFrame.from_records(cursor.fetchall(), columns=list(statement.selected_columns.keys()))
        cursor.close()
    return frames


def _read_with_adbc(engine: Engine, statements: dict[str, Select]) -> dict[str, pd.DataFrame]:
    import adbc_driver_postgresql.dbapi as driver

    uri = make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)

    def run(statement: Select) -> pd.DataFrame:
        sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
        with driver.connect(uri) as connection, connection.cursor() as cursor:
            cursor.execute(sql)
            frame = cursor.fetch_arrow_table().to_pandas()
        frame.columns = list(statement.selected_columns.keys())
        return frame

    with ThreadPoolExecutor(max_workers=len(statements)) as pool:
        return dict(zip(statements, pool.map(run, statements.values())))
