"""The review deck: PowerPoint and PDF open, hold the slides in order with the names, KPI values and notes,
fit every slide, build without a browser (naming the charts left out), and the command line writes both.

Numbers are those of the hand-computed five-account portfolio (tests/fixtures/portfolio), quarter
2026Q2 against 2025Q2: revenue 120 + 150 + 40 + 150 = 460; NRR (120 + 150 + 0 + 150) / (100 + 200 +
50 + 150) = 84.0 %; CSAT 2 of 4 responses = 50.0 %; revenue 460 against 470 in 2026Q1 = -2.1 %.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import subprocess
import sys

import pytest
from pptx import Presentation
from pypdf import PdfReader
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lib.core.models import Account, ActionItem
from lib.keyaccounts.qualification import CriteriaSet, Rule
from lib.keyaccounts.store import approve_new_set
from lib.notes.notes import save_note
from lib.portfolio.data import Filters
from lib.review import content as content_module
from lib.review import images as images_module
from lib.review.content import deck_content, load_portfolio_data, relationship_metrics, relationship_risks, relationships
from lib.review.deck import build_deck
from lib.review.images import browser_path
from lib.review.layout import deck_slides
from lib.review.model import DeckError, DeckRequest
from lib.review.slides import SLIDE_HEIGHT, SLIDE_WIDTH, Box, Card, Grid, Picture, Text, line_height, table
from lib.review.text import plain_text, text_width, wrap
from tests.conftest import ADMIN, DEMO_END, EDITOR, ROOT

TODAY = dt.date(2026, 7, 15)
NOTE = "## Plan\n\n**Renew** the <b>contract</b> early, see [the offer](https://offer.example)\n\n- Meet the CFO\n"
SLIDES = [
    "Quarterly business review",
    "Portfolio KPIs, 2026Q2",
    "Share of wallet, 2026Q2",
    "Key accounts, 2026Q2",
    "Near misses, 2026Q2",
    "Relationship risks, 2026Q2",
]


def account_id(engine: Engine, external_id: str) -> int:
    with Session(engine) as session:
        return session.scalar(select(Account.id).where(Account.external_id == external_id))


@pytest.fixture
def review_engine(small_engine: Engine) -> Engine:
    """The small portfolio with an approved criteria set (annual revenue ≥ 250, must-have), a note and two action items.

    Annual revenue 2025Q3..2026Q2: A 230, B 330, C 0, D 70, E 300: B and E are key accounts, A a near miss
    (230 is within 10 % of 250)."""
    criteria = CriteriaSet((Rule("annual_revenue", ">=", 250, 1, True),), cutoff=50, near_miss_margin=0.1)
    approve_new_set(small_engine, ADMIN, "Deck test set", criteria)
    alpha = account_id(small_engine, "A")
    assert save_note(small_engine, EDITOR, alpha, "2026Q2", NOTE, 0).saved
    with Session(small_engine) as session, session.begin():
        session.add(
            ActionItem(account_id=alpha, quarter="2026Q2", text="Send the renewal offer", owner="Ann", due=dt.date(2026, 7, 1))
        )
        session.add(ActionItem(account_id=alpha, quarter="2026Q2", text="Done already", owner="Ann", status="done"))
    return small_engine


@pytest.fixture
def no_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kaleido's own variable pointing at nothing: the deck must do without charts."""
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")


def pptx_pages(data: bytes) -> list[dict]:
    """Each slide's title, all its text (tables included) and how many pictures it holds."""
    pages = []
    for slide in Presentation(io.BytesIO(data)).slides:
        texts, pictures = [], 0
        for shape in slide.shapes:
            if shape.shape_type == 13:  # picture
                pictures += 1
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [cell.text for row in shape.table.rows for cell in row.cells]
        words = " ".join(" ".join(texts).split())  # wrapped lines read as one text
        pages.append({"title": slide.shapes.title.text_frame.text, "text": words, "pictures": pictures})
    return pages


def pdf_pages(data: bytes) -> tuple[list[str], list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return [" ".join(page.extract_text().split()) for page in reader.pages], [item.title for item in reader.outline]


def request(**changes) -> DeckRequest:
    return DeckRequest(**{"quarter": "2026Q2", "accounts": ("A", "E"), "today": TODAY, **changes})


def test_the_pptx_has_the_slides_in_order_with_names_kpis_and_the_note_as_text(review_engine, no_browser):
    deck = build_deck(review_engine, request(), "pptx")
    pages = pptx_pages(deck.data)
    assert [p["title"] for p in pages] == [*SLIDES, "Alpha Industries", "Epsilon Energy", "Charts left out"]
    assert deck.file_name == "review-2026Q2.pptx" and deck.slide_titles == tuple(p["title"] for p in pages)
    kpis = pages[1]["text"]
    for shown in ("460", "84.0 %", "50.0 %", "▼ -2.1 % · worse", "retention against 2025Q2", "changes vs 2026Q1"):
        assert shown in kpis, shown
    assert "Beta Bank" in pages[3]["text"] and "Epsilon Energy" in pages[3]["text"] and "Alpha" not in pages[3]["text"]
    assert "Alpha Industries" in pages[4]["text"] and "needs 250 (must-have)" in pages[4]["text"]
    assert "75 % of the 4 active accounts" in pages[5]["text"]
    alpha = pages[6]["text"]
    assert "Renew the contract early" in alpha and "Meet the CFO" in alpha
    assert "<b>" not in alpha and "**" not in alpha and "##" not in alpha
    assert "Send the renewal offer (Ann, due 2026-07-01, 14 days overdue)" in alpha and "Done already" not in alpha
    assert "Key account" not in pages[6]["text"] and "Near miss · score 0" in alpha
    assert "Key account · score 100" in pages[7]["text"]


def test_the_pdf_carries_the_same_slides_and_numbers(review_engine, no_browser):
    pptx = pptx_pages(build_deck(review_engine, request(), "pptx").data)
    deck = build_deck(review_engine, request(), "pdf")
    assert deck.data.startswith(b"%PDF") and deck.media_type == "application/pdf"
    texts, outline = pdf_pages(deck.data)
    assert outline == [p["title"] for p in pptx]
    assert "460" in texts[1] and "84.0 %" in texts[1] and "50.0 %" in texts[1]
    assert "Beta Bank" in texts[3] and "Renew the contract early" in texts[6] and "<b>" not in texts[6]


def test_without_a_browser_the_deck_has_its_tables_and_names_the_charts_it_left_out(review_engine, no_browser):
    deck = build_deck(review_engine, request(), "pptx")
    assert "Revenue by quarter" in deck.charts_left_out and "Alpha Industries: revenue and wallet" in deck.charts_left_out
    assert "no Chrome or Chromium" in deck.why_left_out
    pages = pptx_pages(deck.data)
    assert f"{len(deck.charts_left_out)} charts left out" in pages[0]["text"]
    assert "Alpha Industries: revenue and wallet" in pages[-1]["text"]
    assert sum(p["pictures"] for p in pages) == 0


def test_a_browser_that_fails_leaves_the_charts_out_and_says_why(review_engine, monkeypatch):
    async def broken(*_args):
        raise RuntimeError("the browser crashed")

    monkeypatch.setattr(images_module, "browser_path", lambda: sys.executable)  # a program, so the renderer starts
    monkeypatch.setattr(images_module, "_render_all", broken)
    deck = build_deck(review_engine, request(), "pdf")
    assert "the browser crashed" in deck.why_left_out and "Revenue by quarter" in deck.charts_left_out
    texts, outline = pdf_pages(deck.data)
    assert outline[-1] == "Charts left out" and "the browser crashed" in texts[-1]


@pytest.mark.skipif(browser_path() is None, reason="no Chrome or Chromium on this machine")
def test_with_a_browser_every_chart_is_a_picture(review_engine):
    deck = build_deck(review_engine, request(), "pptx")
    assert deck.charts_left_out == () and deck.why_left_out == ""
    pages = pptx_pages(deck.data)
    assert [p["title"] for p in pages] == [*SLIDES, "Alpha Industries", "Epsilon Energy"]
    assert [p["pictures"] for p in pages] == [0, 2, 1, 0, 0, 0, 2, 2]


@pytest.mark.skipif(browser_path() is None, reason="no Chrome or Chromium on this machine")
def test_a_browser_start_that_never_ends_is_tried_again(review_engine, monkeypatch):
    import kaleido

    real_open = kaleido.Kaleido.open
    starts: list[int] = []

    async def first_start_hangs(self: kaleido.Kaleido) -> None:
        starts.append(1)
        if len(starts) == 1:
            monkeypatch.setattr(images_module, "START_TIMEOUT", 45.0)  # the next start gets the usual time
            await asyncio.sleep(3600)  # as a start did now and then with several browsers starting at once
        await real_open(self)

    monkeypatch.setattr(kaleido.Kaleido, "open", first_start_hangs)
    monkeypatch.setattr(images_module, "START_TIMEOUT", 2.0)  # for the first start, which hangs
    monkeypatch.setattr(images_module, "ALL_TIMEOUT", 60.0)
    deck = build_deck(review_engine, request(), "pptx")
    assert len(starts) == 2
    assert deck.charts_left_out == () and deck.why_left_out == ""


def test_key_accounts_get_a_slide_each_and_unknown_ids_are_refused(review_engine, no_browser):
    deck = build_deck(review_engine, request(accounts="key"), "pptx")
    assert deck.slide_titles[len(SLIDES) : len(SLIDES) + 2] == ("Beta Bank", "Epsilon Energy")
    with pytest.raises(DeckError, match="Unknown account ids: ZZ, YY"):
        build_deck(review_engine, request(accounts=("A", "ZZ", "YY")), "pptx")


def test_key_accounts_without_an_approved_set_is_a_clear_error(small_engine, no_browser):
    with pytest.raises(DeckError, match="No approved criteria set is active"):
        build_deck(small_engine, request(accounts="key"), "pdf")
    deck = build_deck(small_engine, request(accounts="all"), "pdf")  # the other slides say so instead
    texts, _ = pdf_pages(deck.data)
    assert "No approved criteria set is active" in texts[3]


def test_the_default_quarter_is_the_last_with_data_and_one_without_data_is_refused(small_engine):
    """The NPS response of 2026-07-01 makes 2026Q3 the last quarter with data, as for `kpis` and the pages."""
    content = deck_content(small_engine, DeckRequest(accounts="all", today=TODAY))
    assert content.quarter == "2026Q3" and content.base_quarter == "2025Q3" and content.previous_quarter == "2026Q2"
    content = deck_content(small_engine, DeckRequest("2026Q2", base_offset=1, accounts="all", today=TODAY))
    assert content.base_quarter == "2026Q1" and "retention against 2026Q1" in content.portfolio.caption
    assert [a.name for a in content.accounts] == ["Beta Bank", "Epsilon Energy", "Alpha Industries", "Delta Health"]
    with pytest.raises(DeckError, match="no data for 2024Q1"):
        deck_content(small_engine, DeckRequest("2024Q1", today=TODAY))


def test_all_accounts_are_cut_to_the_largest_and_the_title_says_so(small_engine, monkeypatch):
    monkeypatch.setattr(content_module, "MAX_ACCOUNT_SLIDES", 2)
    content = deck_content(small_engine, DeckRequest("2026Q2", accounts="all", today=TODAY))
    assert [a.name for a in content.accounts] == ["Beta Bank", "Epsilon Energy"]
    assert content.selection == "the first 2 of 4 accounts with revenue in the quarter, largest first"


def test_relationship_metrics_follow_the_design(small_engine):
    """2026Q2 ends on 2026-06-30: 90 days from 2026-04-02. A met Maria (economic buyer, exec) and Tom: two threads,
    bus factor 1 (only Ann knows Maria); B met Sam (champion, senior) only; E met Kai (economic buyer, exec) on
    2026-04-20; D has nobody on record. Active in 2026Q2: A, B, D, E; single-threaded: B, D, E = 75 %."""
    ids = {key: account_id(small_engine, key) for key in "ABDE"}
    data = load_portfolio_data(small_engine)
    metrics = relationship_metrics(small_engine, data, "2026Q2")
    found = relationships(data, metrics, list(ids.values()))
    a, b, d, e = (found[ids[k]] for k in "ABDE")
    assert (a.stakeholders_known, a.met_90d, a.exec_met_90d, a.economic_buyer_met_90d, a.single_threaded, a.bus_factor) == (
        3,
        2,
        True,
        True,
        False,
        1,
    )
    assert (b.met_90d, b.exec_met_90d, b.economic_buyer_met_90d, b.single_threaded, b.bus_factor) == (1, False, False, True, 1)
    assert (e.met_90d, e.exec_met_90d, e.economic_buyer_met_90d, e.single_threaded) == (1, True, True, True)
    assert (d.stakeholders_known, d.met_90d, d.single_threaded, d.bus_factor) == (0, 0, True, 0)
    risks = relationship_risks(data, metrics, Filters("2026Q2"), found)
    assert (risks.single_threaded_share, risks.active_accounts) == (0.75, 4)
    # Riskiest first, as the Relationships page sorts: single-threaded with bus factor 0 or 1 (D with 0, then B and E
    # with 1 and one person met, the larger revenue first), then A (bus factor 1 only).
    assert [r.account_id for r in risks.accounts] == [ids[k] for k in "DBEA"]
    assert relationships(data, relationship_metrics(small_engine, data, "2025Q2"), [ids["A"]])[ids["A"]].met_90d == 0


def test_markdown_notes_read_as_plain_text_and_never_as_html():
    note = (
        "# Title\n\n**bold** and _it_ and `code *x*` <script>alert(1)</script><img src=x onerror=y>\n"
        "> quoted [link](javascript:alert(1)) ![pic](http://h/p.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
        "&lt;i&gt;entity&lt;/i&gt; \\*not emphasis\\* snake_case_name\n```\n<b>fenced</b>\n```"
    )
    assert plain_text(note).split("\n") == [
        "Title",
        "",
        "bold and it and code *x*",
        "quoted link [image: pic]",
        "",
        "a · b",
        "1 · 2",
        "entity *not emphasis* snake_case_name",
        "    fenced",
    ]


def _inside(box, outer_w: float = SLIDE_WIDTH, outer_h: float = SLIDE_HEIGHT) -> bool:
    return box.x >= 0 and box.y >= 0 and box.x + box.w <= outer_w + 1e-6 and box.y + box.h <= outer_h + 1e-6


def assert_fits(slide) -> None:
    """Every piece inside the slide; every text within its box, in width and in height."""
    for piece in (slide.heading, *slide.pieces):
        assert _inside(piece.box), (slide.title, piece)
        if isinstance(piece, Text):
            assert len(piece.lines) * line_height(piece.size) <= piece.box.h + 1e-6, (slide.title, piece.lines)
            assert all(text_width(x, piece.size, piece.bold) <= piece.box.w + 1e-6 for x in piece.lines), (
                slide.title,
                piece.lines,
            )
        if isinstance(piece, Grid):
            assert piece.header_height + sum(piece.heights) <= piece.box.h + 1e-6
            weights = [(True,) * len(piece.columns), *(piece.strong or [(False,) * len(piece.columns)] * len(piece.rows))]
            for row, bold in zip((piece.columns, *piece.rows), weights):
                for value, width, heavy in zip(row, piece.widths, bold):
                    assert all(text_width(x, piece.size, heavy) <= width for x in value.split("\n")), value
        if isinstance(piece, Card):
            assert all(text_width(x, 12) <= piece.box.w for x in (piece.label, piece.change))


def test_nothing_runs_off_a_slide_with_long_names_notes_and_lists(demo_copy_url, no_browser):
    """A 200-character name, a 400-line note and 30 open action items on the demo portfolio."""
    from lib.core.db import make_engine

    engine = make_engine(demo_copy_url)
    with Session(engine) as session, session.begin():
        account = session.scalars(select(Account).order_by(Account.id)).first()
        account.name = ("Very long account name " * 9)[:200]  # the most the column holds
        for n in range(30):
            session.add(ActionItem(account_id=account.id, quarter=DEMO_END, text=f"Follow-up number {n} " * 6, owner="Ann"))
        external = account.external_id
    body = "\n".join(f"- point {n}: " + "words " * (n % 25) for n in range(400))
    assert save_note(engine, EDITOR, account_id(engine, external), DEMO_END, body, 0).saved
    content = deck_content(engine, DeckRequest(DEMO_END, accounts="key", today=TODAY))
    content = deck_content(
        engine, DeckRequest(DEMO_END, accounts=(external, *(a.external_id for a in content.accounts[:3])), today=TODAY)
    )
    slides = deck_slides(content, {}, ("a chart",), "no browser")
    for slide in slides:
        assert_fits(slide)
    long_one = slides[6]
    assert long_one.title.endswith("…")
    shown = "\n".join(x for p in long_one.pieces if isinstance(p, Text) for x in p.lines)
    assert "more lines of the note in Keystone" in shown and "more in Keystone" in shown
    assert any(isinstance(p, Picture) and p.png is None for p in long_one.pieces)


def test_a_table_too_long_for_its_box_says_how_many_more():
    rows = [(f"Account {n}", f"{n}") for n in range(60)]
    pieces = table(Box(0.5, 1.5, 8, 3), ("Account", "Score"), (3, 1), rows, total=75)
    grid, more = pieces
    assert 5 < len(grid.rows) < 60 and more.lines == (f"… and {75 - len(grid.rows)} more accounts",)
    assert grid.box.y + grid.box.h <= more.box.y and more.box.y + more.box.h <= 1.5 + 3 + 1e-6


def cli(*args: str, db: str, browser: bool = False) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ)
    if not browser:
        env["BROWSER_PATH"] = "/nonexistent/chromium"
    return subprocess.run(
        [sys.executable, "-m", "lib", "--db", db, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env
    )


def test_the_command_line_writes_both_formats_and_refuses_unknown_ids(review_engine, tmp_path):
    url = review_engine.url.render_as_string(hide_password=False)
    written = cli("deck", "--quarter", "2026Q2", "--accounts", "A,E", "--out", str(tmp_path / "review.pptx"), db=url)
    assert written.returncode == 0, written.stderr
    assert f"Wrote {tmp_path / 'review.pptx'}: the 2026Q2 review deck, 9 slides" in written.stdout
    assert "Left out" in written.stdout and "  Epsilon Energy: who holds the wallet" in written.stdout
    assert [p["title"] for p in pptx_pages((tmp_path / "review.pptx").read_bytes())][6:8] == [
        "Alpha Industries",
        "Epsilon Energy",
    ]
    as_pdf = cli("deck", "--accounts", "key", "--out", str(tmp_path / "review.pdf"), db=url)
    assert as_pdf.returncode == 0, as_pdf.stderr
    assert pdf_pages((tmp_path / "review.pdf").read_bytes())[1][6:8] == ["Beta Bank", "Epsilon Energy"]
    refused = cli("deck", "--accounts", "A,NOPE", "--out", str(tmp_path / "x.pptx"), db=url)
    assert refused.returncode == 1 and "Unknown account id: NOPE" in refused.stderr and not (tmp_path / "x.pptx").exists()
    wrong = cli("deck", "--out", str(tmp_path / "x.docx"), db=url)
    assert wrong.returncode == 2 and ".pptx or .pdf" in wrong.stderr


def test_a_number_is_never_wrapped_away_from_its_unit():
    lacks = "revenue 0.99 M, needs 1 M (must-have); whitespace 223 k, needs 250 k; growth -9.9 %, needs 5 %"
    for width in (1.5, 2.0, 2.5, 3.0, 4.2):
        lines = wrap(lacks, width, 13)
        assert " ".join(lines) == lacks
        assert not any(line.split(" ")[0] in ("k,", "M,", "%,", "k;", "%", "k", "M") for line in lines), lines


def test_the_browser_is_the_one_browser_path_names_or_none(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", sys.executable)
    assert browser_path() == sys.executable
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    assert browser_path() is None  # the user's choice wins: no search elsewhere
    monkeypatch.setenv("BROWSER_PATH", "")
    monkeypatch.setattr(images_module, "BROWSER_PLACES", ())
    monkeypatch.setenv("PATH", "/nonexistent")
    assert browser_path() is None
