"""One clock for the whole engine.

Every timestamp the engine writes comes from a ``Clock``: a zero-argument callable returning an aware UTC
datetime. Tests pass a ``FrozenClock`` and move it instead of sleeping.

SpiffWorkflow computes timer due times with ``datetime.now(timezone.utc)`` inside its timer module, so a
process owner's ``"PT1H"`` would otherwise mean an hour of the *system* clock. ``engine_clock(clock)`` makes
that module read our clock for the duration of an engine step. The switch lives in a ``ContextVar``, so
concurrent steps in other threads each see their own clock.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to; for tests and benchmarks."""

    def __init__(self, start: datetime | None = None):
        self._now = start or datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")

    def __call__(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs) -> datetime:
        self._now = self._now + (delta or timedelta(**kwargs))
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


def as_utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime (naive values, as SQLite returns them, are taken as UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


_current: contextvars.ContextVar[Clock] = contextvars.ContextVar("engine_clock", default=system_clock)


def now() -> datetime:
    """The current engine time (the step's clock, or the system clock outside a step)."""
    return as_utc(_current.get()())


@contextlib.contextmanager
def engine_clock(clock: Clock) -> Iterator[None]:
    """Run the enclosed engine work with ``clock`` as the time source, SpiffWorkflow's timers included."""
    token = _current.set(clock)
    try:
        yield
    finally:
        _current.reset(token)


class _ClockedDatetime(datetime):
    """``datetime`` whose ``now()`` reads the engine clock; installed only into SpiffWorkflow's timer module."""

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        value = as_utc(_current.get()())
        return value if tz is None else value.astimezone(tz)


def _install() -> None:
    # SpiffWorkflow 3.2.0 is pinned exactly; this check makes an upgrade that moves the call fail loudly.
    if not hasattr(_spiff_timer, "datetime"):
        raise RuntimeError("SpiffWorkflow's timer module no longer imports datetime; revisit engine/clock.py")
    _spiff_timer.datetime = _ClockedDatetime


_install()
