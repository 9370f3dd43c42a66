"""Cases at run time: start, claim, complete, retry, fire timers — one transaction per engine step.

Every public method of ``CaseEngine`` is one step: load the case, run SpiffWorkflow, write the state, the
projected work items and timers, the audit events and the outbox, commit. A failure anywhere rolls the
whole step back; a concurrent step on the same case fails with ``Conflict`` instead of overwriting it.

The one exception is the SLA sweep (engine/timers/sla.py), which fires a batch of due timers in one transaction to
save a commit, a claim and an audit append per timer: each case's step runs in a SAVEPOINT (``isolated``), so a
failing case still rolls back whole and alone, and the others commit together.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine import audit
from engine.calendar.business import calendar_scope
from engine.cases import access, completion, duties, stepping
from engine.cases.adapters import calendar_for, default_adapters
from engine.cases.case_reads import CaseReads
from engine.cases.ownership import take_ownership
from engine.clock import Clock, as_utc, engine_clock
from engine.errors import Conflict, InvalidState, NotFound
from engine.models import (
    Case,
    CaseStatus,
    OutboxMessage,
    ProcessVersion,
    Timer,
    TimerStatus,
    User,
    WorkItem,
    WorkItemState,
)
from engine.runtime.step import Step
from engine.runtime.unit import Unit
from engine.store import writes
from engine.store.db import begin_write
from engine.store.ids import reserve_case_id
from engine.store.serialization import ENGINE_VERSION, SERIALIZER_VERSION
from handlers import HandlerRegistry
from handlers import registry as default_registry

_VERSIONS = ProcessVersion.__table__
_LATEST = (
    select(_VERSIONS.c.id, _VERSIONS.c.process_key, _VERSIONS.c.version)
    .where(_VERSIONS.c.process_key == bindparam("key"))
    .order_by(_VERSIONS.c.version.desc())
    .limit(1)
)
_CHANGED = "the case was changed by someone else at the same time; reload and try again"
_LOCK_CONFLICTS = {"40P01", "40001"}  # PostgreSQL: deadlock detected, serialization failure


class CaseEngine(CaseReads):
    """The engine's service object; build one per request or job with its session and clock."""

    def __init__(
        self,
        session: Session,
        clock: Clock,
        *,
        handlers: HandlerRegistry = default_registry,
        settings: dict[str, Any] | None = None,
        adapters: dict[str, Any] | None = None,
    ):
        self.session = session
        self.clock = clock
        self.handlers = handlers
        self.settings = settings or {}
        self.adapters = {**default_adapters(session, clock, self.settings), **(adapters or {})}
        self._active: Unit | None = None
        self.calendar = calendar_for(self.settings)
        self._database_key = session.get_bind().url.render_as_string(hide_password=True)
        self.tz = ZoneInfo(self.settings.get("TIMEZONE", "Asia/Shanghai"))
        # Reads that do not change during one engine's life (one request or job): the intake form, say.
        self.reads: dict[tuple, Any] = {}

    def now(self) -> datetime:
        return as_utc(self.clock())

    def in_unit(self) -> bool:
        """Whether a step's write transaction is open (``unit``)."""
        return self._active is not None

    def step_time(self) -> datetime:
        """The time of the open unit (every change of one step happens at one time), or now outside one."""
        return self._active.now if self._active else self.now()

    # ----------------------------------------------------------------- steps

    def start_case(
        self,
        process: str | ProcessVersion,
        data: dict[str, Any],
        *,
        actor: str,
        title: str = "",
        customer_id: int | None = None,
        fields: dict[str, Any] | None = None,
    ) -> Case:
        """Start a case on the latest version of a process key (or on the given version) and run it to its
        first wait. ``fields`` are case columns known at intake (category, channel, description ...).
        """
        with self.unit(actor):
            prepared = self.prepare_start(
                process,
                data,
                actor=actor,
                title=title,
                fields=fields,
                case_id=reserve_case_id(self.session),
            )
            return self.write_start(prepared, customer_id=customer_id)

    def prepare_start(
        self,
        process: str | ProcessVersion,
        data: dict[str, Any],
        *,
        actor: str,
        case_id: int,
        title: str = "",
        fields: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> PreparedStart:
        """Run a new case's first steps in memory, without writing anything: ``write_start`` stores it.

        Intake does this before taking the write lock, so that SQLite's single writer holds the lock only for
        the writes. ``case_id`` comes from ``reserve_case_id``; the case starts at ``at`` (the current
        unit's time, or now).
        """
        if isinstance(process, ProcessVersion):
            version_id, key, number = process.id, process.process_key, process.version
        else:
            found = self.session.connection().execute(_LATEST, {"key": process}).first()
            if found is None:
                raise NotFound(f"no process is deployed under the key {process!r}")
            version_id, key, number = found
        unit = Unit(self.session, at or self.step_time(), actor)
        now = unit.now
        values = dict(
            id=case_id,
            reference=f"C{now.astimezone(self.tz):%Y%m%d}{case_id:07d}",
            process_key=key,
            process_version_id=version_id,
            status=CaseStatus.OPEN,
            title=title[:255],
            started_by=actor,
            state="",
            serializer_version=SERIALIZER_VERSION,
            engine_version=ENGINE_VERSION,
            created_at=now,
            updated_at=now,
            **(fields or {}),
        )
        loaded = self.loaded(version_id)
        workflow = BpmnWorkflow(loaded.spec, loaded.subprocess_specs)
        step = self.step_for(unit, Case(**values), workflow)
        start_data = {**data, "case": {"id": case_id, "reference": values["reference"]}}
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(start_data)
        unit.record("case.started", case_id, reference=values["reference"], process=f"{key} v{number}")
        with engine_clock(self.clock), calendar_scope(self.calendar):
            step.advance()
        return PreparedStart(values, step, unit)

    def write_start(self, prepared: PreparedStart, **values: Any) -> Case:
        """Store a case ``prepare_start`` ran, with any further columns (``customer_id``) in ``values``."""
        with self.unit(prepared.unit.actor) as unit:
            case = writes.insert(self.session, Case, {**prepared.values, **values})
            prepared.step.case = case
            prepared.step.save()
            if prepared.unit is not unit:
                unit.events.extend(prepared.unit.events)
        return case

    def claim(self, work_item_id: int, user: User) -> WorkItem:
        with self.unit(user.username) as unit:
            item = self._work_item(work_item_id)
            if access.check_claim(user, item):
                return item
            version_id = self.session.scalar(select(Case.process_version_id).where(Case.id == item.case_id))
            duties.check(self.session, user, item, self.task_properties(version_id))
            claimed = self.session.execute(
                update(WorkItem)
                .where(
                    WorkItem.id == item.id,
                    WorkItem.state == WorkItemState.READY,
                    WorkItem.assignee_id.is_(None),
                )
                .values(state=WorkItemState.CLAIMED, assignee_id=user.id, claimed_at=unit.now)
                .execution_options(synchronize_session="fetch")
            ).rowcount
            if claimed != 1:
                raise Conflict(f"task {item.id} was claimed by someone else first")
            unit.record("task.claimed", item.case_id, work_item=item.id, task=item.name, lane=item.lane)
            take_ownership(self.session, unit, item, user)
        return item

    def complete(self, work_item_id: int, user: User, data: dict[str, Any]) -> Case:
        """Complete a human task with ``data`` (validated against its form) and run the case onwards.

        The workflow runs before the write lock is taken (engine/cases/completion.py)."""
        return completion.complete(self, work_item_id, user, data)

    def retry(self, case_id: int, *, actor: str) -> Case:
        """Run the failed tasks of a case in incident again, and the timers the sweep held for it."""

        def work(step: Step, workflow: BpmnWorkflow, case: Case) -> None:
            if case.status != CaseStatus.INCIDENT:
                raise InvalidState(f"case {case.reference} has no open incident")
            step.retry_failed()

        def release_held_timers(unit: Unit, case: Case) -> None:
            # They wait again, and the step's projection fires those its workflow fired.
            self.session.execute(
                update(Timer)
                .where(Timer.case_id == case.id, Timer.status == TimerStatus.HELD)
                .values(status=TimerStatus.WAITING)
            )

        return stepping.run(self, case_id, actor, work, release_held_timers)

    def queue_message(
        self, case: Case, channel: str, recipient: str, template: str, /, **payload: Any
    ) -> None:
        """Put a message in the outbox inside the current step (it is sent only if the step commits).

        The first four are positional-only, so that the payload may have any keys (a merge's ``channel``).
        """
        now = self.step_time()
        self.session.add(
            OutboxMessage(
                case_id=case.id,
                channel=channel,
                recipient=recipient,
                template=template,
                payload=payload,
                created_at=now,
                next_attempt_at=now,
            )
        )

    def deliver_message(self, case_id: int, name: str, payload: dict[str, Any] | None, *, actor: str) -> Case:
        """Deliver a BPMN message (a customer's reply, say) to a case that is waiting for it."""

        def work(step: Step, workflow: BpmnWorkflow, case: Case) -> None:
            event = BpmnEvent(MessageEventDefinition(name), payload or {})
            if not any(t.task_spec.catches(t, event) for t in workflow.event_manager.tasks.values()):
                raise InvalidState(f"case {case.reference} is not waiting for {name!r}")
            workflow.catch(event)
            step.unit.record("message.received", case.id, message=name)
            step.advance()

        return stepping.run(self, case_id, actor, work)

    def fire_timer(self, case_id: int, *, case: Case | None = None) -> bool:
        """Let the case's due timers fire and run on; returns whether anything fired.

        ``case`` is its row when the caller has already read it in this transaction (the SLA sweep reads a
        batch's cases in one query); a change made since by someone else still fails as ``Conflict``.
        """
        with self.unit("system:timer") as unit:
            case = case if case is not None else self.read_case(case_id)
            if case.status not in (CaseStatus.OPEN, CaseStatus.INCIDENT):
                return False
            step = self.step_for(unit, case, self.load_workflow(case))
            step.advance(refresh_timers=True)
            changes = step.save()
        return bool(changes.fired_timers)

    def prepare_timers(self, case: Case, at: datetime) -> PreparedTimers | None:
        """Let the due timers of ``case`` fire and run on in memory, writing nothing (the sweep does this
        before it takes the write lock); None for a case that is not running."""
        if case.status not in (CaseStatus.OPEN, CaseStatus.INCIDENT):
            return None
        step = self.step_for(Unit(self.session, at, "system:timer"), case, self.load_workflow(case))
        with engine_clock(self.clock), calendar_scope(self.calendar):
            step.advance(refresh_timers=True)
        return PreparedTimers(step, case.revision)

    def write_timers(self, prepared: PreparedTimers) -> bool:
        """Store what ``prepare_timers`` ran, inside the open unit, if the case has not changed since; else
        run its timers again on the fresh row. Returns whether anything fired."""
        self.lock_case(prepared.step.case.id, with_timers=False)  # the sweep holds the timers it claimed
        case = self.read_case(prepared.step.case.id)
        if case.revision != prepared.revision:
            return self.fire_timer(case.id, case=case)
        unit, step = self._active, prepared.step
        unit.now = step.unit.now
        unit.events.extend(step.unit.events)
        step.unit = unit
        return bool(step.save().fired_timers)

    # --------------------------------------------------------------- helpers

    @contextlib.contextmanager
    def unit(self, actor: str) -> Iterator[Unit]:
        """One transaction: commit with its audit events at the end, roll everything back on error.

        Re-entrant: steps called inside an open unit (intake starting a case) join it and commit with it.
        """
        if self._active is not None:
            yield self._active
            return
        begin_write(self.session)
        unit = self._active = Unit(self.session, self.now(), actor)
        try:
            with engine_clock(self.clock), calendar_scope(self.calendar):
                yield unit
            audit.append(self.session, unit.events)
            self.session.commit()
        except StaleDataError:
            self.session.rollback()
            raise Conflict(_CHANGED) from None
        except OperationalError as exc:
            self.session.rollback()
            if getattr(exc.orig, "sqlstate", None) in _LOCK_CONFLICTS:
                # PostgreSQL broke a deadlock (or a serialization conflict) by failing this step: nothing
                # was written, and trying again will do, as for any concurrent change.
                raise Conflict(_CHANGED) from None
            raise
        except BaseException:
            self.session.rollback()
            raise
        finally:
            self._active = None

    @contextlib.contextmanager
    def isolated(self) -> Iterator[Unit]:
        """Run one step inside the open unit, in a SAVEPOINT, at its own time.

        If the step fails, only its writes and its audit events are undone and the error is raised (a
        concurrent change as ``Conflict``); the unit goes on, and commits the other steps together.
        """
        unit = self._active
        if unit is None:
            raise RuntimeError("isolated() runs a step inside an open unit")
        mark = len(unit.events)
        unit.now = self.now()
        try:
            with self.session.begin_nested():
                yield unit
        except StaleDataError:
            del unit.events[mark:]
            raise Conflict(_CHANGED) from None
        except BaseException:
            del unit.events[mark:]
            raise

    def step_for(self, unit: Unit, case: Case, workflow: BpmnWorkflow) -> Step:
        """A step over ``case`` in ``unit``, with this engine's handlers, settings and adapters."""
        return Step(
            unit, case, workflow, handlers=self.handlers, settings=self.settings, adapters=self.adapters
        )


@dataclass
class PreparedStart:
    """A new case whose first steps have run in memory: its row, its step (to save) and its unit's events."""

    values: dict[str, Any]
    step: Step
    unit: Unit


@dataclass
class PreparedTimers:
    """A case whose due timers ran in memory (``CaseEngine.prepare_timers``), and the revision they ran on."""

    step: Step
    revision: int
