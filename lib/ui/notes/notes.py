"""Review notes in the browser: drafts that survive page switches, optimistic saves with a conflict
panel, history with diffs and restore, the action-item table applied exactly once, exports.

Nothing typed is lost: every edit of a note is copied into a draft in st.session_state, keyed by
account and quarter (widget state is dropped on a page switch; drafts are not), and a refused
save keeps the draft and shows the other person's text beside it. Writes go through lib with the
session's Actor, so the server checks the role whatever the page shows.
"""

from __future__ import annotations

import datetime as dt
import html
import uuid
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from lib.core import clock as clock
from lib.core.auth import Actor, PermissionDenied
from lib.core.db import NOTES
from lib.core.quarters import last_completed_quarter, quarter_index, quarter_of
from lib.core.roles import can_edit as can_edit_role
from lib.notes import action_items as items_lib
from lib.notes.diff import DiffLine, side_by_side
from lib.notes.export import export_csv, export_markdown, quarter_action_items
from lib.notes.markdown_safe import note_html
from lib.notes.merge import Conflict, Merge, Resolution, three_way_merge
from lib.notes.notes import MAX_NOTE_CHARS, Note, SaveResult, get_note, quarter_notes, restore_revision, revisions, save_note
from lib.notes.text import normalise
from lib.ui.auth import current_user
from lib.ui.errors import database_failed
from lib.ui.navigation import ACCOUNT_360_ACCOUNT, NOTES_ACCOUNT, NOTES_QUARTER, open_note, selected_account
from lib.ui.store import engine, refresh_versions, versioned
from lib.ui.text import plain

DRAFTS = "notes_drafts"  # draft key -> Draft
CONFLICTS = "notes_conflicts"  # draft key -> SaveResult of the refused save
STASH = "notes_stash"  # draft key -> your text from before you merged or took theirs
SAVE_REQUEST = "notes_save_request"
FLASH = "notes_flash"
LEFT_DRAFT = "notes_left_draft"  # the draft of the note just left, to mention once the run has settled
EDITOR = "notes_body"
EDITOR_SOURCE = "notes_body_source"
ACCOUNT = NOTES_ACCOUNT
QUARTER = NOTES_QUARTER
TABLES = "notes_items_tables"  # draft key -> ItemsTable


@dataclass(frozen=True)
class Draft:
    account_id: int
    account_name: str
    quarter: str
    text: str
    base_version: int  # the version the text was started from: the save is checked against it
    base_body: str


def draft_key(account_id: int, quarter: str) -> str:
    return f"{int(account_id)}:{quarter}"


def drafts() -> dict[str, Draft]:
    return st.session_state.setdefault(DRAFTS, {})


def _conflicts() -> dict[str, SaveResult]:
    return st.session_state.setdefault(CONFLICTS, {})


def _stash() -> dict[str, str]:
    return st.session_state.setdefault(STASH, {})


def can_edit(user: Actor) -> bool:
    return can_edit_role(user.role)


# --- cached loaders ------------------------------------------------------------------------------


@versioned(NOTES, max_entries=256)
def _note_for(account_id: int, quarter: str) -> Note:
    return get_note(engine(), account_id, quarter)


def current_note(account_id: int, quarter: str) -> Note:
    return _note_for(int(account_id), quarter)


@versioned(NOTES, max_entries=128)
def _revisions_for(account_id: int, quarter: str) -> pd.DataFrame:
    return revisions(engine(), account_id, quarter)


@versioned(NOTES, max_entries=256)
def _items_for(account_id: int, quarter: str) -> pd.DataFrame:
    return items_lib.items_for(engine(), account_id, quarter)


@versioned(NOTES, max_entries=64)
def _open_items_for(owner: str | None, overdue_only: bool, today: dt.date) -> tuple[pd.DataFrame, int]:
    return items_lib.open_items(engine(), today, owner, overdue_only)


@versioned(NOTES, max_entries=16)
def _owners_for() -> list[str]:
    return items_lib.open_item_owners(engine())


# --- choosing the note ---------------------------------------------------------------------------


def note_quarters(data_quarters: list[str], today: dt.date) -> list[str]:
    """Quarters a note can be written for: those of the data, the last completed and the running one; newest first."""
    chosen = set(data_quarters) | {last_completed_quarter(today), quarter_of(today)}
    return sorted(chosen, key=quarter_index, reverse=True)


def default_quarter(options: list[str], today: dt.date) -> str:
    completed = last_completed_quarter(today)
    return completed if completed in options else options[0]


def choose_quarter(options: list[str], today: dt.date) -> str:
    """The quarter selectbox; the choice is remembered outside the widget, so it survives page switches."""
    chosen = st.session_state.get(QUARTER)
    if chosen not in options:
        asked = st.query_params.get("quarter")
        chosen = asked if asked in options else default_quarter(options, today)
        st.session_state[QUARTER] = chosen
    # The remembered choice leads (links from other pages set it) and is sent on every run: a
    # selectbox the browser rebuilt after a page switch would otherwise show its first option
    # (the next quarter) while the page works on this one, and the next click would switch to it.
    st.session_state["notes_quarter"] = chosen
    st.selectbox("Quarter", options, key="notes_quarter", on_change=_quarter_changed)
    return st.session_state[QUARTER]


def _quarter_changed() -> None:
    _warn_if_leaving_draft()
    st.session_state[QUARTER] = st.session_state["notes_quarter"]


def current_account() -> int | None:
    """The account of Review notes: chosen here, else named in the address, else the one last open in Account 360."""
    return selected_account(ACCOUNT, ACCOUNT_360_ACCOUNT)


def pick_account(account_id: int) -> None:
    _warn_if_leaving_draft()
    st.session_state[ACCOUNT] = int(account_id)


def _warn_if_leaving_draft() -> None:
    account_id, quarter = st.session_state.get(ACCOUNT), st.session_state.get(QUARTER)
    if account_id is None or quarter is None:
        return
    key = draft_key(account_id, quarter)
    if key in drafts():
        # Said only after the run's save request is done: a Save in the same click may keep nothing to warn of.
        st.session_state[LEFT_DRAFT] = key


# --- showing notes -------------------------------------------------------------------------------


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


def note_caption(note: Note) -> str:
    if not note.exists:
        return "No note yet"
    return f"Version {note.version} · saved by {plain(note.saved_by)} · {note.updated_at:%Y-%m-%d %H:%M} UTC"


def _flash(kind: str, text: str) -> None:
    st.session_state.setdefault(FLASH, []).append((kind, text))


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


def unsaved_banner(exclude: str | None = None, key_prefix: str = "notes") -> None:
    """Name every unsaved draft (but the one on screen), with a way back to each."""
    pending = [(k, d) for k, d in drafts().items() if k != exclude]
    if not pending:
        return
    names = ", ".join(f"**{plain(d.account_name)} {d.quarter}**" for _k, d in pending)
    with st.container(key=f"{key_prefix}_unsaved_banner"):
        text_col, *button_cols = st.columns([3] + [1] * min(len(pending), 2), vertical_alignment="center")
        text_col.warning(
            f"Unsaved note{'s' if len(pending) > 1 else ''}: {names}. "
            "Drafts stay while you move around the app, but are lost when the browser tab closes.",
            icon=":material/edit_note:",
        )
        for column, (key, draft) in zip(button_cols, pending):
            if column.button(
                f"Open {draft.quarter}",
                key=f"{key_prefix}_open_draft_{key}",
                help=f"{plain(draft.account_name)} {draft.quarter}",
                icon=":material/edit_note:",
                width="stretch",
            ):
                open_note(draft.account_id, draft.quarter)


_GUARD_SCRIPT = """
<script>
(function () {
  window.__keystoneUnsavedNotes = COUNT;
  window.__keystoneTyping = false;  // the server has the text now; a differing one is counted as a draft
  window.__keystoneServerText = DIGEST;  // what the server holds as the note's text, as a number
  if (window.__keystoneGuard) { return; }
  window.__keystoneGuard = true;
  window.addEventListener("input", function (event) {
    if (event.target.closest && event.target.closest(".st-key-notes_body")) { window.__keystoneTyping = true; }
  }, true);
  window.addEventListener("beforeunload", function (event) {
    if (window.__keystoneUnsavedNotes > 0 || window.__keystoneTyping) { event.preventDefault(); event.returnValue = ""; }
  });
  // Streamlit sends a text box's new text a moment after the box loses focus, so a page link
  // clicked straight after typing asks for the other page first; the text then comes too late or
  // is lost with the run it interrupts. Such a click waits until the server has the box's text
  // (a run shows its number), then follows the link.
  function digest(text) {  // FNV-1a over UTF-16 code units, as text_digest computes it
    var h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) { h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0; }
    return h;
  }
  var LINKS = '[data-testid="stSidebarNav"] a[href], [data-testid="stPageLink"] a[href]';
  window.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(LINKS) : null;
    var box = document.querySelector(".st-key-notes_body textarea");
    if (!link || !box || window.__keystoneFollowing) { return; }
    var typed = digest(box.value);  // a text area's value has "\\n" line breaks only
    if (typed === window.__keystoneServerText) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    var href = link.getAttribute("href"), since = Date.now();
    (function follow() {
      if (window.__keystoneServerText !== typed && Date.now() - since < 5000) { setTimeout(follow, 25); return; }
      var same = Array.prototype.find.call(document.querySelectorAll(LINKS), function (a) { return a.getAttribute("href") === href; });
      window.__keystoneFollowing = true;
      try { (same || link).click(); } finally { window.__keystoneFollowing = false; }
    })();
  }, true);
})();
</script>
<span data-unsaved-notes="COUNT" data-run="RUN"></span>
"""


def unsaved_guard() -> None:
    """Ask the browser to confirm before a reload or a closed tab drops unsaved drafts (or text being
    typed), and let a page link clicked straight after typing carry the text along.

    The script is ours alone (no user text goes into it). A new run id re-runs it on every run.
    """
    script = (
        _GUARD_SCRIPT.replace("COUNT", str(len(drafts())))
        .replace("DIGEST", str(text_digest(st.session_state.get(EDITOR))))
        .replace("RUN", uuid.uuid4().hex[:8])
    )
    st.html(script, unsafe_allow_javascript=True, width="content")


def text_digest(text: str | None) -> int:
    """A number for the text (32-bit FNV-1a over its UTF-16 code units), the same the guard computes in the browser."""
    digest = 0x811C9DC5
    units = normalise(text or "").encode("utf-16-le")
    for low, high in zip(units[::2], units[1::2]):
        digest = ((digest ^ (low | high << 8)) * 0x01000193) & 0xFFFFFFFF
    return digest


# --- editing a note ------------------------------------------------------------------------------


def handle_save_request(user: Actor) -> None:
    """Carry out a save asked for in the last interaction. The role is checked by lib, for every user."""
    request = st.session_state.pop(SAVE_REQUEST, None)
    if not request:
        return
    account_id, quarter, text = int(request["account_id"]), request["quarter"], request["text"]
    key = draft_key(account_id, quarter)
    try:
        result = save_note(engine(), user, account_id, quarter, text, int(request["base_version"]))
    except PermissionDenied as refused:
        _flash("error", f"Not saved: {refused}.")
        return
    except ValueError as invalid:
        _flash("error", f"Not saved: {plain(invalid)}. Your text is kept in the editor.")
        return
    except SQLAlchemyError as failed:
        _flash("error", f"Not saved. {database_failed(failed)} Your text is kept in the editor.")
        return
    refresh_versions()
    if result.saved:
        drafts().pop(key, None)
        _conflicts().pop(key, None)
        _stash().pop(key, None)
        st.session_state[EDITOR_SOURCE] = None
        _flash(
            "success",
            f"Saved version {result.note.version}." if result.changed else "Nothing to save: the note already says this.",
        )
        return
    earlier = drafts().get(key)
    drafts()[key] = Draft(
        account_id,
        request.get("account_name") or (earlier.account_name if earlier else str(account_id)),
        quarter,
        result.attempted,
        result.base_version,
        result.base_body or (earlier.base_body if earlier else ""),
    )
    _conflicts()[key] = result


def _capture(account_id: int, account_name: str, quarter: str, version: int, body: str) -> None:
    """Keep the editor's text as a draft (or drop the draft when the text is back to where it started)."""
    text = st.session_state.get(EDITOR)
    if text is None:
        return
    key = draft_key(account_id, quarter)
    existing = drafts().get(key)
    base_version, base_body = (existing.base_version, existing.base_body) if existing else (version, body)
    if normalise(text) == normalise(base_body):
        drafts().pop(key, None)
    else:
        drafts()[key] = Draft(account_id, account_name, quarter, text, base_version, base_body)


def _request_save(account_id: int, account_name: str, quarter: str, version: int, body: str) -> None:
    _capture(account_id, account_name, quarter, version, body)
    draft = drafts().get(draft_key(account_id, quarter))
    st.session_state[SAVE_REQUEST] = {
        "account_id": account_id,
        "account_name": account_name,
        "quarter": quarter,
        "text": draft.text if draft else st.session_state.get(EDITOR, body),
        "base_version": draft.base_version if draft else version,
    }


def _discard(account_id: int, quarter: str) -> None:
    key = draft_key(account_id, quarter)
    drafts().pop(key, None)
    _conflicts().pop(key, None)
    st.session_state[EDITOR_SOURCE] = None


def note_editor(account_id: int, account_name: str, quarter: str, height: int = 330) -> str:
    """The editor of a note (for editors and admins), returning the text as it stands."""
    note = current_note(account_id, quarter)
    key = draft_key(account_id, quarter)
    conflict = _conflicts().get(key)
    if conflict is not None:
        conflict_panel(account_id, account_name, quarter, conflict)
    stash_panel(key)
    draft = drafts().get(key)
    source = ("draft", key) if draft else ("note", key, note.version)
    if st.session_state.get(EDITOR_SOURCE) != source or EDITOR not in st.session_state:
        st.session_state[EDITOR] = draft.text if draft else note.body
        st.session_state[EDITOR_SOURCE] = source
    args = (account_id, account_name, quarter, note.version, note.body)
    st.text_area(
        f"Note for {quarter} (Markdown)",
        key=EDITOR,
        height=height,
        max_chars=MAX_NOTE_CHARS,
        on_change=_capture,
        args=args,
        placeholder="## Highlights\n\n- …\n\n## Risks\n\n- …\n\n## Next quarter\n\n…",
        help="Markdown: ## headings, **bold**, - lists, [links](https://…). Press Ctrl+Enter to update the preview.",
    )
    _capture(*args)
    draft = drafts().get(key)
    save_col, discard_col, state_col = st.columns([1, 1.2, 2.4], vertical_alignment="center")
    save_col.button(
        "Save",
        key="notes_save",
        type="primary",
        icon=":material/save:",
        on_click=_request_save,
        args=args,
        # Never disabled by what the server last saw: the text being typed reaches it only with
        # the click, and a disabled button would swallow that first click.
        width="stretch",
    )
    with discard_col.popover("Discard", width="stretch"):
        st.markdown("Throw away your unsaved changes to this note?")
        st.button("Discard my changes", key="notes_discard", on_click=_discard, args=(account_id, quarter), type="primary")
    if draft is None:
        state_col.caption(note_caption(note))
    else:
        started = f"version {draft.base_version}" if draft.base_version else "an empty note"
        newer = f" · version {note.version} is saved meanwhile" if note.version != draft.base_version else ""
        state_col.caption(f":orange[**Unsaved changes**] (started from {started}){newer}")
    return draft.text if draft else note.body


def conflict_panel(account_id: int, account_name: str, quarter: str, conflict: SaveResult) -> None:
    theirs = conflict.note
    key = draft_key(account_id, quarter)
    mine = drafts()[key].text if key in drafts() else conflict.attempted
    merge = three_way_merge(conflict.base_body, mine, theirs.body)
    places = merge.conflicts
    when = f"{theirs.updated_at:%H:%M} UTC" if theirs.updated_at else "meanwhile"
    if places:
        ask = (
            f"You both changed the same lines in {_count(len(places), 'place')}: choose what to keep at each "
            "below, then Merge; everything else merges by itself. Or keep yours, or take theirs."
        )
    else:
        ask = "Your changes and theirs touch different lines: merge them, keep yours, or take theirs."
    with st.container(border=True, key="notes_conflict"):
        st.warning(
            f"**{plain(theirs.saved_by)} saved version {theirs.version} at {when} while you were editing** "
            f"(you started from {'version ' + str(conflict.base_version) if conflict.base_version else 'an empty note'}). "
            f"Nothing was overwritten and your text is kept. {ask}",
            icon=":material/call_split:",
        )
        yours_tab, theirs_tab, diff_tab = st.tabs(
            ["Your text", f"Their version {theirs.version}", "What differs"], key="notes_conflict_tab"
        )
        yours_tab.code(mine, language="markdown", wrap_lines=True, height=180)
        theirs_tab.code(theirs.body, language="markdown", wrap_lines=True, height=180)
        with diff_tab.container(height=180, border=False):
            show_diff(theirs.body, mine, f"Their version {theirs.version}", "Your text", empty="(the same text)")
        for number, place in enumerate(places, 1):
            _conflict_choice(theirs, number, len(places), place)
        merge_col, mine_col, theirs_col = st.columns(3)
        merge_col.button(
            "Merge with these choices" if places else "Merge",
            key="notes_merge",
            type="primary",
            on_click=_merge,
            args=(account_id, account_name, quarter),
            help="Your changes and theirs in the editor, each place you both changed as you chose; then check and Save.",
            width="stretch",
        )
        mine_col.button(
            "Keep mine",
            key="notes_keep_mine",
            on_click=_keep_mine,
            args=(account_id, account_name, quarter),
            help=f"Save your text as the next version after {theirs.version}.",
            width="stretch",
        )
        theirs_col.button(
            "Take theirs",
            key="notes_take_theirs",
            on_click=_take_theirs,
            args=(account_id, quarter),
            help="Show their version in the editor; your text stays below until you dismiss it.",
            width="stretch",
        )


PLACE_CHOICES = {"mine": "Yours", "theirs": "Theirs", "both": "Both (yours first)", "edit": "Edit"}


def _place_key(version: int, number: int) -> str:
    return f"notes_place_{version}_{number}"


def _conflict_choice(theirs: Note, number: int, total: int, place: Conflict) -> None:
    """One place both changed: the two texts side by side and the choice of what to keep there."""
    key = _place_key(theirs.version, number)
    with st.container(border=True, key=key + "_box"):
        st.markdown(f"**Place {number} of {total}**")
        mine_col, theirs_col = st.columns(2)
        mine_col.caption("Yours")
        mine_col.code("\n".join(place.mine) or "(you removed these lines)", language="markdown", wrap_lines=True)
        theirs_col.caption(f"Theirs, version {theirs.version}")
        theirs_col.code("\n".join(place.theirs) or "(they removed these lines)", language="markdown", wrap_lines=True)
        choice = st.radio(
            f"Keep at place {number}",
            list(PLACE_CHOICES),
            index=None,
            format_func=PLACE_CHOICES.get,
            horizontal=True,
            key=key,
        )
        if choice == "edit":
            if key + "_text" not in st.session_state:
                st.session_state[key + "_text"] = "\n".join([*place.mine, *place.theirs])
            st.text_area(f"Text at place {number}", key=key + "_text", height=120)


def _places(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"place {numbers[0]}"
    return "places " + ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"


def _count(n: int, word: str) -> str:
    return f"{'one' if n == 1 else n} {word}{'' if n == 1 else 's'}"


def _merge(account_id: int, account_name: str, quarter: str) -> None:
    key = draft_key(account_id, quarter)
    conflict = _conflicts()[key]
    theirs = conflict.note
    mine = drafts()[key].text if key in drafts() else conflict.attempted
    merge = three_way_merge(conflict.base_body, mine, theirs.body)
    resolutions = _chosen(merge, theirs.version)
    open_places = [n for n, r in enumerate(resolutions, 1) if r is None]
    if open_places:
        _flash("error", f"Not merged yet: choose what to keep at {_places(open_places)}. Nothing is lost.")
        return
    merged = merge.text(resolutions)
    _conflicts().pop(key)
    for number in range(1, len(merge.conflicts) + 1):
        st.session_state.pop(_place_key(theirs.version, number), None)
        st.session_state.pop(_place_key(theirs.version, number) + "_text", None)
    _stash()[key] = mine
    drafts()[key] = Draft(account_id, account_name, quarter, merged, theirs.version, theirs.body)
    st.session_state[EDITOR] = merged
    st.session_state[EDITOR_SOURCE] = ("draft", key)
    if merge.conflicts:
        _flash("info", "Merged as you chose: the text is in the editor, nothing is saved yet. Check it, then Save.")
    else:
        _flash("info", "Merged: your changes and theirs did not touch the same lines. Check the text, then Save.")


def _chosen(merge: Merge, version: int) -> list[Resolution | None]:
    """The choice made at each conflict of the merge (None where none is made yet)."""
    chosen: list[Resolution | None] = []
    for number in range(1, len(merge.conflicts) + 1):
        choice = st.session_state.get(_place_key(version, number))
        edited = st.session_state.get(_place_key(version, number) + "_text") or ""
        chosen.append(Resolution(choice, edited) if choice in PLACE_CHOICES else None)
    return chosen


def _keep_mine(account_id: int, account_name: str, quarter: str) -> None:
    key = draft_key(account_id, quarter)
    conflict = _conflicts()[key]
    mine = drafts()[key].text if key in drafts() else conflict.attempted
    st.session_state[SAVE_REQUEST] = {
        "account_id": account_id,
        "account_name": account_name,
        "quarter": quarter,
        "text": mine,
        "base_version": conflict.note.version,
    }


def _take_theirs(account_id: int, quarter: str) -> None:
    key = draft_key(account_id, quarter)
    conflict = _conflicts().pop(key)
    _stash()[key] = drafts()[key].text if key in drafts() else conflict.attempted
    drafts().pop(key, None)
    st.session_state[EDITOR_SOURCE] = None
    _flash("info", "Their version is in the editor. Your text is kept below until you dismiss it.")


def stash_panel(key: str) -> None:
    text = _stash().get(key)
    if text is None:
        return
    with st.expander("Your text from before (not saved)", icon=":material/history_edu:"):
        st.code(text, language="markdown", wrap_lines=True, height=160)
        st.button("Dismiss", key="notes_stash_dismiss", on_click=lambda: _stash().pop(key, None))


# --- history -------------------------------------------------------------------------------------


def history_panel(user: Actor, account_id: int, quarter: str) -> None:
    history = _revisions_for(int(account_id), quarter)
    if history.empty:
        st.info(f"No saved versions of the {quarter} note yet.", icon=":material/history:")
        return
    table = history.assign(
        when=history["edited_at"].map(lambda t: f"{t:%Y-%m-%d %H:%M}"),
        change=[f"+{a} −{r}" for a, r in zip(history["lines_added"], history["lines_removed"])],
    )[["version", "editor_name", "when", "change"]]
    listing, compare = st.columns([2, 3])
    listing.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(table), 320),
        key="notes_history_table",
        column_config={
            "version": st.column_config.NumberColumn("Version", format="%d", width="small"),
            "editor_name": st.column_config.TextColumn("Saved by"),
            "when": st.column_config.TextColumn("When (UTC)"),
            "change": st.column_config.TextColumn("Lines", help="Lines added and removed against the version before"),
        },
    )
    versions_list = history["version"].tolist()
    bodies = dict(zip(history["version"], history["body"]))
    if len(versions_list) == 1:
        compare.caption("Only one version so far: each save adds one, and any two can be compared here.")
        with compare.container(height=300, border=True, key="notes_only_version"):
            show_markdown(bodies[versions_list[0]])
        return
    with compare:
        old_col, new_col = st.columns(2)
        newest = versions_list[0]
        old = old_col.selectbox("Compare version", versions_list, index=min(1, len(versions_list) - 1), key="notes_diff_from")
        new = new_col.selectbox("with version", versions_list, index=0, key="notes_diff_to")
        with st.container(height=260, border=True, key="notes_diff"):
            show_diff(bodies[old], bodies[new], f"Version {old}", f"Version {new}")
        if can_edit(user) and old != newest:
            st.button(
                f"Restore version {old}",
                key="notes_restore",
                icon=":material/restore:",
                on_click=_restore,
                args=(account_id, quarter, int(old), int(newest)),
                help=f"Saves the text of version {old} as a new version {newest + 1}; the history stays as it is.",
            )
    with listing.expander(f"Read version {old}"):
        show_markdown(bodies[old])


def _restore(account_id: int, quarter: str, version: int, base_version: int) -> None:
    try:  # a callback runs before app.py: the user is read again, so a role changed meanwhile applies
        result = restore_revision(engine(), current_user(), account_id, quarter, version, base_version)
    except (PermissionDenied, ValueError) as refused:
        _flash("error", f"Not restored: {plain(refused)}.")
        return
    except SQLAlchemyError as failed:
        _flash("error", f"Not restored. {database_failed(failed)}")
        return
    refresh_versions()
    if result.saved and result.changed:
        _flash("success", f"Restored version {version} as version {result.note.version}.")
    elif result.saved:
        _flash("info", f"The note already says what version {version} says.")
    else:
        _flash(
            "warning",
            f"Not restored: {plain(result.note.saved_by)} saved version {result.note.version} meanwhile. Look again and retry.",
        )
    if draft_key(account_id, quarter) in drafts():
        _flash("warning", "You still have unsaved changes to this note: saving them now will show what changed in between.")


# --- action items ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ItemsTable:
    """One editing session of an action-item table: the items as shown and the frame the editor edits."""

    token: str  # names the editor widget and the edit set (applied once)
    shown: pd.DataFrame  # the items as loaded
    working: pd.DataFrame  # the frame handed to st.data_editor; stable until the next session


def _tables() -> dict[str, ItemsTable]:
    return st.session_state.setdefault(TABLES, {})


def _new_table(items: pd.DataFrame, working: pd.DataFrame | None = None) -> ItemsTable:
    today = clock.today()
    return ItemsTable(uuid.uuid4().hex[:12], items, working if working is not None else items_lib.editor_frame(items, today))


def items_editor(user: Actor, account_id: int, quarter: str) -> None:
    """The editable table of a review's action items; changes are written once, on Save."""
    key = draft_key(account_id, quarter)
    loaded = _items_for(int(account_id), quarter)
    table = _tables().get(key)
    widget = f"notes_items_{table.token}" if table else None
    edited_before = st.session_state.get(f"notes_items_latest_{key}")
    carried = table is not None and widget not in st.session_state and edited_before is not None
    if carried and _pending(table, edited_before).size:
        # The editor's own state went with a page switch; carry its last result on as the new frame.
        table = _new_table(table.shown, edited_before)
        _tables()[key] = table
        widget = f"notes_items_{table.token}"
    unsaved = table is not None and (_has_edits(widget) or _pending(table, edited_before).size > 0)
    if table is None or (not unsaved and not table.shown.equals(loaded)):
        table = _new_table(loaded)  # nothing pending: follow the database
        _tables()[key] = table
    edited = st.data_editor(
        table.working,
        key=f"notes_items_{table.token}",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * (len(table.working) + 2), 320),
        column_order=["text", "owner", "due", "status", "overdue"],
        column_config={
            "text": st.column_config.TextColumn("Action item", required=True, width="large", max_chars=items_lib.MAX_TEXT_CHARS),
            "owner": st.column_config.TextColumn("Owner"),
            "due": st.column_config.DateColumn("Due", format="YYYY-MM-DD"),
            "status": st.column_config.SelectboxColumn("Status", options=list(items_lib.STATUSES), required=True, default="open"),
            "overdue": st.column_config.TextColumn("Overdue", disabled=True),
        },
    )
    st.session_state[f"notes_items_latest_{key}"] = edited
    pending = _pending(table, edited)
    save_col, discard_col, state_col = st.columns([1.3, 1, 2.3], vertical_alignment="center")
    save = save_col.button(
        "Save changes", key="notes_items_save", type="primary", icon=":material/save:", disabled=not pending.size, width="stretch"
    )
    if discard_col.button(
        "Discard", key="notes_items_discard", icon=":material/undo:", disabled=not pending.size, width="stretch"
    ):
        _reset_items(key)
        st.rerun()
    state_col.caption(
        f":orange[**{pending.size} unsaved change{'s' if pending.size != 1 else ''}**]"
        if pending.size
        else "Add a row at the bottom; set the status to done or dropped to close an item."
    )
    if save:
        _save_items(user, account_id, quarter, pending)


def _has_edits(widget: str | None) -> bool:
    state = st.session_state.get(widget) if widget else None
    return bool(state) and any(state.get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))


def _pending(table: ItemsTable, edited: pd.DataFrame | None) -> items_lib.EditSet:
    if edited is None:
        return items_lib.EditSet(table.token)
    return items_lib.edit_set_between(table.shown, edited, table.token)


def _reset_items(key: str) -> None:
    _tables().pop(key, None)
    st.session_state.pop(f"notes_items_latest_{key}", None)


def _save_items(user: Actor, account_id: int, quarter: str, edits: items_lib.EditSet) -> None:
    key = draft_key(account_id, quarter)
    try:
        result = items_lib.apply_edits(engine(), user, account_id, quarter, edits)
    except PermissionDenied as refused:
        st.error(f"Not saved: {refused}.", icon=":material/block:")
        return
    except items_lib.InvalidEdits as invalid:
        st.error("Not saved, nothing was written: " + "; ".join(map(plain, invalid.problems)), icon=":material/error:")
        return
    except SQLAlchemyError as failed:
        st.error(f"Not saved. {database_failed(failed)} Your changes are still in the table.", icon=":material/error:")
        return
    # The edit set is spent: a new editor (new key, empty state) starts from the database.
    _reset_items(key)
    refresh_versions()
    if result.already_applied:
        _flash("info", "These changes were saved already.")
    else:
        _flash("success", f"Saved: {result.added} added, {result.updated} changed, {result.deleted} deleted.")
    for refused in result.refused:
        yours = refused.yours
        _flash(
            "warning",
            f"Not applied ({plain(refused.reason)}): your {refused.action} of “{plain(yours.get('text'))}” "
            f"(owner {plain(yours.get('owner') or '—')}, due {yours.get('due') or '—'}, {yours.get('status')}). "
            "The table now shows their version; apply your change again if it still holds.",
        )
    st.rerun()


def items_table(account_id: int, quarter: str) -> None:
    """The action items read-only (viewers), overdue ones marked."""
    loaded = _items_for(int(account_id), quarter)
    if loaded.empty:
        st.caption(f"No action items for {quarter}.")
        return
    frame = items_lib.editor_frame(loaded, clock.today()).drop(columns=["id"])
    st.dataframe(
        highlight_overdue(frame),
        hide_index=True,
        width="stretch",
        key="notes_items_view",
        column_config={"text": st.column_config.TextColumn("Action item", width="large")},
    )


def highlight_overdue(frame: pd.DataFrame):
    """The frame styled with overdue rows in red (by its `overdue` text or `days_overdue` number)."""
    marker = "overdue" if "overdue" in frame.columns else "days_overdue"

    def paint(row: pd.Series) -> list[str]:
        late = bool(row[marker]) if marker == "overdue" else pd.notna(row[marker])
        return ["background-color: #fdecea; color: #8a1c14" if late else ""] * len(row)

    return frame.style.apply(paint, axis=1)


def open_items_panel() -> None:
    """Open action items across the portfolio, by owner; overdue ones first and marked."""
    today = clock.today()
    owners = _owners_for()
    owner_col, late_col, count_col = st.columns([2, 1, 2], vertical_alignment="bottom")
    owner = owner_col.selectbox("Owner", owners, index=None, placeholder="All owners", key="notes_items_owner")
    overdue_only = late_col.toggle("Overdue only", key="notes_items_overdue_only")
    frame, total = _open_items_for(owner, overdue_only, today)
    late = int(frame["days_overdue"].notna().sum())
    count_col.caption(
        f"{total:,} open item{'s' if total != 1 else ''}, {late:,} overdue"
        + (f" · first {len(frame):,} shown" if total > len(frame) else "")
    )
    if frame.empty:
        st.info("No open action items here.", icon=":material/task_alt:")
        return
    shown = frame.drop(columns=["id", "account_id", "status"])
    event = st.dataframe(
        highlight_overdue(shown),
        hide_index=True,
        width="stretch",
        height=360,
        key="notes_open_items",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "account": st.column_config.TextColumn("Account", width="medium"),
            "quarter": st.column_config.TextColumn("Review", width="small"),
            "text": st.column_config.TextColumn("Action item", width="medium"),
            "owner": st.column_config.TextColumn("Owner", width="small"),
            "due": st.column_config.DateColumn("Due", format="YYYY-MM-DD", width="small"),
            "days_overdue": st.column_config.NumberColumn("Late (days)", format="%d", width="small"),
        },
    )
    st.caption("Select a row to make its account and quarter the ones above: its note and action items are in the first tabs.")
    rows = event.selection.rows if event is not None else []
    if rows:
        chosen = frame.iloc[rows[0]]
        st.session_state.pop("notes_open_items", None)
        pick_account(int(chosen["account_id"]))
        st.session_state[QUARTER] = chosen["quarter"]
        st.rerun()


# --- export --------------------------------------------------------------------------------------


@versioned(NOTES, max_entries=8)
def _export_for(quarter: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return quarter_notes(engine(), quarter), quarter_action_items(engine(), quarter)


def export_panel(quarter: str) -> None:
    notes, items = _export_for(quarter)
    st.markdown(f"**{len(notes):,} notes and {len(items):,} action items in {quarter}**")
    st.caption(
        "Markdown for reading and sharing; CSV for spreadsheets (text that a spreadsheet would run as a formula starts with ')."
    )
    markdown_col, notes_col, items_col = st.columns(3)
    markdown_col.download_button(
        "Notes and items (Markdown)",
        lambda: export_markdown(quarter, notes, items).encode("utf-8"),
        file_name=f"review_notes_{quarter}.md",
        mime="text/markdown",
        icon=":material/description:",
        key="notes_export_md",
        width="stretch",
    )
    notes_col.download_button(
        "Notes (CSV)",
        lambda: export_csv(notes),
        file_name=f"review_notes_{quarter}.csv",
        mime="text/csv",
        icon=":material/table:",
        key="notes_export_notes_csv",
        width="stretch",
    )
    items_col.download_button(
        "Action items (CSV)",
        lambda: export_csv(items),
        file_name=f"action_items_{quarter}.csv",
        mime="text/csv",
        icon=":material/checklist:",
        key="notes_export_items_csv",
        width="stretch",
    )
