"""Routes of the supervisor's pages: supervisors only (administrators run accounts, not cases)."""

from tests.functional.routes import Route

SUPERVISOR = ("supervisor",)

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
]
