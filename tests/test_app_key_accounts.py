"""AppTest: the Key accounts page reacts to criteria edits, keeps the draft, and guards saving on the server.

Expected counts come from lib.qualification on the same database (tests/test_qualification.py checks
that library against hand-computed values); here the point is that the page shows them and reacts.
"""

import json

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from lib.db import make_engine
from lib.demo import APPROVED_CRITERIA, DRAFT_CRITERIA
from lib.models import AuditLog, CriteriaSetRow
from lib.portfolio import Filters, load_portfolio
from lib.qualification import CriteriaSet, account_metrics, qualify
from tests.conftest import DEMO_END, app_test

PAGE = "pages/key_accounts.py"


def open_page(url: str, role: str = "admin", tab: str | None = None):
    at = app_test(url, role, PAGE)
    if tab:
        at.session_state["ka_tab"] = tab
        at.run()
    assert not at.exception, at.exception
    return at


def card(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def expected_count(url: str, document: dict) -> int:
    engine = make_engine(url)
    metrics = account_metrics(load_portfolio(engine), Filters(DEMO_END))
    engine.dispose()
    return qualify(metrics, CriteriaSet.from_dict(document)).qualified_count


def with_revenue_bar(threshold: float) -> dict:
    return {
        **APPROVED_CRITERIA,
        "rules": [{**APPROVED_CRITERIA["rules"][0], "threshold": threshold}, *APPROVED_CRITERIA["rules"][1:]],
    }


def edit_rules(at, edits: dict):
    """Send the rules editor an edit exactly as the browser does (a JSON string widget value).

    AppTest has no API to edit st.data_editor (DESIGN.md), so the widget state is added by hand to the
    states AppTest sends for the other widgets.
    """
    editor = next(e for e in at.data_editor if e.key == "ka_rules")
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = editor.proto.id
    state.string_value = json.dumps({"edited_rows": {}, "added_rows": [], "deleted_rows": [], **edits})
    at = at._run(states)
    assert not at.exception, at.exception
    return at


def count_sets(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        count = session.scalar(select(func.count()).select_from(CriteriaSetRow))
    engine.dispose()
    return count


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_renders_the_active_set_for_every_role(demo_url, role):
    at = open_page(demo_url, role)
    assert at.title[0].value == "Key accounts"
    assert card(at, "Key accounts") == f"{expected_count(demo_url, APPROVED_CRITERIA):,}"
    assert [m.label for m in at.metric][:4] == ["Key accounts", "Near misses", "Revenue share", "Whitespace share"]
    header = at.caption[0].value
    assert "Key accounts (approved)" in header and "approved by **admin** on 2026-10-15" in header
    assert "review due 2027-01-15" in header
    rules = next(m.value for m in at.markdown if m.value.startswith("- Annual revenue"))
    assert rules.splitlines() == [
        "- Annual revenue ≥ 1 M (must-have, weight 3)",
        "- YoY growth ≥ 5 % (weight 1)",
        "- Whitespace ≥ 250 k (weight 2)",
        "- NPS ≥ 30 (weight 1)",
        "- Strategic fit ≥ 3 (weight 2)",
        "- Stakeholders ≥ 3 (weight 1)",
        "- cutoff 60",
        "- near-miss margin 10 %",
    ]
    assert not any("due for review" in w.value for w in at.warning)  # the demo's review is not due yet
    assert at.data_editor[0].value["threshold"].tolist() == ["1 M", "5 %", "250 k", "30", "3", "3"]


def test_changing_a_threshold_changes_the_qualified_count(demo_url):
    at = open_page(demo_url)
    before = card(at, "Key accounts")
    at = edit_rules(at, {"edited_rows": {"0": {"threshold": "100 k"}}})
    wanted = expected_count(demo_url, with_revenue_bar(100_000))
    assert card(at, "Key accounts") == f"{wanted:,}" != before
    shown = next(m for m in at.metric if m.label == "Key accounts")
    assert shown.delta == f"{wanted - int(before.replace(',', '')):+,} vs approved"
    assert "enter" in at.caption[1].value and "**0** leave" in at.caption[1].value  # a lower bar drops nobody


def test_cutoff_and_margin_inputs_change_the_numbers(demo_url):
    at = open_page(demo_url)
    at.number_input(key="ka_cutoff").set_value(90.0).run()
    assert card(at, "Key accounts") == f"{expected_count(demo_url, APPROVED_CRITERIA | {'cutoff': 90}):,}"
    near = card(at, "Near misses")
    at.number_input(key="ka_margin").set_value(40.0).run()
    assert int(card(at, "Near misses")) > int(near)


def test_invalid_criteria_say_why_and_keep_the_last_valid_numbers(demo_url):
    at = open_page(demo_url)
    at = edit_rules(at, {"edited_rows": {"0": {"threshold": "2 M"}}})
    valid = card(at, "Key accounts")
    at = edit_rules(at, {"edited_rows": {"0": {"threshold": "two million"}}})
    assert "Rule 1 (Annual revenue): the threshold 'two million' is not a number." in at.error[0].value
    assert card(at, "Key accounts") == valid
    at = edit_rules(at, {"edited_rows": {"0": {"threshold": "2 M"}, "1": {"weight": -1}}})
    assert "Rule 2 (YoY growth): the weight must not be negative (-1)." in at.error[0].value
    at = edit_rules(at, {"deleted_rows": [0, 1, 2, 3, 4, 5]})
    assert "A criteria set needs at least one rule." in at.error[0].value
    assert card(at, "Key accounts") == valid


def test_an_added_rule_counts_and_an_empty_row_is_ignored(demo_url):
    at = open_page(demo_url)
    strict = {"metric": "csat", "op": ">=", "threshold": "100 %", "weight": 1, "must_have": True}
    at = edit_rules(at, {"added_rows": [strict, {"op": ">=", "weight": 1}]})
    document = {**APPROVED_CRITERIA, "rules": [*APPROVED_CRITERIA["rules"], {**strict, "threshold": 1.0}]}
    assert not at.error
    assert card(at, "Key accounts") == f"{expected_count(demo_url, document):,}"


def test_the_draft_survives_another_page(demo_url):
    at = open_page(demo_url)
    at = edit_rules(at, {"edited_rows": {"0": {"threshold": "2 M"}}})
    at.number_input(key="ka_cutoff").set_value(50.0).run()
    changed = card(at, "Key accounts")
    at.switch_page("pages/portfolio.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert card(at, "Key accounts") == changed
    assert at.data_editor[0].value["threshold"].tolist()[0] == "2 M" and at.number_input(key="ka_cutoff").value == 50.0


def test_loading_a_saved_set_into_the_draft(demo_url):
    at = open_page(demo_url, "viewer", tab="Saved sets")
    draft = next(o for o in at.selectbox(key="ka_load_set").options if o.startswith("Draft: raise"))
    at.selectbox(key="ka_load_set").select(draft).run()
    at.button(key="ka_load").click().run()
    assert not at.exception
    assert card(at, "Key accounts") == f"{expected_count(demo_url, DRAFT_CRITERIA):,}"
    assert at.data_editor[0].value["threshold"].tolist()[-1] == "20"  # the draft's top 20 % rule


def test_pasted_json_with_an_unknown_metric_is_refused(demo_url):
    at = open_page(demo_url, "viewer", tab="Saved sets")
    count = card(at, "Key accounts")
    at.text_area(key="ka_json").input(json.dumps({"cutoff": 60, "rules": [{"metric": "profit", "op": ">=", "threshold": 1}]}))
    at.button(key="ka_json_apply").click().run()
    assert "The JSON was not applied: Rule 1: unknown metric 'profit'" in at.error[0].value
    assert card(at, "Key accounts") == count


def test_viewers_see_no_save_or_approve_editors_no_approve(demo_url):
    viewer = open_page(demo_url, "viewer", tab="Saved sets")
    keys = {b.key for b in viewer.button}
    assert "ka_load" in keys and "ka_save" not in keys and "ka_approve" not in keys
    assert any("saving a set needs an editor" in c.value for c in viewer.caption)
    editor = open_page(demo_url, "editor", tab="Saved sets")
    assert {"ka_save"} <= {b.key for b in editor.button} and "ka_approve" not in {b.key for b in editor.button}
    admin = open_page(demo_url, "admin", tab="Saved sets")
    assert {"ka_save", "ka_approve"} <= {b.key for b in admin.button}


def test_a_forged_save_is_refused_on_the_server(demo_copy_url):
    at = open_page(demo_copy_url, "editor", tab="Saved sets")
    at.text_input(key="ka_save_name").input("Sneaky set")
    # The editor is demoted in the database after the button was drawn: the click still reaches the
    # save, whose callback reads the user again, and lib.criteria refuses it.
    with make_engine(demo_copy_url).begin() as connection:
        connection.execute(text("UPDATE users SET role = 'viewer' WHERE username = 'editor'"))
    at.button(key="ka_save").click().run()
    assert not at.exception
    assert any("Not saved: editor (viewer) may not do this" in e.value for e in at.error)
    assert count_sets(demo_copy_url) == 2
    assert "ka_save" not in {b.key for b in at.button}  # and the viewer's page no longer offers it


def test_a_click_on_a_save_button_a_viewer_never_had_does_nothing(demo_copy_url):
    editor = open_page(demo_copy_url, "editor", tab="Saved sets")
    save_id = editor.button(key="ka_save").id
    viewer = open_page(demo_copy_url, "viewer", tab="Saved sets")
    states = viewer._tree.get_widget_states()
    forged = states.widgets.add()
    forged.id = save_id
    forged.trigger_value = True
    viewer = viewer._run(states)
    assert not viewer.exception and count_sets(demo_copy_url) == 2


def test_an_editor_saves_and_an_admin_approves(demo_copy_url):
    at = open_page(demo_copy_url, "editor", tab="Saved sets")
    at = edit_rules(at, {"edited_rows": {"0": {"threshold": "2 M"}}})
    at.text_input(key="ka_save_name").input("Two million bar")
    at.button(key="ka_save").click().run()
    assert not at.exception
    assert at.success[0].value == "Saved the draft as 'Two million bar'."
    assert count_sets(demo_copy_url) == 3
    names = [o for o in at.selectbox(key="ka_load_set").options]
    assert "Two million bar (draft)" in names

    admin = open_page(demo_copy_url, "admin", tab="Saved sets")
    admin.selectbox(key="ka_approve_set").select("Two million bar (draft)").run()
    admin.button(key="ka_approve").click().run()
    assert not admin.exception
    assert admin.success[0].value.startswith("'Two million bar' is now the active criteria set; review due ")
    assert "Active criteria: **Two million bar**, approved by **admin**" in admin.caption[0].value
    assert not admin.warning  # the review date is a quarter away now
    engine = make_engine(demo_copy_url)
    with Session(engine) as session:
        actions = session.scalars(select(AuditLog.action).where(AuditLog.action.like("% criteria")).order_by(AuditLog.id)).all()
    engine.dispose()
    assert actions == ["save criteria", "approve criteria"]


@pytest.mark.parametrize("tab", ["Near misses", "Enter / leave", "Compare sets", "Pareto"])
def test_every_tab_renders(demo_url, tab):
    at = open_page(demo_url, "viewer", tab=tab)
    at = edit_rules(at, {"edited_rows": {"0": {"threshold": "2 M"}}})
    assert not at.exception
    if tab == "Near misses":
        assert any("within 10 % of qualifying" in c.value for c in at.caption)
    if tab == "Enter / leave":
        assert any(m.value.startswith("**Leave: ") for m in at.markdown)
    if tab == "Pareto":
        assert at.get("plotly_chart")


def test_the_sidebar_filters_requalify_within_the_filter(demo_url):
    at = open_page(demo_url)
    everyone = card(at, "Key accounts")
    at.multiselect(key="flt_segments").select("Enterprise").run()
    assert not at.exception
    engine = make_engine(demo_url)
    metrics = account_metrics(load_portfolio(engine), Filters(DEMO_END, segments=("Enterprise",)))
    engine.dispose()
    wanted = qualify(metrics, CriteriaSet.from_dict(APPROVED_CRITERIA)).qualified_count
    assert card(at, "Key accounts") == f"{wanted:,}" != everyone  # 16 of the 19 are Enterprise accounts
    assert "Enterprise, 2026Q3" in at.caption[1].value


@pytest.mark.parametrize("tab", ["Qualified", "Near misses", "Enter / leave", "Compare sets", "Pareto", "Saved sets"])
def test_a_filter_without_accounts_reads_zero_and_na(demo_url, tab):
    at = open_page(demo_url, tab=tab)
    at.multiselect(key="flt_owners").select(at.multiselect(key="flt_owners").options[0]).run()
    at.multiselect(key="flt_segments").select("SMB").run()
    at.multiselect(key="flt_regions").select("LATAM").run()
    assert not at.exception
    # The first owner has no SMB account in LATAM: nothing qualifies and the shares have no denominator.
    assert (card(at, "Key accounts"), card(at, "Revenue share"), card(at, "Whitespace share")) == ("0", "n/a", "n/a")


def test_an_overdue_review_shows_a_banner(demo_copy_url):
    engine = make_engine(demo_copy_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE criteria_sets SET review_due = '2026-10-01' WHERE active"))
    engine.dispose()
    at = open_page(demo_copy_url, "viewer")
    assert any("due for review on 2026-10-01" in w.value for w in at.warning)
