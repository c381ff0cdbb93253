"""Writes of the Relationships page, checked in lib: role, vocabulary, lengths, dates, storable text;
each one audited, one transaction, and the facts version bumped so every figure follows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select

from lib.core import clock
from lib.core.auth import Actor, PermissionDenied
from lib.core.db import FACTS, data_versions
from lib.core.models import AuditLog, Interaction, Stakeholder
from lib.relationships.account import account_relationships
from lib.relationships.edit import (
    InteractionInput,
    InvalidRelationshipEdit,
    StakeholderChanged,
    StakeholderInput,
    as_input,
    log_interaction,
    save_stakeholder,
)
from tests.conftest import ADMIN, EDITOR, VIEWER
from tests.relationship_fixtures import account_id, load_relationship_portfolio, stakeholder_id

ATLAS_DAY = dt.date(2026, 6, 15)  # inside 2026Q2's 90 days


@pytest.fixture
def rel_engine(engine: Engine) -> Engine:
    return load_relationship_portfolio(engine)


def counts(engine: Engine) -> tuple[int, int, int, int]:
    """Stakeholders, interactions, audit rows and the facts version: what a refused write must leave as it was."""
    with engine.connect() as connection:
        people = connection.scalar(select(func.count()).select_from(Stakeholder))
        meetings = connection.scalar(select(func.count()).select_from(Interaction))
        audit = connection.scalar(select(func.count()).select_from(AuditLog))
    return people, meetings, audit, data_versions(engine)[FACTS]


def test_an_editor_adds_a_stakeholder_audited_and_counted(rel_engine):
    atlas = account_id(rel_engine, "A")
    people, meetings, audit, version = counts(rel_engine)
    new_id = save_stakeholder(
        rel_engine,
        EDITOR,
        atlas,
        StakeholderInput(
            "  Eli Moss ", title="CTO", level="Exec", role="Decision maker", stance="detractor", our_owner="Max Roe"
        ),
    )
    assert counts(rel_engine) == (people + 1, meetings, audit + 1, version + 1)
    with rel_engine.connect() as connection:
        stored = connection.execute(
            select(Stakeholder.name, Stakeholder.level, Stakeholder.role, Stakeholder.stance).where(Stakeholder.id == new_id)
        ).one()
        entry = connection.execute(select(AuditLog.user, AuditLog.action, AuditLog.entity, AuditLog.detail)).all()[-1]
    assert tuple(stored) == ("Eli Moss", "exec", "decision maker", "detractor")  # trimmed, the vocabulary's spelling
    assert entry[:3] == ("editor", "add stakeholder", "account A") and "Eli Moss" in entry[3]
    view = account_relationships(rel_engine, atlas, "2026Q2")
    assert view.stakeholders.set_index("name").loc["Eli Moss", "stance"] == "detractor"
    assert "Eli Moss" in view.matrix.columns and "Max Roe" in view.matrix.index
    assert view.stakeholders["not_met_90d"].sum() == 3  # Cara, Dan and the newcomer


def test_a_viewer_is_refused_and_nothing_is_written(rel_engine):
    atlas = account_id(rel_engine, "A")
    before = counts(rel_engine)
    with pytest.raises(PermissionDenied):
        save_stakeholder(rel_engine, VIEWER, atlas, StakeholderInput("Eli Moss"))
    with pytest.raises(PermissionDenied):
        save_stakeholder(
            rel_engine, VIEWER, atlas, StakeholderInput("Ana Marsh", stance="supporter"), stakeholder_id(rel_engine, "Ana Marsh")
        )
    with pytest.raises(PermissionDenied):
        log_interaction(
            rel_engine, VIEWER, atlas, InteractionInput(ATLAS_DAY, "Max Roe", stakeholder_id(rel_engine, "Ana Marsh"))
        )
    with pytest.raises(PermissionDenied):
        log_interaction(rel_engine, None, atlas, InteractionInput(ATLAS_DAY, "Max Roe", stakeholder_id(rel_engine, "Ana Marsh")))
    assert counts(rel_engine) == before


def test_an_admin_may_edit_too(rel_engine):
    save_stakeholder(rel_engine, ADMIN, account_id(rel_engine, "C"), StakeholderInput("Fay Gold", role="champion"))
    assert account_relationships(rel_engine, account_id(rel_engine, "C"), "2026Q2").bus_factor_reason.startswith("nobody of ours")


def test_bad_stakeholder_values_are_refused_with_every_problem_and_nothing_written(rel_engine):
    atlas = account_id(rel_engine, "A")
    before = counts(rel_engine)
    with pytest.raises(InvalidRelationshipEdit) as refused:
        save_stakeholder(
            rel_engine,
            EDITOR,
            atlas,
            StakeholderInput(" ", title="x" * 201, level="ceo", role="boss", stance="friendly", our_owner="Max\x00Roe"),
        )
    assert refused.value.problems == [
        "the name is required",
        "the title is longer than 200 characters",
        "the level 'ceo' is not one of: exec, senior, manager, staff",
        "the role 'boss' is not one of: economic buyer, decision maker, champion, influencer, user",
        "the stance 'friendly' is not one of: supporter, neutral, detractor, unknown",
        "the owner cannot be saved as it is: it holds a NUL character (\\0), which cannot be stored; remove it",
    ]
    with pytest.raises(InvalidRelationshipEdit, match="Ana Marsh is already on record"):
        save_stakeholder(rel_engine, EDITOR, atlas, StakeholderInput("Ana Marsh"))
    with pytest.raises(InvalidRelationshipEdit, match="there is no stakeholder"):
        save_stakeholder(rel_engine, EDITOR, atlas, StakeholderInput("Eva Fox"), stakeholder_id(rel_engine, "Eva Fox"))  # Birch's
    with pytest.raises(InvalidRelationshipEdit, match="there is no account"):
        save_stakeholder(rel_engine, EDITOR, 999_999, StakeholderInput("Eli Moss"))
    assert counts(rel_engine) == before


def test_editing_a_stakeholder_renames_its_interactions_and_marks_the_stance(rel_engine):
    atlas, ana = account_id(rel_engine, "A"), stakeholder_id(rel_engine, "Ana Marsh")
    shown = as_input(
        account_relationships(rel_engine, atlas, "2026Q2").stakeholders.set_index("id").loc[ana].to_dict() | {"name": "Ana Marsh"}
    )
    people, meetings, audit, version = counts(rel_engine)
    save_stakeholder(
        rel_engine,
        EDITOR,
        atlas,
        StakeholderInput("Ana Marsh-Lee", "CFO", "exec", "economic buyer", "supporter", "Zoe Hart"),
        ana,
        shown,
    )
    assert counts(rel_engine) == (people, meetings, audit + 1, version + 1)
    with rel_engine.connect() as connection:
        assert connection.scalars(select(Interaction.stakeholder_name).where(Interaction.stakeholder_id == ana)).all() == [
            "Ana Marsh-Lee"
        ]
        detail = connection.scalars(select(AuditLog.detail).order_by(AuditLog.id.desc())).first()
    assert detail == f"#{ana} Ana Marsh: name: 'Ana Marsh' -> 'Ana Marsh-Lee', stance: None -> 'supporter'"
    view = account_relationships(rel_engine, atlas, "2026Q2")
    assert view.bus_factor_reason == "only Zoe Hart has met Ana Marsh-Lee, the economic buyer, since 2 January"
    # The same values again change nothing: no audit row, no new version.
    save_stakeholder(
        rel_engine,
        EDITOR,
        atlas,
        StakeholderInput("Ana Marsh-Lee", "CFO", "exec", "economic buyer", "supporter", "Zoe Hart"),
        ana,
    )
    assert counts(rel_engine)[2:] == (audit + 1, version + 1)


def test_a_stakeholder_changed_meanwhile_is_not_overwritten(rel_engine):
    atlas, ben = account_id(rel_engine, "A"), stakeholder_id(rel_engine, "Ben Cole")
    shown = StakeholderInput("Ben Cole", "Head of Operations", "senior", "champion", None, None)
    save_stakeholder(
        rel_engine, EDITOR, atlas, StakeholderInput("Ben Cole", "Head of Operations", "senior", "champion", "neutral"), ben, shown
    )
    before = counts(rel_engine)
    with pytest.raises(StakeholderChanged) as changed:
        save_stakeholder(rel_engine, ADMIN, atlas, StakeholderInput("Ben Cole", "COO", "exec", "champion"), ben, shown)
    assert changed.value.current.stance == "neutral"
    assert counts(rel_engine) == before


def test_logging_an_interaction_moves_the_bus_factor(rel_engine):
    atlas, ana = account_id(rel_engine, "A"), stakeholder_id(rel_engine, "Ana Marsh")
    people, meetings, audit, version = counts(rel_engine)
    new_id = log_interaction(
        rel_engine, EDITOR, atlas, InteractionInput(ATLAS_DAY, " Max Roe ", ana, "call", "Renewal\n  terms ")
    )
    assert counts(rel_engine) == (people, meetings + 1, audit + 1, version + 1)
    with rel_engine.connect() as connection:
        row = connection.execute(
            select(
                Interaction.our_person, Interaction.stakeholder_name, Interaction.channel, Interaction.note, Interaction.date
            ).where(Interaction.id == new_id)
        ).one()
        entry = connection.execute(select(AuditLog.action, AuditLog.entity, AuditLog.detail).order_by(AuditLog.id.desc())).first()
    assert tuple(row) == (
        "Max Roe",
        "Ana Marsh",
        "call",
        "Renewal terms",
        ATLAS_DAY,
    )
    assert entry[:2] == ("log interaction", "account A") and "Max Roe" in entry[2]
    view = account_relationships(rel_engine, atlas, "2026Q2")
    # Ana is now met by Zoe and Max, Ben by Zoe and Max: the bus factor goes from 1 to 2.
    assert view.bus_factor == 2 and view.matrix.loc["Max Roe", "Ana Marsh"] == 1


def test_bad_interactions_are_refused_with_every_problem_and_nothing_written(rel_engine):
    atlas, ana, eva = account_id(rel_engine, "A"), stakeholder_id(rel_engine, "Ana Marsh"), stakeholder_id(rel_engine, "Eva Fox")
    before = counts(rel_engine)
    with pytest.raises(InvalidRelationshipEdit) as refused:
        log_interaction(rel_engine, EDITOR, atlas, InteractionInput(dt.date(1989, 12, 31), "", ana, "fax", "n" * 301))
    assert refused.value.problems[0].startswith("the date 1989-12-31 is outside 1990-01-01..")
    assert refused.value.problems[1:] == [
        "the person of ours is required",
        "the channel 'fax' is not one of: meeting, call, email, QBR",
        "the note is longer than 300 characters",
    ]
    with pytest.raises(InvalidRelationshipEdit, match="is not a date"):
        log_interaction(rel_engine, EDITOR, atlas, InteractionInput("2026-02-30", "Max Roe", ana))  # type: ignore[arg-type]
    with pytest.raises(InvalidRelationshipEdit, match="broken character"):
        log_interaction(rel_engine, EDITOR, atlas, InteractionInput(ATLAS_DAY, "Max Roe", ana, note="\ud800"))
    with pytest.raises(InvalidRelationshipEdit, match="there is no stakeholder"):
        log_interaction(rel_engine, EDITOR, atlas, InteractionInput(ATLAS_DAY, "Max Roe", eva))  # Birch's
    with pytest.raises(InvalidRelationshipEdit, match="already logged: Zoe Hart on 2026-04-02 by meeting"):
        log_interaction(rel_engine, EDITOR, atlas, InteractionInput(dt.date(2026, 4, 2), "Zoe Hart", ana, "Meeting"))
    assert counts(rel_engine) == before


def test_a_date_beyond_the_window_is_refused(rel_engine):
    atlas, ana = account_id(rel_engine, "A"), stakeholder_id(rel_engine, "Ana Marsh")
    far = dt.date(clock.today().year + 3, 1, 1)  # the window ends with the year after next
    with pytest.raises(InvalidRelationshipEdit, match="is outside"):
        log_interaction(rel_engine, Actor("editor", "editor"), atlas, InteractionInput(far, "Max Roe", ana))
