"""Routes of the agent pages: agents and supervisors (who work the supervisor lane) use them."""

from tests.functional.routes import Route

WORKERS = ("agent", "supervisor")
ID = "<int(max=9223372036854775807):{}>"

ROUTES = [
    Route("GET", "/agent/", WORKERS),
    Route("POST", "/agent/tasks/" + ID.format("task_id") + "/claim", WORKERS, "/agent/tasks/{task}/claim"),
    Route("GET", "/agent/tasks/" + ID.format("task_id"), WORKERS, "/agent/tasks/{task}"),
    Route("POST", "/agent/tasks/" + ID.format("task_id"), WORKERS, "/agent/tasks/{task}"),
    Route("GET", "/agent/cases/" + ID.format("case_id"), WORKERS, "/agent/cases/{case}"),
    Route("GET", "/agent/notices", WORKERS),
    # Without a decision in the form the case page comes back with a message: allowed, changing nothing.
    Route(
        "POST", "/agent/cases/" + ID.format("case_id") + "/identity", WORKERS, "/agent/cases/{case}/identity"
    ),
]
