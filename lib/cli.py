"""Commands behind `python -m lib`: demo, import, kpis, relationships, export, users, rotate-key, deck."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
import time
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from lib.core import clock as clock
from lib.core import models as models
from lib.core.auth import SECRET_SETTINGS, SECRET_TABLES, Actor, add_user, rotate_cookie_key
from lib.core.config import database_url, read_secrets
from lib.core.csv_safe import to_csv
from lib.core.db import FACTS, data_versions, database_problem, database_reason, make_engine, migrate, read_setting
from lib.core.quarters import check_quarter, shift_quarter
from lib.core.roles import ROLES
from lib.io.demo import DemoSpec, load_demo
from lib.io.importer import ImportRejected, import_files
from lib.io.prepare import prepare_version
from lib.io.snapshot import cached_portfolio
from lib.portfolio.data import Filters, PortfolioData
from lib.portfolio.kpis import DEFAULT_GROSS_MARGIN, kpis_json, portfolio_kpis
from lib.relationships.data import cached_relationships
from lib.relationships.portfolio import relationships_json

CLI_ACTOR = Actor("cli", "admin")  # whoever runs the command line holds the database credentials


def _quarter(text: str) -> str:
    """A quarter argument: YYYYQn inside the window of lib.core.quarters."""
    try:
        return check_quarter(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _global_options() -> argparse.ArgumentParser:
    """The options every command takes, before or after its name (`--db URL kpis` and `kpis --db URL`).

    SUPPRESS keeps a command's parser from overwriting a value given before the command with its default.
    """
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--db", default=argparse.SUPPRESS, help="database URL (default: DATABASE_URL, secrets.toml, then data/keystone.db)"
    )
    return options


def _parser() -> argparse.ArgumentParser:
    common = _global_options()
    parser = argparse.ArgumentParser(prog="python -m lib", description="Keystone without a browser.", parents=[common])
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, summary: str, under: argparse._SubParsersAction = commands) -> argparse.ArgumentParser:
        return under.add_parser(name, help=summary, parents=[common])

    demo = command("demo", "fill the database with a deterministic demo portfolio")
    demo.add_argument("--accounts", type=int, default=400)
    demo.add_argument("--quarters", type=int, default=12)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--end", type=_quarter, help="last quarter, YYYYQn (default: the last completed one)")

    load = command("import", "load CSV or XLSX files; all or nothing")
    load.add_argument("files", nargs="+", type=Path)

    kpis = command("kpis", "print the portfolio KPIs of a quarter")
    kpis.add_argument("--quarter", type=_quarter, help="default: the last quarter with data")
    kpis.add_argument("--base-quarter", type=_quarter, help="Q-4 (default) or Q-1")
    kpis.add_argument("--segment", action="append", default=[])
    kpis.add_argument("--region", action="append", default=[])
    kpis.add_argument("--owner", action="append", default=[])
    kpis.add_argument("--format", choices=("table", "json"), default="table")

    relationships = command("relationships", "print stakeholder coverage and bus factor per account")
    relationships.add_argument("--quarter", type=_quarter, help="default: the last quarter with data")
    relationships.add_argument("--format", choices=("table", "json"), default="table")

    export = command("export", "write every table as CSV into a folder")
    export.add_argument("directory", type=Path)

    users = command("users", "manage logins")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    add = command("add", "add a login; asks for the password", user_commands)
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--full-name", default="")

    command("rotate-key", "replace the cookie key: every login ends, everybody logs in again")

    deck = command("deck", "build the review deck, as PowerPoint or PDF (told by the file's suffix)")
    deck.add_argument("--quarter", type=_quarter, help="default: the last quarter with data")
    deck.add_argument("--base-quarter", type=_quarter, help="Q-4 (default) or Q-1")
    deck.add_argument("--segment", action="append", default=[])
    deck.add_argument("--region", action="append", default=[])
    deck.add_argument("--owner", action="append", default=[])
    deck.add_argument("--accounts", default="key", help="key (default), all, or account ids as imported: ID,ID,...")
    deck.add_argument("--out", type=Path, required=True, help="FILE.pptx or FILE.pdf")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = database_url(getattr(args, "db", None))
    handlers = {
        "demo": _demo,
        "import": _import,
        "kpis": _kpis,
        "relationships": _relationships,
        "export": _export,
        "users": _users,
        "rotate-key": _rotate_key,
        "deck": _deck,
    }
    try:
        engine = make_engine(url)
        migrate(engine)
        return handlers[args.command](engine, args)
    except (SQLAlchemyError, OSError) as error:  # one line, no traceback or SQL: what is wrong, and where
        where = make_url(url).render_as_string(hide_password=True)
        print(f"{database_problem(error)} ({database_reason(error)}; database {where})", file=sys.stderr)
        return 1


def _demo(engine: Engine, args: argparse.Namespace) -> int:
    spec = DemoSpec(args.accounts, args.quarters, args.seed, args.end)
    try:
        check_quarter(shift_quarter(spec.last_quarter(clock.today()), 1 - args.quarters))
    except ValueError as error:
        print(f"--quarters {args.quarters} reaches too far back: {error}", file=sys.stderr)
        return 2
    summary = load_demo(engine, spec)
    print(
        f"Demo portfolio: {summary.accounts:,} accounts, {summary.quarters[0]}..{summary.quarters[-1]}, "
        f"{sum(summary.rows.values()):,} rows in {summary.seconds:.1f} s"
    )
    return 0


def _import(engine: Engine, args: argparse.Namespace) -> int:
    files = []
    for path in args.files:
        if not path.is_file():
            print(f"{path}: no such file", file=sys.stderr)
            return 2
        files.append((path.name, path.read_bytes()))
    try:
        summary = import_files(engine, files, CLI_ACTOR)
    except ImportRejected as rejected:
        print(f"Import rejected, nothing was written. {len(rejected.problems)} problem(s):", file=sys.stderr)
        for problem in rejected.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"Imported {summary.describe()}")
    for warning in summary.warnings:
        print(f"  warning: {warning}")
    started = time.perf_counter()
    try:
        prepared = prepare_version(engine)
    except (SQLAlchemyError, OSError) as error:  # the import stands; the first page builds the arrays instead
        print(f"  note: the arrays for the app were not prepared ({database_reason(error)})", file=sys.stderr)
        return 0
    print(f"Prepared data version {prepared.facts_version} for the app in {time.perf_counter() - started:.1f} s")
    return 0


def _portfolio(engine: Engine) -> PortfolioData:
    as_of = read_setting(engine, "data_as_of")
    return cached_portfolio(engine, data_versions(engine)[FACTS], dt.datetime.fromisoformat(as_of) if as_of else None)


def _kpis(engine: Engine, args: argparse.Namespace) -> int:
    data = _portfolio(engine)
    quarter = args.quarter or data.last_quarter
    if quarter is None:
        print("The database holds no revenue yet: import some or run `python -m lib demo`.", file=sys.stderr)
        return 1
    offset = 4
    if args.base_quarter:
        offset = {shift_quarter(quarter, -4): 4, shift_quarter(quarter, -1): 1}.get(args.base_quarter, 0)
        if not offset:
            print("--base-quarter must be Q-4 or Q-1 of --quarter", file=sys.stderr)
            return 2
    filters = Filters(quarter, offset, tuple(args.segment), tuple(args.region), tuple(args.owner))
    margin = float(read_setting(engine, "gross_margin") or DEFAULT_GROSS_MARGIN)
    if args.format == "json":
        print(json.dumps(kpis_json(data, filters, margin), indent=2))
        return 0
    for kpi in portfolio_kpis(data, filters, margin).values():
        print(f"{kpi.label:32} {'n/a' if kpi.value is None else kpi.value}")
    return 0


def _relationships(engine: Engine, args: argparse.Namespace) -> int:
    data = _portfolio(engine)
    quarter = args.quarter or data.last_quarter
    if quarter is None:
        print("The database holds no revenue yet: import some or run `python -m lib demo`.", file=sys.stderr)
        return 1
    out = relationships_json(data, cached_relationships(engine, data, data_versions(engine)[FACTS]), quarter)
    try:
        if args.format == "json":
            print(json.dumps(out, indent=2))
        else:
            _relationships_table(out)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader stopped early (`| head`): nothing is wrong with the database
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _relationships_table(out: dict) -> None:
    share = out["single_threaded_share"]
    print(
        f"Relationships in {out['quarter']}: single-threaded share {'n/a' if share is None else f'{share:.1%}'} of active accounts"
    )
    print(f"{'account_id':20} {'known':>6} {'met 90d':>8} {'exec':>5} {'buyer':>6} {'single':>7} {'bus factor':>10}")
    for row in out["accounts"]:
        print(
            f"{row['account_id']:20} {row['stakeholders_known']:>6} {row['stakeholders_met_90d']:>8} "
            f"{_yes(row['exec_met_90d']):>5} {_yes(row['economic_buyer_met_90d']):>6} {_yes(row['single_threaded']):>7} "
            f"{row['bus_factor']:>10}"
        )


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _export(engine: Engine, args: argparse.Namespace) -> int:
    args.directory.mkdir(parents=True, exist_ok=True)
    with engine.connect() as connection:
        for table in models.Base.metadata.sorted_tables:
            if table.name in SECRET_TABLES:
                continue  # password hashes, login sessions and throttles never leave the database
            frame = pd.read_sql(select(table), connection)
            if table.name == "settings":
                frame = frame[~frame["key"].isin(SECRET_SETTINGS)]  # nor does the cookie key
            to_csv(frame, args.directory / f"{table.name}.csv")
            print(f"{table.name}: {len(frame):,} rows")
    return 0


def _users(engine: Engine, args: argparse.Namespace) -> int:
    password = getpass.getpass(f"Password for {args.name}: ")
    if password != getpass.getpass("Again: "):
        print("The passwords differ; nothing changed.", file=sys.stderr)
        return 1
    try:
        add_user(engine, args.name, args.full_name, args.role, password)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Added {args.name} ({args.role}) on {clock.today()}")
    return 0


def _rotate_key(engine: Engine, _args: argparse.Namespace) -> int:
    ended = rotate_cookie_key(engine)
    print(f"Replaced the cookie key stored in the database and ended {ended} login session(s): everybody logs in again.")
    if read_secrets().get("cookie_key"):
        print(
            "Note: .streamlit/secrets.toml sets cookie_key, and that one signs the cookies; this command cannot change it. "
            "Replace it there and restart the app servers.",
            file=sys.stderr,
        )
    return 0


def _deck(engine: Engine, args: argparse.Namespace) -> int:
    # Imported here: python-pptx, fpdf2 and kaleido load only for the command that needs them.
    from lib.review.deck import FORMATS, build_deck
    from lib.review.model import ALL, KEY, DeckError, DeckRequest

    fmt = args.out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        print(f"--out must name a .pptx or .pdf file, not {args.out.name!r}", file=sys.stderr)
        return 2
    data = _portfolio(engine)
    quarter = args.quarter or data.last_quarter
    offset = 4
    if args.base_quarter and quarter:
        offset = {shift_quarter(quarter, -4): 4, shift_quarter(quarter, -1): 1}.get(args.base_quarter, 0)
        if not offset:
            print("--base-quarter must be Q-4 or Q-1 of --quarter", file=sys.stderr)
            return 2
    named = args.accounts.strip()
    accounts = named.lower() if named.lower() in (KEY, ALL) else tuple(part.strip() for part in named.split(",") if part.strip())
    request = DeckRequest(quarter, offset, tuple(args.segment), tuple(args.region), tuple(args.owner), accounts)
    try:
        deck = build_deck(engine, request, fmt, data=data)
    except DeckError as error:
        print(error, file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(deck.data)
    print(f"Wrote {args.out}: the {deck.quarter} review deck, {len(deck.slide_titles)} slides, {len(deck.data) / 1e6:.1f} MB")
    if deck.charts_left_out:
        print(f"Left out {len(deck.charts_left_out)} chart(s): {deck.why_left_out}.")
        for name in deck.charts_left_out:
            print(f"  {name}")
    return 0
