"""The daily roll-up gives every figure the same numbers as computing it live, before and after late changes.

The constructed cases of test_figures (``world``) are rolled up; each figure is then compared with
``compute_live`` over several ranges and filters, and the resolution time's percentiles with the exact ones
(within half a histogram bucket). Late changes (a survey answered weeks later, a case closed, re-tiered or
linked as a repeat) make their days be computed live until the next refresh, which rebuilds exactly those.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from engine.errors import ValidationFailed
from engine.models import Case, WorkItem
from engine.models.figures import FigureBuilt, FigureDay, FigureDirty
from engine.reports import figures_kpis as k
from engine.reports import rollup, rollup_read
from engine.reports.figures import Filters, Sql, compute, compute_live, percentile
from tests.conftest import fresh
from tests.unit import test_figures as constructed

R0, D, answer = constructed.R0, constructed.D, constructed.answer
world = constructed.world  # the fixture: the constructed cases


@pytest.fixture
def cases(session, world):
    """The constructed cases, their tasks carrying their case's tier as the engine keeps them."""
    same_tier(session)
    session.commit()
    return world


def same_tier(session):
    tier = select(Case.tier).where(Case.id == WorkItem.case_id).scalar_subquery()
    session.execute(update(WorkItem).values(tier=tier))


NOW = datetime(2027, 1, 10, 2, 0, tzinfo=UTC)  # every day of the constructed cases is in the past
TZ = "Asia/Shanghai"
TODAY = date(2027, 1, 10)
RANGES = [
    Filters.for_month(2026, 11),
    Filters.for_days(date(2026, 10, 1), date(2026, 12, 31)),
    Filters.for_days(date(2026, 11, 3), date(2026, 11, 12)),
    Filters.for_month(2026, 11, tier="urgent"),
    Filters.for_month(2026, 11, channel="app"),
    Filters.for_month(2026, 11, tier="general", category="fee_dispute"),
]
FIGURES = [kpi for key, kpi in rollup.rolled().items() if kpi is not rollup.RESOLUTION_HISTOGRAM]


def refresh(db, **options):
    return rollup.refresh(db.session, NOW, TZ, **options)


def numbers(figure):
    def rounded(values):
        return {n: None if v is None else round(v, 6) for n, v in values.items()}

    return {r.group: (r.counts, rounded(r.means), rounded(r.sums)) for r in figure.rows}


def assert_same_as_live(session, filters, *, fully_rolled: bool):
    for kpi in FIGURES:
        plan = rollup_read.plan(session, kpi, filters)
        assert plan is not None, kpi.key  # the roll-up is read, not skipped
        if fully_rolled:
            assert plan.live == [], kpi.key
        assert numbers(compute(session, kpi, filters)) == numbers(compute_live(session, kpi, filters)), (
            kpi.key,
            filters,
        )
    for fraction in (0.5, 0.9):
        exact = percentile(session, k.resolution_hours(filters, Sql.of(session, filters)), fraction)
        estimate = rollup.resolution_percentile(session, filters, fraction)
        if exact is None:
            assert estimate is None
        else:  # within half a bucket: a minute under a day, an hour up to 60 days
            width = rollup.bucket_width(exact * 3600) / 3600
            assert abs(estimate - exact) <= width / 2 + 1e-9, (fraction, exact, estimate)


def test_every_figure_from_the_rollup_equals_the_live_figure(db, session, cases):
    done = refresh(db)
    assert done.days > 0
    fresh(session)
    for filters in RANGES:
        assert_same_as_live(session, filters, fully_rolled=True)
    # the log of changes is used up; the first refresh built every day up to yesterday
    assert session.scalar(select(func.count()).select_from(FigureDirty)) == 0
    built = session.scalar(select(func.max(FigureBuilt.day)))
    assert built == (TODAY - timedelta(days=1)).isoformat()
    assert refresh(db).days == 0  # nothing changed since


def test_late_changes_are_computed_live_until_the_next_refresh_rebuilds_their_days(db, session, cases):
    ids, users = cases
    refresh(db)
    fresh(session)
    # Weeks later: a survey of g3 (answered on 12 November), a case closed, one re-tiered, compensation paid,
    # and g4 (received in November) no longer linked to the October case it repeated.
    answer(session, ids["g3"], "survey.schema.json", "Follow-up visit", users["bob"], {"satisfaction": 1})
    closed = session.get(Case, ids["u4"])
    closed.closed_at, closed.decided_at = R0 + 30 * D, R0 + 29 * D
    session.get(Case, ids["a1"]).tier = "general"
    session.flush()
    same_tier(session)
    session.get(Case, ids["g4"]).repeat_of_id = None
    session.get(Case, ids["g2"]).compensation_paid = 50
    session.commit()
    november = Filters.for_month(2026, 11)
    plan = rollup_read.plan(session, k.VOLUME_BY_DAY, november)
    assert plan is not None and plan.live  # the changed days are computed live
    assert compute(session, k.SATISFACTION, november).row(k.ALL).counts["answered"] == 7
    october = Filters.for_month(2026, 10)
    assert rollup_read.plan(session, k.AGENT_CASES, october).live == [
        (date(2026, 10, 13), date(2026, 10, 13))
    ]
    assert compute(session, k.AGENT_CASES, october).total("repeated") == 0
    for filters in [*RANGES, october]:
        assert_same_as_live(session, filters, fully_rolled=False)
    done = refresh(db)
    assert 0 < done.days < 100 * len(FIGURES)  # only the changed days, not everything again
    fresh(session)
    for filters in [*RANGES, october]:
        assert_same_as_live(session, filters, fully_rolled=True)


def test_today_is_computed_live_and_a_range_of_one_built_day_is_read_from_the_rollup(db, session, cases):
    refresh(db)
    fresh(session)
    today = TODAY
    week = Filters.for_days(today - timedelta(days=6), today)
    plan = rollup_read.plan(session, k.VOLUME_BY_DAY, week)
    assert plan.live == [(today, today)] and plan.rolled == [
        (today - timedelta(days=6), today - timedelta(days=1))
    ]
    one = Filters.for_days(date(2026, 11, 2), date(2026, 11, 2))
    assert rollup_read.plan(session, k.VOLUME_BY_DAY, one).rolled == [(date(2026, 11, 2), date(2026, 11, 2))]
    assert compute(session, k.VOLUME_BY_DAY, one).row("2026-11-02").counts["cases"] == 6


def test_a_range_not_on_the_banks_midnights_or_another_time_zone_is_computed_live(db, session, cases):
    refresh(db)
    fresh(session)
    november = Filters.for_month(2026, 11)
    hours = Filters(november.start + timedelta(hours=1), november.end)
    assert rollup_read.plan(session, k.VOLUME_BY_DAY, hours) is None
    london = Filters.for_month(2026, 11, timezone="Europe/London")
    assert rollup_read.plan(session, k.VOLUME_BY_DAY, london) is None
    assert numbers(compute(session, k.VOLUME_BY_DAY, london)) == numbers(
        compute_live(session, k.VOLUME_BY_DAY, london)
    )


def test_rebuild_of_one_figure_and_an_unknown_figure(db, session, cases):
    refresh(db)
    fresh(session)
    before = session.scalar(
        select(func.count()).select_from(FigureDay).where(FigureDay.figure.like("repeats:%"))
    )
    done = refresh(db, figures=["repeats"], rebuild=True)
    assert done.figures == 1 and done.days > 0
    fresh(session)
    after = session.scalar(
        select(func.count()).select_from(FigureDay).where(FigureDay.figure.like("repeats:%"))
    )
    assert after == before > 0
    with pytest.raises(ValidationFailed, match="no figure nonsense"):
        refresh(db, figures=["nonsense"])


def test_a_figure_whose_definition_changed_is_computed_live_and_its_old_rows_are_dropped(db, session, cases):
    refresh(db)
    fresh(session)
    november = Filters.for_month(2026, 11)
    assert rollup_read.plan(session, k.REPEATS, november) is not None
    # the same key, another definition (only the cases paid compensation)
    changed = replace(
        k.REPEATS, source=lambda f, sql: k.REPEATS.source(f, sql).where(Case.compensation_paid > 0)
    )
    assert rollup_read.stored_key(session, changed) != rollup_read.stored_key(session, k.REPEATS)
    assert rollup_read.plan(session, changed, november) is None
    # rows filed under a name no figure has any more go at the next refresh
    old = "repeats:00000000"
    session.add(FigureBuilt(figure=old, day="2026-11-02", timezone=TZ, built_at=NOW))
    session.commit()
    refresh(db)
    fresh(session)
    assert session.scalar(select(func.count()).select_from(FigureBuilt).where(FigureBuilt.figure == old)) == 0
    assert rollup_read.plan(session, k.REPEATS, november).live == []
