"""Routes of the service-standard features: filing for a customer, re-triage."""

from tests.functional.routes import Route

WORKERS = ("agent", "supervisor")

ROUTES = [
    Route("GET", "/agent/complaints/new", WORKERS),
    Route("POST", "/agent/complaints/new", WORKERS),
]
