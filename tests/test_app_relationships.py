"""AppTest: the Relationships page on the hand-computed portfolio of tests/test_relationships.py, by role.

Quarter 2026Q2 (the last with data): as_of 2026-06-30, "in 90 days" from 2026-04-02, "in 180 days" from 2026-01-02.
Atlas Mills (A): Ana Marsh (exec, economic buyer) met by Zoe Hart only (04-02); Ben Cole (champion) by Zoe (01-02)
and Max Roe (06-30); Cara Diaz (user) last met 04-01 and Dan Eng (influencer) only on 07-01 (after as_of): not
met in 90 days. Met 2 of 4, not single-threaded, bus factor 1 (Ana: Zoe alone).
Active accounts in 2026Q2: A, B, C, D (E has no revenue); B, C and D are single-threaded: 3 / 4 = 75 %.
In 2026Q1 all five are active and single-threaded: 100 %, so the change is -25 points.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from sqlalchemy import func, select

from lib.core.auth import Actor
from lib.core.db import FACTS, data_versions, make_engine, migrate
from lib.core.models import AuditLog, Interaction, Stakeholder
from lib.io.importer import import_files
from lib.io.snapshot import snapshot_path
from lib.keyaccounts.criteria import CriteriaSet, Rule
from lib.keyaccounts.store import approve_new_set
from lib.relationships.data import ARRAYS_KIND
from lib.ui.text import plain
from tests.conftest import ADMIN, app_test
from tests.relationship_fixtures import account_id, load_relationship_portfolio

PAGE = "pages/relationships.py"


@pytest.fixture
def rel_url(db_url: str) -> str:
    engine = make_engine(db_url)
    migrate(engine)
    load_relationship_portfolio(engine)
    engine.dispose()
    return db_url


def atlas_id(url: str) -> int:
    engine = make_engine(url)
    try:
        return account_id(engine, "A")
    finally:
        engine.dispose()


def open_atlas(url: str, role: str):
    at = app_test(url, role, PAGE)
    at.query_params["account"] = "A"  # Account 360's link, or one shared
    at.run()
    assert not at.exception, at.exception
    return at


def figures(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def markdown(at) -> str:
    """The page's Markdown, and the stakeholder map's HTML as its text."""
    texts = [m.value for m in at.markdown]
    texts += [html.unescape(re.sub(r"<style>.*?</style>|<[^>]+>", " ", h.proto.body, flags=re.S)) for h in at.get("html")]
    return re.sub(r"[ \t]+", " ", "\n".join(texts))


def counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = tuple(
            connection.scalar(select(func.count()).select_from(table)) for table in (Stakeholder, Interaction, AuditLog)
        )
    engine.dispose()
    return found


def edit_buttons(at) -> list[str]:
    return [b.key for b in at.button if b.key in ("rel_add", "rel_edit", "rel_log")]


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_every_role_sees_the_page_in_the_navigation_and_both_tabs(rel_url, role):
    at = app_test(rel_url, role, PAGE)
    assert not at.exception, at.exception
    assert at.title[0].value == "Relationships"
    assert [t.label for t in at.tabs] == ["One account", "Portfolio"]


def test_a_viewer_sees_the_map_the_matrix_and_the_bus_factor_without_edit_controls(rel_url):
    at = open_atlas(rel_url, "viewer")
    assert figures(at) == {"Bus factor": "1", "Single-threaded": "No", "Met in 90 days": "2 of 4"}
    text = markdown(at)
    assert "Only Zoe Hart has met Ana Marsh, the economic buyer, since 2 January." in text
    assert "economic buyer met only by Zoe Hart" in text
    assert text.count("not met in 90 days") == 2  # Cara Diaz (04-01, a day early) and Dan Eng (07-01, after as_of)
    assert "Exec · 1" in text and "Senior · 1" in text and "Staff · 1" in text
    assert at.get("plotly_chart"), "the communication matrix"
    assert at.query_params["account"] == "A"
    assert edit_buttons(at) == []
    at.session_state["rel_dialog"] = "log"  # a forged open: a viewer still gets no form
    at.run()
    assert not at.exception and not [b for b in at.button if b.key == "rel_ix_save"]


def test_an_editor_logs_an_interaction_and_the_bus_factor_follows(rel_url):
    at = open_atlas(rel_url, "editor")
    assert edit_buttons(at) == ["rel_add", "rel_edit", "rel_log"]
    before = counts(rel_url)
    at.button(key="rel_log").click().run()
    at.date_input(key="rel_ix_date").set_value(dt.date(2026, 6, 15))
    at.selectbox(key="rel_ix_ours").select("Max Roe")
    theirs = at.selectbox(key="rel_ix_theirs")
    assert "Ana Marsh · economic buyer" in theirs.options
    theirs.select_index(theirs.options.index("Ana Marsh · economic buyer"))
    at.text_input(key="rel_ix_note").input("Renewal scope   with the CFO")
    at.button(key="rel_ix_save").click().run()
    assert not at.exception, at.exception
    # Ana is now met by Zoe and Max, Ben too: the fewest of ours per key person is 2.
    assert figures(at)["Bus factor"] == "2"
    assert "At least 2 of ours have met each key person since 2 January" in markdown(at)
    assert "economic buyer met only by" not in markdown(at)
    assert [s.value for s in at.success] == ["Logged: Max Roe met Ana Marsh on 15 June 2026."]
    assert not [b for b in at.button if b.key == "rel_ix_save"], "the dialog closed"
    assert counts(rel_url) == (before[0], before[1] + 1, before[2] + 1)
    engine = make_engine(rel_url)
    version = data_versions(engine)[FACTS]
    for kind in ("portfolio", ARRAYS_KIND):  # prepared at once, as after an import: other servers load them from disk
        assert snapshot_path(engine, version, kind=kind).exists(), kind
    engine.dispose()


def test_bad_input_says_what_is_wrong_and_writes_nothing(rel_url):
    at = open_atlas(rel_url, "editor")
    before = counts(rel_url)
    at.button(key="rel_log").click().run()
    at.button(key="rel_ix_save").click().run()  # nobody chosen on either side
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Nothing was saved:\n- choose whom of theirs the interaction was with\n- the person of ours is required"
    ]
    assert counts(rel_url) == before
    assert [b for b in at.button if b.key == "rel_ix_save"], "the dialog stays open with the values"


def test_an_editor_adds_a_key_person_and_the_bus_factor_drops(rel_url):
    at = open_atlas(rel_url, "editor")
    at.button(key="rel_add").click().run()
    at.button(key="rel_sh_save_new").click().run()  # no name
    assert "the name is required" in at.error[0].value
    at.text_input(key="rel_sh_name_new").input("Ola Park")
    at.text_input(key="rel_sh_title_new").input("CEO")
    at.selectbox(key="rel_sh_level_new").select("exec")
    at.selectbox(key="rel_sh_role_new").select("champion")
    at.selectbox(key="rel_sh_stance_new").select("detractor")
    at.button(key="rel_sh_save_new").click().run()
    assert not at.exception, at.exception
    # A champion nobody of ours has met: the bus factor is 0, and the card says so.
    assert figures(at) == {"Bus factor": "0", "Single-threaded": "No", "Met in 90 days": "2 of 5"}
    text = markdown(at)
    assert "Nobody of ours has met Ola Park, the champion, in 180 days." in text
    assert "Exec · 2" in text and "Ola Park CEO champion detractor" in text
    assert "⚠ champion nobody of ours met in 180 days" in text


def test_an_editor_edits_a_stakeholder_in_place(rel_url):
    at = open_atlas(rel_url, "editor")
    at.button(key="rel_edit").click().run()
    who = at.selectbox(key="rel_sh_who")
    assert who.options == ["Ana Marsh · economic buyer", "Ben Cole · champion", "Cara Diaz · user", "Dan Eng · influencer"]
    who.select_index(2).run()
    suffix = next(t.key for t in at.text_input if t.key.startswith("rel_sh_name_")).removeprefix("rel_sh_name_")
    assert at.text_input(key=f"rel_sh_name_{suffix}").value == "Cara Diaz"
    at.selectbox(key=f"rel_sh_role_{suffix}").select("champion")
    at.button(key=f"rel_sh_save_{suffix}").click().run()
    assert not at.exception, at.exception
    # Cara, now a champion, was met by Max Roe (04-01) alone in 180 days: still 1, and her card says it.
    assert figures(at)["Bus factor"] == "1"
    assert "champion met only by Max Roe" in markdown(at)
    assert [s.value for s in at.success] == ["Saved Cara Diaz."]


def test_the_portfolio_view_counts_sorts_by_risk_and_follows_the_key_accounts(rel_url):
    engine = make_engine(rel_url)
    approve_new_set(engine, Actor("admin", "admin"), "Met two", CriteriaSet((Rule("stakeholders_met_90d", ">=", 2, 1, True),), 0))
    engine.dispose()
    at = app_test(rel_url, "viewer", PAGE)
    assert not at.exception, at.exception
    cards = {m.label: (m.value, m.delta) for m in at.metric}
    assert cards == {
        "Single-threaded accounts": ("75.0 %", "-25.0 pts"),
        "Single-threaded key accounts": ("0.0 %", "-100.0 pts"),  # A, the one key account, was single-threaded in Q1
        "Key accounts with bus factor 0 or 1": ("1", "+0"),  # A: 1 in Q2, 0 in Q1
    }
    table = at.dataframe[0].value
    assert table["account_id"].tolist() == ["C", "B", "D", "A"]  # high risk: bus factor 0, fewest met, most revenue
    assert table["risk"].tolist() == ["high", "high", "high", "medium"]
    assert table["key"].tolist() == [False, False, False, True]
    at.toggle(key="rel_key_only").set_value(True).run()
    assert at.dataframe[0].value["account_id"].tolist() == ["A"]
    assert at.get("download_button")


def test_on_the_projector_the_risk_table_keeps_the_risk_columns_at_their_own_width(rel_url):
    at = app_test(rel_url, "viewer", PAGE)
    at.toggle(key="presentation_mode").set_value(True).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].proto
    assert list(table.column_order)[:4] == ["name", "risk", "bus_factor", "single_threaded"]
    assert not {"account_id", "owner", "segment", "region"} & set(table.column_order)  # they stay on the laptop
    widths = {name: column.get("width") for name, column in json.loads(table.columns).items()}
    assert widths["single_threaded"] is None and widths["bus_factor"] is None  # sized to the 20 px headers, not cut


def test_an_address_naming_another_account_opens_it(rel_url):
    at = open_atlas(rel_url, "viewer")
    assert at.subheader[0].value == "Atlas Mills"
    at.query_params["account"] = "B"  # a link followed, or an address typed, in the same session
    at.run()
    assert not at.exception, at.exception
    assert at.subheader[0].value == "Birch Bank"
    # Birch: Gus Hill met in 90 days; Eva Fox, the champion, last met 2026-01-01, outside the 180 days.
    assert figures(at) == {"Bus factor": "0", "Single-threaded": "Yes", "Met in 90 days": "1 of 2"}
    assert "Nobody of ours has met Eva Fox, the champion, in 180 days." in markdown(at)


def test_the_open_tab_is_in_the_address_and_a_link_opens_it(rel_url):
    at = app_test(rel_url, "viewer", PAGE)
    at.query_params.update({"account": "B", "rel_tab": "Portfolio"})  # a link someone shared
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["rel_tab"] == "Portfolio"
    assert [m.label for m in at.metric][0] == "Single-threaded accounts"  # the portfolio cards, not Birch's map
    at.query_params.clear()
    at.query_params["account"] = "C"  # then a link that names an account and no tab (Account 360's)
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["rel_tab"] == "One account"
    assert at.subheader[0].value == "Cedar Foods"


def test_account_360_shows_the_map_in_small_and_links_to_the_page(rel_url):
    at = app_test(rel_url, "viewer", "pages/account_360.py")
    at.session_state["a360_account_id"] = atlas_id(rel_url)
    at.run()
    assert not at.exception, at.exception
    small = next(d.value for d in at.dataframe if "flags" in d.value.columns)
    assert small["name"].tolist() == ["Ana Marsh", "Ben Cole", "Cara Diaz", "Dan Eng"]  # exec, senior, manager, staff
    assert small["flags"].tolist() == [
        "⚠ economic buyer met only by Zoe Hart",
        "",
        "◷ not met in 90 days",
        "◷ not met in 90 days",
    ]
    assert small["met_by"].tolist() == ["Zoe Hart", "Max Roe, Zoe Hart", "Max Roe", ""]
    assert any(w.value.startswith("Bus factor **1** · not single-threaded") for w in at.warning)
    links = at.get("page_link")
    assert len(links) == 1 and links[0].proto.page.endswith("relationships")


def matrix_cells(at) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    """The rows and columns the heatmap draws, and its non-zero cells as (ours, theirs): count (from the cells' text:
    Plotly sends the numbers themselves as a typed array)."""
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    heatmap = spec["data"][0]
    names = {
        axis: [re.sub(r"<[^>]+>| ∅", "", t.replace("<br>", " ")) for t in spec["layout"][axis]["ticktext"]]
        for axis in ("xaxis", "yaxis")
    }
    cells = {
        (ours, theirs): int(heatmap["text"][i][j].replace("·", "0"))
        for i, ours in enumerate(names["yaxis"])
        for j, theirs in enumerate(names["xaxis"])
    }
    return names["yaxis"], names["xaxis"], {k: v for k, v in cells.items() if v}


def test_the_matrix_shows_every_row_and_column_and_follows_its_window(rel_url):
    at = open_atlas(rel_url, "viewer")
    rows, columns, cells = matrix_cells(at)
    # Rows: Uma Vance owns Cara and met nobody; Max and Zoe met people in the 180 days (the busiest first).
    assert rows == ["Max Roe", "Zoe Hart", "Uma Vance"]
    assert columns == ["Ana Marsh", "Ben Cole", "Cara Diaz", "Dan Eng"]
    # 2026-04-02 .. 2026-06-30: Zoe met Ana (04-02, the first day), Max met Ben (06-30, the last day); Cara's
    # 04-01 and Dan's 07-01 fall outside, so their columns are drawn empty.
    assert cells == {("Zoe Hart", "Ana Marsh"): 1, ("Max Roe", "Ben Cole"): 1}
    at.date_input(key="rel_window_2026Q2").set_value((dt.date(2026, 1, 1), dt.date(2026, 7, 1))).run()
    assert not at.exception, at.exception
    _rows, _columns, cells = matrix_cells(at)
    assert cells == {
        ("Zoe Hart", "Ana Marsh"): 1,
        ("Max Roe", "Ben Cole"): 1,
        ("Zoe Hart", "Ben Cole"): 1,  # 01-02
        ("Max Roe", "Cara Diaz"): 1,  # 04-01
        ("Zoe Hart", "Dan Eng"): 1,  # 07-01
    }
    assert figures(at)["Bus factor"] == "1"  # the window changes the matrix, not the quarter's figures


def test_an_account_without_stakeholders_says_so_everywhere(rel_url):
    at = app_test(rel_url, "editor", PAGE)
    at.query_params["account"] = "C"
    at.run()
    assert not at.exception, at.exception
    assert figures(at) == {"Bus factor": "0", "Single-threaded": "Yes", "Met in 90 days": "0 of 0"}
    assert "No economic buyer or champion on record." in markdown(at)
    assert [i.value for i in at.info] == ["No stakeholder on record for this account."]
    assert at.button(key="rel_edit").disabled and not at.button(key="rel_add").disabled


HOSTILE_PERSON = "<i>Ivy</i> [x](http://evil.example/p) :red[r]"
HOSTILE_OURS = "<b>Ours</b> $x^2$"


def test_names_from_the_data_are_shown_as_text_in_the_map_the_matrix_and_the_reasons(rel_url):
    engine = make_engine(rel_url)
    stakeholders = (
        f"account_id,name,title,level,role,our_owner\nA,{HOSTILE_PERSON},<script>t</script>,exec,champion,{HOSTILE_OURS}\n"
    )
    meetings = f"account_id,stakeholder,our_person,date,channel\nA,{HOSTILE_PERSON},{HOSTILE_OURS},2026-05-01,call\n"
    import_files(engine, [("stakeholders.csv", stakeholders.encode()), ("interactions.csv", meetings.encode())], ADMIN)
    engine.dispose()
    at = open_atlas(rel_url, "viewer")
    body = next(h.proto.body for h in at.get("html") if 'class="rel-map' in h.proto.body)
    assert "<i>Ivy</i>" not in body and "&lt;i&gt;Ivy&lt;/i&gt;" in body
    assert (
        "<script>" not in body
        and "&lt;script&gt;t&lt;/script&gt;" in body
        and "<b>Ours</b>" not in body
        and "&lt;b&gt;Ours&lt;/b&gt;" in body
    )
    # The champion met by one of ours only: the reason names both, escaped for Markdown.
    reason = next(m.value for m in at.markdown if m.value.startswith(":red[Only"))
    assert plain(HOSTILE_PERSON) in reason and HOSTILE_PERSON not in reason
    charts = json.dumps(json.loads(at.get("plotly_chart")[0].proto.spec))
    assert "<i>Ivy</i>" not in charts and "&lt;i&gt;Ivy&lt;/i&gt;" in charts
