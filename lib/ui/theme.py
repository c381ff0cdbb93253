"""Presentation (projector) mode: large type, high contrast, no chrome."""

from __future__ import annotations

import streamlit as st

# KPI cards: the "why?" popover sits in the card's top-right corner, leaving the width to the number;
# what a change is against ("vs 2026Q2") goes under it when a narrow card has no room beside it.
_CARD_CSS = """
<style>
div[class*="st-key-kpicard_"] { position: relative; }
div[class*="st-key-kpicard_"] > [data-testid="stLayoutWrapper"]:has([data-testid="stPopover"]) {
  position: absolute; bottom: 0.15rem; right: -0.1rem; width: auto; z-index: 1; }
div[class*="st-key-kpicard_"] [data-testid="stPopover"] button { padding: 0 0.2rem; min-height: 1.5rem; }
[data-testid="stMetric"] div:has(> [data-testid="stMetricDeltaDescription"]) { flex-wrap: wrap; row-gap: 0; }
</style>
"""
_PROJECTOR_CSS = """
<style>
html, body, [class*="st-"] { color: #000; }
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"], footer { display: none !important; }
.block-container { padding-top: 1rem !important; }
h1 { font-size: 2.6rem !important; }
h2, h3 { font-size: 2rem !important; }
p, li, label, .stMarkdown { font-size: 1.25rem !important; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p { font-size: 2.8rem !important; font-weight: 700 !important; line-height: 1.2 !important; }
[data-testid="stMetricLabel"] p { font-size: 1.2rem !important; font-weight: 600 !important; }
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] p { font-size: 1.2rem !important; }
[data-testid="stVerticalBlockBorderWrapper"] { border-color: #000 !important; }
[data-testid="stCaptionContainer"] { color: #222 !important; font-size: 1.1rem !important; }
.ks-detail { display: none !important; }
</style>
"""
_COMPACT_CSS = """
<style>
.block-container { padding-top: 2rem !important; padding-bottom: 1rem !important; padding-left: 2rem !important; padding-right: 2rem !important; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p { font-size: 1.45rem !important; }
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] p { font-size: 0.8rem !important; }
[data-testid="stMetricLabel"] p { font-size: 0.82rem !important; }
h1 { padding-bottom: 0.2rem !important; }
</style>
"""


def presentation_toggle() -> bool:
    return st.sidebar.toggle(
        "Projector mode",
        key="presentation_mode",
        help="Large type, high contrast, fewer details: for the review on the big screen.",
    )


def is_presentation() -> bool:
    return bool(st.session_state.get("presentation_mode"))


def apply_theme() -> None:
    st.html(_CARD_CSS + (_PROJECTOR_CSS if is_presentation() else _COMPACT_CSS))
