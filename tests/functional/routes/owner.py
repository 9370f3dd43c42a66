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
    Route("GET", DRAFT + "/compare", OWNERS, "/api/v1/drafts/999999/compare"),
    Route("POST", DRAFT + "/try", OWNERS, "/api/v1/drafts/999999/try", data={"json": {}}),
    Route("POST", DRAFT + "/run", OWNERS, "/api/v1/drafts/999999/run", data={"json": {}}),
    Route("POST", DRAFT + "/deploy", OWNERS, "/api/v1/drafts/999999/deploy", data={"json": {}}),
    Route("POST", "/api/v1/migrations", OWNERS, data={"json": {}}),
]
