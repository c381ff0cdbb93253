"""Showing notes: a note rendered inert, its caption, two versions side by side, and the messages of the last interaction."""

from __future__ import annotations

import html

import streamlit as st

from lib.accounts.account360 import Profile
from lib.notes.diff import DiffLine, side_by_side
from lib.notes.markdown_safe import note_html
from lib.notes.notes import Note
from lib.ui.notes.loaders import current_note
from lib.ui.notes.state import FLASH, LEFT_DRAFT, drafts
from lib.ui.text import plain

NOTE_CSS = """
<style>
div[class*="st-key-notes_"] h1, div[class*="st-key-a360_note"] h1 { font-size: 1.5rem !important; padding: 0.4rem 0 0.2rem !important; }
div[class*="st-key-notes_"] h2, div[class*="st-key-a360_note"] h2 { font-size: 1.3rem !important; padding: 0.4rem 0 0.2rem !important; }
div[class*="st-key-notes_"] h3, div[class*="st-key-a360_note"] h3 { font-size: 1.1rem !important; padding: 0.3rem 0 0.1rem !important; }
</style>
"""


def note_styles() -> None:
    """Headings inside a note sized as parts of the page, not as the page's own title."""
    st.html(NOTE_CSS)


def show_markdown(body: str, empty: str = "_No note yet._") -> None:
    """A note rendered from Markdown, inert: raw HTML shows as text, unsafe links lead nowhere (lib.notes.markdown_safe)."""
    if not body.strip():
        st.markdown(empty)
        return
    st.markdown(note_block(note_html(body)), unsafe_allow_html=True, anchors=False)


def note_block(rendered: str) -> str:
    """Rendered HTML as one HTML block that st.markdown passes on untouched, in Streamlit's Markdown style.

    st.markdown reads its text as Markdown first: HTML there runs to the next blank line, and after
    one (in a code block, say) the rest would be read as Markdown again. On one line, with its line
    breaks written as the character reference &#10; (the same character to the browser), nothing
    of the note is read twice.
    """
    return '<div class="keystone-note">' + rendered.replace("\r", "&#13;").replace("\n", "&#10;") + "</div>"


DIFF_CSS = """
<style>
.keystone-diff { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 0.9rem; line-height: 1.45; }
.keystone-diff th { text-align: left; font-weight: 600; padding: 0.2rem 0.4rem; border-bottom: 1px solid #d0d4dc; }
.keystone-diff td { vertical-align: top; padding: 0.05rem 0.4rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.keystone-diff col.no { width: 3.2rem; }
.keystone-diff td.no { color: #6b7280; text-align: right; user-select: none; }
.keystone-diff td.old.on { background: #fdecea; }
.keystone-diff td.new.on { background: #e6f4ea; }
.keystone-diff del { background: #f5b4ae; color: #5c1010; text-decoration: line-through; }
.keystone-diff ins { background: #9fd8ac; color: #0d3d1a; text-decoration: none; font-weight: 600; }
.keystone-diff tr.skipped td { color: #6b7280; font-style: italic; text-align: center; background: #f4f5f7; }
</style>
"""


def diff_html(rows: list[DiffLine], old_label: str, new_label: str) -> str:
    """A side-by-side comparison as HTML: removed text struck through in red, added text in green.

    Every piece of note text is escaped: the table shows what was typed and runs none of it.
    """
    out = [
        DIFF_CSS,
        '<table class="keystone-diff"><colgroup><col class="no"><col><col class="no"><col></colgroup><thead><tr>',
        f'<th colspan="2">{html.escape(old_label)}</th><th colspan="2">{html.escape(new_label)}</th>',
        "</tr></thead><tbody>",
    ]
    for row in rows:
        if row.kind == "skipped":
            lines = "line" if row.skipped == 1 else "lines"
            out.append(f'<tr class="skipped"><td colspan="4">⋯ {row.skipped} unchanged {lines} ⋯</td></tr>')
            continue
        old_sign, new_sign = ("", "") if row.kind == "same" else ("− ", "+ ")
        out.append(
            f'<tr class="{row.kind}">'
            f"{_diff_cell('old', row.old_number, old_sign, row.old, 'del')}"
            f"{_diff_cell('new', row.new_number, new_sign, row.new, 'ins')}"
            "</tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def _diff_cell(side: str, number: int | None, sign: str, pieces: tuple[tuple[str, bool], ...], mark: str) -> str:
    if number is None:
        return f'<td class="no"></td><td class="{side}"></td>'
    text = "".join(f"<{mark}>{html.escape(t)}</{mark}>" if changed else html.escape(t) for t, changed in pieces)
    on = " on" if sign else ""
    return f'<td class="no">{sign}{number}</td><td class="{side}{on}">{text or "&nbsp;"}</td>'


def show_diff(old: str, new: str, old_label: str, new_label: str, empty: str = "(no difference)") -> None:
    rows = side_by_side(old, new)
    if rows:
        st.html(diff_html(rows, old_label, new_label))
    else:
        st.caption(empty)


def review_caption(profile: Profile, quarter: str) -> str:
    """Whose review this is: the account, its id, the quarter and the account's owner (names as text)."""
    return f"**{plain(profile.name)}** · {plain(profile.external_id)} · {quarter} review · owner {plain(profile.owner or '—')}"


def note_preview(text: str, large: bool) -> None:
    """The text being edited, rendered as readers will see it."""
    with st.container(height=400 if large else 420, border=True, key="notes_preview"):
        show_markdown(text, empty="_The note is empty._")


def note_reader(account_id: int, quarter: str) -> None:
    """The quarter's note to read (for viewers), with who saved it when."""
    note = current_note(account_id, quarter)
    st.markdown(f"**{quarter}**")
    with st.container(height=420, border=True, key="notes_current"):
        show_markdown(note.body, empty=f"_No note for {quarter} yet._")
    st.caption(note_caption(note))


def previous_note(account_id: int, quarter: str, beside_editor: bool) -> None:
    """The note of the quarter before, for context (a tab beside the preview, or a column beside the note read)."""
    note = current_note(account_id, quarter)
    if not beside_editor:
        st.markdown(f"**{quarter}** (for context)")
    with st.container(height=400 if beside_editor else 420, border=True, key="notes_previous"):
        show_markdown(note.body, empty=f"_No note for {quarter}._")
    st.caption(note_caption(note))


def note_caption(note: Note) -> str:
    if not note.exists:
        return "No note yet"
    return f"Version {note.version} · saved by {plain(note.saved_by)} · {note.updated_at:%Y-%m-%d %H:%M} UTC"


def show_flash() -> None:
    """The messages of the last interaction, once each."""
    left = drafts().get(st.session_state.pop(LEFT_DRAFT, None) or "")
    if left is not None:
        st.toast(
            f"Your unsaved note for {plain(left.account_name)} {left.quarter} is kept as a draft: come back to save it.",
            icon=":material/edit_note:",
        )
    icons = {
        "success": ":material/check_circle:",
        "error": ":material/block:",
        "warning": ":material/warning:",
        "info": ":material/info:",
    }
    for kind, text in st.session_state.pop(FLASH, []):
        getattr(st, kind)(text, icon=icons[kind])
