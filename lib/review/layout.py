"""The slides of the review deck, in order: title, KPIs, wallet, key accounts, near misses, relationships,
one per account, and, when charts were left out, which ones and why.

Each function lays out one slide of lib.review.model content on the 16:9 page of lib.review.slides;
the charts each slide shows are declared by `deck_charts`, so that all of them render in one go.
"""

from __future__ import annotations

from lib.review import charts as charts
from lib.review.charts import Chart
from lib.review.model import AccountContent, DeckContent, Relationship
from lib.review.slides import (
    ACCENT,
    MARGIN,
    MISSING_SIZE,
    MUTED,
    SLIDE_HEIGHT,
    SLIDE_WIDTH,
    Box,
    Picture,
    Slide,
    Text,
    cards,
    entries,
    line,
    line_height,
    slide,
    table,
    text,
    with_footer,
)
from lib.review.text import fit_lines, wrap

WIDE = SLIDE_WIDTH - 2 * MARGIN
BODY_TOP = 1.55
BODY_BOTTOM = SLIDE_HEIGHT - 0.55
KPI_CHART = Box(MARGIN, 4.85, WIDE, BODY_BOTTOM - 4.85)
WALLET_CHART = Box(MARGIN + 5.2, BODY_TOP, WIDE - 5.2, BODY_BOTTOM - BODY_TOP)
ACCOUNT_CHARTS = Box(MARGIN + 4.75, BODY_TOP, WIDE - 4.75, 2.75)
CHART_GAP = 0.2


def _halves(box: Box) -> tuple[Box, Box]:
    half = (box.w - CHART_GAP) / 2
    return Box(box.x, box.y, half, box.h), Box(box.x + half + CHART_GAP, box.y, half, box.h)


def deck_charts(content: DeckContent) -> list[Chart]:
    """Every chart of the deck, each at the size of its box."""
    return [*portfolio_charts(content), *(c for account in content.accounts for c in account_charts(account, content.quarter))]


def portfolio_charts(content: DeckContent) -> list[Chart]:
    """The charts of the KPI and wallet slides."""
    revenue_box, retention_box = _halves(KPI_CHART)
    trends = content.portfolio.trends
    out = [
        Chart(
            "kpi-revenue",
            "Revenue by quarter",
            charts.revenue_chart(trends, revenue_box.w, revenue_box.h),
            revenue_box.w,
            revenue_box.h,
        ),
        Chart(
            "kpi-retention",
            "Net and gross revenue retention",
            charts.retention_chart(trends, retention_box.w, retention_box.h),
            retention_box.w,
            retention_box.h,
        ),
    ]
    if not content.wallet.split.empty:
        box = WALLET_CHART
        figure = charts.wallet_split_chart(content.wallet.split, content.wallet.parts, box.w, box.h)
        out.append(Chart("wallet-split", "Who holds the wallet, by segment", figure, box.w, box.h))
    return out


def account_charts(account: AccountContent, quarter: str) -> list[Chart]:
    """An account slide's charts: revenue and wallet by quarter, and who holds the wallet in the quarter."""
    trend_box, split_box = _halves(ACCOUNT_CHARTS)
    out = []
    if not account.history.empty:
        figure = charts.account_trend_chart(account.history, trend_box.w, trend_box.h)
        out.append(Chart(f"trend-{account.account_id}", f"{account.name}: revenue and wallet", figure, trend_box.w, trend_box.h))
    if not account.wallet_split.empty:
        figure = charts.account_wallet_chart(account.wallet_split, quarter, split_box.w, split_box.h)
        out.append(
            Chart(f"split-{account.account_id}", f"{account.name}: who holds the wallet", figure, split_box.w, split_box.h)
        )
    return out


def _picture(box: Box, key: str, name: str, images: dict[str, bytes], absent: str) -> Picture:
    """The chart's image, or a box saying why there is none (no data, or left out for want of a browser)."""
    if key in images:
        return Picture(box, key, name, images[key])
    return Picture(box, key, name, None, "\n".join(fit_lines(wrap(absent, box.w - 0.4, MISSING_SIZE), 3)))


def title_slide(content: DeckContent, left_out: int, reason: str) -> Slide:
    heading = line(Box(MARGIN, 1.4, WIDE, 0.8), "Quarterly business review", 40, True)
    pieces = [
        line(Box(MARGIN, 2.3, WIDE, 1.0), content.quarter, 54, True, ACCENT),
        text(Box(MARGIN, 3.6, WIDE, 0.45), f"Filters: {content.filters}", 20),
        text(Box(MARGIN, 4.1, WIDE, 0.45), f"Accounts: {content.selection}", 20),
        text(Box(MARGIN, 4.6, WIDE, 0.45), f"Data as of {content.data_as_of} · made on {content.made_on}", 20),
        text(
            Box(MARGIN, 5.1, WIDE, 0.45),
            f"Retention against {content.base_quarter}; changes against {content.previous_quarter}",
            20,
            color=MUTED,
        ),
    ]
    if left_out:
        notice = f"{left_out} chart{'s' if left_out != 1 else ''} left out: {reason}. The last slide lists them."
        pieces.append(text(Box(MARGIN, 5.8, WIDE, 0.9), notice, 16, True, "#A03C00"))
    return Slide("title", heading, tuple(pieces))


def kpi_slide(content: DeckContent, images: dict[str, bytes]) -> Slide:
    portfolio = content.portfolio
    revenue_box, retention_box = _halves(KPI_CHART)
    pieces = [
        *cards(Box(MARGIN, BODY_TOP, WIDE, 4.7 - BODY_TOP), portfolio.metrics, per_row=5),
        _picture(
            revenue_box, "kpi-revenue", "Revenue by quarter", images, "Revenue by quarter: chart left out (see the last slide)"
        ),
        _picture(
            retention_box,
            "kpi-retention",
            "Net and gross revenue retention",
            images,
            "Retention: chart left out (see the last slide)",
        ),
    ]
    return slide("kpis", f"Portfolio KPIs, {content.quarter}", portfolio.caption, tuple(pieces))


def wallet_slide(content: DeckContent, images: dict[str, bytes]) -> Slide:
    wallet = content.wallet
    shown = wallet.metrics[:8]
    absent = (
        "No wallet estimate counts in this quarter."
        if wallet.split.empty
        else "Who holds the wallet: chart left out (see the last slide)"
    )
    pieces = [
        *cards(Box(MARGIN, BODY_TOP, 5.0, BODY_BOTTOM - BODY_TOP), shown, per_row=2),
        _picture(WALLET_CHART, "wallet-split", "Who holds the wallet, by segment", images, absent),
    ]
    return slide("wallet", f"Share of wallet, {content.quarter}", wallet.caption, tuple(pieces))


def key_accounts_slide(content: DeckContent) -> Slide:
    key = content.key_accounts
    if not key.available:
        return slide("key accounts", f"Key accounts, {content.quarter}", key.message, ())
    pieces = [
        text(Box(MARGIN, BODY_TOP, WIDE, 0.62), f"Rules: {key.criteria}", 12, color=MUTED, more="{n} more lines of rules"),
        line(Box(MARGIN, BODY_TOP + 0.68, WIDE, 0.35), key.summary, 15, True),
        *table(
            Box(MARGIN, BODY_TOP + 1.15, WIDE, BODY_BOTTOM - BODY_TOP - 1.15),
            key.qualified.columns,
            (3.2, 1.6, 1.6, 0.8, 1.4, 1.4),
            key.qualified.rows,
            key.qualified.total,
            aligns=("left", "left", "left", "right", "right", "right"),
            what="key accounts",
        ),
    ]
    return slide(
        "key accounts", f"Key accounts, {content.quarter}", f"Criteria set {key.criteria_name}, {key.approval}", tuple(pieces)
    )


def near_misses_slide(content: DeckContent) -> Slide:
    key = content.key_accounts
    title = f"Near misses, {content.quarter}"
    if not key.available:
        return slide("near misses", title, key.message, ())
    pieces = table(
        Box(MARGIN, BODY_TOP, WIDE, BODY_BOTTOM - BODY_TOP),
        key.near_misses.columns,
        (2.6, 0.7, 4.9, 1.5, 1.4),
        key.near_misses.rows,
        key.near_misses.total,
        wrapped={2: 2},
        aligns=("left", "right", "left", "right", "left"),
        what="near misses",
    )
    return slide("near misses", title, "Accounts that nearly qualify, closest first, and what each lacks", tuple(pieces))


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def relationships_slide(content: DeckContent) -> Slide:
    risks = content.relationships
    share = "n/a" if risks.single_threaded_share is None else f"{risks.single_threaded_share * 100:.0f} %"
    headline = (
        f"{share} of the {risks.active_accounts:,} active accounts in the filter are single-threaded "
        f"(one stakeholder or none met in the 90 days to the end of {risks.quarter})"
    )
    rows = [_relationship_row(r) for r in risks.accounts]
    strong = [
        (False, False, False, not r.exec_met_90d, not r.economic_buyer_met_90d, r.single_threaded, r.bus_factor <= 1)
        for r in risks.accounts
    ]
    pieces = [
        text(Box(MARGIN, BODY_TOP, WIDE, 0.62), headline, 15, True),
        *table(
            Box(MARGIN, BODY_TOP + 0.75, WIDE, BODY_BOTTOM - BODY_TOP - 0.75),
            ("Account", "Stakeholders", "Met in 90 days", "Exec met", "Economic buyer met", "Single-threaded", "Bus factor"),
            (2.6, 1.6, 1.5, 1.1, 1.6, 1.8, 1.2),
            rows,
            len(rows),
            aligns=("left", "right", "right", "left", "left", "left", "right"),
            strong=strong,
            what="accounts",
        ),
    ]
    subtitle = "The deck's accounts, riskiest first; risks in bold: no executive or economic buyer met, single-threaded, bus factor 1 or less"
    return slide("relationships", f"Relationship risks, {content.quarter}", subtitle, tuple(pieces))


def _relationship_row(r: Relationship) -> tuple[str, ...]:
    return (
        r.name,
        f"{r.stakeholders_known:,}",
        f"{r.met_90d:,}",
        _yes(r.exec_met_90d),
        _yes(r.economic_buyer_met_90d),
        "yes, at risk" if r.single_threaded else "no",
        f"{r.bus_factor}" + (" (at risk)" if r.bus_factor <= 1 else ""),
    )


def account_slide(content: DeckContent, account: AccountContent, images: dict[str, bytes]) -> Slide:
    left = 4.55
    trend_box, split_box = _halves(ACCOUNT_CHARTS)
    right_x = ACCOUNT_CHARTS.x
    note_top = ACCOUNT_CHARTS.y + ACCOUNT_CHARTS.h + 0.15
    pieces = [
        *cards(Box(MARGIN, BODY_TOP, left, 2.9), account.metrics, per_row=2, gap=0.08),
        line(Box(MARGIN, 4.55, left, 0.28), "Relationships", 13, True),
        text(Box(MARGIN, 4.83, left, 0.62), _relationship_text(account.relationship), 12, more="{n} more lines"),
        line(Box(MARGIN, 5.5, left, 0.28), f"Open action items ({account.open_items_total})", 13, True),
        _items(Box(MARGIN, 5.78, left, BODY_BOTTOM - 5.78), account),
        _picture(
            trend_box,
            f"trend-{account.account_id}",
            "Revenue and wallet",
            images,
            "No revenue recorded yet." if account.history.empty else "Revenue and wallet: chart left out (see the last slide)",
        ),
        _picture(
            split_box,
            f"split-{account.account_id}",
            "Who holds the wallet",
            images,
            f"No wallet estimate that counts in {content.quarter}."
            if account.wallet_split.empty
            else "Who holds the wallet: chart left out (see the last slide)",
        ),
        line(Box(right_x, note_top, ACCOUNT_CHARTS.w, 0.3), _note_heading(content, account), 13, True),
        text(
            Box(right_x, note_top + 0.32, ACCOUNT_CHARTS.w, BODY_BOTTOM - note_top - 0.32),
            _without_blank_lines(account.note) or f"No review note for {content.quarter} yet.",
            12,
            color="#222222" if account.note else MUTED,
            more="{n} more lines of the note in Keystone",
        ),
    ]
    subtitle = " · ".join(part for part in (account.facts, account.status) if part)
    return slide("account", account.name, subtitle, tuple(pieces))


def _without_blank_lines(note: str) -> str:
    """The note without its empty lines: a slide has no room for paragraph spacing."""
    return "\n".join(line for line in note.split("\n") if line.strip())


def _note_heading(content: DeckContent, account: AccountContent) -> str:
    stamp = f" ({account.note_stamp})" if account.note_stamp else ""
    return f"Review note {content.quarter}{stamp}"


def _relationship_text(r: Relationship | None) -> str:
    if r is None:
        return "n/a"
    threads = "yes, at risk" if r.single_threaded else "no"
    risk = " (at risk)" if r.bus_factor <= 1 else ""
    return (
        f"Stakeholders: {r.stakeholders_known} known, {r.met_90d} met in 90 days\n"
        f"Executive met: {_yes(r.exec_met_90d)} · economic buyer met: {_yes(r.economic_buyer_met_90d)}\n"
        f"Single-threaded: {threads} · bus factor {r.bus_factor}{risk}"
    )


def _items(box: Box, account: AccountContent) -> Text:
    if not account.open_items:
        return line(box, "None open.", 12, color=MUTED)
    lines = []
    for item in account.open_items:
        about = [
            item.owner,
            f"due {item.due}" if item.due else "",
            f"{item.overdue_days} days overdue" if item.overdue_days else "",
        ]
        said = ", ".join(a for a in about if a)
        lines.append(f"• {' '.join(item.text.split())}" + (f" ({said})" if said else ""))
    return entries(box, lines, account.open_items_total, 12, "in Keystone")


def left_out_slide(names: tuple[str, ...], reason: str) -> Slide:
    """Which charts the deck could not draw, in two columns, and why."""
    column = (WIDE - 0.3) / 2
    top = BODY_TOP + 0.75
    rows = int((BODY_BOTTOM - top) / line_height(13) + 1e-6)
    first, second = names[:rows], names[rows : 2 * rows]
    if len(names) > 2 * rows:
        second = (*names[rows : 2 * rows - 1], f"… and {len(names) - (2 * rows - 1)} more")
    pieces = [
        text(Box(MARGIN, BODY_TOP, WIDE, 0.65), f"Why: {reason}.", 14, True),
        text(Box(MARGIN, top, column, BODY_BOTTOM - top), "\n".join(first), 13),
        text(Box(MARGIN + column + 0.3, top, column, BODY_BOTTOM - top), "\n".join(second), 13),
    ]
    count = f"{len(names)} chart{'s' if len(names) != 1 else ''}"
    return slide("charts left out", "Charts left out", f"{count}; their numbers and tables are on the slides", tuple(pieces))


def deck_slides(content: DeckContent, images: dict[str, bytes], left_out: tuple[str, ...], reason: str) -> list[Slide]:
    """Every slide in order, each with its footer."""
    slides = [
        title_slide(content, len(left_out), reason),
        kpi_slide(content, images),
        wallet_slide(content, images),
        key_accounts_slide(content),
        near_misses_slide(content),
        relationships_slide(content),
        *(account_slide(content, account, images) for account in content.accounts),
    ]
    if left_out:
        slides.append(left_out_slide(left_out, reason))
    stamp = f"Keystone review {content.quarter} · {content.filters} · data as of {content.data_as_of}"
    return [
        page if page.kind == "title" else with_footer(page, f"{stamp} · {n} of {len(slides)}")
        for n, page in enumerate(slides, start=1)
    ]
