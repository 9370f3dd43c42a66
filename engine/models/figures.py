"""What the figures need from task forms, kept as columns: the follow-up survey, approvals, settlements, root
causes. One row per completed human task whose form carries any of them (engine/cases/answers.py writes it in the
task's own step), so the reports add them up with SQL instead of reading case states or the audit log."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base, BigId, intpk
from engine.models.case import Case, WorkItem


class TaskAnswer(Base):
    __tablename__ = "task_answers"
    __table_args__ = (
        Index("ix_task_answers_form_case", "form", "case_id"),
        Index("ix_task_answers_form_answered", "form", "answered_at"),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), index=True)
    work_item_id: Mapped[int] = mapped_column(BigId, ForeignKey("work_items.id"), unique=True)
    spec_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    form: Mapped[str] = mapped_column(String(255))
    answered_at: Mapped[datetime]
    answered_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    # False once the case answers the same form again (a rework's second follow-up visit): figures count the last.
    latest: Mapped[bool] = mapped_column(default=True, server_default="1")
    # The follow-up survey (survey.schema.json): solved, satisfaction 1-5, would recommend 0-10 (NPS).
    resolved: Mapped[bool | None]
    satisfaction: Mapped[int | None]
    recommend: Mapped[int | None]
    # Each tier's own survey question (the survey's variants): urgent "really solved?", general "any other
    # needs?", advisory "did the advice work?"; empty when the customer did not answer it.
    really_solved: Mapped[bool | None]
    other_needs: Mapped[bool | None]
    advice_worked: Mapped[bool | None]
    # A settlement approval (approval.schema.json).
    approved: Mapped[bool | None]
    # A proposed settlement (settlement.schema.json), in CNY.
    compensation: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    # What the root-cause task found (root_cause.schema.json).
    root_cause: Mapped[str | None] = mapped_column(Text)


# The figures ask of each case whether a later complaint was linked to it (an agent's repeats).
Index("ix_cases_repeat_of_id", Case.repeat_of_id)
# The task figures count the tasks that arose in the chosen days.
Index("ix_work_items_created_at", WorkItem.created_at)


# ------------------------------------------------------- the daily roll-up of the figures (engine/reports/rollup.py)

COUNT_SLOTS = 8  # the most numbers a figure has (regulatory, satisfaction)
VALUE_SLOTS = 2  # the most averaged or summed values a figure has


class FigureDay(Base):
    """One figure's numbers for one local day (the bank's time zone) and group: either per tier × channel ×
    category of the case (``whole`` false; an empty string stands for none), or the day's totals over all of
    them (``whole`` true, the three empty). ``n1``..``n8`` are the figure's columns in order; ``s1``/``k1`` and
    ``s2``/``k2`` the sum and the count of non-empty values of its averaged or summed values."""

    __tablename__ = "figure_days"
    __table_args__ = (Index("ix_figure_days_read", "figure", "whole", "day"),)

    id: Mapped[intpk]
    figure: Mapped[str] = mapped_column(String(40))
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD
    whole: Mapped[bool]
    tier: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(64))
    grp: Mapped[str | None] = mapped_column(String(255))
    n1: Mapped[int] = mapped_column(BigInteger, default=0)
    n2: Mapped[int] = mapped_column(BigInteger, default=0)
    n3: Mapped[int] = mapped_column(BigInteger, default=0)
    n4: Mapped[int] = mapped_column(BigInteger, default=0)
    n5: Mapped[int] = mapped_column(BigInteger, default=0)
    n6: Mapped[int] = mapped_column(BigInteger, default=0)
    n7: Mapped[int] = mapped_column(BigInteger, default=0)
    n8: Mapped[int] = mapped_column(BigInteger, default=0)
    s1: Mapped[float | None] = mapped_column(Float)
    k1: Mapped[int] = mapped_column(BigInteger, default=0)
    s2: Mapped[float | None] = mapped_column(Float)
    k2: Mapped[int] = mapped_column(BigInteger, default=0)


class FigureBuilt(Base):
    """The days whose roll-up of a figure is built, and for which time zone."""

    __tablename__ = "figure_built"

    figure: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    built_at: Mapped[datetime]


class FigureDirty(Base):
    """A change to the projection tables at ``at`` (the moment a figure counts it by: a case's receipt, a
    task's creation, an answer's time). Database triggers append these (migration 0024), never update them;
    the roll-up's refresh turns them into local days, rebuilds those days and deletes the rows it read."""

    __tablename__ = "figure_dirty"

    id: Mapped[intpk]
    at: Mapped[datetime] = mapped_column(index=True)
