"""Build the review deck: read the content, draw the charts, lay out the slides, write PPTX or PDF.

`build_deck` is what the walkthrough page's button and `python -m lib deck` call. It reports its
progress as (fraction done, what it is doing) to a callback in the caller's own thread, so a
Streamlit progress bar can follow it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from lib.review import pdf as pdf
from lib.review import pptx as pptx
from lib.review.content import PortfolioData, deck_content  # the one door to the feature packages
from lib.review.images import Painter
from lib.review.layout import account_charts, deck_slides, portfolio_charts
from lib.review.model import DeckError, DeckRequest

FORMATS = {"pptx": (pptx.write_pptx, pptx.MEDIA_TYPE), "pdf": (pdf.write_pdf, pdf.MEDIA_TYPE)}
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class BuiltDeck:
    """The file, what to call it, its slides' titles in order, and the charts it had to leave out and why."""

    data: bytes
    quarter: str
    format: str  # "pptx" or "pdf"
    media_type: str
    file_name: str
    slide_titles: tuple[str, ...]
    charts_left_out: tuple[str, ...]
    why_left_out: str  # "" when every chart is in


def build_deck(
    engine: Engine,
    request: DeckRequest,
    fmt: str = "pptx",
    progress: Progress | None = None,
    data: PortfolioData | None = None,
) -> BuiltDeck:
    """The review deck for the request, as a PPTX or PDF file; DeckError when it cannot be built as asked.

    data: the portfolio arrays, when the caller holds them already (the app's cache); read otherwise.
    """
    if fmt not in FORMATS:
        raise DeckError(f"A deck is written as {' or '.join(FORMATS)}, not {fmt!r}.")
    report = progress or _quiet
    write, media_type = FORMATS[fmt]
    with Painter() as painter:  # the browser starts, and draws each account's charts, while the database is read
        report(0.0, "Reading the portfolio")
        content = deck_content(
            engine,
            request,
            data,
            progress=lambda done, what: report(0.05 + 0.5 * done, what),
            on_account=lambda quarter, account: painter.submit(account_charts(account, quarter)),
        )
        first = portfolio_charts(content)
        painter.submit(first)
        report(0.55, "Drawing the charts")
        rendered = painter.collect(lambda done, total: report(0.55 + 0.35 * done / total, f"Drawing chart {done} of {total}"))
    report(0.9, "Laying out the slides")
    leading = {chart.name for chart in first}
    left_out = tuple(sorted(rendered.left_out, key=lambda name: name not in leading))  # in the order of the slides
    slides = deck_slides(content, rendered.images, left_out, rendered.reason)
    report(0.95, f"Writing the {fmt.upper()} file")
    written = write(slides)
    report(1.0, f"{len(slides)} slides ready")
    return BuiltDeck(
        data=written,
        quarter=content.quarter,
        format=fmt,
        media_type=media_type,
        file_name=f"review-{content.quarter}.{fmt}",
        slide_titles=tuple(s.title for s in slides),
        charts_left_out=left_out,
        why_left_out=rendered.reason,
    )


def _quiet(_done: float, _what: str) -> None:
    return None
