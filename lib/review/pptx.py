"""The deck as a PowerPoint file (python-pptx): the pieces of lib.review.slides, drawn where they stand.

Every slide has a real title (the layout's title placeholder), so the outline, screen readers and
"go to slide" name it; pictures carry their chart's name as alternative text; tables are tables.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, MSO_VERTICAL_ANCHOR
from pptx.oxml import parse_xml
from pptx.oxml.ns import nsdecls, qn
from pptx.util import Inches

from lib.review.slides import (
    ACCENT,
    BAD,
    CARD_PADDING,
    CELL_PADDING,
    GOOD,
    INK,
    LINE_SPACING,
    MISSING_SIZE,
    MUTED,
    RULE,
    SHADE,
    SLIDE_HEIGHT,
    SLIDE_WIDTH,
    Box,
    Card,
    Grid,
    Picture,
    Slide,
    Text,
)
from lib.review.slides import CARD_CHANGE_SIZE as CHANGE_SIZE
from lib.review.slides import CARD_LABEL_SIZE as LABEL_SIZE
from lib.review.slides import CARD_VALUE_SIZE as VALUE_SIZE

if TYPE_CHECKING:
    from pptx.shapes.autoshape import Shape
    from pptx.shapes.base import BaseShape
    from pptx.shapes.shapetree import SlideShapes
    from pptx.table import _Cell
    from pptx.text.text import TextFrame

FONT = "Arial"
TITLE_ONLY = 5  # the default template's "Title Only" layout
ALIGN = {"left": "l", "center": "ctr", "right": "r"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def write_pptx(slides: list[Slide]) -> bytes:
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(SLIDE_WIDTH), Inches(SLIDE_HEIGHT)
    layout = deck.slide_layouts[TITLE_ONLY]
    for page in slides:
        shapes = deck.slides.add_slide(layout).shapes
        _title(shapes.title, page.heading)
        for piece in page.pieces:
            DRAW[type(piece)](shapes, piece)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _rgb(color: str) -> RGBColor:
    return RGBColor.from_string(color.lstrip("#").upper())


def _place(shape: BaseShape, box: Box) -> None:
    shape.left, shape.top, shape.width, shape.height = Inches(box.x), Inches(box.y), Inches(box.w), Inches(box.h)


def _frame(text_frame: TextFrame, margin: float = 0.0, anchor: MSO_VERTICAL_ANCHOR = MSO_ANCHOR.TOP) -> None:
    text_frame.word_wrap = True
    text_frame.auto_size = MSO_AUTO_SIZE.NONE
    text_frame.vertical_anchor = anchor
    for side in ("margin_left", "margin_right", "margin_top", "margin_bottom"):
        setattr(text_frame, side, Inches(margin))


def _paragraph_xml(words: str, size: float, bold: bool = False, color: str = INK, align: str = "left") -> str:
    """One paragraph of one run as DrawingML: written as text, since python-pptx's element-by-element calls
    cost milliseconds per paragraph and a deck has thousands."""
    spacing = round(size * LINE_SPACING * 100)
    return (
        f'<a:p><a:pPr algn="{ALIGN[align]}"><a:lnSpc><a:spcPts val="{spacing}"/></a:lnSpc>'
        '<a:spcBef><a:spcPts val="0"/></a:spcBef><a:spcAft><a:spcPts val="0"/></a:spcAft></a:pPr>'
        f'<a:r><a:rPr lang="en-US" sz="{round(size * 100)}" b="{int(bold)}" dirty="0">'
        f'<a:solidFill><a:srgbClr val="{color.lstrip("#").upper()}"/></a:solidFill>'
        f'<a:latin typeface="{FONT}"/><a:cs typeface="{FONT}"/></a:rPr><a:t>{escape(_xml_text(words))}</a:t></a:r></a:p>'
    )


def _xml_text(words: str) -> str:
    """Text as XML can hold it: control characters (which no slide should show anyway) dropped."""
    return _CONTROL.sub("", words)


def _fill(text_frame: TextFrame, paragraphs: list[str]) -> None:
    """Replace a text frame's paragraphs with the given ones (at least one: a text body needs a paragraph)."""
    body = text_frame._txBody  # python-pptx's own element: it has no public way to add prepared paragraphs
    for old in body.findall(qn("a:p")):
        body.remove(old)
    xml = "".join(paragraphs) or "<a:p/>"
    for paragraph in parse_xml(f"<a:txBody {nsdecls('a')}>{xml}</a:txBody>").findall(qn("a:p")):
        body.append(paragraph)


def _lines(
    text_frame: TextFrame, lines: Sequence[str], size: float, bold: bool = False, color: str = INK, align: str = "left"
) -> None:
    _fill(text_frame, [_paragraph_xml(words, size, bold, color, align) for words in lines])


def _title(shape: Shape, heading: Text) -> None:
    _place(shape, heading.box)
    _frame(shape.text_frame)
    _lines(shape.text_frame, heading.lines, heading.size, heading.bold, heading.color, heading.align)


def _text(shapes: SlideShapes, piece: Text) -> None:
    box = shapes.add_textbox(0, 0, 0, 0)
    _place(box, piece.box)
    _frame(box.text_frame)
    _lines(box.text_frame, piece.lines, piece.size, piece.bold, piece.color, piece.align)


def _card(shapes: SlideShapes, piece: Card) -> None:
    shape = shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, 0, 0, 0, 0)
    _place(shape, piece.box)
    shape.adjustments[0] = 0.08
    shape.fill.solid()
    shape.fill.fore_color.rgb = _rgb(SHADE)
    shape.line.color.rgb = _rgb(RULE)
    shape.shadow.inherit = False
    _frame(shape.text_frame, CARD_PADDING)
    paragraphs = [_paragraph_xml(piece.label, LABEL_SIZE, color=MUTED), _paragraph_xml(piece.value, VALUE_SIZE, bold=True)]
    if piece.change:
        color = {"good": GOOD, "bad": BAD}.get(piece.tone, MUTED)
        paragraphs.append(_paragraph_xml(piece.change, CHANGE_SIZE, bold=bool(piece.tone), color=color))
    _fill(shape.text_frame, paragraphs)


def _grid(shapes: SlideShapes, piece: Grid) -> None:
    frame = shapes.add_table(len(piece.rows) + 1, len(piece.columns), 0, 0, 0, 0)
    _place(frame, piece.box)
    table = frame.table
    table.first_row = True
    table.horz_banding = False
    for column, width in zip(table.columns, piece.widths):
        column.width = Inches(width)
    table.rows[0].height = Inches(piece.header_height)
    for row, height in zip(list(table.rows)[1:], piece.heights):
        row.height = Inches(height)
    for j, title in enumerate(piece.columns):
        _cell(table.cell(0, j), title, piece.size, True, "#FFFFFF", ACCENT, piece.aligns[j])
    for i, row in enumerate(piece.rows, start=1):
        strong = piece.strong[i - 1] if i - 1 < len(piece.strong) else ()
        for j, value in enumerate(row):
            bold = j < len(strong) and strong[j]
            _cell(table.cell(i, j), value, piece.size, bold, BAD if bold else INK, "#FFFFFF" if i % 2 else SHADE, piece.aligns[j])


def _cell(cell: _Cell, value: str, size: float, bold: bool, color: str, fill: str, align: str) -> None:
    cell.fill.solid()
    cell.fill.fore_color.rgb = _rgb(fill)
    cell.margin_left = cell.margin_right = cell.margin_top = cell.margin_bottom = Inches(CELL_PADDING)
    cell.vertical_anchor = MSO_ANCHOR.TOP
    frame = cell.text_frame
    frame.word_wrap = True
    _lines(frame, value.split("\n"), size, bold, color, align)


def _picture(shapes: SlideShapes, piece: Picture) -> None:
    if piece.png is None:
        box = shapes.add_textbox(0, 0, 0, 0)
        _place(box, piece.box)
        box.line.color.rgb = _rgb(RULE)
        box.line.dash_style = MSO_LINE_DASH_STYLE.DASH
        _frame(box.text_frame, 0.2, MSO_ANCHOR.MIDDLE)
        _lines(box.text_frame, piece.missing.split("\n"), MISSING_SIZE, color=MUTED, align="center")
        return
    picture = shapes.add_picture(
        io.BytesIO(piece.png), Inches(piece.box.x), Inches(piece.box.y), Inches(piece.box.w), Inches(piece.box.h)
    )
    picture._element.nvPicPr.cNvPr.set("descr", piece.name)  # alternative text: python-pptx has no setter for it


DRAW = {Text: _text, Card: _card, Grid: _grid, Picture: _picture}
