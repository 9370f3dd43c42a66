"""Routes of the auditor pages: read-only, for auditors and supervisors (the chain: auditors and admins)."""

from tests.functional.routes import Route

READERS = ("auditor", "supervisor")

ROUTES = [
    Route("GET", "/auditor/", READERS),
    Route("GET", "/auditor/cases/<int(max=9223372036854775807):case_id>", READERS, "/auditor/cases/{case}"),
    Route("GET", "/auditor/chain", ("auditor", "admin")),
    # The path on the diagram (issue 14): the page, its JSON and the deployed diagrams it draws.
    Route(
        "GET",
        "/auditor/cases/<int(max=9223372036854775807):case_id>/diagram",
        READERS,
        "/auditor/cases/{case}/diagram",
    ),
    Route(
        "GET",
        "/auditor/cases/<int(max=9223372036854775807):case_id>/path",
        READERS,
        "/auditor/cases/{case}/path",
    ),
    Route(
        "GET",
        "/auditor/diagrams/<string(maxlength=255):process>/<int:version>",
        READERS,
        "/auditor/diagrams/{process}/1",
    ),
    Route("GET", "/auditor/heatmap", READERS),
    # A case's record for a regulator: auditors only (it holds the customer's numbers unmasked).
    Route(
        "GET",
        "/auditor/cases/<int(max=9223372036854775807):case_id>/export",
        ("auditor",),
        "/auditor/cases/{case}/export",
    ),
    Route(
        "POST",
        "/auditor/cases/<int(max=9223372036854775807):case_id>/export",
        ("auditor",),
        "/auditor/cases/{case}/export",
    ),
]
