"""Routes of the supervisor's pages: supervisors only (administrators run accounts, not cases)."""

from tests.functional.routes import Route

SUPERVISOR = ("supervisor",)
SENIOR_MANAGER = ("senior_manager",)  # the further extension of the regulatory clock is theirs to decide

ROUTES = [
    Route("GET", "/supervisor/", SUPERVISOR),
    Route(
        "POST",
        "/supervisor/escalations/<int(max=9223372036854775807):escalation_id>/acknowledge",
        SUPERVISOR,
        "/supervisor/escalations/999999/acknowledge",
    ),
    Route(
        "GET",
        "/supervisor/tasks/<int(max=9223372036854775807):task_id>/reassign",
        SUPERVISOR,
        "/supervisor/tasks/{task}/reassign",
    ),
    Route(
        "POST",
        "/supervisor/tasks/<int(max=9223372036854775807):task_id>/reassign",
        SUPERVISOR,
        "/supervisor/tasks/{task}/reassign",
    ),
    Route(
        "GET",
        "/supervisor/cases/<int(max=9223372036854775807):case_id>/owner",
        SUPERVISOR,
        "/supervisor/cases/{case}/owner",
    ),
    Route(
        "POST",
        "/supervisor/cases/<int(max=9223372036854775807):case_id>/owner",
        SUPERVISOR,
        "/supervisor/cases/{case}/owner",
    ),
    Route(
        "GET",
        "/supervisor/cases/<int(max=9223372036854775807):case_id>/regulatory",
        SUPERVISOR,
        "/supervisor/cases/{case}/regulatory",
    ),
    Route(
        "POST",
        "/supervisor/cases/<int(max=9223372036854775807):case_id>/regulatory/extend",
        SUPERVISOR,
        "/supervisor/cases/{case}/regulatory/extend",
    ),
    Route(
        "POST",
        "/supervisor/cases/<int(max=9223372036854775807):case_id>/regulatory/pause",
        SUPERVISOR,
        "/supervisor/cases/{case}/regulatory/pause",
    ),
    Route(
        "POST",
        "/supervisor/cases/<int(max=9223372036854775807):case_id>/regulatory/resume",
        SUPERVISOR,
        "/supervisor/cases/{case}/regulatory/resume",
    ),
    Route("GET", "/supervisor/extensions", SUPERVISOR),
    Route(
        "POST",
        "/supervisor/extensions/<int(max=9223372036854775807):request_id>/approve",
        SENIOR_MANAGER,
        "/supervisor/extensions/999999/approve",
    ),
    Route(
        "POST",
        "/supervisor/extensions/<int(max=9223372036854775807):request_id>/reject",
        SENIOR_MANAGER,
        "/supervisor/extensions/999999/reject",
    ),
]
