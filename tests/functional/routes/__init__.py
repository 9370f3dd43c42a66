"""Who may reach each route: one table per area, gathered by ``test_route_roles.py``.

Each entry names a route exactly as Flask's URL map spells it, a concrete path to request (placeholders filled
from the test's world: ``{case}``, ``{task}``, ``{code}``, ``{user}``, ``{token}``, ``{process}``) and the
roles that may reach it. Everyone else is refused: a visitor who is not signed in is sent to the sign-in page
(the API answers 401), a signed-in user of another role gets 403. A route missing from every table fails the
test, so no route ships without a decision about who may use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.models.people import roles_held

PUBLIC = "public"  # anyone, signed in or not (customers have no account)
SIGNED_IN = "signed_in"  # any signed-in user, whatever the role
STAFF_ROLES = (
    "agent",
    "supervisor",
    "process_owner",
    "auditor",
    "admin",
    "department_head",
    "senior_manager",
)


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    allowed: tuple[str, ...] | str
    path: str | None = None  # defaults to the rule (for rules without parameters)
    data: dict = field(default_factory=dict)  # the form or JSON body sent

    def may(self, role: str | None) -> bool:
        if self.allowed == PUBLIC:
            return True
        if role is None:
            return False
        # A department head and a senior manager reach what a supervisor reaches (engine/models/people.py).
        return self.allowed == SIGNED_IN or bool(roles_held(role) & set(self.allowed))
