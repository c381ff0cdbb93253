"""AppTest: the Portfolio page renders for every role and its filters change the numbers."""

import json

import pytest

from lib.core import format as fmt
from lib.core.db import make_engine
from lib.portfolio.data import load_portfolio
from tests.conftest import DEMO_END, app_test


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_renders_for_every_role_without_exception(demo_url, role):
    at = app_test(demo_url, role)
    assert not at.exception
    assert at.title[0].value == "Portfolio"
    assert len(at.metric) == 14
    assert metric(at, "Revenue") != "n/a"


def test_the_quarter_filter_changes_the_revenue(demo_url):
    at = app_test(demo_url)
    before = metric(at, "Revenue")
    at.selectbox(key="flt_quarter").select("2025Q3").run()
    assert not at.exception
    assert metric(at, "Revenue") != before
    assert at.caption[0].value.startswith("2025Q3 · retention against 2024Q3 (Compare with) · changes vs 2025Q2 · ")


def test_segment_and_base_filters_change_kpis(demo_url):
    at = app_test(demo_url)
    nrr = metric(at, "NRR")
    at.multiselect(key="flt_segments").select("Enterprise").run()
    assert metric(at, "NRR") != nrr
    accounts = metric(at, "Accounts")
    at.multiselect(key="flt_segments").unselect("Enterprise").select("SMB").run()
    assert metric(at, "Accounts") != accounts
    year_on_year = metric(at, "NRR")
    at.button_group(key="flt_base").set_value(1).run()
    assert not at.exception and at.caption[0].value.startswith("2026Q3 · retention against 2026Q2 (Compare with)")
    assert metric(at, "NRR") != year_on_year


def test_a_filter_without_accounts_reads_na(demo_url):
    accounts = load_portfolio(make_engine(demo_url)).accounts
    owner, segment = next(
        (owner, segment)
        for owner in sorted(accounts["owner"].dropna().unique())
        for segment in sorted(accounts["segment"].dropna().unique())
        if not ((accounts["owner"] == owner) & (accounts["segment"] == segment)).any()
    )
    at = app_test(demo_url)
    at.multiselect(key="flt_owners").select(owner).run()
    at.multiselect(key="flt_segments").select(segment).run()
    assert not at.exception
    assert metric(at, "Accounts") == metric(at, "NRR") == metric(at, "GRR") == fmt.NA


def test_why_this_number_opens_on_demand(demo_url):
    at = app_test(demo_url)
    assert not any("Accounts behind it" in m.value for m in at.markdown)
    at.session_state["pf_why_nrr"] = True
    at.run()
    assert not at.exception
    assert any(m.value.startswith("**Net revenue retention") or m.value.startswith("**NRR") for m in at.markdown)
    assert any("Accounts behind it" in m.value for m in at.markdown)


def test_a_visitor_sees_only_the_login(demo_url):
    at = app_test(demo_url, role=None)
    assert not at.exception
    assert [t.value for t in at.title] == ["Keystone"]
    assert not at.metric
    assert at.text_input(key="login_username") is not None


def dataframe(at, key: str):
    return next(d for d in at.dataframe if d.proto.id.endswith(f"-{key}"))


def test_the_caption_tells_retention_from_changes_and_every_change_says_what_it_is_against(demo_url):
    at = app_test(demo_url)
    assert at.caption[0].value.startswith(f"{DEMO_END} · retention against 2025Q3 (Compare with) · changes vs 2026Q2 · ")
    assert {m.proto.delta_description for m in at.metric if m.delta} == {"vs 2026Q2"}
    at.button_group(key="flt_base").set_value(1).run()
    assert not at.exception
    assert at.caption[0].value.startswith(f"{DEMO_END} · retention against 2026Q2 (Compare with) · changes vs 2026Q2 · ")
    at.session_state["presentation_mode"] = True
    at.run()
    assert at.caption[0].value.startswith(f"{DEMO_END} · retention against 2026Q2 (Compare with) · changes vs 2026Q2 · ")
    assert len(at.metric) == 6 and {m.proto.delta_description for m in at.metric if m.delta} == {"vs 2026Q2"}


def test_the_accounts_tab_shows_the_largest_decline_first(demo_url):
    at = app_test(demo_url)
    assert at.selectbox(key="pf_sort").value == "movement"
    assert at.selectbox(key="pf_sort").options[0] == "Largest decline"
    rows = dataframe(at, "pf_accounts").value
    assert rows["movement"].iloc[0] < 0 and rows["movement"].dropna().is_monotonic_increasing
    assert rows["movement"].iloc[0] == rows["movement"].min()
    table = dataframe(at, "pf_accounts").proto
    assert "id" not in table.column_order and table.placeholder == fmt.NA  # an empty cell reads n/a, not None


def test_the_breakdown_shows_retention_and_churn_as_rounded_percentages(demo_url):
    at = app_test(demo_url)
    for by in ("segment", "region", "owner"):
        at.button_group(key="pf_breakdown").set_value(by).run()
        table = next(d for d in at.dataframe if by in d.value.columns)
        assert {"nrr", "grr", "churn_rate", "logo_retention"} <= set(table.value.columns), by
        formats = json.loads(table.proto.columns)
        assert {formats[c]["type_config"]["format"] for c in ("nrr", "grr", "churn_rate", "logo_retention")} == {"%.1f %%"}
        assert (table.value["churn_rate"] + table.value["logo_retention"]).dropna().round(9).eq(100).all()  # points
        assert table.proto.placeholder == fmt.NA
    at.toggle(key="presentation_mode").set_value(True).run()
    table = next(d for d in at.dataframe if "owner" in d.value.columns)
    assert json.loads(table.proto.columns)["nrr"]["type_config"]["format"] == "%.0f %%"  # 119 % on the projector
    assert table.value["nrr"].between(10, 1000).all()  # points, not a fraction that would read "1 %"


def test_the_accounts_behind_a_kpi_open_account_360_on_select(demo_url):
    at = app_test(demo_url)
    at.session_state["pf_why_nrr"] = True
    at.run()
    assert not at.exception
    behind = dataframe(at, "pf_behind_nrr")
    assert list(behind.proto.column_order) == ["name", "base_revenue", "revenue", "movement"]  # the id is there, hidden
    assert behind.value["id"].notna().all()
    assert behind.proto.selection_mode  # a row can be selected: lib.ui.tables.account_table opens it
