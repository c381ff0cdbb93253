"""AppTest: Account 360 for every role: an account opened from a table, by search or by address;
its KPIs, key-account status, notes of every quarter and the way to edit them."""

import pytest

from lib.db import make_engine
from lib.notes import quarter_notes
from tests.conftest import DEMO_END, app_test

PAGE = "pages/account_360.py"


def noted_account(url: str) -> tuple[int, str, str]:
    engine = make_engine(url)
    row = quarter_notes(engine, DEMO_END).iloc[0]
    engine.dispose()
    return int(row["account_id"]), row["account"], row["external_id"]


def open_account(url: str, role: str, account_id: int):
    at = app_test(url, role, PAGE)
    at.session_state["a360_account_id"] = account_id  # what every account table sets (lib.ui.tables)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_an_account_opens_for_every_role(demo_url, role):
    account_id, name, external_id = noted_account(demo_url)
    at = open_account(demo_url, role, account_id)
    assert at.title[0].value == name
    assert external_id in at.caption[0].value
    assert [m.label for m in at.metric] == ["Revenue", "Growth YoY", "Share of wallet", "Whitespace", "NPS", "CSAT"]
    assert all(m.value for m in at.metric)
    badge = next(m.value for m in at.markdown if "badge[" in m.value)
    assert "score" in badge or "criteria not available" in badge
    assert [t.label for t in at.tabs] == ["Revenue and wallet", "People", "Review notes", "Action items"]
    assert any(f"{DEMO_END} · version 1" in e.label for e in at.expander)
    label = "Edit in Review notes" if role != "viewer" else "Open in Review notes"
    assert at.button(key=f"a360_open_note_{DEMO_END}").label == label


def test_without_an_account_the_page_offers_search_and_the_largest_accounts(demo_url):
    at = app_test(demo_url, "viewer", PAGE)
    assert not at.exception
    assert at.title[0].value == "Account 360"
    assert at.text_input(key="a360_search") is not None
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 10


def test_search_by_name_lists_the_matches_and_opens_the_one_chosen(demo_url):
    account_id, name, _external_id = noted_account(demo_url)
    at = app_test(demo_url, "viewer", PAGE)
    at.text_input(key="a360_search").input(name[:6].lower()).run()
    matches = at.selectbox(key="a360_match")
    assert f"{name} · {_external_id}" in matches.options  # shown as name and account id
    matches.select(account_id).run()
    assert not at.exception
    assert at.title[0].value == name
    assert at.text_input(key="a360_search").value == ""


def test_a_search_without_matches_says_so(demo_url):
    at = app_test(demo_url, "viewer", PAGE)
    at.text_input(key="a360_search").input("no such company").run()
    assert any("No account matches" in c.value for c in at.caption)


def test_the_address_opens_an_account(demo_url):
    account_id, name, external_id = noted_account(demo_url)
    at = app_test(demo_url, "viewer", None)
    at.query_params["account"] = external_id
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.title[0].value == name


def test_the_global_quarter_changes_the_numbers(demo_url):
    account_id, _name, _external_id = noted_account(demo_url)
    at = open_account(demo_url, "viewer", account_id)
    numbers = [(m.value, m.delta) for m in at.metric]
    at.selectbox(key="flt_quarter").select("2025Q3").run()
    assert not at.exception
    assert [(m.value, m.delta) for m in at.metric] != numbers
    assert "2025Q3" in next(c.value for c in at.caption if "changes against" in c.value)


def test_edit_in_review_notes_opens_that_note(demo_url):
    account_id, name, _external_id = noted_account(demo_url)
    at = open_account(demo_url, "editor", account_id)
    at.button(key=f"a360_open_note_{DEMO_END}").click().run()
    assert not at.exception
    assert at.title[0].value == "Review notes"
    assert name in at.caption[0].value and DEMO_END in at.caption[0].value
    assert at.text_area(key="notes_body").value.startswith(f"## {name}")


def test_an_unknown_account_falls_back_to_the_search(demo_url):
    at = open_account(demo_url, "viewer", 999_999)
    assert at.title[0].value == "Account 360"
