"""The presentation layer every page shares: projector mode, its sizes, and the print layout.

Projector mode is one session value (the sidebar toggle's key) mirrored in the address as
?present=1, so a reload or a shared link keeps it; every size of the room lives here (type in
CSS, chart sizes in lib.core.charts), so no page carries CSS of its own.
"""

from __future__ import annotations

import streamlit as st

from lib.ui.text import plain

PROJECTOR = "presentation_mode"  # the toggle's key, and the session value every page reads
PROJECTOR_PARAM = "present"  # ?present=1
_ON = frozenset({"1", "true", "on", "yes"})
_OFF = frozenset({"0", "false", "off", "no", ""})
SHOWN_URL_CHARS = 40  # of a value from the address quoted in a message
PAPER_PX = 1047  # the printable width of A4 landscape less 10 mm margins (the @page rule), at 96 px an inch

# KPI cards: the "why?" popover sits in the card's top-right corner, leaving the width to the number;
# what a change is against ("vs 2026Q2") goes under it when a narrow card has no room beside it.
_CARD_CSS = """
div[class*="st-key-kpicard_"] { position: relative; }
div[class*="st-key-kpicard_"] > [data-testid="stLayoutWrapper"]:has([data-testid="stPopover"]) {
  position: absolute; bottom: 0.15rem; right: -0.1rem; width: auto; z-index: 1; }
div[class*="st-key-kpicard_"] [data-testid="stPopover"] button { padding: 0 0.2rem; min-height: 1.5rem; }
[data-testid="stMetric"] div:has(> [data-testid="stMetricDeltaDescription"]) { flex-wrap: wrap; row-gap: 0; }
[data-testid="stElementContainer"]:has(.ks-print-stamp), [data-testid="stElementContainer"]:has(.ks-theme) { display: none; }
"""

# The room: every rem of Streamlit grows with the root size (20 px body text, 45 px metric values,
# widgets, popovers and tables alike); the sidebar folds away for the page bar (lib.ui.pagebar).
_PROJECTOR_CSS = """
html { font-size: 20px; }
html, body, [class*="st-"] { color: #000; }
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"], footer { display: none !important; }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"] { display: none !important; }
.block-container { padding: 0.6rem 1.2rem 1rem 1.2rem !important; max-width: 100% !important; }
[data-testid="stMain"] :is(p, li, label, button, span, small, code, pre, textarea, input),
[data-testid="stPopoverBody"] :is(p, li, label, span, input) { font-size: max(1rem, 1em) !important; }
h1 { font-size: 2.1rem !important; padding: 0.2rem 0 0.3rem 0 !important; }
h2, h3 { font-size: 1.6rem !important; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p { font-size: 2.25rem !important; font-weight: 700 !important; line-height: 1.15 !important; }
[data-testid="stMetricValue"] > div { overflow: visible !important; text-overflow: clip !important; }
[data-testid="stMetricLabel"] p { font-size: 1rem !important; font-weight: 600 !important; }
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] p, [data-testid="stMetricDeltaDescription"] { font-size: 1rem !important; }
div[class*="st-key-kpicard_sow_"] [data-testid="stMetricValue"],
div[class*="st-key-kpicard_sow_"] [data-testid="stMetricValue"] p { font-size: 2rem !important; }  /* six cards in a row */
div[class*="st-key-kpicard_"] { padding: 0.8rem 0.8rem !important; }
/* A scrolling box with nothing to focus cannot be scrolled by keyboard: on the projector it shows all of its text. */
.st-key-notes_preview, .st-key-notes_current { height: auto !important; max-height: none !important; overflow: visible !important; }
[data-testid="stVerticalBlockBorderWrapper"] { border-color: #000 !important; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #222 !important; opacity: 1 !important; font-size: 1rem !important; }
[data-testid^="stBaseButton-primary"], [data-testid^="stBaseButton-primary"] * { color: #fff !important; }
[data-testid="stPopoverBody"] { min-width: min(60rem, 90vw) !important; }
[data-testid="stPopoverBody"]:has(.st-key-flt_quarter) { min-width: 34rem !important; width: 34rem !important; }
[data-testid="stDataFrame"], [data-testid="stDataFrameResizable"] { font-size: 1rem; }
[data-testid="stPlotlyChart"] .modebar-container, [data-testid="stElementToolbar"] { display: none !important; }
.ks-detail { display: none !important; }
.st-key-page_bar [data-testid="stPageLink"] span:has(> [data-testid="stIconMaterial"]) { display: none; }
.st-key-page_bar { column-gap: 0.2rem !important; }
.st-key-page_bar [data-testid="stPageLink"] a { padding: 0.1rem 0.35rem; margin: 0; }
.st-key-page_bar_filters button { max-width: 24rem; }  /* a long summary ends in … here; the page's caption has it all */
.st-key-page_bar_filters button p { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
"""

_COMPACT_CSS = """
.block-container { padding-top: 2rem !important; padding-bottom: 1rem !important; padding-left: 2rem !important; padding-right: 2rem !important; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p { font-size: 1.45rem !important; }
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] p { font-size: 0.8rem !important; }
[data-testid="stMetricLabel"] p { font-size: 0.82rem !important; }
h1 { padding-bottom: 0.2rem !important; }
"""

# Paper: no sidebar, buttons or chrome, the page's full width, and the filters stamped at the top.
_PRINT_CSS = """
@page { size: A4 landscape; margin: 10mm; }
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
  [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"], footer,
  [data-testid="stElementToolbar"], .modebar-container, .st-key-page_bar, [data-testid="stButton"],
  [data-testid="stDownloadButton"], [data-testid="stPopover"], [data-testid="stPageLink"], [data-testid="stToast"],
  [data-testid="stTextInput"]:has(input[aria-label*="Find"]), [data-testid="stSkipLink"] { display: none !important; }
  [data-testid="stElementContainer"]:has(.ks-print-stamp) { display: block !important; }
  .ks-print-stamp { display: block !important; font-size: 12pt; border-bottom: 1px solid #000; padding-bottom: 4pt; }
  html, body, [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"] {
    height: auto !important; overflow: visible !important; position: static !important; }
  .block-container { max-width: 100% !important; padding: 0 !important; }
  [data-testid="stPlotlyChart"] { break-inside: avoid; max-width: 100% !important; overflow: hidden !important; }
  [data-testid="stVerticalBlockBorderWrapper"] { break-inside: avoid; }
}
"""

# A chart keeps the width it had on screen (Plotly draws in pixels, and no script runs while the page is laid
# out for paper): before printing, charts from a screen wider than the paper are zoomed down to fit it.
_PRINT_SCRIPT = """<script>
if (!window.__keystonePrint) {
  window.__keystonePrint = true;
  const PAPER_PX = PAPER_PX_VALUE;
  const plots = () => document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot');
  window.addEventListener("beforeprint", () => {
    const page = document.querySelector('[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"]');
    const ratio = page ? PAPER_PX / page.getBoundingClientRect().width : 1;
    plots().forEach(plot => { plot.style.zoom = ratio < 1 ? String(ratio) : ""; });
  });
  window.addEventListener("afterprint", () => plots().forEach(plot => { plot.style.zoom = ""; }));
}
</script>""".replace("PAPER_PX_VALUE", str(PAPER_PX))


def projector_from_address() -> None:
    """A new session (a reload, a shared link) starts in projector mode when the address says ?present=1."""
    if PROJECTOR in st.session_state:
        return
    asked = st.query_params.get(PROJECTOR_PARAM)
    if asked is None:
        return
    word = asked.strip().lower()
    if word in _ON:
        st.session_state[PROJECTOR] = True
    elif word not in _OFF:
        st.warning(
            f"The address asks for projector mode as “{plain(asked[:SHOWN_URL_CHARS])}”: use present=1 to switch it on; "
            "it stays off.",
            icon=":material/link_off:",
        )


def presentation_toggle() -> bool:
    return st.sidebar.toggle(
        "Projector mode",
        key=PROJECTOR,
        help="Large type, high contrast, fewer details: for the review on the big screen.",
    )


def leave_projector_mode() -> None:
    st.session_state[PROJECTOR] = False


def is_presentation() -> bool:
    return bool(st.session_state.get(PROJECTOR))


def keep_projector_in_address() -> None:
    """?present=1 while projector mode is on (a page switch starts a clean address), gone once it is off."""
    if is_presentation():
        if st.query_params.get(PROJECTOR_PARAM) != "1":
            st.query_params[PROJECTOR_PARAM] = "1"
    elif PROJECTOR_PARAM in st.query_params:
        del st.query_params[PROJECTOR_PARAM]


def apply_theme() -> None:
    room = _PROJECTOR_CSS if is_presentation() else _COMPACT_CSS
    # One hidden element: its style and script apply without taking a place (and a gap) on the page.
    st.html(
        f'<div class="ks-theme"><style>{_CARD_CSS}{room}{_PRINT_CSS}</style>{_PRINT_SCRIPT}</div>', unsafe_allow_javascript=True
    )
