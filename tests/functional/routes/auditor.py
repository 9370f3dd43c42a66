"""Routes of the auditor pages: read-only, for auditors and supervisors (the chain: auditors and admins)."""

from tests.functional.routes import Route

READERS = ("auditor", "supervisor")

ROUTES = [
    Route("GET", "/auditor/", READERS),
    Route("GET", "/auditor/cases/<int(max=9223372036854775807):case_id>", READERS, "/auditor/cases/{case}"),
    Route("GET", "/auditor/chain", ("auditor", "admin")),
]
