"""A refused save: the other person's version beside yours, a choice at each place you both changed,
then merge, keep yours or take theirs; your text from before stays aside until dismissed."""

from __future__ import annotations

import streamlit as st

from lib.notes.merge import Conflict, Merge, Resolution, three_way_merge
from lib.notes.notes import Note, SaveResult
from lib.ui.notes.show import show_diff
from lib.ui.notes.state import EDITOR, EDITOR_SOURCE, SAVE_REQUEST, Draft, conflicts, draft_key, drafts, flash, stash
from lib.ui.text import plain


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
    conflict = conflicts()[key]
    theirs = conflict.note
    mine = drafts()[key].text if key in drafts() else conflict.attempted
    merge = three_way_merge(conflict.base_body, mine, theirs.body)
    resolutions = _chosen(merge, theirs.version)
    open_places = [n for n, r in enumerate(resolutions, 1) if r is None]
    if open_places:
        flash("error", f"Not merged yet: choose what to keep at {_places(open_places)}. Nothing is lost.")
        return
    merged = merge.text(resolutions)
    conflicts().pop(key)
    for number in range(1, len(merge.conflicts) + 1):
        st.session_state.pop(_place_key(theirs.version, number), None)
        st.session_state.pop(_place_key(theirs.version, number) + "_text", None)
    stash()[key] = mine
    drafts()[key] = Draft(account_id, account_name, quarter, merged, theirs.version, theirs.body)
    st.session_state[EDITOR] = merged
    st.session_state[EDITOR_SOURCE] = ("draft", key)
    if merge.conflicts:
        flash("info", "Merged as you chose: the text is in the editor, nothing is saved yet. Check it, then Save.")
    else:
        flash("info", "Merged: your changes and theirs did not touch the same lines. Check the text, then Save.")


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
    conflict = conflicts()[key]
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
    conflict = conflicts().pop(key)
    stash()[key] = drafts()[key].text if key in drafts() else conflict.attempted
    drafts().pop(key, None)
    st.session_state[EDITOR_SOURCE] = None
    flash("info", "Their version is in the editor. Your text is kept below until you dismiss it.")


def stash_panel(key: str) -> None:
    text = stash().get(key)
    if text is None:
        return
    with st.expander("Your text from before (not saved)", icon=":material/history_edu:"):
        st.code(text, language="markdown", wrap_lines=True, height=160)
        st.button("Dismiss", key="notes_stash_dismiss", on_click=lambda: stash().pop(key, None))
