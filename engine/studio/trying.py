"""Try a draft before deploying it: replay recorded cases of the current versions through it.

For each process of the draft's bundle, the cases on its current (latest deployed) version received in the
chosen window are read and replayed through the draft (``replay``), and each gets a verdict: same path,
different path (with where the paths part), stuck, or incident. The whole try is one read transaction that is
rolled back at the end: nothing is written, no notice is sent, no outside system is called.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.adapters import calendar_for, default_adapters
from engine.clock import Clock, as_utc
from engine.errors import InvalidState
from engine.models import Case, ProcessVersion
from engine.studio.checks import check, problem_dict
from engine.studio.recorded import read_cases
from engine.studio.replay import Outcome, replay
from handlers import HandlerRegistry
from handlers import registry as default_registry

MAX_CASES = 5000
DEFAULT_DAYS = 31


@dataclass
class TryReport:
    since: datetime
    until: datetime
    versions: list[str] = field(default_factory=list)  # the versions whose cases were replayed
    outcomes: list[Outcome] = field(default_factory=list)
    unreadable: list[dict] = field(default_factory=list)
    elapsed_ms: int = 0
    limited: bool = False  # more cases matched than were replayed

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(o.result for o in self.outcomes)
        return {k: counted.get(k, 0) for k in ("same", "different", "stuck", "incident")}

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "until": self.until,
            "versions": self.versions,
            "cases": len(self.outcomes),
            "counts": self.counts,
            "limited": self.limited,
            "elapsed_ms": self.elapsed_ms,
            "outcomes": [o.to_dict() for o in self.outcomes],
            "unreadable": self.unreadable,
        }


def try_draft(
    session: Session,
    clock: Clock,
    files: list[tuple[str, bytes]],
    *,
    settings: dict[str, Any] | None = None,
    handlers: HandlerRegistry = default_registry,
    since: datetime | None = None,
    limit: int = 1000,
) -> TryReport:
    """Replay up to ``limit`` cases received since ``since`` (default: the last 31 days) through ``files``."""
    settings = settings or {}
    checked = check(session, files, handlers=handlers)
    if not checked.ok:
        raise InvalidState(
            "the draft has problems; fix them before trying it",
            problems=[problem_dict(p) for p in checked.problems],
        )
    bundle = checked.bundle
    until = as_utc(clock())
    since = as_utc(since) if since else until - timedelta(days=DEFAULT_DAYS)
    limit = max(1, min(limit, MAX_CASES))
    report = TryReport(since=since, until=until)
    began = time.perf_counter()
    database_key = session.get_bind().url.render_as_string(hide_password=True)
    adapters = default_adapters(session, clock, settings)
    calendar = calendar_for(settings)
    try:
        for key in bundle.process_ids:
            version = session.scalars(ProcessVersion.latest(key)).first()
            if version is None or len(report.outcomes) >= limit:
                continue
            cases = list(
                session.scalars(
                    select(Case)
                    .where(Case.process_version_id == version.id, Case.created_at >= since)
                    .order_by(Case.id)
                    .limit(limit - len(report.outcomes) + 1)
                )
            )
            if not cases:
                continue
            if len(cases) > limit - len(report.outcomes):
                report.limited = True
                cases = cases[: limit - len(report.outcomes)]
            report.versions.append(version.label)
            spec, subprocess_specs = bundle.specs[key]
            for recorded in read_cases(session, cases, database_key):
                if isinstance(recorded, tuple):
                    case, reason = recorded
                    report.unreadable.append(
                        {"case_id": case.id, "reference": case.reference, "detail": reason}
                    )
                    continue
                report.outcomes.append(
                    replay(
                        recorded,
                        spec,
                        subprocess_specs,
                        until=until,
                        handlers=handlers,
                        calendar=calendar,
                        adapters=adapters,
                    )
                )
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("a try must not change anything")  # a programming error, never a user's
    finally:
        session.rollback()  # the throwaway transaction: whatever happened, nothing stays
    report.elapsed_ms = int((time.perf_counter() - began) * 1000)
    return report
