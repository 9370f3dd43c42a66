"""Routes of the service-standard features: filing for a customer, re-triage."""

from tests.functional.routes import Route

WORKERS = ("agent", "supervisor")
ID = "<int(max=9223372036854775807):{}>"
TRIAGE = "/agent/cases/" + ID.format("case_id") + "/triage"

ROUTES = [
    Route("GET", "/agent/complaints/new", WORKERS),
    Route("POST", "/agent/complaints/new", WORKERS),
    # Open to the case owner and supervisors: in the test's world the agent has claimed the case's frontline task
    # by then, so owns it (another agent gets 403: tests/functional/test_standard_triage_page.py).
    Route("GET", TRIAGE, WORKERS, "/agent/cases/{case}/triage"),
    Route("POST", TRIAGE, WORKERS, "/agent/cases/{case}/triage"),
]
