"""AppTest: projector mode from the address (?present=1) and shareable views (filters and tabs in the address),
and what the page says of an address that names nothing here."""

import os

from streamlit.testing.v1 import AppTest

from lib.portfolio.data import Filters
from tests.conftest import DEMO_END, ROOT, log_in_session


def opened_at(url: str, params: dict, role: str = "viewer", page: str | None = None) -> AppTest:
    """The app as a new session (a reload, a shared link) opens it at this address, logged in."""
    os.environ["DATABASE_URL"] = url
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["login_session"] = log_in_session(url, role)
    at.query_params.update(params)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


def param(at: AppTest, key: str) -> str | None:
    """The address's value for key after the run (AppTest keeps one value as a string, several as a list)."""
    value = at.query_params.get(key)
    return value[-1] if isinstance(value, list) else value


def warnings(at: AppTest) -> str:
    return " ".join(w.value for w in at.warning)


def test_present_1_opens_projector_mode_with_the_page_bar(demo_url):
    at = opened_at(demo_url, {"present": "1"})
    assert not at.exception
    assert at.session_state["presentation_mode"] is True
    assert at.toggle(key="presentation_mode").value is True
    assert at.button(key="page_bar_leave").label == "Exit"
    assert param(at, "present") == "1"
    assert len(at.metric) == 6  # the Portfolio's headline cards for the room
    # the numbers rounded for reading: whole percentages
    nrr = next(m.value for m in at.metric if m.label == "NRR")
    assert nrr.endswith(" %") and "." not in nrr


def test_projector_mode_survives_a_page_change_and_exit_leaves_it(demo_url):
    at = opened_at(demo_url, {"present": "1"}, page="pages/wallet.py")
    assert not at.exception
    assert at.session_state["presentation_mode"] is True
    assert param(at, "present") == "1"
    at.button(key="page_bar_leave").click().run()
    assert not at.exception
    assert at.session_state["presentation_mode"] is False
    assert "present" not in at.query_params
    assert not [b for b in at.button if b.key == "page_bar_leave"]  # the bar is gone with projector mode


def test_without_present_the_filters_stay_in_the_sidebar(demo_url):
    at = opened_at(demo_url, {})
    assert not at.exception
    assert not at.session_state["presentation_mode"]
    assert at.sidebar.selectbox(key="flt_quarter").value == DEMO_END
    assert not [b for b in at.button if b.key == "page_bar_leave"]


def test_the_address_opens_the_filters_and_the_tab_it_names(demo_url):
    params = {
        "flt_quarter": "2025Q3",
        "flt_base": "Q-1 (the quarter before)",
        "flt_segments": ["Enterprise"],
        "flt_regions": ["EMEA"],
        "pf_tab": "Accounts",
    }
    at = opened_at(demo_url, params)
    assert not at.exception
    assert not at.warning
    assert at.session_state["filters"] == Filters("2025Q3", 1, ("Enterprise",), ("EMEA",), ())
    assert at.caption[0].value.startswith(
        "2025Q3 · retention against 2025Q2 (Compare with) · changes vs 2025Q2 · Enterprise · EMEA"
    )
    assert at.session_state["pf_tab"] == "Accounts"


def test_the_filters_in_the_address_hold_in_projector_mode_too(demo_url):
    at = opened_at(demo_url, {"present": "1", "flt_quarter": "2025Q3", "flt_owners": ["Anna Adams"]})
    assert not at.exception
    assert at.session_state["filters"] == Filters("2025Q3", 4, (), (), ("Anna Adams",))
    assert at.selectbox(key="flt_quarter").value == "2025Q3"  # in the page bar's popover, not the sidebar
    assert not at.sidebar.selectbox


def test_an_address_naming_nothing_here_says_so_and_shows_the_default(demo_url):
    hostile = {
        "present": "<img src=x onerror=alert(1)>",
        "flt_quarter": "1999Q9'; DROP TABLE accounts;--",
        "flt_base": "Q-7",
        "flt_segments": ["Enterprise", "**Nope**"],
        "flt_owners": ["x" * 5000],
        "pf_tab": "No such tab",
        "account": "ACC-\x00",
    }
    at = opened_at(demo_url, hostile)
    assert not at.exception
    said = warnings(at)
    assert "quarter “1999Q9" in said and f"showing {DEMO_END}" in said
    assert "“Q-7” is not a quarter to compare with" in said
    assert "no segment is called “\\*\\*Nope\\*\\*”" in said  # escaped: shown as typed, not bold
    assert "x" * 41 not in said  # a long value is cut short in the message
    assert "projector mode" in said and "present=1" in said
    assert "a tab “No such tab” that this page does not have: showing “Trends”" in said
    assert at.session_state["filters"] == Filters(DEMO_END, 4, ("Enterprise",), (), ())  # the valid part kept
    assert not at.session_state["presentation_mode"]
    assert at.title[0].value == "Portfolio"


def test_an_empty_tab_in_the_address_opens_the_first_tab_without_a_word(demo_url):
    at = opened_at(demo_url, {"pf_tab": ""})  # a link cut short, or typed by hand
    assert not at.exception
    assert "tab" not in warnings(at)
    assert at.session_state["pf_tab"] == "Trends"


def test_key_accounts_on_the_projector_name_who_leaves_above_the_fold(demo_url):
    at = opened_at(demo_url, {"present": "1"}, page="pages/key_accounts.py")
    assert not at.exception
    assert not [m for m in at.markdown if m.value.startswith("**Leave:**")]  # nothing changed yet
    at.number_input(key="ka_cutoff").set_value(90.0).run()  # a higher bar: some key accounts leave
    assert not at.exception
    leave = next(m.value for m in at.markdown if m.value.startswith("**Leave:**"))
    caption = next(c.value for c in at.caption if c.value.startswith("Against the approved set"))
    leaving = int(caption.split("**")[3].replace(",", ""))
    named = leave.removeprefix("**Leave:** ").split(" and ")[0].split(", ")
    assert len(named) == min(leaving, 4) and all(named)
    at.session_state["presentation_mode"] = False
    at.run()
    assert not [m for m in at.markdown if m.value.startswith("**Leave:**")]  # on a laptop the tab has them
