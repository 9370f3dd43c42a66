"""Checks on a draft: the deploy validator itself (``load_bundle``, the same code as ``deployment.deploy``).

A draft passes exactly when deploying it would be accepted: every problem names its file and element, which
is how the studio draws it on the diagram.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from engine.deploy import deployment
from engine.deploy.bundle import Bundle, load_bundle
from engine.errors import DeploymentRejected, Problem
from handlers import HandlerRegistry
from handlers import registry as default_registry


@dataclass
class Checked:
    problems: list[Problem] = field(default_factory=list)
    bundle: Bundle | None = None  # the parsed bundle when there is no problem

    @property
    def ok(self) -> bool:
        return not self.problems


def check(
    session: Session, files: list[tuple[str, bytes]], *, handlers: HandlerRegistry = default_registry
) -> Checked:
    """Validate ``files`` as deploy would, against the processes deployed now (for the calls they make)."""
    try:
        # The library of deployed processes is what deploy loads for call activities the bundle lacks.
        library = deployment.deployed_library(session)
        bundle = load_bundle(files, handler_names=handlers.names(), library=library)
    except DeploymentRejected as refused:
        return Checked(problems=refused.problems)
    finally:
        session.rollback()  # end the read transaction: checks never hold one open
    return Checked(bundle=bundle)


def problem_dict(problem: Problem) -> dict:
    """A problem as JSON: where, the English message, and its code and parameters for a translation."""
    return {
        "file": problem.file,
        "element": problem.element,
        "message": problem.message,
        "code": problem.code,
        "params": problem.params,
    }
