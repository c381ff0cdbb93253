"""Where the database is, and the few settings that are not data."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "keystone.db"
DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_SQLITE_PATH}"


def read_secrets(path: Path = SECRETS_FILE) -> dict:
    """The secrets file as a dict; empty when there is none (a fresh clone has none)."""
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


def database_url(cli_url: str | None = None, secrets: dict | None = None) -> str:
    """The database URL: --db, then DATABASE_URL, then secrets.toml, then embedded SQLite."""
    if cli_url:
        return cli_url
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    configured = (read_secrets() if secrets is None else secrets).get("database_url")
    return configured or DEFAULT_DATABASE_URL
