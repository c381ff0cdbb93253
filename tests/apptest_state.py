"""The one place that feeds AppTest what its public API cannot send.

AppTest has no API to edit `st.data_editor` (DESIGN.md): the browser sends the editor's edits as its
widget value, and session state holds that value by the editor's key, so a test sets it there before
the run. A forged click on a button the page never drew (a hostile client) needs a raw widget state:
that is the one use of AppTest's private run with states, kept here. And AppTest compiles every
script again on each run, where a server compiles it once: `share_script_cache` gives it a server's cache.
"""

from __future__ import annotations

import streamlit.testing.v1.app_test as app_test_module
import streamlit.testing.v1.local_script_runner as local_runner_module
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest

NO_EDITS = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}


def edit_table(at: AppTest, key: str, edits: dict) -> AppTest:
    """Run the page as if the user had made these edits in the data editor with this key."""
    at.session_state[key] = {**NO_EDITS, **edits}
    return at.run()


def forge_click(at: AppTest, button_id: str) -> AppTest:
    """Run the page with a click on a button id this session never drew, as a forged message would."""
    states = at._tree.get_widget_states()
    forged = states.widgets.add()
    forged.id = button_id
    forged.trigger_value = True
    return at._run(states)


_SHARED_SCRIPT_CACHE = ScriptCache()


def share_script_cache() -> None:
    """Let every AppTest run in this process use one script cache, as a server's runs do (app.py and the
    pages are compiled once, not on every run); the scripts do not change while the tests run."""
    for module in (app_test_module, local_runner_module):
        module.ScriptCache = lambda: _SHARED_SCRIPT_CACHE  # type: ignore[assignment]
