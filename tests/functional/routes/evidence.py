"""Routes of evidence on cases: staff attach and download on the workspace, readers download from the trace,
the customer attaches from the tracking page. The file ids are ones no case has: the roles allowed get 404."""

from tests.functional.routes import PUBLIC, Route

ID = "<int(max=9223372036854775807):{}>"
WORKERS = ("agent", "supervisor")
READERS = ("auditor", "supervisor")

ROUTES = [
    Route(
        "POST", "/agent/cases/" + ID.format("case_id") + "/evidence", WORKERS, "/agent/cases/{case}/evidence"
    ),
    Route(
        "GET",
        "/agent/cases/" + ID.format("case_id") + "/evidence/" + ID.format("attachment_id"),
        WORKERS,
        "/agent/cases/{case}/evidence/999999",
    ),
    Route(
        "GET",
        "/auditor/cases/" + ID.format("case_id") + "/evidence/" + ID.format("attachment_id"),
        READERS,
        "/auditor/cases/{case}/evidence/999999",
    ),
    Route("POST", "/track/<code>/evidence", PUBLIC, "/track/{code}/evidence"),
]
