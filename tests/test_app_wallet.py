"""AppTest: the Share of wallet page renders for every role, filters and the confidence switch change
its figures, the grouping selector changes the chart, every tab and the account dialog render, and
its share of wallet is the one `python -m lib kpis` prints."""

import json

import pytest

from lib.core import format as fmt
from lib.core.db import make_engine
from lib.portfolio.data import Filters, load_portfolio
from lib.portfolio.kpis import kpis_json
from tests.conftest import app_test

PAGE = "pages/wallet.py"
LAST = "2026Q3"  # tests.conftest.DEMO_END


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def chart(at, key: str) -> dict:
    return json.loads(next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key) or key in c.proto.id).proto.spec)


def open_tab(at, label: str):
    at.session_state["sow_tab"] = label
    return at.run()


def element_bytes(node) -> int:
    """Serialized size of the page's elements: what one run sends to the browser, envelopes aside."""
    proto = getattr(node, "proto", None)
    own = proto.ByteSize() if proto is not None and not hasattr(node, "children") else 0
    return own + sum(element_bytes(child) for child in getattr(node, "children", {}).values())


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_renders_for_every_role(demo_url, role):
    at = app_test(demo_url, role, page=PAGE)
    assert not at.exception
    assert [t.value for t in at.title] == ["Share of wallet"]
    # Market share cards follow the segments, largest wallet first.
    assert [m.label for m in at.metric] == ["Share of wallet", "Wallet", "Whitespace", "Enterprise", "Mid-Market", "SMB"]
    assert all(m.value != fmt.NA for m in at.metric)
    assert len(at.get("plotly_chart")) == 2  # the split and the trend of the first tab; the others are lazy


def test_the_page_share_is_the_kpi_json_share(demo_url):
    at = app_test(demo_url, page=PAGE)
    engine = make_engine(demo_url)
    expected = kpis_json(load_portfolio(engine), Filters(LAST))["share_of_wallet"]
    engine.dispose()
    assert metric(at, "Share of wallet") == fmt.rate(expected)
    assert at.caption[0].value.startswith(f"{LAST} · changes vs 2026Q2 (Compare with applies to retention only) · all accounts")


def test_filters_and_the_confidence_switch_change_the_figures(demo_url):
    at = app_test(demo_url, page=PAGE)
    share, wallet = metric(at, "Share of wallet"), metric(at, "Wallet")
    at.selectbox(key="flt_quarter").select("2025Q3").run()
    assert not at.exception
    assert metric(at, "Wallet") != wallet
    assert at.caption[0].value.startswith("2025Q3 · changes vs 2025Q2")
    assert {m.proto.delta_description for m in at.metric if m.delta} == {"vs 2025Q2"}
    at.selectbox(key="flt_quarter").select(LAST).run()
    at.multiselect(key="flt_segments").select("SMB").run()
    assert metric(at, "Share of wallet") != share
    assert [m.label for m in at.metric][3:] == ["SMB"]  # market share of the chosen segment only
    at.multiselect(key="flt_segments").unselect("SMB").run()
    assert metric(at, "Share of wallet") == share
    at.toggle(key="sow_high_confidence").set_value(True).run()
    assert not at.exception
    assert metric(at, "Wallet") != wallet
    assert "high-confidence estimates only" in " ".join(c.value for c in at.caption)


def test_the_changes_say_they_are_quarter_on_quarter_whatever_compare_with_says(demo_url):
    at = app_test(demo_url, page=PAGE)
    before = [(m.value, m.delta) for m in at.metric]
    at.button_group(key="flt_base").set_value(1).run()
    assert not at.exception
    assert [(m.value, m.delta) for m in at.metric] == before  # a share has no base cohort to compare with
    assert at.caption[0].value.startswith(f"{LAST} · changes vs 2026Q2 (Compare with applies to retention only)")
    assert {m.proto.delta_description for m in at.metric if m.delta} == {"vs 2026Q2"}
    at.session_state["presentation_mode"] = True
    at.run()
    assert at.caption[0].value.startswith(f"{LAST} · changes vs 2026Q2 (Compare with applies to retention only)")


def test_the_accounts_behind_a_card_open_account_360_on_select(demo_url):
    at = app_test(demo_url, page=PAGE)
    at.session_state["sow_why_share_of_wallet"] = True
    at.run()
    assert not at.exception
    behind = next(d for d in at.dataframe if d.proto.id.endswith("-sow_behind_share_of_wallet"))
    assert "id" not in behind.proto.column_order and behind.value["id"].notna().all() and behind.proto.selection_mode


def test_the_grouping_selector_changes_the_chart(demo_url):
    at = app_test(demo_url, page=PAGE)
    by_segment = chart(at, "sow_split_chart")
    assert by_segment["layout"]["title"]["text"] == "Who holds the wallet, by segment"
    assert [y.split(" · ")[0] for y in by_segment["data"][0]["y"]] == ["All accounts", "Enterprise", "Mid-Market", "SMB"]
    at.button_group(key="sow_group").set_value("region").run()
    assert not at.exception
    by_region = chart(at, "sow_split_chart")
    assert by_region["layout"]["title"]["text"] == "Who holds the wallet, by region"
    assert {y.split(" · ")[0] for y in by_region["data"][0]["y"]} == {"All accounts", "North America", "EMEA", "APAC", "LATAM"}
    at.button_group(key="sow_group").set_value("owner").run()
    by_owner = chart(at, "sow_split_chart")
    assert by_owner["layout"]["title"]["text"] == "Who holds the wallet, by owner"  # the test demo has 8 owners: all shown
    assert len(by_owner["data"][0]["y"]) == 1 + 8


def test_every_tab_renders(demo_url):
    at = app_test(demo_url, page=PAGE)
    open_tab(at, "Where to play")
    assert not at.exception
    quadrant = chart(at, "sow_quadrant")
    assert {trace["type"] for trace in quadrant["data"]} == {"scattergl"}
    assert quadrant["layout"]["xaxis"]["type"] == "log"
    open_tab(at, "Whitespace")
    assert not at.exception
    ranking = at.dataframe[0].value
    assert len(ranking) == 100 and ranking["whitespace"].is_monotonic_decreasing
    assert at.get("download_button")[0].proto.label == "Download all as CSV"
    open_tab(at, "Wallet estimates")
    assert not at.exception
    assert any("no wallet estimate" in m.value.lower() for m in at.markdown)
    assert any("Data problems" in m.value for m in at.markdown)


def choose_row(at, key: str, row: int = 0):
    """What a click on a row's selection box sends: the dataframe's selection state."""
    at.session_state[key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    return at.run()


@pytest.mark.parametrize(
    "tab, key, quarter",
    [
        ("Whitespace", "sow_ranking", LAST),
        ("Wallet estimates", "sow_missing", LAST),
        ("Wallet estimates", "sow_problems", "2026Q1"),  # the test demo's last quarter with a data problem
    ],
)
def test_every_account_row_opens_account_360_in_one_click(demo_url, tab, key, quarter):
    at = app_test(demo_url, page=PAGE)
    at.selectbox(key="flt_quarter").select(quarter).run()
    open_tab(at, tab)
    table = next(d for d in at.dataframe if d.proto.id.endswith(f"-{key}"))
    assert "id" not in table.proto.column_order and table.proto.selection_mode  # the id rides along, hidden
    assert table.proto.placeholder == fmt.NA
    first = table.value["name"].iloc[0]
    choose_row(at, key)
    assert not at.exception, at.exception
    assert at.title[0].value == first  # Account 360, on that account: no dialog in between
    assert "Top competitor" not in [m.label for m in at.metric]


def test_a_chosen_account_opens_its_details_once(demo_url):
    at = app_test(demo_url, page=PAGE)
    at.session_state["sow_open_account"] = 1  # what a click on the quadrant chart sets
    at.run()
    assert not at.exception
    assert "Top competitor" in [m.label for m in at.metric]
    assert len(at.get("plotly_chart")) == 4  # the tab's two, and the account's split over time and share trend
    at.run()  # any later rerun: the dialog does not come back by itself
    assert "Top competitor" not in [m.label for m in at.metric]


def test_projector_mode_shows_fewer_details(demo_url):
    at = app_test(demo_url, page=PAGE)
    at.session_state["presentation_mode"] = True
    at.run()
    assert not at.exception
    assert " left out" not in at.caption[0].value
    open_tab(at, "Whitespace")
    assert len(at.dataframe[0].value) == 15


def test_one_render_stays_small(demo_url):
    at = app_test(demo_url, page=PAGE)
    for tab in ("Competitors", "Where to play", "Whitespace", "Wallet estimates"):
        open_tab(at, tab)
        assert element_bytes(at.main) + element_bytes(at.sidebar) < 1_000_000, tab


def test_a_visitor_sees_only_the_login(demo_url):
    at = app_test(demo_url, role=None)
    at.switch_page(PAGE).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Keystone"]
    assert not at.metric


def test_a_segment_spelled_in_another_case_breaks_nothing(demo_copy_url):
    from lib.io.importer import import_files
    from tests.conftest import ADMIN

    engine = make_engine(demo_copy_url)
    import_files(
        engine,
        [
            ("accounts.csv", b"account_id,name,segment\nX1,Lowercase Ltd,Mid-market\n"),
            ("revenue.csv", f"account_id,quarter,revenue,wallet\nX1,{LAST},10,100000000\n".encode()),
        ],
        ADMIN,
    )
    engine.dispose()
    at = app_test(demo_copy_url, "viewer", PAGE)
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "Mid-market" in labels and "Mid-Market" in labels
