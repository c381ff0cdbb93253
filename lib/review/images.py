"""Chart images: Plotly's static export (kaleido 1.x driving Chrome or Chromium), many figures per browser start.

Which browser: BROWSER_PATH when it is set (kaleido's and choreographer's own variable; set to a
path that is no program, it means "no browser"), else Debian's /usr/bin/chromium and the usual
places, else the names on PATH. A browser is never downloaded. Without one, or when it fails,
the charts are left out and named, and the deck is built without them.

Speed: kaleido 1.1's public `Kaleido.calc_fig` reloads its page (and so plotly.js) after every
figure, about 0.5 s each here, four times the render itself. With the pinned version this module
renders on one tab without the reload, through the tab's `_calc_fig` (what `calc_fig` calls), and
reloads every RELOAD_EVERY figures to keep the page fresh; where that method is missing (another
kaleido) it falls back to the public call. The event loop runs in a thread of its own, so that
the caller (a Streamlit script run, say) keeps its thread and hears of progress in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lib.review.charts import Chart

if TYPE_CHECKING:  # kaleido is imported where a deck draws its charts: it costs time to import
    from kaleido import Kaleido
    from kaleido._kaleido_tab import _KaleidoTab

BROWSER_PLACES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome-stable", "/usr/bin/google-chrome")
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome", "chrome")
SCALE = 2  # pixels per CSS pixel: crisp on a projector and in print
EACH_TIMEOUT = 30.0  # seconds for one figure
ALL_TIMEOUT = 240.0  # seconds for every figure of a deck, browser start included
START_TIMEOUT = 45.0  # seconds for the browser to start and load its page, each try
START_TRIES = 3
CLOSE_TIMEOUT = 15.0
RELOAD_EVERY = 40
NO_BROWSER = "no Chrome or Chromium was found to draw them (install chromium, or set BROWSER_PATH to the browser)"


@dataclass(frozen=True)
class Rendered:
    """PNG images by chart key, the names of the charts left out, and why ("" when none was)."""

    images: dict[str, bytes]
    left_out: tuple[str, ...]
    reason: str


def browser_path() -> str | None:
    """The Chrome or Chromium to draw the charts with, or None."""
    chosen = os.environ.get("BROWSER_PATH", "").strip()
    if chosen:
        return chosen if _runs(chosen) else None
    for place in BROWSER_PLACES:
        if _runs(place):
            return place
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found and _runs(found):
            return found
    return None


def _runs(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def render_pngs(charts: Sequence[Chart], progress: Callable[[int, int], None] | None = None) -> Rendered:
    """Every chart as a PNG, in one browser; those that cannot be drawn are left out and named."""
    with Painter() as painter:
        painter.submit(charts)
        return painter.collect(progress)


class Painter:
    """A browser in a thread of its own that draws charts as they are handed in.

    Starting Chromium takes seconds and a deck's charts take seconds more: a deck starts the
    painter first, hands in each account's charts as soon as it has read the account, and
    collects the images at the end, so drawing overlaps reading the database.
    """

    def __init__(self) -> None:
        self.path = browser_path()
        self._orders: queue.Queue = queue.Queue()
        self._results: queue.Queue = queue.Queue()
        self._charts: list[Chart] = []
        self._closed = False
        if self.path is not None:
            threading.Thread(
                target=_serve, args=(self.path, self._orders, self._results), name="deck-charts", daemon=True
            ).start()

    def __enter__(self) -> Painter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """No more charts: the browser closes once it has drawn those handed in (also after an error)."""
        if not self._closed:
            self._closed = True
            self._orders.put(None)

    def submit(self, charts: Sequence[Chart]) -> None:
        """Hand in charts to draw (in the order given); drawing starts at once."""
        if self._closed:
            raise RuntimeError("This painter is closed.")
        self._charts += charts
        if self.path is not None and charts:
            self._orders.put(list(charts))

    def collect(self, progress: Callable[[int, int], None] | None = None) -> Rendered:
        """Wait for every chart handed in; the images, and the names of those left out and why."""
        self.close()
        charts = self._charts
        if self.path is None:
            return Rendered({}, tuple(c.name for c in charts), NO_BROWSER if charts else "")
        images: dict[str, bytes] = {}
        reason = ""
        deadline = time.monotonic() + ALL_TIMEOUT
        while True:
            try:
                kind, key, payload = self._results.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                reason = f"the browser took longer than {ALL_TIMEOUT:.0f} s to draw them"
                break
            if kind == "image":
                images[key] = payload
                if progress:
                    progress(len(images), len(charts))
            elif kind == "skipped":
                reason = reason or payload
            elif kind == "failed":
                reason = payload
                break
            else:  # done
                break
        left_out = tuple(c.name for c in charts if c.key not in images)
        return Rendered(images, left_out, reason if left_out else "")


def _serve(path: str, orders: queue.Queue, results: queue.Queue) -> None:
    try:
        asyncio.run(_render_all(path, orders, results))
    except Exception as error:  # the browser would not start, or died: the deck goes on without the charts left
        results.put(("failed", "", f"the browser could not draw them ({type(error).__name__}: {_brief(error)})"))
    else:
        results.put(("done", "", None))


async def _started(path: str) -> Kaleido:
    """A browser with its page loaded. Now and then a start never ends (seen with several browsers starting
    at once, as two decks or two test workers do): a start gets START_TIMEOUT seconds, and is tried again."""
    import kaleido  # here: importing kaleido and choreographer costs time a deck without a browser does not need

    for attempt in range(1, START_TRIES + 1):
        browser = kaleido.Kaleido(path=path, n=1, mathjax=False, timeout=EACH_TIMEOUT)
        try:
            await asyncio.wait_for(browser.open(), START_TIMEOUT)
        except Exception:  # the timeout, or what the cancelled start raised instead
            with contextlib.suppress(Exception):
                await asyncio.wait_for(browser.close(), CLOSE_TIMEOUT)
            if attempt == START_TRIES:
                raise
        else:
            return browser
    raise AssertionError("unreachable")


async def _render_all(path: str, orders: queue.Queue, results: queue.Queue) -> None:
    browser = await _started(path)
    tab = None
    try:
        fast = _has_fast_path(browser)
        tab = await browser._get_kaleido_tab() if fast else None
        drawn = 0
        while (charts := await _next_order(orders)) is not None:
            for chart in charts:
                if fast and drawn and drawn % RELOAD_EVERY == 0:
                    await tab.reload()
                drawn += 1
                results.put(await _drawn(browser, tab, chart))
    finally:
        if tab is not None:
            await browser.tabs_ready.put(tab)  # back in kaleido's queue, so that it closes as it expects
        await browser.__aexit__(None, None, None)  # what leaving `async with` does: it was opened by _started


async def _drawn(browser: Kaleido, tab: _KaleidoTab | None, chart: Chart) -> tuple[str, str, object]:
    """("image", key, png), or ("skipped", key, why) for a figure the browser would not draw in time."""
    try:
        return "image", chart.key, await asyncio.wait_for(_one(browser, tab, chart), EACH_TIMEOUT)
    except TimeoutError:
        return "skipped", chart.key, f"the browser took longer than {EACH_TIMEOUT:.0f} s to draw one"
    except Exception as error:  # one figure the browser refuses; the others may still draw
        return "skipped", chart.key, f"the browser could not draw one ({_brief(error)})"


async def _next_order(orders: queue.Queue) -> list[Chart] | None:
    """The next charts to draw, None when no more will come (polled: no executor thread left waiting at exit)."""
    while True:
        try:
            return orders.get_nowait()
        except queue.Empty:
            await asyncio.sleep(0.05)


def _has_fast_path(browser: Kaleido) -> bool:
    """Whether this kaleido has the tab methods the fast path uses (1.1.0 does)."""
    try:
        from kaleido._kaleido_tab import _KaleidoTab
    except ImportError:
        return False
    tab_methods = all(hasattr(_KaleidoTab, name) for name in ("_calc_fig", "reload"))
    return tab_methods and hasattr(browser, "_get_kaleido_tab") and hasattr(browser, "tabs_ready")


async def _one(browser: Kaleido, tab: _KaleidoTab | None, chart: Chart) -> bytes:
    opts = {"format": "png", "width": chart.figure.layout.width, "height": chart.figure.layout.height, "scale": SCALE}
    if tab is None:
        return await browser.calc_fig(chart.figure, opts=opts)
    from kaleido._fig_tools import build_fig_spec

    spec, full_path = build_fig_spec(chart.figure, None, opts)
    image, _profile = await tab._calc_fig(spec, full_path)
    return image


def _brief(error: BaseException, limit: int = 120) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
