"""Routes of the figures: supervisors, auditors and managers (figures, no customer data)."""

from tests.functional.routes import Route

READERS = ("supervisor", "auditor", "manager")

ROUTES = [
    Route("GET", "/reports/", READERS),
    Route("GET", "/reports/cases", READERS, "/reports/cases?figure=volume_tier&column=cases"),
    Route("GET", "/reports/monthly", READERS),
    Route("GET", "/reports/monthly/<month>.<fmt>", READERS, "/reports/monthly/2026-02.html"),
    Route("GET", "/reports/regulatory", READERS),
]
