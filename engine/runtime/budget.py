"""A time budget for one engine step: past it, the step stops and its case goes to incident.

A diagram's script can loop for minutes, and a loop of script tasks and gateways can run forever; either used
to keep a web worker (and, before the step's work moved out of it, SQLite's write lock) busy until gunicorn
killed it, and the request was tried again and again. The budget is checked

- between tasks (``Budget.check``, given to ``do_engine_steps`` as its callback), which stops a loop of tasks at
  a point where the workflow is consistent: the tasks not yet run stay READY;
- inside diagram code, by a trace function on the frames of the script or expression being run
  (``Budget.watching``, used by the step's script engine, engine/runtime/storable.py), which stops it with
  ``StepTimeout``; SpiffWorkflow then marks that task ERROR. Only diagram code is traced: the engine's own
  work between scripts runs at full speed.

Code in C (one huge ``sorted``) is not interrupted: the sandbox's size limits are what bound those.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from types import FrameType
from typing import Any

DEFAULT_SECONDS = 5.0
# How many traced lines between two looks at the clock: reading it on every line would double a script's cost.
_LINES_PER_CHECK = 200


class StepTimeout(Exception):
    """The step ran longer than its budget."""


class Budget:
    """The deadline of one step, ``seconds`` from when it is made (``None`` or 0: no limit)."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds or 0.0
        self.deadline = time.monotonic() + self.seconds if self.seconds > 0 else None
        self._lines = 0

    @classmethod
    def from_settings(cls, settings: Any) -> Budget:
        return cls(float(settings.get("STEP_TIME_BUDGET_SECONDS", DEFAULT_SECONDS)))

    def message(self) -> str:
        return (
            f"the step ran longer than its time budget of {self.seconds:g} s "
            "(STEP_TIME_BUDGET_SECONDS); it was stopped"
        )

    def check(self, task=None) -> None:
        """Raise ``StepTimeout`` if the deadline has passed (called between tasks)."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise StepTimeout(self.message())

    @contextlib.contextmanager
    def watching(self, filenames: frozenset[str]) -> Iterator[None]:
        """Trace the frames whose code comes from ``filenames`` (diagram code), stopping them past the deadline."""
        if self.deadline is None or sys.gettrace() is not None:
            yield  # no budget, or a debugger or coverage tool owns the trace hook
            return

        def local(frame: FrameType, event: str, arg: Any):
            if event == "line":
                self._lines += 1
                if self._lines % _LINES_PER_CHECK == 0:
                    self.check()
            return local

        def calls(frame: FrameType, event: str, arg: Any):
            return local if frame.f_code.co_filename in filenames else None

        sys.settrace(calls)
        try:
            yield
        finally:
            sys.settrace(None)
