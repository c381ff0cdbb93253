"""The deck as a PDF (fpdf2): the same pieces as the PowerPoint file, one 16:9 page per slide.

Text is real text (searchable, copyable), in the font the lines were measured with; each page is
in the document outline under its slide's title, and each chart image carries its name as alternative text.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from fpdf import FPDF
from PIL import Image

from lib.review.slides import (
    ACCENT,
    BAD,
    CARD_CHANGE_SIZE,
    CARD_LABEL_SIZE,
    CARD_PADDING,
    CARD_VALUE_SIZE,
    CELL_PADDING,
    GOOD,
    INK,
    MISSING_SIZE,
    MUTED,
    RULE,
    SHADE,
    SLIDE_HEIGHT,
    SLIDE_WIDTH,
    Card,
    Grid,
    Picture,
    Slide,
    Text,
    line_height,
)
from lib.review.text import printable, use_deck_font

MEDIA_TYPE = "application/pdf"
ALIGN = {"left": "L", "center": "C", "right": "R"}


class _Deck(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="landscape", unit="in", format=(SLIDE_HEIGHT, SLIDE_WIDTH))
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)
        self.c_margin = 0
        self.family = use_deck_font(self)

    def color(self, hex_color: str, kind: str = "text") -> None:
        rgb = tuple(int(hex_color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
        {"text": self.set_text_color, "fill": self.set_fill_color, "draw": self.set_draw_color}[kind](*rgb)

    def lines(
        self,
        x: float,
        y: float,
        w: float,
        lines: Sequence[str],
        size: float,
        bold: bool = False,
        color: str = INK,
        align: str = "left",
    ) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.color(color)
        height = line_height(size)
        for i, words in enumerate(lines):
            self.set_xy(x, y + i * height)
            self.cell(w, height, printable(words), align=ALIGN[align])


def write_pdf(slides: list[Slide], title: str = "Quarterly business review") -> bytes:
    pdf = _Deck()
    pdf.set_title(title)
    pdf.set_creator("Keystone")
    pdf.set_lang("en")
    for page in slides:
        pdf.add_page()
        pdf.start_section(printable(page.title or title))
        heading = page.heading
        pdf.lines(
            heading.box.x, heading.box.y, heading.box.w, heading.lines, heading.size, heading.bold, heading.color, heading.align
        )
        for piece in page.pieces:
            DRAW[type(piece)](pdf, piece)
    return bytes(pdf.output())


def _text(pdf: _Deck, piece: Text) -> None:
    pdf.lines(piece.box.x, piece.box.y, piece.box.w, piece.lines, piece.size, piece.bold, piece.color, piece.align)


def _card(pdf: _Deck, piece: Card) -> None:
    box = piece.box
    pdf.color(SHADE, "fill")
    pdf.color(RULE, "draw")
    pdf.set_line_width(0.01)
    pdf.rect(box.x, box.y, box.w, box.h, style="DF", round_corners=True, corner_radius=0.08)
    x, y, w = box.x + CARD_PADDING, box.y + CARD_PADDING, box.w - 2 * (CARD_PADDING)
    pdf.lines(x, y, w, [piece.label], CARD_LABEL_SIZE, color=MUTED)
    y += line_height(CARD_LABEL_SIZE)
    pdf.lines(x, y, w, [piece.value], CARD_VALUE_SIZE, bold=True)
    if piece.change:
        color = {"good": GOOD, "bad": BAD}.get(piece.tone, MUTED)
        pdf.lines(x, y + line_height(CARD_VALUE_SIZE), w, [piece.change], CARD_CHANGE_SIZE, bool(piece.tone), color)


def _grid(pdf: _Deck, piece: Grid) -> None:
    box = piece.box
    pdf.set_line_width(0.01)
    pdf.color(RULE, "draw")
    y = box.y
    rows = [(piece.columns, piece.header_height, ACCENT, True)]
    rows += [
        (row, height, "#FFFFFF" if i % 2 == 0 else SHADE, False) for i, (row, height) in enumerate(zip(piece.rows, piece.heights))
    ]
    for number, (cells, height, fill, header) in enumerate(rows):
        pdf.color(fill, "fill")
        pdf.rect(box.x, y, box.w, height, style="DF")
        strong = piece.strong[number - 1] if not header and number - 1 < len(piece.strong) else ()
        x = box.x
        for j, (value, width) in enumerate(zip(cells, piece.widths)):
            bold = header or (j < len(strong) and strong[j])
            color = "#FFFFFF" if header else BAD if bold else INK
            inner = width - 2 * CELL_PADDING
            pdf.lines(x + CELL_PADDING, y + CELL_PADDING, inner, value.split("\n"), piece.size, bold, color, piece.aligns[j])
            x += width
        y += height


def _picture(pdf: _Deck, piece: Picture) -> None:
    box = piece.box
    if piece.png is not None:
        pdf.image(_opaque(piece.png), box.x, box.y, box.w, box.h, alt_text=printable(piece.name))
        return
    pdf.color(RULE, "draw")
    pdf.set_line_width(0.015)
    with pdf.local_context():
        pdf.set_dash_pattern(dash=0.08, gap=0.06)
        pdf.rect(box.x, box.y, box.w, box.h)
    lines = piece.missing.split("\n")
    top = box.y + box.h / 2 - len(lines) * line_height(MISSING_SIZE) / 2
    pdf.lines(box.x, top, box.w, lines, MISSING_SIZE, color=MUTED, align="center")


def _opaque(png: bytes) -> Image.Image:
    """The chart on white, without its alpha channel: fpdf2 would compress that as a second image."""
    with Image.open(io.BytesIO(png)) as image:
        if image.mode == "RGB":
            return image.copy()
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A") if "A" in image.getbands() else None)
        return flat


DRAW = {Text: _text, Card: _card, Grid: _grid, Picture: _picture}
