"""The schema: SQLAlchemy 2.0 typed ORM. Money is integer cents (exact sums, one currency)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    segment: Mapped[str | None] = mapped_column(String(100), index=True)
    industry: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100), index=True)
    owner: Mapped[str | None] = mapped_column(String(200), index=True)
    customer_since: Mapped[dt.date | None] = mapped_column(Date)
    churned_on: Mapped[dt.date | None] = mapped_column(Date)
    strategic_fit: Mapped[int | None] = mapped_column(Integer)


class Revenue(Base):
    __tablename__ = "revenue"
    __table_args__ = (UniqueConstraint("account_id", "quarter", name="uq_revenue_account_quarter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    quarter: Mapped[str] = mapped_column(String(6), index=True)
    revenue_cents: Mapped[int] = mapped_column(BigInteger)
    wallet_cents: Mapped[int | None] = mapped_column(BigInteger)
    wallet_source: Mapped[str | None] = mapped_column(String(200))
    wallet_confidence: Mapped[str | None] = mapped_column(String(10))


class CompetitorSpend(Base):
    __tablename__ = "competitor_spend"
    __table_args__ = (
        UniqueConstraint("account_id", "quarter", "competitor", name="uq_spend_account_quarter_competitor"),
        Index("ix_competitor_spend_quarter", "quarter"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    quarter: Mapped[str] = mapped_column(String(6))
    competitor: Mapped[str] = mapped_column(String(200))
    spend_cents: Mapped[int] = mapped_column(BigInteger)


class Survey(Base):
    __tablename__ = "surveys"
    __table_args__ = (
        UniqueConstraint("account_id", "date", "kind", "respondent", name="uq_survey_response"),
        Index("ix_surveys_quarter", "quarter"),
        # Covers the per account, quarter and kind roll-up, so the database aggregates without sorting.
        Index("ix_surveys_rollup", "account_id", "quarter", "kind", "score"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    quarter: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(4))
    score: Mapped[int] = mapped_column(Integer)
    # '' rather than NULL so that re-importing an anonymous response updates it.
    respondent: Mapped[str] = mapped_column(String(200), default="")


class Stakeholder(Base):
    __tablename__ = "stakeholders"
    __table_args__ = (UniqueConstraint("account_id", "name", name="uq_stakeholder_account_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str | None] = mapped_column(String(40))
    our_owner: Mapped[str | None] = mapped_column(String(200))
    stance: Mapped[str | None] = mapped_column(String(20))  # lib.relationships.vocabulary.STANCES; NULL = unknown


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (UniqueConstraint("account_id", "stakeholder_name", "our_person", "date", "channel", name="uq_interaction"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    stakeholder_id: Mapped[int | None] = mapped_column(ForeignKey("stakeholders.id", ondelete="SET NULL"))
    # The name as imported, '' when none: the natural key of an interaction.
    stakeholder_name: Mapped[str] = mapped_column(String(200), default="")
    our_person: Mapped[str] = mapped_column(String(200))
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    channel: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str | None] = mapped_column(String(300))  # one line: what the interaction was about


class ReviewNote(Base):
    __tablename__ = "review_notes"
    __table_args__ = (UniqueConstraint("account_id", "quarter", name="uq_note_account_quarter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    quarter: Mapped[str] = mapped_column(String(6))
    body: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ReviewNoteRevision(Base):
    __tablename__ = "review_note_revisions"
    __table_args__ = (UniqueConstraint("note_id", "version", name="uq_revision_note_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("review_notes.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    edited_by: Mapped[str] = mapped_column(String(100))
    edited_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ActionItem(Base):
    __tablename__ = "action_items"
    __table_args__ = (Index("ix_action_items_account_quarter", "account_id", "quarter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    quarter: Mapped[str] = mapped_column(String(6))
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    due: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    updated_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class CriteriaSetRow(Base):
    __tablename__ = "criteria_sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    rules: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    review_due: Mapped[dt.date | None] = mapped_column(Date)
    approval_note: Mapped[str | None] = mapped_column(Text)  # the reason given at its latest approval


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    user: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(String(100))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)


class LoginSession(Base):
    """One login of one browser: its id goes into the signed cookie; a logout deletes the row."""

    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the id, never the id
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class LoginThrottle(Base):
    """Wrong passwords per username and client: a stranger's guesses lock only the stranger out."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)  # as typed, known or not
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Setting(Base):
    """Small key/value state: data versions that key the caches, data-as-of, the cookie key."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class DataVersion(Base):
    """A counter per kind of data, bumped in the same transaction as every write to it.

    Caches are keyed on these, so a write through one app server shows on the next rerun of
    every other server that shares the database.
    """

    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
