"""The leave-page guard: unsaved drafts named with a way back, the browser's "leave page?" prompt,
and page links that wait until the server has the text just typed."""

from __future__ import annotations

import uuid

import streamlit as st

from lib.notes.text import normalise
from lib.ui.navigation import open_note
from lib.ui.notes.state import EDITOR, drafts
from lib.ui.text import plain


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
