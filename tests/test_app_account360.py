"""AppTest: Account 360 for every role: an account opened from a table, by search or by address;
its KPIs, key-account status, notes of every quarter and the way to edit them."""

import pytest
from sqlalchemy import text

from lib.accounts.account360 import search_accounts
from lib.core import format as fmt
from lib.core.db import make_engine
from lib.notes.notes import quarter_notes
from lib.portfolio.data import load_portfolio
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
    revenue = at.metric[0].value
    assert any(ch.isdigit() for ch in revenue) and revenue != fmt.NA  # the account's revenue, never blank or n/a
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


def match_count(url: str, query: str) -> int:
    engine = make_engine(url)
    total = search_accounts(load_portfolio(engine).accounts, query)[1]
    engine.dispose()
    return total


def test_search_by_name_lists_the_matches_and_opens_the_one_chosen(demo_url):
    account_id, name, _external_id = noted_account(demo_url)
    query = name.split()[0][:3].lower()
    assert match_count(demo_url, query) > 1
    at = app_test(demo_url, "viewer", PAGE)
    at.text_input(key="a360_search").input(query).run()
    matches = at.selectbox(key="a360_match")
    assert f"{name} · {_external_id}" in matches.options  # shown as name and account id
    matches.select(account_id).run()
    assert not at.exception
    assert at.title[0].value == name
    assert at.text_input(key="a360_search").value == ""


def test_a_search_with_one_match_opens_the_account_at_once(demo_url):
    _account_id, name, external_id = noted_account(demo_url)
    assert match_count(demo_url, external_id.lower()) == 1
    at = app_test(demo_url, "viewer", PAGE)
    at.text_input(key="a360_search").input(external_id.lower()).run()
    assert not at.exception
    assert at.title[0].value == name
    assert at.text_input(key="a360_search").value == ""
    assert all(box.key != "a360_match" for box in at.selectbox)


def test_the_largest_accounts_read_na_in_empty_cells_and_open_on_select(demo_url):
    at = app_test(demo_url, "viewer", PAGE)
    table = next(d for d in at.dataframe if d.proto.id.endswith("-a360_top_accounts")).proto
    assert table.placeholder == fmt.NA  # never the literal "None"
    assert "id" not in table.column_order and table.selection_mode


def test_every_change_says_what_it_is_against_and_growth_says_why_it_stays_yoy(demo_url):
    account_id, _name, _external_id = noted_account(demo_url)
    at = open_account(demo_url, "viewer", account_id)
    assert {m.proto.delta_description for m in at.metric if m.delta} == {"vs 2026Q2"}
    caption = next(c.value for c in at.caption if "changes vs" in c.value)
    assert caption.startswith(f"{DEMO_END} · changes vs 2026Q2 · growth YoY against 2025Q3, whatever Compare with says")
    at.button_group(key="flt_base").set_value(1).run()
    assert next(c.value for c in at.caption if "changes vs" in c.value) == caption


def test_a_wallet_below_our_revenue_reads_na_and_says_why(demo_copy_url):
    account_id, _name, _external_id = noted_account(demo_copy_url)
    engine = make_engine(demo_copy_url)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE revenue SET wallet_cents = revenue_cents / 2 WHERE account_id = :a AND quarter = :q"),
            {"a": account_id, "q": DEMO_END},
        )
    engine.dispose()
    at = open_account(demo_copy_url, "viewer", account_id)
    values = {m.label: m.value for m in at.metric}
    assert values["Share of wallet"] == fmt.NA and values["Whitespace"] == fmt.NA  # not 200 %, as on every other page
    caption = next(c.value for c in at.caption if "changes vs" in c.value)
    assert "share of wallet and whitespace left out: our revenue above the wallet" in caption
    assert any("our revenue above the wallet" in i.value for i in at.info)


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
    assert "2025Q3" in next(c.value for c in at.caption if "changes vs" in c.value)


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
