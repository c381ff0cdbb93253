"""The stakeholders import's stance and the interactions import's note; an interaction naming nobody on record.

On the five-account fixture portfolio (tests/fixtures/portfolio): account A has Maria Lopez, Tom Berg and
Ivy Chen on record, B has Sam Patel, E has Kai Ito.
"""

import pytest
from sqlalchemy import select

from lib.core.models import Account, Interaction, Stakeholder
from lib.io.importer import import_files
from lib.io.importer.formats import detect_kind
from tests.conftest import ADMIN
from tests.test_importer import SAMPLES, rejected


def stances(engine) -> dict[str, str | None]:
    with engine.connect() as connection:
        return dict(connection.execute(select(Stakeholder.name, Stakeholder.stance)).all())


def notes(engine) -> dict[tuple[str, str], str | None]:
    with engine.connect() as connection:
        rows = connection.execute(select(Interaction.stakeholder_name, Interaction.our_person, Interaction.note)).all()
    return {(who, ours): note for who, ours, note in rows}


def test_the_stance_is_read_in_any_case_and_blank_or_unknown_is_stored_as_unknown(small_engine):
    content = (
        b"account_id,name,stance\nA,Maria Lopez,Supporter\nA,Tom Berg,DETRACTOR\nA,Ivy Chen,\nB,Sam Patel,neutral\n"
        b"E,Kai Ito,Unknown\n"
    )
    import_files(small_engine, [("stakeholders.csv", content)], ADMIN)
    assert stances(small_engine) == {
        "Maria Lopez": "supporter",
        "Tom Berg": "detractor",
        "Ivy Chen": None,
        "Sam Patel": "neutral",
        "Kai Ito": None,
    }


def test_a_file_without_the_stance_column_keeps_the_stances_on_record(small_engine):
    import_files(small_engine, [("stakeholders.csv", b"account_id,name,stance\nA,Maria Lopez,supporter\n")], ADMIN)
    import_files(small_engine, [("stakeholders.csv", b"account_id,name,title\nA,Maria Lopez,Chief Financial Officer\n")], ADMIN)
    assert stances(small_engine)["Maria Lopez"] == "supporter"


def test_a_stance_outside_the_list_is_refused_with_its_row_and_column(small_engine):
    [problem] = rejected(small_engine, [("people.csv", b"account_id,name,stance\nA,Maria Lopez,supporter\nA,Tom Berg,ally\n")])
    assert (problem.file, problem.row, problem.column) == ("people.csv", 3, "stance")
    assert problem.reason == "'ally' is not one of: supporter, neutral, detractor, unknown"


def test_a_file_with_a_stance_is_told_to_be_stakeholders():
    assert detect_kind("upload.csv", ["account_id", "name", "stance"]) == "stakeholders"


def test_the_note_is_stored_as_one_line_and_updated_by_a_reimport(small_engine):
    header = b"account_id,stakeholder,our_person,date,channel,note\n"
    first = header + b'A,Maria Lopez,Ann,2026-05-10,meeting,"Budget for\n  2027:\tagreed "\nA,Tom Berg,Ann,2026-06-01,QBR,\n'
    import_files(small_engine, [("interactions.csv", first)], ADMIN)
    assert notes(small_engine)[("Maria Lopez", "Ann")] == "Budget for 2027: agreed"
    assert notes(small_engine)[("Tom Berg", "Ann")] is None
    import_files(small_engine, [("interactions.csv", header + b"A,Maria Lopez,Ann,2026-05-10,meeting,Budget signed\n")], ADMIN)
    assert notes(small_engine)[("Maria Lopez", "Ann")] == "Budget signed"
    with small_engine.connect() as connection:
        assert len(connection.execute(select(Interaction.id)).all()) == 4  # updated, not added


def test_a_note_longer_than_its_column_or_with_a_control_character_is_refused(small_engine):
    limit = Interaction.__table__.c.note.type.length
    header = "account_id,stakeholder,our_person,date,note\n"
    long_note = header + f"A,Maria Lopez,Ann,2026-05-10,{'x' * (limit + 1)}\n"
    [problem] = rejected(small_engine, [("interactions.csv", long_note.encode())])
    assert (problem.row, problem.column) == (2, "note")
    assert problem.reason == f"text is {limit + 1:,} characters long; at most {limit} fit"
    escape = header + "A,Maria Lopez,Ann,2026-05-10,ok\nA,Tom Berg,Ann,2026-06-01,bell\x07\n"
    [problem] = rejected(small_engine, [("interactions.csv", escape.encode())])
    assert (problem.row, problem.column) == (3, "note") and "U+0007" in problem.reason


def test_a_note_written_as_a_formula_in_a_download_comes_back_as_it_was(small_engine):
    # A Keystone CSV puts a quote before text a spreadsheet would run (lib.core.csv_safe); the importer takes it off.
    content = b"account_id,stakeholder,our_person,date,note\nA,Maria Lopez,Ann,2026-05-10,'=1+1 on the board\n"
    import_files(small_engine, [("interactions.csv", content)], ADMIN)
    assert notes(small_engine)[("Maria Lopez", "Ann")] == "=1+1 on the board"


@pytest.mark.parametrize(
    "stakeholder",
    [
        "Nobody Known",  # on record nowhere
        "Sam Patel",  # on record, but for account B
    ],
)
def test_an_interaction_naming_a_stakeholder_unknown_for_its_account_is_refused_whole(small_engine, stakeholder):
    content = (
        "account_id,stakeholder,our_person,date,note\n"
        "A,Maria Lopez,Ann,2026-05-10,fine\n"
        f"A,{stakeholder},Ann,2026-06-02,refused\n"
    ).encode()
    [problem] = rejected(small_engine, [("meetings.csv", content)])  # the good row is not written either
    assert (problem.file, problem.row, problem.column) == ("meetings.csv", 3, "stakeholder")
    assert problem.reason == f"unknown stakeholder {stakeholder!r} for account 'A'"
    assert str(problem) == f"meetings.csv, row 3, column stakeholder: unknown stakeholder {stakeholder!r} for account 'A'"


def test_a_stakeholder_added_in_the_same_batch_is_known(small_engine):
    files = [
        ("interactions.csv", b"account_id,stakeholder,our_person,date\nB,Lee Novak,Bob,2026-06-20\n"),
        ("stakeholders.csv", b"account_id,name,role,stance\nB,Lee Novak,economic buyer,supporter\n"),
    ]
    import_files(small_engine, files, ADMIN)
    with small_engine.connect() as connection:
        linked = connection.execute(
            select(Stakeholder.stance)
            .join(Interaction, Interaction.stakeholder_id == Stakeholder.id)
            .join(Account, Account.id == Stakeholder.account_id)
            .where(Account.external_id == "B", Interaction.our_person == "Bob", Stakeholder.name == "Lee Novak")
        ).scalar_one()
    assert linked == "supporter"


def test_the_samples_carry_stances_and_notes(engine):
    import_files(engine, [(p.name, p.read_bytes()) for p in sorted(SAMPLES.glob("*.csv"))], ADMIN)
    assert set(stances(engine).values()) == {"supporter", "neutral", "detractor", None}
    assert all(notes(engine).values())
