"""Routes of evidence on cases and of the knowledge base: staff attach and download evidence on the workspace,
readers download it from the trace, the customer attaches from the tracking page (the file ids are ones no case
has: the roles allowed get 404); agents look the knowledge base up, process owners edit and deploy it."""

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

# The knowledge base: agents look it up; process owners (and administrators, as in the studio) edit and deploy it.
OWNERS = ("process_owner", "admin")
ROUTES += [
    Route("GET", "/agent/knowledge", WORKERS, "/agent/knowledge?q=card"),
    Route("GET", "/owner/knowledge", OWNERS),
    Route("GET", "/owner/knowledge/edit", OWNERS),
    Route("POST", "/owner/knowledge/edit", OWNERS),
    Route("POST", "/owner/knowledge/remove", OWNERS, data={"original": "no-such-entry"}),
]

# The API: staff read and attach evidence (auditors read); the customer attaches with the tracking code.
API_CASE = "/api/v1/complaints/" + ID.format("case_id") + "/evidence"
ROUTES += [
    Route("GET", API_CASE, ("agent", "supervisor", "auditor"), "/api/v1/complaints/{case}/evidence"),
    Route("POST", API_CASE, WORKERS, "/api/v1/complaints/{case}/evidence"),
    Route(
        "GET",
        API_CASE + "/" + ID.format("attachment_id"),
        ("agent", "supervisor", "auditor"),
        "/api/v1/complaints/{case}/evidence/999999",
    ),
    Route("POST", "/api/v1/track/<tracking_code>/evidence", PUBLIC, "/api/v1/track/{code}/evidence"),
]
