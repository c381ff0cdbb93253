"""A slide as positioned pieces (text, cards, tables, pictures) on a 16:9 page, measured to fit.

Both writers (lib.review.pptx and lib.review.pdf) draw these pieces as they are: every line is
wrapped and every table cut here, once, so the PowerPoint and the PDF carry the same content and
nothing runs off a slide. Sizes are in inches and points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lib.review.text import ELLIPSIS, clip, fit_lines, wrap

SLIDE_WIDTH, SLIDE_HEIGHT = 13.333, 7.5
MARGIN = 0.5
INK, MUTED, ACCENT, RULE, SHADE = "#222222", "#555555", "#0072B2", "#BFBFBF", "#F2F2F2"
GOOD, BAD = "#0072B2", "#D55E00"  # blue and vermillion: apart for every common colour vision, and always with a word
LINE_SPACING = 1.22  # a line's height as a multiple of its font size
MISSING_SIZE = 13  # the words standing in for a chart that is not there
CELL_PADDING = 0.06


def line_height(size: float) -> float:
    return size * LINE_SPACING / 72.0


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Text:
    box: Box
    lines: tuple[str, ...]
    size: float
    bold: bool = False
    color: str = INK
    align: str = "left"


@dataclass(frozen=True)
class Card:
    """A headline number: label, value, and its change with a word saying whether that is better or worse."""

    box: Box
    label: str
    value: str
    change: str
    tone: str  # "good", "bad" or ""


@dataclass(frozen=True)
class Grid:
    """A table already cut to its box: cells are lines joined by newlines, one height per row."""

    box: Box
    columns: tuple[str, ...]
    widths: tuple[float, ...]
    aligns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    heights: tuple[float, ...]
    header_height: float
    size: float
    strong: tuple[tuple[bool, ...], ...] = ()  # cells to set in bold (a risk, say), beside their words


@dataclass(frozen=True)
class Picture:
    box: Box
    key: str
    name: str
    png: bytes | None
    missing: str = ""  # what stands in the box without an image: lines, already wrapped


@dataclass(frozen=True)
class Slide:
    """A slide: what kind it is, its title (placed: the PowerPoint writer makes it the slide's title), and the rest."""

    kind: str
    heading: Text
    pieces: tuple = field(default_factory=tuple)

    @property
    def title(self) -> str:
        return " ".join(self.heading.lines)


TITLE_BOX = Box(MARGIN, 0.3, SLIDE_WIDTH - 2 * MARGIN, 0.62)
SUBTITLE_BOX = Box(MARGIN, 0.95, SLIDE_WIDTH - 2 * MARGIN, 0.5)
FOOTER_BOX = Box(MARGIN, SLIDE_HEIGHT - 0.42, SLIDE_WIDTH - 2 * MARGIN, 0.25)
TITLE_SIZE, SUBTITLE_SIZE, FOOTER_SIZE = 28, 14, 10


def slide(kind: str, title: str, subtitle: str, pieces: Sequence) -> Slide:
    """A content slide: its title and subtitle (two lines at most) at the top, then the pieces."""
    heading = line(TITLE_BOX, title, TITLE_SIZE, True)
    under = [text(SUBTITLE_BOX, subtitle, SUBTITLE_SIZE, color=MUTED, more="{n} more lines")] if subtitle else []
    return Slide(kind, heading, (*under, *pieces))


def with_footer(page: Slide, footer: str) -> Slide:
    return Slide(page.kind, page.heading, (*page.pieces, line(FOOTER_BOX, footer, FOOTER_SIZE, color=MUTED)))


def text(
    box: Box, content: str, size: float, bold: bool = False, color: str = INK, align: str = "left", more: str = "{n} more lines"
) -> Text:
    """Wrapped to the box's width and cut to its height (the last line then says how much is left out)."""
    most = max(int(box.h / line_height(size) + 1e-6), 1)
    lines = fit_lines(wrap(content, box.w, size, bold), most, more)
    return Text(box, tuple(clip(line, box.w, size, bold) for line in lines), size, bold, color, align)


def entries(box: Box, items: Sequence[str], total: int, size: float, what: str) -> Text:
    """Whole entries (each wrapped) while they fit the box, then "… and N more {what}" for the rest of `total`."""
    most = max(int(box.h / line_height(size) + 1e-6), 1)
    lines: list[str] = []
    shown = 0
    for entry in items:
        wrapped = wrap(entry, box.w, size)
        room_for_more = 1 if total - shown - 1 > 0 else 0
        if len(lines) + len(wrapped) + room_for_more > most:
            break
        lines += wrapped
        shown += 1
    if total > shown:
        lines = lines[: most - 1] + [f"{ELLIPSIS} and {total - shown} more {what}"]
    return Text(box, tuple(clip(x, box.w, size) for x in lines), size)


def line(box: Box, content: str, size: float, bold: bool = False, color: str = INK, align: str = "left") -> Text:
    """One line, cut with an ellipsis where it would not fit."""
    return Text(box, (clip(content, box.w, size, bold),), size, bold, color, align)


def card(box: Box, label: str, value: str, change: str | None, good: bool | None) -> Card:
    inner = box.w - 2 * CARD_PADDING
    tone = "" if good is None else "good" if good else "bad"
    if change:
        arrow = "" if good is None else "▲" if change.startswith("+") else "▼" if change.startswith("-") else ""
        verdict = {"good": " · better", "bad": " · worse"}.get(tone, "")
        change = clip(f"{arrow} {change}{verdict}".strip(), inner, CARD_CHANGE_SIZE)
    return Card(box, clip(label, inner, CARD_LABEL_SIZE), clip(value, inner, CARD_VALUE_SIZE, True), change or "", tone)


CARD_LABEL_SIZE, CARD_VALUE_SIZE, CARD_CHANGE_SIZE = 12, 22, 12
CARD_PADDING = 0.08


CARD_HEIGHT = (
    2 * CELL_PADDING + 0.08 + line_height(CARD_LABEL_SIZE) + line_height(CARD_VALUE_SIZE) + line_height(CARD_CHANGE_SIZE)
)


def cards(box: Box, metrics: Sequence, per_row: int, gap: float = 0.12) -> list[Card]:
    """Metric cards in rows of `per_row` across the box's width, as tall as their three lines (or the box allows)."""
    rows = max(-(-len(metrics) // per_row), 1)
    width = (box.w - gap * (per_row - 1)) / per_row
    height = min((box.h - gap * (rows - 1)) / rows, CARD_HEIGHT)
    return [
        card(
            Box(box.x + (i % per_row) * (width + gap), box.y + (i // per_row) * (height + gap), width, height),
            m.label,
            m.value,
            m.change,
            m.good,
        )
        for i, m in enumerate(metrics)
    ]


def table(
    box: Box,
    columns: Sequence[str],
    shares: Sequence[float],
    rows: Sequence[Sequence[str]],
    total: int,
    size: float = 13,
    wrapped: dict[int, int] | None = None,
    aligns: Sequence[str] | None = None,
    strong: Sequence[Sequence[bool]] | None = None,
    what: str = "accounts",
) -> list:
    """A table that fits the box: cells cut to their column (wrapped columns to a few lines), rows cut to
    the height, and a last line "… and N more accounts" when rows were left out (counted against `total`)."""
    wrapped = wrapped or {}
    widths = tuple(box.w * s / sum(shares) for s in shares)
    aligns = tuple(aligns or ("left",) * len(columns))
    header = tuple(_cell(c, w - 2 * CELL_PADDING, size, 2, True) for c, w in zip(columns, widths))
    header_height = max(h.count("\n") + 1 for h in header) * line_height(size) + 2 * CELL_PADDING
    more_height = line_height(size)
    room = box.h - header_height
    cells, heights = [], []
    for number, row in enumerate(rows):
        bold = strong[number] if strong and number < len(strong) else (False,) * len(row)
        cut = tuple(
            _cell(str(value), w - 2 * CELL_PADDING, size, wrapped.get(i, 1), bold[i])
            for i, (value, w) in enumerate(zip(row, widths))
        )
        height = max(v.count("\n") + 1 for v in cut) * line_height(size) + 2 * CELL_PADDING
        left = total - len(cells) - 1
        if sum(heights) + height + (more_height if left > 0 else 0) > room + 1e-6:
            break
        cells.append(cut)
        heights.append(height)
    grid_height = header_height + sum(heights)
    strong_cells = tuple(tuple(s) for s in (strong or ()))[: len(cells)]
    pieces: list = [
        Grid(
            Box(box.x, box.y, box.w, grid_height),
            header,
            widths,
            aligns,
            tuple(cells),
            tuple(heights),
            header_height,
            size,
            strong_cells,
        )
    ]
    if not rows:
        pieces.append(line(Box(box.x, box.y + grid_height + 0.05, box.w, more_height), f"No {what}.", size, color=MUTED))
    elif total > len(cells):
        note = f"{ELLIPSIS} and {total - len(cells):,} more {what}"
        pieces.append(line(Box(box.x, box.y + grid_height + 0.02, box.w, more_height), note, size, color=MUTED))
    return pieces


def _cell(value: str, width: float, size: float, most: int, bold: bool = False) -> str:
    if most <= 1:
        return clip(value, width, size, bold)
    lines = wrap(value, width, size, bold)
    if len(lines) > most:
        lines = [*lines[: most - 1], clip(" ".join(lines[most - 1 :]), width, size, bold)]
    return "\n".join(clip(part, width, size, bold) for part in lines)
