"""Routes of the public start page, monitoring, sign-in and the REST API."""

from tests.functional.routes import PUBLIC, SIGNED_IN, Route

WORKERS = ("agent", "supervisor")
READERS = ("agent", "supervisor", "auditor")
CHANNELS = ("agent", "supervisor")
MONITORS = ("supervisor", "auditor", "admin")
ID = "<int(max=9223372036854775807):{}>"

ROUTES = [
    Route("GET", "/static/<path:filename>", PUBLIC, "/static/app.css"),
    Route("GET", "/", PUBLIC),
    Route("GET", "/metrics/sla", MONITORS),
    Route("GET", "/metrics", MONITORS),
    Route("GET", "/healthz", PUBLIC),
    Route("GET", "/signin", PUBLIC),
    Route("POST", "/signin", PUBLIC),
    Route("POST", "/signout", SIGNED_IN),
    Route("POST", "/language", PUBLIC, data={"language": "en"}),
    # The API: tokens or the session; 401 for nobody, 403 for a role that may not.
    Route("GET", "/api/v1/openapi.json", PUBLIC),
    Route("POST", "/api/v1/complaints", CHANNELS, data={"json": {}}),
    Route("GET", "/api/v1/complaints/form", CHANNELS),
    Route("GET", "/api/v1/complaints/" + ID.format("case_id"), READERS, "/api/v1/complaints/{case}"),
    Route(
        "GET",
        "/api/v1/complaints/" + ID.format("case_id") + "/trace",
        ("supervisor", "auditor"),
        "/api/v1/complaints/{case}/trace",
    ),
    Route("POST", "/api/v1/processes", ("process_owner", "admin")),
    Route("GET", "/api/v1/processes", ("process_owner", "admin", "supervisor", "auditor")),
    Route("GET", "/api/v1/tasks", READERS),
    Route("GET", "/api/v1/tasks/" + ID.format("task_id"), READERS, "/api/v1/tasks/{task}"),
    Route("POST", "/api/v1/tasks/" + ID.format("task_id") + "/claim", WORKERS, "/api/v1/tasks/{task}/claim"),
    Route(
        "POST",
        "/api/v1/tasks/" + ID.format("task_id") + "/complete",
        WORKERS,
        "/api/v1/tasks/{task}/complete",
        data={"json": {"data": {}}},
    ),
    Route("GET", "/api/v1/track/<tracking_code>", PUBLIC, "/api/v1/track/{code}"),
    Route(
        "POST", "/api/v1/track/<tracking_code>/reply", PUBLIC, "/api/v1/track/{code}/reply", data={"json": {}}
    ),
    Route("GET", "/api/v1/track/<tracking_code>/survey", PUBLIC, "/api/v1/track/{code}/survey"),
    Route(
        "POST",
        "/api/v1/track/<tracking_code>/survey",
        PUBLIC,
        "/api/v1/track/{code}/survey",
        data={"json": {}},
    ),
]
