"""CSV/XLSX imports in the formats of DESIGN.md: validate everything, then write all or nothing.

A batch of files is read and checked as a whole (a revenue file may name accounts that the
accounts file of the same batch adds). Any problem rejects the whole batch, each problem named
by file, row, column and reason, and the database stays exactly as it was; the rejection is in
the import log. Re-importing the same rows updates them: every kind has a natural key.

The parts, by job: formats (kinds, columns, limits), reading (files to text cells), cells (one
file's values checked and typed), batch (files against each other and the database), writing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from lib.core import models as models
from lib.core.auth import Actor, require_role
from lib.core.roles import IMPORT_ROLES
from lib.io.importer.batch import LABEL_COLUMNS, label_warnings, validate
from lib.io.importer.formats import (
    MAX_FILE_BYTES,
    MAX_FILE_MB,
    MAX_PROBLEMS_LISTED,
    SPECS,
    ImportRejected,
    ImportSummary,
    Problem,
    Progress,
)
from lib.io.importer.writing import REJECTED, log_rejection, write_batch

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_FILE_MB",
    "MAX_PROBLEMS_LISTED",
    "REJECTED",
    "SPECS",
    "ImportRejected",
    "ImportSummary",
    "Problem",
    "import_files",
    "log_rejection",
]


def import_files(
    engine: Engine,
    files: Sequence[tuple[str, bytes]],
    actor: Actor,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> ImportSummary:
    """Validate and load a batch of files, all or nothing. Raises ImportRejected listing every problem."""
    require_role(actor, *IMPORT_ROLES)
    report = progress or (lambda _f, _m: None)
    if not files:
        raise ImportRejected([Problem("(no file)", None, None, "choose at least one file")])
    report(0.02, "Reading and checking the files")
    with engine.connect() as connection:
        known_accounts = set(connection.scalars(select(models.Account.external_id)))
        known_people = {
            (a, n)
            for a, n in connection.execute(
                select(models.Account.external_id, models.Stakeholder.name).join(
                    models.Account, models.Account.id == models.Stakeholder.account_id
                )
            )
        }
        known_labels = {
            column: set(
                connection.scalars(
                    select(models.Account.__table__.c[column]).distinct().where(models.Account.__table__.c[column].is_not(None))
                )
            )
            for column in LABEL_COLUMNS
        }
    cleaned, listing, problems = validate(files, known_accounts, known_people, today)
    names = [name for name, _content in files]
    if problems:
        log_rejection(engine, actor, names, problems)
        raise ImportRejected(problems)
    warnings = label_warnings(cleaned.get("accounts", []), known_labels)
    try:
        summary = write_batch(engine, cleaned, listing, actor, report)
    except SQLAlchemyError as error:
        # Validation leaves little for the database to refuse; whatever it is, it is said without SQL.
        cause = type(getattr(error, "orig", None) or error).__name__
        refused = [Problem("(database)", None, None, f"the database refused the rows ({cause}); nothing was written: try again")]
        log_rejection(engine, actor, names, refused)
        raise ImportRejected(refused) from error
    report(1.0, "Done")
    return replace(summary, warnings=warnings)
