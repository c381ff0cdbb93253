"""AppTest: the Key accounts page reacts to criteria edits, keeps the draft, and guards saving on the server.

Expected counts come from lib.keyaccounts.qualification on the same database (tests/test_qualification.py checks
that library against hand-computed values); here the point is that the page shows them and reacts.
"""

import json

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from lib.core.db import make_engine
from lib.core.models import AuditLog, CriteriaSetRow
from lib.keyaccounts.criteria import CriteriaSet
from lib.keyaccounts.metrics import account_metrics
from lib.keyaccounts.qualification import qualify
from lib.keyaccounts.starter import APPROVED_CRITERIA, DRAFT_CRITERIA
from lib.keyaccounts.tables import compare
from lib.portfolio.data import Filters, load_portfolio
from lib.ui.text import plain
from tests.apptest_state import edit_table, forge_click
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
    """Edit the rules table as the user would (tests/apptest_state.py feeds the data editor)."""
    at = edit_table(at, "ka_rules", edits)
    assert not at.exception, at.exception
    return at


def chosen(at, key: str) -> str:
    """The label a selectbox shows for its current choice."""
    box = at.selectbox(key=key)
    return box.options[box.index]


def approving(at) -> str:
    """What the approve box stands for: its choice, and for the draft on screen the caption saying which set it is."""
    choice = chosen(at, "ka_approve_set")
    if choice != "The draft on screen":
        return choice
    return next(c.value for c in at.caption if c.value.startswith("The draft on screen is "))


def keys_on(at) -> set[str]:
    """The keys of every keyed element and container on the page."""
    return {node.key for node in at if getattr(node, "key", None)}


def confirmation(at) -> str:
    """Every text of the approval confirmation, one string."""
    box = at.get_by_key("ka_approve_box")
    return "\n".join(m.value for m in box.markdown)


def expected_diff(url: str, before: dict, after: dict):
    engine = make_engine(url)
    metrics = account_metrics(load_portfolio(engine), Filters(DEMO_END))
    engine.dispose()
    return compare(metrics, qualify(metrics, CriteriaSet.from_dict(before)), qualify(metrics, CriteriaSet.from_dict(after)), 0)


def count_actions(url: str, action: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        count = session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action))
    engine.dispose()
    return count


def count_sets(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        count = session.scalar(select(func.count()).select_from(CriteriaSetRow))
    engine.dispose()
    return count


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_renders_the_active_set_for_every_role(demo_url, role, monkeypatch):
    monkeypatch.setenv("KEYSTONE_TODAY", "2026-11-30")  # between the demo's approval and its review date
    at = open_page(demo_url, role)
    assert at.title[0].value == "Key accounts"
    assert card(at, "Key accounts") == f"{expected_count(demo_url, APPROVED_CRITERIA):,}"
    assert [m.label for m in at.metric][:4] == ["Key accounts", "Near misses", "Revenue share", "Whitespace share"]
    header = at.caption[0].value
    assert "Key accounts (approved)" in header and "approved by **Alex Admin** on 2026-10-15" in header
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
    # save, whose callback reads the user again, and lib.keyaccounts.store refuses it.
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
    viewer = forge_click(viewer, save_id)
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
    admin.selectbox(key="ka_load_set").select("Two million bar (draft)").run()
    admin.button(key="ka_load").click().run()
    assert approving(admin) == "The draft on screen is saved as **Two million bar** (draft)."
    admin.button(key="ka_approve").click().run()
    box = confirmation(admin)
    assert "**Approve 'Two million bar' for everyone?**" in box
    diff = expected_diff(demo_copy_url, APPROVED_CRITERIA, with_revenue_bar(2_000_000))
    assert f"**{diff.entering_count:,}** accounts enter and **{diff.leaving_count:,}** leave" in box
    assert "Rules changed against **Key accounts (approved)**:\n- Annual revenue ≥ 1 M → Annual revenue ≥ 2 M" in box
    admin.text_input(key="ka_approve_reason").input("Agreed in the Q3 QBR")
    admin.button(key="ka_approve_confirm").click().run()
    assert not admin.exception
    assert admin.success[0].value.startswith("'Two million bar' is now the active criteria set for everyone; review due ")
    assert admin.success[0].value.endswith("Reason: Agreed in the Q3 QBR")
    assert "Active criteria: **Two million bar**, approved by **Alex Admin**" in admin.caption[0].value
    assert not admin.warning  # the review date is a quarter away now
    assert "ka_approve_box" not in keys_on(admin) and chosen(admin, "ka_approve_set") == "The draft on screen"
    engine = make_engine(demo_copy_url)
    with Session(engine) as session:
        actions = session.scalars(select(AuditLog.action).where(AuditLog.action.like("% criteria")).order_by(AuditLog.id)).all()
        detail = json.loads(session.scalar(select(AuditLog.detail).where(AuditLog.action == "approve criteria")))
        note = session.scalar(select(CriteriaSetRow.approval_note).where(CriteriaSetRow.name == "Two million bar"))
    engine.dispose()
    assert actions == ["save criteria", "approve criteria"]
    assert detail["note"] == "Agreed in the Q3 QBR" == note
    history = next(e for e in admin.expander if e.label == "History of Two million bar")
    assert "approved; review due" in history.markdown[0].value and "reason: Agreed in the Q3 QBR" in history.markdown[0].value


def test_people_are_named_as_review_notes_names_them(demo_copy_url):
    """The approval line, the saved-sets listing and a set's history say 'Erin Editor', never the username."""
    editor = open_page(demo_copy_url, "editor", tab="Saved sets")
    editor.text_input(key="ka_save_name").input("Two million bar")
    editor.button(key="ka_save").click().run()
    admin = open_page(demo_copy_url, "admin", tab="Saved sets")
    admin.selectbox(key="ka_load_set").select("Two million bar (draft)").run()
    admin.button(key="ka_load").click().run()
    admin.button(key="ka_approve").click().run()
    admin.button(key="ka_approve_confirm").click().run()
    assert not admin.exception
    assert "Active criteria: **Two million bar**, approved by **Alex Admin** on " in admin.caption[0].value
    listing = next(d for d in admin.dataframe if d.editing_mode == "read_only" and "created_by" in d.value).value
    assert listing[["name", "created_by", "approved_by"]].values.tolist() == [
        ["Two million bar", "Erin Editor", "Alex Admin"],
        ["Draft: raise the revenue bar to 2 M", "Erin Editor", ""],
        ["Key accounts (approved)", "Alex Admin", "Alex Admin"],
    ]
    admin.selectbox(key="ka_load_set").select("Two million bar (active)").run()
    history = next(e for e in admin.expander if e.label == "History of Two million bar").markdown[0].value
    assert "· **Erin Editor** · saved" in history and "· **Alex Admin** · approved; review due" in history
    assert "**editor**" not in history and "**admin**" not in history


def test_the_approve_box_defaults_to_the_draft_on_screen_even_after_saving_it(demo_copy_url):
    at = open_page(demo_copy_url, "admin", tab="Saved sets")
    assert approving(at) == "The draft on screen is saved as **Key accounts (approved)** (active)."
    at = edit_rules(at, {"edited_rows": {"3": {"threshold": "40"}}})
    assert approving(at) == "The draft on screen is not saved yet: approving saves it as a new set."
    at.text_input(key="ka_save_name").input("NPS 40 bar")
    at.button(key="ka_save").click().run()
    assert approving(at) == "The draft on screen is saved as **NPS 40 bar** (draft)."  # not someone else's set
    at.button(key="ka_approve").click().run()
    assert "**Approve 'NPS 40 bar' for everyone?**" in confirmation(at)
    at.button(key="ka_approve_cancel").click().run()  # cancelled: nothing approved
    assert "ka_approve_box" not in keys_on(at) and "Active criteria: **Key accounts (approved)**" in at.caption[0].value
    assert count_actions(demo_copy_url, "approve criteria") == 0


def test_approving_an_unsaved_draft_asks_a_name_and_saves_it_with_the_approval(demo_copy_url):
    at = open_page(demo_copy_url, "admin", tab="Saved sets")
    at = edit_rules(at, {"edited_rows": {"3": {"threshold": "40"}}})
    at.number_input(key="ka_cutoff").set_value(70.0).run()
    at.button(key="ka_approve").click().run()
    box = confirmation(at)
    assert "**Approve the draft on screen as a new set for everyone?**" in box
    document = {**APPROVED_CRITERIA, "cutoff": 70, "rules": [*APPROVED_CRITERIA["rules"]]}
    document["rules"][3] = {**document["rules"][3], "threshold": 40}
    diff = expected_diff(demo_copy_url, APPROVED_CRITERIA, document)
    assert diff.leaving_count > 0 and f"**{diff.leaving_count:,}** leave" in box
    assert "- NPS ≥ 30 → NPS ≥ 40\n- cutoff 60 → 70" in box
    at.button(key="ka_approve_confirm").click().run()  # no name yet
    assert any("Not approved: Give the set a name." in e.value for e in at.error)
    assert "ka_approve_box" in keys_on(at) and count_sets(demo_copy_url) == 2  # still asking; nothing written
    at.text_input(key="ka_approve_name").input("NPS 40, cutoff 70")
    at.button(key="ka_approve_confirm").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("'NPS 40, cutoff 70' is now the active criteria set for everyone")
    assert count_sets(demo_copy_url) == 3 and count_actions(demo_copy_url, "approve criteria") == 1
    assert approving(at) == "The draft on screen is saved as **NPS 40, cutoff 70** (active)."
    assert "ka_changes" not in keys_on(at)  # the draft is the approved set now: nothing marked as changed


def test_a_forged_approval_is_refused_on_the_server(demo_copy_url):
    at = open_page(demo_copy_url, "admin", tab="Saved sets")
    at.button(key="ka_approve").click().run()
    with make_engine(demo_copy_url).begin() as connection:  # demoted while the confirmation was open
        connection.execute(text("UPDATE users SET role = 'editor' WHERE username = 'admin'"))
    at.button(key="ka_approve_confirm").click().run()
    assert not at.exception
    assert any("Not approved: admin (editor) may not do this" in e.value for e in at.error)
    assert count_actions(demo_copy_url, "approve criteria") == 0


def test_changed_rules_are_marked_against_the_approved_set(demo_url):
    at = open_page(demo_url, "viewer")
    assert "ka_changes" not in keys_on(at)  # the draft starts as the approved set
    at = edit_rules(at, {"edited_rows": {"0": {"threshold": "2 M"}, "3": {"weight": 2, "must_have": True}}, "deleted_rows": [5]})
    at.number_input(key="ka_cutoff").set_value(70.0).run()
    marks = next(m.value for m in at.markdown if m.value.startswith("Changed from the approved set"))
    assert marks.splitlines() == [
        "Changed from the approved set **Key accounts (approved)**:",
        "- **Annual revenue ≥ 2 M**: threshold 1 M → 2 M",
        "- **NPS ≥ 30**: weight 1 → 2, now a must-have",
        "- removed: Stakeholders ≥ 3 (weight 1)",
        "- cutoff 60 → 70",
    ]
    at = edit_rules(at, {"added_rows": [{"metric": "csat", "op": ">=", "threshold": "80 %", "weight": 1, "must_have": False}]})
    assert "- **CSAT ≥ 80 %**: new rule" in next(m.value for m in at.markdown if m.value.startswith("Changed from"))


def test_saved_set_names_show_in_full(demo_copy_url):
    long = "Draft for the Q4 review: raise the revenue bar to 2 M and ask for three stakeholders, agreed with sales ops"
    at = open_page(demo_copy_url, "editor", tab="Saved sets")
    at.text_input(key="ka_save_name").input(long)
    at.button(key="ka_save").click().run()
    listing = next(d for d in at.dataframe if d.editing_mode == "read_only" and "created_by" in d.value)
    assert long in listing.value["name"].tolist()
    width = json.loads(listing.proto.columns)["name"]["width"]
    assert width >= 8 * len(long)  # about 7 px a character in the table's font, plus padding
    assert f"{long} (draft)" in at.selectbox(key="ka_load_set").options


def test_typed_names_in_the_history_and_the_approval_read_as_text(demo_copy_url):
    """A set's name, a person's name and a reason are text wherever they are shown, as lib.ui.text.plain makes them."""
    name, person, reason = "See http://evil.example/x :red[now]", "Erin <b>http://evil.example/e</b>", "per www.evil.example"
    with make_engine(demo_copy_url).begin() as connection:
        connection.execute(text("UPDATE users SET name = :name WHERE username = 'editor'"), {"name": person})
    editor = open_page(demo_copy_url, "editor", tab="Saved sets")
    editor.text_input(key="ka_save_name").input(name)
    editor.button(key="ka_save").click().run()
    admin = open_page(demo_copy_url, "admin", tab="Saved sets")
    admin.selectbox(key="ka_load_set").select(f"{name} (draft)").run()
    admin.button(key="ka_load").click().run()
    assert approving(admin) == f"The draft on screen is saved as **{plain(name)}** (draft)."
    admin.button(key="ka_approve").click().run()
    assert f"**Approve {plain(repr(name))} for everyone?**" in confirmation(admin)
    admin.text_input(key="ka_approve_reason").input(reason)
    admin.button(key="ka_approve_confirm").click().run()
    admin.selectbox(key="ka_load_set").select(f"{name} (active)").run()
    history = next(e for e in admin.expander if e.label == f"History of {plain(name)}").markdown[0].value
    assert f"**{plain(person)}** · saved" in history and f"reason: {plain(reason)}" in history
    assert person not in history and "http://" not in history and "www.evil" not in history


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        ("[" * 5_000 + "]" * 5_000, "The criteria JSON is nested too deeply"),
        ('{"cutoff": 60, "rules": [' * 30, "The criteria JSON is nested too deeply"),
        ("x" * 200_000, "The criteria JSON is too large (200,000 characters; at most 100,000)."),
        ('{"cutoff": 60, "rules": [', "Not valid JSON: Expecting value"),
    ],
    ids=["deep", "deep-objects", "large", "cut-off"],
)
def test_bad_pasted_json_gets_a_clear_message_and_no_traceback(demo_url, pasted, message):
    at = open_page(demo_url, "viewer", tab="Saved sets")
    count = card(at, "Key accounts")
    at.text_area(key="ka_json").input(pasted)
    at.button(key="ka_json_apply").click().run()
    assert not at.exception
    assert any(e.value.startswith("The JSON was not applied: ") and message in e.value for e in at.error)
    assert card(at, "Key accounts") == count


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


@pytest.mark.parametrize(("today", "due"), [("2027-01-14", False), ("2027-01-15", True), ("2028-12-04", True)])
def test_the_review_banner_reads_today_from_the_clock(demo_url, monkeypatch, today, due):
    monkeypatch.setenv("KEYSTONE_TODAY", today)  # the demo's set was approved on 2026-10-15, due on 2027-01-15
    at = open_page(demo_url, "viewer")
    assert any("due for review on 2027-01-15" in w.value for w in at.warning) == due
