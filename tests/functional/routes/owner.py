"""Routes of the process owner's studio (pages and API): process owners and administrators only."""

from tests.functional.routes import Route

OWNERS = ("process_owner", "admin")
ID = "<int(max=9223372036854775807):{}>"
DRAFT = "/api/v1/drafts/" + ID.format("draft_id")

ROUTES = [
    Route("GET", "/api/v1/studio/versions", OWNERS),
    Route("GET", "/api/v1/studio/handlers", OWNERS),
    Route(
        "GET",
        "/api/v1/studio/versions/" + ID.format("version_id") + "/compare/" + ID.format("other_id"),
        OWNERS,
        "/api/v1/studio/versions/1/compare/2",
    ),
    Route("GET", "/api/v1/drafts", OWNERS),
    Route("POST", "/api/v1/drafts", OWNERS, data={"json": {}}),
    Route("GET", DRAFT, OWNERS, "/api/v1/drafts/999999"),
    Route("PUT", DRAFT, OWNERS, "/api/v1/drafts/999999", data={"json": {"revision": 1}}),
    Route("DELETE", DRAFT, OWNERS, "/api/v1/drafts/999999"),
    Route("GET", DRAFT + "/files/<path:name>", OWNERS, "/api/v1/drafts/999999/files/general.bpmn"),
    Route("GET", DRAFT + "/checks", OWNERS, "/api/v1/drafts/999999/checks"),
    Route("GET", DRAFT + "/revisions", OWNERS, "/api/v1/drafts/999999/revisions"),
    Route(
        "POST",
        DRAFT + "/revisions/<int(max=2147483647):number>/restore",
        OWNERS,
        "/api/v1/drafts/999999/revisions/1/restore",
        data={"json": {"revision": 1}},
    ),
    Route("GET", DRAFT + "/compare", OWNERS, "/api/v1/drafts/999999/compare"),
    Route("POST", DRAFT + "/try", OWNERS, "/api/v1/drafts/999999/try", data={"json": {}}),
    Route("POST", DRAFT + "/run", OWNERS, "/api/v1/drafts/999999/run", data={"json": {}}),
    Route("POST", DRAFT + "/deploy", OWNERS, "/api/v1/drafts/999999/deploy", data={"json": {}}),
    Route("POST", "/api/v1/migrations", OWNERS, data={"json": {}}),
]

PAGE_ID = "<int(max=9223372036854775807):{}>"
ROUTES += [
    Route("GET", "/owner/", OWNERS),
    Route("POST", "/owner/drafts", OWNERS, data={"version_id": "999999"}),
    Route("GET", "/owner/drafts/" + PAGE_ID.format("draft_id"), OWNERS, "/owner/drafts/999999"),
    Route(
        "GET",
        "/owner/drafts/" + PAGE_ID.format("draft_id") + "/download",
        OWNERS,
        "/owner/drafts/999999/download",
    ),
    Route(
        "POST",
        "/owner/drafts/" + PAGE_ID.format("draft_id") + "/discard",
        OWNERS,
        "/owner/drafts/999999/discard",
    ),
    Route(
        "GET",
        "/owner/drafts/" + PAGE_ID.format("draft_id") + "/compare",
        OWNERS,
        "/owner/drafts/999999/compare",
    ),
    Route("GET", "/owner/drafts/" + PAGE_ID.format("draft_id") + "/try", OWNERS, "/owner/drafts/999999/try"),
    Route("POST", "/owner/drafts/" + PAGE_ID.format("draft_id") + "/try", OWNERS, "/owner/drafts/999999/try"),
    Route("GET", "/owner/drafts/" + PAGE_ID.format("draft_id") + "/run", OWNERS, "/owner/drafts/999999/run"),
    Route("POST", "/owner/drafts/" + PAGE_ID.format("draft_id") + "/run", OWNERS, "/owner/drafts/999999/run"),
    Route(
        "GET",
        "/owner/drafts/" + PAGE_ID.format("draft_id") + "/deploy",
        OWNERS,
        "/owner/drafts/999999/deploy",
    ),
    Route(
        "POST",
        "/owner/drafts/" + PAGE_ID.format("draft_id") + "/deploy",
        OWNERS,
        "/owner/drafts/999999/deploy",
    ),
    Route(
        "GET",
        "/owner/versions/" + PAGE_ID.format("version_id") + "/files/<path:name>",
        OWNERS,
        "/owner/versions/1/files/complaint.bpmn",
    ),
    Route(
        "GET",
        "/owner/versions/" + PAGE_ID.format("version_id") + "/compare/" + PAGE_ID.format("other_id"),
        OWNERS,
        "/owner/versions/1/compare/2",
    ),
    Route(
        "GET",
        "/owner/versions/" + PAGE_ID.format("version_id") + "/migrate",
        OWNERS,
        "/owner/versions/1/migrate",
    ),
    Route(
        "POST",
        "/owner/versions/" + PAGE_ID.format("version_id") + "/migrate",
        OWNERS,
        "/owner/versions/1/migrate",
    ),
    Route("POST", "/owner/form-preview", OWNERS),
]

# A draft's files and history (web/owner/files.py).
DRAFT_PAGE = "/owner/drafts/" + PAGE_ID.format("draft_id")
ROUTES += [
    Route("POST", DRAFT_PAGE + "/files", OWNERS, "/owner/drafts/999999/files"),
    Route("POST", DRAFT_PAGE + "/files/rename", OWNERS, "/owner/drafts/999999/files/rename"),
    Route("POST", DRAFT_PAGE + "/files/delete", OWNERS, "/owner/drafts/999999/files/delete"),
    Route("GET", DRAFT_PAGE + "/history", OWNERS, "/owner/drafts/999999/history"),
    Route(
        "POST",
        DRAFT_PAGE + "/history/<int(max=2147483647):number>/restore",
        OWNERS,
        "/owner/drafts/999999/history/1/restore",
    ),
]
