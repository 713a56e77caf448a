"""The database's tables as SQLAlchemy 2 models: what the newest migration builds.

The migrations in app/core/migrations/ are the schema's history and never import this module
(a model changes, a migration must not); a test checks that the migrated database and these
models agree, on SQLite and PostgreSQL alike. Constraint names are spelled out by the naming
convention so that both databases, and every migration, call them the same.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class LearnerRow(Base):
    """One person practising on this machine or at this skills centre."""

    __tablename__ = "learners"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AttemptRow(Base):
    """An attempt whole (`record`, the JSON of app.core.attempt.Attempt) and what lists need."""

    __tablename__ = "attempts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    case_id: Mapped[str] = mapped_column(String(80), index=True)
    case_title: Mapped[str] = mapped_column(String(300))
    format: Mapped[str] = mapped_column(String(80))
    mode: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ice: Mapped[float | None] = mapped_column(Float)
    cis: Mapped[float | None] = mapped_column(Float)
    sep: Mapped[float | None] = mapped_column(Float)
    note: Mapped[float | None] = mapped_column(Float)
    finished_by_14: Mapped[bool | None] = mapped_column(Boolean)
    record_version: Mapped[int] = mapped_column(Integer)
    record: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index(None, "learner_id", "started_at"),)


class ItemResultRow(Base):
    """One checklist item of one attempt, met or missed: 'most-missed items' is a GROUP BY."""

    __tablename__ = "item_results"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[str] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    # the attempt's learner again, so a learner's items group from one covering index
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    domain: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[str] = mapped_column(String(200), index=True)
    text: Mapped[str] = mapped_column(Text)
    met: Mapped[bool] = mapped_column(Boolean)
    t: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        Index(None, "learner_id", "domain", "item_id", "met", "text"),
    )


class PhaseTimeRow(Base):
    """Minutes spent in one blueprint phase of one attempt, beside the phase's budget."""

    __tablename__ = "phase_times"
    attempt_id: Mapped[str] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True
    )
    phase: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[float] = mapped_column(Float)
    budget: Mapped[float] = mapped_column(Float)


class StudyPlanRow(Base):
    """A learner's study plan as they entered it: score report (JSON), exam date, sentence.

    The weeks, targets and volumes are computed from it (app.core.plans), never stored.
    """

    __tablename__ = "study_plans"
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    started_on: Mapped[date] = mapped_column(Date)
    exam_date: Mapped[date | None] = mapped_column(Date)
    report: Mapped[str | None] = mapped_column(Text)
    sentence: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
