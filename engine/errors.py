"""Domain errors: the only exceptions the engine raises on purpose.

Each carries a machine-readable ``code`` and a readable message. The web layer maps them to HTTP in one
place (``web/errors.py``); the CLI prints ``str(error)``. Nothing here knows about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class EngineError(Exception):
    """Base class; ``code`` is stable and machine-readable."""

    code = "engine_error"

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, **self.details}


class NotFound(EngineError):
    code = "not_found"


class Conflict(EngineError):
    """Someone else changed the thing first (a concurrent completion, a claim already taken)."""

    code = "conflict"


class Forbidden(EngineError):
    code = "forbidden"


class InvalidState(EngineError):
    """The request is well-formed but the case or task is not in a state that allows it."""

    code = "invalid_state"


class ValidationFailed(EngineError):
    """Input failed validation; ``errors`` maps a field path (``customer.phone``) to a message."""

    code = "validation_failed"

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message, errors=errors or {})
        self.errors = errors or {}


@dataclass(frozen=True)
class Problem:
    """One reason a diagram bundle cannot be deployed, pointing at the file and element.

    ``message`` is English. ``code`` (stable, e.g. ``flow.no_condition``) and ``params`` say the same for a
    translation; a problem without a code is shown by its message alone. An element a problem names in its
    params is ``{"kind": "userTask", "name": ..., "id": ...}`` (see ``engine.deploy.checks.ref``).
    """

    file: str
    message: str
    element: str | None = None
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        where = self.file + (f" [{self.element}]" if self.element else "")
        return f"{where}: {self.message}"


class DeploymentRejected(EngineError):
    """A diagram bundle was refused; nothing was deployed and the previous versions keep serving."""

    code = "deployment_rejected"

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        summary = "; ".join(str(p) for p in self.problems[:5])
        if len(self.problems) > 5:
            summary += f"; and {len(self.problems) - 5} more"
        super().__init__(
            f"deployment rejected: {summary}",
            problems=[{"file": p.file, "element": p.element, "message": p.message} for p in self.problems],
        )


class SandboxViolation(EngineError):
    """A diagram expression or script tried something the sandbox does not allow."""

    code = "sandbox_violation"
