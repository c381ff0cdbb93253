"""Writes of the Relationships page: add or edit a stakeholder, log an interaction.

Checked here, whatever the page let through: the role (editor or admin), every value against the
vocabulary and the columns' lengths, dates inside lib.core.quarters' window, text a database can
store. Each write is one transaction with its audit row and a bump of the facts version, so every
figure shows it on the next rerun of every server. Nothing is written when anything is wrong; the
error lists every problem.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from lib.core.auth import Actor, require_role
from lib.core.db import FACTS, bump_version, unstorable, utc_now, write_session
from lib.core.models import Account, AuditLog, Interaction, Stakeholder
from lib.core.quarters import check_date
from lib.core.roles import EDIT_ROLES
from lib.relationships.vocabulary import CHANNELS, LEVELS, STAKEHOLDER_ROLES, STANCES

ADD_STAKEHOLDER = "add stakeholder"
EDIT_STAKEHOLDER = "edit stakeholder"
LOG_INTERACTION = "log interaction"
STAKEHOLDER_FIELDS = ("name", "title", "level", "role", "stance", "our_owner")


def _limit(column: InstrumentedAttribute[str | None]) -> int:
    return int(column.type.length)


@dataclass(frozen=True)
class StakeholderInput:
    name: str
    title: str | None = None
    level: str | None = None  # LEVELS
    role: str | None = None  # STAKEHOLDER_ROLES
    stance: str | None = None  # STANCES; None or "unknown" is stored as unknown (NULL)
    our_owner: str | None = None


@dataclass(frozen=True)
class InteractionInput:
    date: dt.date
    our_person: str
    stakeholder_id: int
    channel: str | None = None  # CHANNELS
    note: str | None = None  # one line


class InvalidRelationshipEdit(ValueError):
    """A write that cannot be saved as asked; nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class StakeholderChanged(ValueError):
    """Someone changed the stakeholder after it was shown: nothing was overwritten."""

    def __init__(self, current: StakeholderInput) -> None:
        super().__init__(f"someone changed {current.name} meanwhile: nothing was saved; look at it again")
        self.current = current


# --- checks ---------------------------------------------------------------------------------


def _text(
    value: object, label: str, limit: int, problems: list[str], required: bool = False, one_line: bool = False
) -> str | None:
    """The value stripped (None when blank), with a problem noted when it is missing, too long or unstorable.

    one_line: runs of white space, line breaks included, become one space.
    """
    text = "" if value is None else str(value)
    text = " ".join(text.split()) if one_line else text.strip()
    if not text:
        if required:
            problems.append(f"the {label} is required")
        return None
    if len(text) > limit:
        problems.append(f"the {label} is longer than {limit:,} characters")
    problem = unstorable(text)
    if problem:
        problems.append(f"the {label} cannot be saved as it is: {problem}")
    return text


def _choice(value: object, label: str, allowed: tuple[str, ...], problems: list[str]) -> str | None:
    """The vocabulary's own spelling of the value (any case), None when blank; a problem otherwise."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    lookup = {word.lower(): word for word in allowed}
    if text.lower() not in lookup:
        problems.append(f"the {label} {text!r} is not one of: {', '.join(allowed)}")
        return None
    return lookup[text.lower()]


def checked_stakeholder(values: StakeholderInput) -> dict:
    """The values as they are stored, or InvalidRelationshipEdit listing every problem."""
    problems: list[str] = []
    cleaned = {
        "name": _text(values.name, "name", _limit(Stakeholder.name), problems, required=True),
        "title": _text(values.title, "title", _limit(Stakeholder.title), problems),
        "level": _choice(values.level, "level", LEVELS, problems),
        "role": _choice(values.role, "role", STAKEHOLDER_ROLES, problems),
        "stance": _choice(values.stance, "stance", STANCES, problems),
        "our_owner": _text(values.our_owner, "owner", _limit(Stakeholder.our_owner), problems),
    }
    if problems:
        raise InvalidRelationshipEdit(problems)
    if cleaned["stance"] == "unknown":
        cleaned["stance"] = None  # one way to say unknown
    return cleaned


def checked_interaction(values: InteractionInput) -> dict:
    """The values as they are stored, or InvalidRelationshipEdit listing every problem."""
    problems: list[str] = []
    day = values.date
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        try:
            day = dt.date.fromisoformat(str(day)[:10])
        except ValueError:
            problems.append(f"the date {values.date!r} is not a date (YYYY-MM-DD)")
            day = None
    if day is not None:
        try:
            check_date(day)
        except ValueError as error:
            problems.append(f"the {error}")
    try:
        stakeholder_id = int(values.stakeholder_id)
    except (TypeError, ValueError):
        problems.append("choose whom of theirs the interaction was with")
        stakeholder_id = None
    cleaned = {
        "date": day,
        "our_person": _text(values.our_person, "person of ours", _limit(Interaction.our_person), problems, required=True),
        "stakeholder_id": stakeholder_id,
        "channel": _choice(values.channel, "channel", CHANNELS, problems) or "",
        "note": _text(values.note, "note", _limit(Interaction.note), problems, one_line=True),
    }
    if problems:
        raise InvalidRelationshipEdit(problems)
    return cleaned


# --- writes ---------------------------------------------------------------------------------


def save_stakeholder(
    engine: Engine,
    actor: Actor,
    account_id: int,
    values: StakeholderInput,
    stakeholder_id: int | None = None,
    shown: StakeholderInput | None = None,
) -> int:
    """Add a stakeholder (stakeholder_id None) or edit one; returns its id.

    shown: the stakeholder as the editor saw it; when given and the stored one differs, nothing is
    written (StakeholderChanged). A rename carries over to the stakeholder's interactions, which the
    import matches by name.
    """
    require_role(actor, *EDIT_ROLES)
    cleaned = checked_stakeholder(values)
    try:
        with write_session(engine) as session:
            account = _account(session, account_id)
            if stakeholder_id is None:
                return _add_stakeholder(session, actor, account, cleaned)
            return _edit_stakeholder(session, actor, account, int(stakeholder_id), cleaned, shown)
    except IntegrityError:  # another writer added the same name in between (PostgreSQL)
        raise InvalidRelationshipEdit([f"{cleaned['name']} is already on record for this account"]) from None


def _add_stakeholder(session: Session, actor: Actor, account: Account, cleaned: dict) -> int:
    _name_is_free(session, account.id, cleaned["name"], None)
    person = Stakeholder(account_id=account.id, **cleaned)
    session.add(person)
    session.flush()
    _audit(session, actor, ADD_STAKEHOLDER, account, f"#{person.id} " + _describe(cleaned))
    return person.id


def _edit_stakeholder(
    session: Session, actor: Actor, account: Account, stakeholder_id: int, cleaned: dict, shown: StakeholderInput | None
) -> int:
    person = session.scalars(
        select(Stakeholder).where(Stakeholder.id == stakeholder_id, Stakeholder.account_id == account.id).with_for_update()
    ).first()
    if person is None:
        raise InvalidRelationshipEdit([f"there is no stakeholder {stakeholder_id} at {account.name}"])
    before = {name: getattr(person, name) for name in STAKEHOLDER_FIELDS}
    if before["stance"] == "unknown":
        before["stance"] = None  # as checked_stakeholder stores it
    if shown is not None and checked_stakeholder(shown) != before:
        raise StakeholderChanged(StakeholderInput(**before))
    changed = {name: (before[name], cleaned[name]) for name in STAKEHOLDER_FIELDS if before[name] != cleaned[name]}
    if not changed:
        return person.id
    if "name" in changed:
        _name_is_free(session, account.id, cleaned["name"], person.id)
        session.execute(
            update(Interaction).where(Interaction.stakeholder_id == person.id).values(stakeholder_name=cleaned["name"])
        )
    for name, (_old, new) in changed.items():
        setattr(person, name, new)
    session.flush()
    detail = ", ".join(f"{name}: {old!r} -> {new!r}" for name, (old, new) in changed.items())
    _audit(session, actor, EDIT_STAKEHOLDER, account, f"#{person.id} {before['name']}: {detail}")
    return person.id


def log_interaction(engine: Engine, actor: Actor, account_id: int, values: InteractionInput) -> int:
    """Record that one of ours met one of theirs; returns the interaction's id."""
    require_role(actor, *EDIT_ROLES)
    cleaned = checked_interaction(values)
    try:
        with write_session(engine) as session:
            account = _account(session, account_id)
            person = session.scalars(
                select(Stakeholder).where(Stakeholder.id == cleaned["stakeholder_id"], Stakeholder.account_id == account.id)
            ).first()
            if person is None:
                raise InvalidRelationshipEdit([f"there is no stakeholder {cleaned['stakeholder_id']} at {account.name}"])
            row = Interaction(account_id=account.id, stakeholder_name=person.name, **cleaned)
            if _already_logged(session, row):
                raise InvalidRelationshipEdit([_duplicate(cleaned)])
            session.add(row)
            session.flush()
            _audit(session, actor, LOG_INTERACTION, account, f"#{row.id} " + _describe({**cleaned, "stakeholder": person.name}))
            return row.id
    except IntegrityError:  # the same interaction logged twice at once (PostgreSQL)
        raise InvalidRelationshipEdit([_duplicate(cleaned)]) from None


def _already_logged(session: Session, row: Interaction) -> bool:
    same = select(Interaction.id).where(
        Interaction.account_id == row.account_id,
        Interaction.stakeholder_name == row.stakeholder_name,
        Interaction.our_person == row.our_person,
        Interaction.date == row.date,
        Interaction.channel == row.channel,
    )
    return session.scalar(same.limit(1)) is not None


def _duplicate(cleaned: dict) -> str:
    channel = f" by {cleaned['channel']}" if cleaned["channel"] else ""
    return f"this interaction is already logged: {cleaned['our_person']} on {cleaned['date'].isoformat()}{channel}"


def _account(session: Session, account_id: int) -> Account:
    account = session.get(Account, int(account_id))
    if account is None:
        raise InvalidRelationshipEdit([f"there is no account {account_id}"])
    return account


def _name_is_free(session: Session, account_id: int, name: str, stakeholder_id: int | None) -> None:
    taken = session.scalar(
        select(Stakeholder.id).where(
            Stakeholder.account_id == account_id, Stakeholder.name == name, Stakeholder.id != (stakeholder_id or 0)
        )
    )
    if taken is not None:
        raise InvalidRelationshipEdit([f"{name} is already on record for this account"])


def _describe(values: Mapping) -> str:
    return ", ".join(
        f"{name}: {value.isoformat() if isinstance(value, dt.date) else value!r}"
        for name, value in values.items()
        if value not in (None, "")
    )


def _audit(session: Session, actor: Actor, action: str, account: Account, detail: str) -> None:
    session.add(
        AuditLog(at=utc_now(), user=actor.username, action=action, entity=f"account {account.external_id}", detail=detail)
    )
    bump_version(session, FACTS)


def as_input(values: Mapping) -> StakeholderInput:
    """A StakeholderInput from a mapping with the stakeholder's fields (a row of the map, say)."""
    return StakeholderInput(**{name: values.get(name) for name in STAKEHOLDER_FIELDS})
